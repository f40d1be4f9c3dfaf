import assert from 'node:assert/strict'
import { parseScenarioText, type LoadResult, type ScenarioIssue } from '../../src/scenario/load.ts'
import type { ScenarioDoc } from '../../src/scenario/schema.ts'

/** A small valid scenario; error tests change one line of it. */
export const MINIMAL = `name: test
timezone: Asia/Seoul
sources:
  s1: https://example.org/s1
parties:
  KOR: { name: Korea, levels: [PUBLIC, MIL-III, MIL-II], public: PUBLIC }
  JPN: { name: Japan, levels: [PUBLIC, HI, GOKUHI] }
  USA: { name: United States, levels: [UNCLASSIFIED, SECRET] }
agreements:
  g:
    title: G
    kind: bilateral
    parties: [KOR, JPN]
    topics: all
    equivalence:
      - { KOR: MIL-II, JPN: GOKUHI }
    term: { initial: P1Y, renewal: P1Y, notice: P90D }
    events:
      - { date: 2016-11-23, type: entry-into-force, source: s1 }
      - { date: 2019-08-23, type: notice-of-termination, by: KOR }
sensors:
  k1: { party: KOR, position: { lat: 37, lon: 127, alt_m: 100 }, max_range_km: 800 }
launches:
  - id: l1
    time: 2019-10-31T16:35:00+09:00
    site: { lat: 39.4, lon: 125.9 }
    impact: { lat: 40.0, lon: 130.3 }
    apogee_km: 90
    topic: dprk-missile
    marking: { KOR: MIL-II }
`

/** The scenario with one snippet replaced (the snippet must occur exactly once). */
export function edit(text: string, from: string, to: string): string {
  assert.equal(text.split(from).length, 2, `snippet occurs exactly once: ${from}`)
  return text.replace(from, to)
}

/** 1-based line of the only line that contains the snippet. */
export function lineOf(text: string, snippet: string): number {
  const lines = text.split('\n')
  const matches = lines.flatMap((line, index) => (line.includes(snippet) ? [index + 1] : []))
  assert.equal(matches.length, 1, `one line contains ${snippet}`)
  return matches[0] ?? 0
}

export function loaded(result: LoadResult): ScenarioDoc {
  if (!result.ok) assert.fail(result.issues.map((issue) => JSON.stringify(issue)).join('\n'))
  return result.doc
}

export function issuesOf(
  text: string,
  whatIfIds: readonly string[] = [],
): readonly ScenarioIssue[] {
  const result = parseScenarioText(text, 'test.yaml', whatIfIds)
  if (result.ok) assert.fail('expected the scenario to be rejected')
  return result.issues
}

/** The one issue at `path`; fails listing every issue when there is not exactly one. */
export function issueAtPath(issues: readonly ScenarioIssue[], path: string): ScenarioIssue {
  const found = issues.filter((issue) => issue.path === path)
  const listing = issues.map((issue) => `${issue.line}: ${issue.path}: ${issue.message}`).join('\n')
  assert.equal(found.length, 1, `one issue at ${path}; got:\n${listing}`)
  return found[0] as ScenarioIssue
}
