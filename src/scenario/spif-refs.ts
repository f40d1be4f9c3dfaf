import { parseSpif } from '../domain/spif-parse.ts'
import type { SpifPolicy } from '../domain/spif.ts'
import { issueAt, type PathIssue } from './path.ts'

/** Reads a file a scenario names (e.g. a party's `spif`), relative to the scenario. */
export type SideFileReader = (
  ref: string,
) => { readonly ok: true; readonly text: string } | { readonly ok: false; readonly message: string }

export interface ResolvedSpifs {
  /** The raw document with each SPIF party's `levels` filled from its policy. */
  readonly value: unknown
  readonly policies: Readonly<Record<string, SpifPolicy>>
  readonly issues: readonly PathIssue[]
}

type Raw = Record<string, unknown>
const isRaw = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Before the schema runs: reads every party's `spif` file and puts the policy's
 * classifications (lowest first) in as the party's `levels`, or checks that the written
 * `levels` are the same. Pure; the reader does the I/O. A party without `spif` is untouched.
 */
export function resolveSpifs(value: unknown, read: SideFileReader | null): ResolvedSpifs {
  const parties = isRaw(value) ? value['parties'] : undefined
  if (!isRaw(value) || !isRaw(parties)) return { value, policies: {}, issues: [] }
  const policies: Record<string, SpifPolicy> = {}
  const issues: PathIssue[] = []
  const resolved: Raw = {}
  for (const [id, party] of Object.entries(parties)) {
    resolved[id] = party
    if (!isRaw(party) || typeof party['spif'] !== 'string') continue
    const ref = party['spif']
    const at = ['parties', id, 'spif']
    if (read === null) {
      issues.push(issueAt(at, 'a SPIF file is read only when the scenario is loaded from a file'))
      continue
    }
    const file = read(ref)
    if (!file.ok) {
      issues.push(issueAt(at, `${ref}: ${file.message}`))
      continue
    }
    const parsed = parseSpif(file.text)
    if (!parsed.ok) {
      for (const i of parsed.issues) {
        const line = i.line === null ? '' : ` (line ${i.line})`
        issues.push(issueAt(at, `${ref}${line}: ${i.where}: ${i.message}`))
      }
      continue
    }
    const names = parsed.value.classifications.map((c) => c.name as string)
    const written = party['levels']
    if (written !== undefined && JSON.stringify(written) !== JSON.stringify(names)) {
      issues.push(
        issueAt(
          ['parties', id, 'levels'],
          `must be the SPIF policy's classifications, lowest first (${names.join(', ')}), or be left out`,
        ),
      )
    }
    policies[id] = parsed.value
    resolved[id] = { ...party, levels: names }
  }
  return { value: { ...value, parties: resolved }, policies, issues }
}
