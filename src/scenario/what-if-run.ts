import { issueAt, type Path, type PathIssue } from './path.ts'
import { scenarioSchema, type ParsedScenario } from './schema.ts'
import { validateScenario } from './validate.ts'
import { applyWhatIf, attribute, type Touch } from './what-if.ts'
import { fromZodIssues, scenarioErrorMap } from './zod-issues.ts'

export type Checked =
  | { readonly ok: true; readonly doc: ParsedScenario }
  | { readonly ok: false; readonly issues: readonly PathIssue[] }

/** Structure first (zod), then the cross-reference rules, as in a file read from disk. */
export function checkScenario(value: unknown): Checked {
  const parsed = scenarioSchema.safeParse(value, { error: scenarioErrorMap, reportInput: true })
  if (!parsed.success) return { ok: false, issues: fromZodIssues(parsed.error.issues) }
  const issues = validateScenario(parsed.data)
  return issues.length === 0 ? { ok: true, doc: parsed.data } : { ok: false, issues }
}

/**
 * Applies what-ifs in order, each to the result of the previous, then checks the result as a
 * whole. Issues point at the operation that caused them, else at the what-if.
 */
export function runWhatIfs(base: ParsedScenario, ids: readonly string[]): Checked {
  let doc = base
  const issues: PathIssue[] = []
  const touched: Touch[] = []
  for (const id of ids) {
    const whatIf = base.what_ifs[id]
    if (whatIf === undefined) continue
    const draft = applyWhatIf(doc, id, whatIf)
    doc = draft.doc
    issues.push(...draft.issues)
    touched.push(...draft.touched)
  }
  if (issues.length > 0) return { ok: false, issues }
  const checked = checkScenario(doc)
  if (checked.ok) return checked
  const fallback: Path = ids.length === 1 ? ['what_ifs', ...ids] : ['what_ifs']
  const label = ids.length === 1 ? 'in the result' : `in the result of ${ids.join(' then ')}`
  const attributed = checked.issues.map((issue) => attribute(issue, touched, fallback, label))
  return { ok: false, issues: attributed }
}

/** Each what-if must apply cleanly to the baseline on its own. */
export function checkEachWhatIf(base: ParsedScenario): PathIssue[] {
  return Object.keys(base.what_ifs).flatMap((id) => {
    const checked = runWhatIfs(base, [id])
    return checked.ok ? [] : checked.issues
  })
}

export function unknownWhatIfs(base: ParsedScenario, ids: readonly string[]): PathIssue[] {
  const known = Object.keys(base.what_ifs)
  const list = known.length === 0 ? 'the scenario has none' : `known what-ifs: ${known.join(', ')}`
  return ids
    .filter((id) => !known.includes(id))
    .map((id) => issueAt(['what_ifs'], `unknown what-if "${id}"; ${list}`))
}
