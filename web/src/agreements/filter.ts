import type { AgreementRow, Scenario } from '../api/types.ts'

export interface NetworkFilter {
  /** Only the agreements this party is a party to; '' for all. */
  readonly party: string
  /** Words to find in an agreement's id or title, or a party's id or name; '' for all. */
  readonly search: string
}

/**
 * The agreements the filter keeps: those of the chosen party, matching every word of the
 * search (case-insensitive) in the agreement's id or title or one of its parties' id or name.
 */
export function filterAgreements(
  rows: readonly AgreementRow[],
  scenario: Scenario,
  filter: NetworkFilter,
): AgreementRow[] {
  const words = filter.search.toLowerCase().split(/\s+/).filter(Boolean)
  const nameOf = new Map(scenario.parties.map((p) => [p.id, p.name]))
  return rows.filter((row) => {
    if (filter.party !== '' && !row.parties.includes(filter.party)) return false
    const text = [row.id, row.title, ...row.parties.flatMap((p) => [p, nameOf.get(p) ?? ''])]
      .join(' ')
      .toLowerCase()
    return words.every((w) => text.includes(w))
  })
}

/** The parties the kept agreements name (drawn in full; the others are dimmed). */
export function partiesOf(rows: readonly AgreementRow[]): ReadonlySet<string> {
  return new Set(rows.flatMap((r) => r.parties))
}
