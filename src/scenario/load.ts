import type { ScenarioDoc } from './doc.ts'
import type { Locator } from './locate.ts'
import { formatPath, type PathIssue } from './path.ts'
import { readBeside, readTextFile } from './read-file.ts'
import { resolveSpifs, type SideFileReader } from './spif-refs.ts'
import type { ParsedScenario } from './schema.ts'
import { completeLaunch } from './validate-launches.ts'
import { checkEachWhatIf, checkScenario, runWhatIfs, unknownWhatIfs } from './what-if-run.ts'
import { readYaml } from './yaml-source.ts'

export interface ScenarioIssue {
  readonly file: string
  /** 1-based; 0 when the issue has no place in the file (unreadable file, unknown what-if). */
  readonly line: number
  /** Dotted path, e.g. `agreements.kor-jpn-gsomia.events[2].by`; `(root)` for the whole file. */
  readonly path: string
  readonly message: string
}

export type LoadResult =
  | { readonly ok: true; readonly doc: ScenarioDoc; readonly file: string }
  | { readonly ok: false; readonly issues: readonly ScenarioIssue[] }

/** `file:line: path: message` */
export function formatIssue(issue: ScenarioIssue): string {
  return `${issue.file}:${issue.line}: ${issue.path}: ${issue.message}`
}

function placed(file: string, locator: Locator, issues: readonly PathIssue[]): ScenarioIssue[] {
  const seen = new Set<string>()
  return issues
    .map((issue) => ({
      file,
      line: locator.lineOf(issue.path),
      path: formatPath(issue.path),
      message: issue.message,
    }))
    .filter((issue) => {
      const key = formatIssue(issue)
      return seen.has(key) ? false : (seen.add(key), true)
    })
    .sort((a, b) => a.line - b.line)
}

function complete(doc: ParsedScenario, policies: ScenarioDoc['policies']): ScenarioDoc {
  return { ...doc, launches: doc.launches.map(completeLaunch), policies: policies ?? {} }
}

/**
 * Parses and validates a scenario, then applies the named what-ifs in order. Pure: the files
 * it names (parties' SPIF policies) come through `readSide`. Every issue found is returned;
 * nothing is thrown for a mistake in the file.
 */
export function parseScenarioText(
  text: string,
  file: string,
  whatIfIds: readonly string[] = [],
  readSide: SideFileReader | null = null,
): LoadResult {
  const source = readYaml(text)
  if (!source.ok)
    return {
      ok: false,
      issues: source.issues.map((issue) => ({ file, path: '(syntax)', ...issue })),
    }
  const fail = (issues: readonly PathIssue[]): LoadResult => ({
    ok: false,
    issues: placed(file, source.locator, issues),
  })
  const spifs = resolveSpifs(source.value, readSide)
  if (spifs.issues.length > 0) return fail(spifs.issues)
  const base = checkScenario(spifs.value)
  if (!base.ok) return fail(base.issues)
  const unknown = unknownWhatIfs(base.doc, whatIfIds).map((issue) => ({
    file,
    line: 0,
    path: formatPath(issue.path),
    message: issue.message,
  }))
  const eachIssues = checkEachWhatIf(base.doc)
  if (unknown.length > 0 || eachIssues.length > 0) {
    return { ok: false, issues: [...placed(file, source.locator, eachIssues), ...unknown] }
  }
  const result = runWhatIfs(base.doc, whatIfIds)
  if (!result.ok) return fail(result.issues)
  return { ok: true, doc: complete(result.doc, spifs.policies), file }
}

/** Reads a scenario file and parses it; an unreadable file is one issue at line 0. */
export function loadScenarioFile(path: string, whatIfIds: readonly string[] = []): LoadResult {
  const read = readTextFile(path)
  if (!read.ok)
    return { ok: false, issues: [{ file: path, line: 0, path: '(root)', message: read.message }] }
  return parseScenarioText(read.text, path, whatIfIds, (ref) => readBeside(path, ref))
}
