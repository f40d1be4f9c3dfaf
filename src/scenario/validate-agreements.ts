import type { PathIssue, Path } from './path.ts'
import { issueAt } from './path.ts'
import type { ParsedAgreement, ParsedScenario } from './schema.ts'
import { checkLevel, checkParty, checkUnique, type Parties } from './validate-common.ts'

type Row = Readonly<Record<string, string>>

type Rows = readonly Row[] | 'spif'

function checkRows(agreement: ParsedAgreement, rows: Rows, path: Path): PathIssue[] {
  const members = agreement.parties
  if (rows === 'spif') return []
  return rows.flatMap((row, index) => {
    const rowPath = [...path, index]
    const named = Object.keys(row)
    const issues = named.flatMap((id) =>
      members.includes(id)
        ? []
        : [issueAt([...rowPath, id], `${id} is not a party of this agreement`)],
    )
    if (named.length < 2)
      issues.push(issueAt(rowPath, 'a row must name levels of at least 2 parties'))
    if (agreement.kind === 'mediated') {
      const missing = members.filter((id) => !named.includes(id))
      if (missing.length > 0) {
        issues.push(
          issueAt(
            rowPath,
            `a row of a mediated agreement must name every party; missing ${missing.join(', ')}`,
          ),
        )
      }
    }
    return issues
  })
}

function checkRowLevels(parties: Parties, rows: Rows, path: Path): PathIssue[] {
  if (rows === 'spif') return []
  return rows.flatMap((row, index) =>
    Object.entries(row).flatMap(([id, level]) =>
      Object.hasOwn(parties, id) ? checkLevel(parties, id, level, [...path, index, id]) : [],
    ),
  )
}

/** `equivalence: spif` needs a policy for every party it names (path ends at `equivalence`). */
function checkSpifMembers(
  agreement: ParsedAgreement,
  parties: Parties,
  rows: Rows,
  path: Path,
): PathIssue[] {
  if (rows !== 'spif') return []
  const missing = agreement.parties.filter(
    (id) => Object.hasOwn(parties, id) && parties[id]?.spif === undefined,
  )
  if (missing.length === 0) return []
  return [
    issueAt(
      path,
      `"spif" takes the levels' equivalence from every party's SPIF policy, but ${missing.join(', ')} names no spif file`,
    ),
  ]
}

function checkShape(agreement: ParsedAgreement, path: Path): PathIssue[] {
  const { kind, hub, parties } = agreement
  const issues: PathIssue[] = []
  if (kind === 'bilateral' && parties.length !== 2) {
    issues.push(
      issueAt(
        [...path, 'parties'],
        `a bilateral agreement has exactly 2 parties, not ${parties.length}`,
      ),
    )
  }
  if (kind === 'mediated') {
    if (hub === null) issues.push(issueAt([...path, 'hub'], 'is required when kind is mediated'))
    else if (!parties.includes(hub))
      issues.push(issueAt([...path, 'hub'], `hub ${hub} is not among the parties`))
    if (parties.length < 3) {
      issues.push(
        issueAt(
          [...path, 'parties'],
          'a mediated agreement needs its hub and at least 2 other parties',
        ),
      )
    }
  } else {
    if (hub !== null)
      issues.push(
        issueAt([...path, 'hub'], `only a mediated agreement has a hub, not a ${kind} one`),
      )
    if (agreement.relay_delay_s !== 0) {
      issues.push(
        issueAt(
          [...path, 'relay_delay_s'],
          `applies to mediated agreements only, not a ${kind} one`,
        ),
      )
    }
  }
  return issues
}

function checkEvents(agreement: ParsedAgreement, parties: Parties, path: Path): PathIssue[] {
  const issues: PathIssue[] = []
  const noticeGivenBy = new Set<string>()
  let forceCount = 0
  agreement.events.forEach((event, index) => {
    const at = [...path, index]
    const previous = agreement.events[index - 1]
    if (previous !== undefined && event.date < previous.date) {
      issues.push(
        issueAt(
          [...at, 'date'],
          `${event.date} comes before the previous event's date ${previous.date}; events must be in date order`,
        ),
      )
    }
    if (event.type === 'entry-into-force' && ++forceCount > 1) {
      issues.push(issueAt([...at, 'type'], 'an agreement enters into force at most once'))
    }
    if ('by' in event) {
      if (!agreement.parties.includes(event.by)) {
        issues.push(issueAt([...at, 'by'], `${event.by} is not a party of this agreement`))
      } else if (event.type === 'notice-of-termination') noticeGivenBy.add(event.by)
      else if (!noticeGivenBy.has(event.by)) {
        issues.push(
          issueAt(
            [...at, 'by'],
            `${event.type} by ${event.by} follows no notice-of-termination by ${event.by}`,
          ),
        )
      }
    }
    if ('changes' in event)
      issues.push(...checkChanges(agreement, parties, event.changes, [...at, 'changes']))
  })
  return issues
}

function checkChanges(
  agreement: ParsedAgreement,
  parties: Parties,
  changes: { equivalence?: Rows | undefined; topics?: unknown; release?: unknown },
  path: Path,
): PathIssue[] {
  if (Object.keys(changes).length === 0)
    return [issueAt(path, 'an amendment must change topics, equivalence or release')]
  const rows = changes.equivalence ?? []
  const rowsPath = [...path, 'equivalence']
  return [
    ...checkRows(agreement, rows, rowsPath),
    ...checkRowLevels(parties, rows, rowsPath),
    ...checkSpifMembers(agreement, parties, rows, rowsPath),
  ]
}

export function checkAgreement(
  doc: ParsedScenario,
  id: string,
  agreement: ParsedAgreement,
): PathIssue[] {
  const path = ['agreements', id]
  const members = agreement.parties
  return [
    ...checkUnique(members, [...path, 'parties'], 'party'),
    ...members.flatMap((party, index) =>
      checkParty(doc.parties, party, [...path, 'parties', index]),
    ),
    ...checkShape(agreement, path),
    ...checkRows(agreement, agreement.equivalence, [...path, 'equivalence']),
    ...checkRowLevels(doc.parties, agreement.equivalence, [...path, 'equivalence']),
    ...checkSpifMembers(agreement, doc.parties, agreement.equivalence, [...path, 'equivalence']),
    ...checkEvents(agreement, doc.parties, [...path, 'events']),
  ]
}
