import type { Scenario } from '../api/types.ts'

/** The party's colour from the scenario, grey for an unknown party. */
export function partyColor(scenario: Scenario, party: string | null | undefined): string {
  return scenario.parties.find((p) => p.id === party)?.color ?? '#6e7781'
}
