import type { Agreement } from './agreement.ts'
import type { Level, PartyId, Topic } from './ids.ts'
import type { Party } from './party.ts'
import type { EpochMs } from './time.ts'

/** The parties and agreements one reasons about, with the zone that gives bare dates meaning. */
export interface Registry {
  readonly timeZone: string
  readonly parties: ReadonlyMap<PartyId, Party>
  /** In a stable order (the scenario's). */
  readonly agreements: readonly Agreement[]
}

/** An originator's explicit consent to an onward release (rule R4). */
export interface Consent {
  readonly originator: PartyId
  readonly holder: PartyId
  readonly recipient: PartyId
  /** Either one report or a whole topic. */
  readonly scope: { readonly reportId: string } | { readonly topic: Topic }
  readonly fromMs: EpochMs
  /** Null: until revoked. */
  readonly untilMs: EpochMs | null
}

/** What the engine needs to know about a report. */
export interface ReportFacts {
  readonly id: string | null
  readonly originator: PartyId
  /** The originator's marking, in the originator's scheme. */
  readonly level: Level
  readonly topic: Topic
  /** The only parties it may ever reach; empty means no foreign release. Null: no list. */
  readonly releasableTo: readonly PartyId[] | null
}
