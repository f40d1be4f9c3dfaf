import type { Temporal } from 'temporal-polyfill'
import type { AgreementId, Level, PartyId, Topic } from './ids.ts'

export const AGREEMENT_KINDS = ['bilateral', 'multilateral', 'mediated'] as const
export type AgreementKind = (typeof AGREEMENT_KINDS)[number]

export const RELEASE_MODES = ['auto', 'manual', 'on-request'] as const
export type ReleaseMode = (typeof RELEASE_MODES)[number]

export const EVENT_TYPES = [
  'signature',
  'entry-into-force',
  'notice-of-termination',
  'notice-suspended',
  'notice-withdrawn',
  'notice-resumed',
  'termination',
  'amendment',
] as const
export type EventType = (typeof EVENT_TYPES)[number]

/** One row of levels, one per party, that the parties treat as equal. */
export type EquivalenceRow = Readonly<Partial<Record<PartyId, Level>>>

/**
 * The agreement's own rows, or `spif`: the parties' SPIF policies supply the mapping (their
 * equivalentClassification elements). Rows, when written, govern: the agreement is the
 * legal instrument, whatever the policies say.
 */
export type Equivalence = readonly EquivalenceRow[] | 'spif'

/** The terms an amendment may replace (rule 6). */
export interface Terms {
  readonly topics: 'all' | readonly Topic[]
  readonly equivalence: Equivalence
  readonly release: ReleaseMode
}

export interface AgreementTerm {
  readonly initial: Temporal.Duration
  readonly renewal: Temporal.Duration | null
  /** Notice period; the rule compares calendar dates, so it is a date-based duration. */
  readonly notice: Temporal.Duration | null
}

interface DatedEvent {
  readonly date: Temporal.PlainDate
}

/** A dated fact in an agreement's history; `by` names the party acting. */
export type AgreementEvent =
  | (DatedEvent & { readonly type: 'signature' | 'entry-into-force' | 'termination' })
  | (DatedEvent & {
      readonly type:
        'notice-of-termination' | 'notice-suspended' | 'notice-withdrawn' | 'notice-resumed'
      readonly by: PartyId
    })
  | (DatedEvent & { readonly type: 'amendment'; readonly changes: Partial<Terms> })

export interface Agreement {
  readonly id: AgreementId
  readonly title: string
  readonly kind: AgreementKind
  readonly parties: readonly PartyId[]
  /** The hub of a mediated agreement; null otherwise. */
  readonly hub: PartyId | null
  /** Terms in force from entry into force until the first amendment. */
  readonly terms: Terms
  readonly term: AgreementTerm
  readonly approvalDelayS: number
  readonly linkLatencyMs: number
  readonly relayDelayS: number
  /** In date order; events of the same date keep their written order. */
  readonly events: readonly AgreementEvent[]
}

export function isParty(agreement: Agreement, party: PartyId): boolean {
  return agreement.parties.includes(party)
}
