import type { Level, PartyId } from './ids.ts'
import type { SpifPolicy } from './spif.ts'

/** A state (or organisation) with its classification scheme, lowest level first. */
export interface Party {
  readonly id: PartyId
  readonly name: string
  readonly levels: readonly Level[]
  /** The level that needs no agreement to be released, if the scheme has one. */
  readonly public: Level | null
  /** The SPIF policy the scheme was read from; its levels are the policy's classifications. */
  readonly policy?: SpifPolicy
}

/** Position of a level in the party's scheme (0 = lowest), or -1 when the scheme lacks it. */
export function levelRank(party: Party, level: Level): number {
  return party.levels.indexOf(level)
}

export function hasLevel(party: Party, level: string): level is Level {
  return (party.levels as readonly string[]).includes(level)
}

/** The more protective of two levels of the same party. */
export function higherLevel(party: Party, a: Level, b: Level): Level {
  return levelRank(party, b) > levelRank(party, a) ? b : a
}
