import type { Path, PathIssue } from './path.ts'
import { issueAt } from './path.ts'
import type { ParsedScenario } from './schema.ts'

export type Parties = ParsedScenario['parties']

export function knownList(keys: readonly string[]): string {
  return keys.length === 0 ? '(none)' : keys.join(', ')
}

/** Issues for a party reference that does not resolve. */
export function checkParty(parties: Parties, id: string, path: Path): PathIssue[] {
  if (Object.hasOwn(parties, id)) return []
  return [issueAt(path, `unknown party "${id}"; known parties: ${knownList(Object.keys(parties))}`)]
}

/** Issues for a level that the party's scheme lacks (or a party that does not exist). */
export function checkLevel(parties: Parties, id: string, level: string, path: Path): PathIssue[] {
  const party = Object.hasOwn(parties, id) ? parties[id] : undefined
  if (party === undefined) return checkParty(parties, id, path)
  if (party.levels.includes(level)) return []
  return [
    issueAt(path, `"${level}" is not a level of ${id}; its levels: ${knownList(party.levels)}`),
  ]
}

/** Issues for repeated entries of a list, one at each repetition. */
export function checkUnique(items: readonly string[], path: Path, what: string): PathIssue[] {
  return items.flatMap((item, index) =>
    items.indexOf(item) === index
      ? []
      : [issueAt([...path, index], `${what} "${item}" is repeated`)],
  )
}
