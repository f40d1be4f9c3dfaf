import { formatPath, issueAt, pathsOverlap, type Path, type PathIssue } from './path.ts'
import type { ParsedScenario, ParsedWhatIf } from './schema.ts'
import { knownList } from './validate-common.ts'
import { setAtPath } from './what-if-set.ts'

/** A part of the document that an operation changed, and where the operation is written. */
export interface Touch {
  readonly docPath: Path
  readonly source: Path
}

interface Draft {
  readonly doc: ParsedScenario
  readonly issues: PathIssue[]
  readonly touched: Touch[]
}

type Events = ParsedScenario['agreements'][string]['events']
type Event = Events[number]
type Operation = (draft: Draft, whatIf: ParsedWhatIf, at: Path) => void

/** A deep copy of plain data (what YAML gives: objects, lists, strings, numbers, null). */
export function cloneData<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T
}

function unknownAgreement(draft: Draft, id: string, at: Path): boolean {
  if (Object.hasOwn(draft.doc.agreements, id)) return false
  const known = knownList(Object.keys(draft.doc.agreements))
  draft.issues.push(issueAt(at, `unknown agreement "${id}"; known agreements: ${known}`))
  return true
}

const removeAgreements: Operation = (draft, whatIf, at) => {
  whatIf.remove_agreements?.forEach((id, index) => {
    if (unknownAgreement(draft, id, [...at, index])) return
    delete draft.doc.agreements[id]
    draft.touched.push({ docPath: ['agreements', id], source: [...at, index] })
  })
}

const addAgreements: Operation = (draft, whatIf, at) => {
  for (const [id, agreement] of Object.entries(whatIf.add_agreements ?? {})) {
    if (Object.hasOwn(draft.doc.agreements, id)) {
      draft.issues.push(issueAt([...at, id], `agreement "${id}" already exists; remove it first`))
      continue
    }
    draft.doc.agreements[id] = cloneData(agreement)
    draft.touched.push({ docPath: ['agreements', id], source: [...at, id] })
  }
}

const removeEvents: Operation = (draft, whatIf, at) => {
  whatIf.remove_events?.forEach((selector, index) => {
    const { agreement: id, type, date } = selector
    if (unknownAgreement(draft, id, [...at, index, 'agreement'])) return
    const agreement = draft.doc.agreements[id]
    if (agreement === undefined) return
    const matches = (event: Event): boolean =>
      event.type === type && (date === undefined || event.date === date)
    if (!agreement.events.some(matches)) {
      const dated = date === undefined ? '' : ` dated ${date}`
      draft.issues.push(
        issueAt([...at, index], `matches no event: ${id} has no ${type} event${dated}`),
      )
      return
    }
    agreement.events = agreement.events.filter((event) => !matches(event))
    draft.touched.push({ docPath: ['agreements', id, 'events'], source: [...at, index] })
  })
}

const addEvents: Operation = (draft, whatIf, at) => {
  whatIf.add_events?.forEach((added, index) => {
    const { agreement: id, ...event } = added
    if (unknownAgreement(draft, id, [...at, index, 'agreement'])) return
    const agreement = draft.doc.agreements[id]
    if (agreement === undefined) return
    const after = agreement.events.filter((existing) => existing.date <= event.date).length
    agreement.events.splice(after, 0, cloneData(event))
    draft.touched.push({ docPath: ['agreements', id, 'events'], source: [...at, index] })
  })
}

const removeSensors: Operation = (draft, whatIf, at) => {
  whatIf.remove_sensors?.forEach((id, index) => {
    if (!Object.hasOwn(draft.doc.sensors, id)) {
      const known = knownList(Object.keys(draft.doc.sensors))
      draft.issues.push(issueAt([...at, index], `unknown sensor "${id}"; known sensors: ${known}`))
      return
    }
    delete draft.doc.sensors[id]
    draft.touched.push({ docPath: ['sensors', id], source: [...at, index] })
  })
}

const addSensors: Operation = (draft, whatIf, at) => {
  for (const [id, sensor] of Object.entries(whatIf.add_sensors ?? {})) {
    if (Object.hasOwn(draft.doc.sensors, id)) {
      draft.issues.push(issueAt([...at, id], `sensor "${id}" already exists; remove it first`))
      continue
    }
    draft.doc.sensors[id] = cloneData(sensor)
    draft.touched.push({ docPath: ['sensors', id], source: [...at, id] })
  }
}

const removeRequests: Operation = (draft, whatIf, at) => {
  whatIf.remove_requests?.forEach((selector, index) => {
    type Request = ParsedScenario['requests'][number]
    const matches = (request: Request): boolean =>
      (selector.launch === undefined || request.launch === selector.launch) &&
      (selector.from === undefined || request.from === selector.from) &&
      (selector.to === undefined || request.to === selector.to)
    if (!draft.doc.requests.some(matches)) {
      draft.issues.push(issueAt([...at, index], 'matches no request'))
      return
    }
    draft.doc.requests = draft.doc.requests.filter((request) => !matches(request))
    draft.touched.push({ docPath: ['requests'], source: [...at, index] })
  })
}

const addRequests: Operation = (draft, whatIf, at) => {
  whatIf.add_requests?.forEach((request, index) => {
    draft.touched.push({ docPath: ['requests', draft.doc.requests.length], source: [...at, index] })
    draft.doc.requests.push(cloneData(request))
  })
}

const set: Operation = (draft, whatIf, at) => {
  for (const [dotted, value] of Object.entries(whatIf.set ?? {})) {
    const source = [...at, dotted]
    const outcome = setAtPath(draft.doc, dotted, cloneData(value))
    if (outcome.ok) draft.touched.push({ docPath: outcome.path, source })
    else draft.issues.push(issueAt(source, `cannot set this path: ${outcome.message}`))
  }
}

/** In the documented order: removals before additions, `set` last. */
const OPERATIONS = [
  ['remove_agreements', removeAgreements],
  ['add_agreements', addAgreements],
  ['remove_events', removeEvents],
  ['add_events', addEvents],
  ['remove_sensors', removeSensors],
  ['add_sensors', addSensors],
  ['remove_requests', removeRequests],
  ['add_requests', addRequests],
  ['set', set],
] as const

/**
 * Applies one what-if to a copy of `doc`. The result is not validated here: `set` may have
 * written anything, so the caller parses and validates it again.
 */
export function applyWhatIf(doc: ParsedScenario, id: string, whatIf: ParsedWhatIf): Draft {
  const draft: Draft = { doc: cloneData(doc), issues: [], touched: [] }
  for (const [name, operation] of OPERATIONS) operation(draft, whatIf, ['what_ifs', id, name])
  return draft
}

/** Moves an issue found in a what-if's result to the operation that caused it. */
export function attribute(
  issue: PathIssue,
  touched: readonly Touch[],
  fallback: Path,
  label: string,
): PathIssue {
  const cause = touched.findLast((touch) => pathsOverlap(touch.docPath, issue.path))
  return issueAt(cause?.source ?? fallback, `${label}, ${formatPath(issue.path)}: ${issue.message}`)
}
