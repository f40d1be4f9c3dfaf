import type { NonEmpty } from '../lib/result.ts'
import type { ReleaseMode } from './agreement.ts'
import type { AgreementId, Level, PartyId } from './ids.ts'

/** Why a release is denied; each code is one failing condition of R1–R4. */
export const DENIAL_CODES = [
  'NOT_RELEASABLE_TO',
  'NO_AGREEMENT',
  'AGREEMENT_NOT_IN_FORCE',
  'TOPIC_OUT_OF_SCOPE',
  'LEVEL_NOT_COVERED',
  /** The agreement takes its equivalence from the parties' SPIFs, and they map no level. */
  'NO_EQUIVALENT_CLASSIFICATION',
  'NO_ORIGINATOR_CONSENT',
] as const
export type DenialCode = (typeof DENIAL_CODES)[number]

/** Why a release is allowed: the rule that grants it. */
export const GROUND_CODES = [
  'PUBLIC',
  'DIRECT_AGREEMENT',
  'ORIGINATOR',
  'EXPLICIT_CONSENT',
  'STANDING_CONSENT',
  'RELAY_PATH',
] as const
export type GroundCode = (typeof GROUND_CODES)[number]

export interface HopRef {
  readonly from: PartyId
  readonly to: PartyId
}

export interface Reason {
  readonly code: DenialCode
  readonly message: string
  readonly agreement: AgreementId | null
  /** Set when the reason belongs to one hop of a candidate relay path. */
  readonly hop: HopRef | null
}

export interface Ground {
  readonly code: GroundCode
  readonly message: string
}

export interface Hop {
  readonly from: PartyId
  readonly to: PartyId
  /** Null for a public release, which needs no agreement (R0). */
  readonly agreement: AgreementId | null
  /** The level at the receiving party, in its own scheme. */
  readonly level: Level | null
  readonly release: ReleaseMode | null
  readonly linkLatencyMs: number
}

export interface Allowed {
  readonly decision: 'allowed'
  readonly path: readonly PartyId[]
  readonly hops: readonly Hop[]
  readonly levelAtRecipient: Level | null
  readonly reasons: readonly []
  readonly grounds: readonly Ground[]
}

export interface Denied {
  readonly decision: 'denied'
  readonly path: readonly []
  readonly hops: readonly []
  readonly levelAtRecipient: null
  readonly reasons: NonEmpty<Reason>
  readonly grounds: readonly []
}

export type ReleaseDecision = Allowed | Denied

export function denied(reasons: NonEmpty<Reason>): Denied {
  return { decision: 'denied', path: [], hops: [], levelAtRecipient: null, reasons, grounds: [] }
}

export function reason(
  code: DenialCode,
  message: string,
  agreement: AgreementId | null = null,
  hop: HopRef | null = null,
): Reason {
  return { code, message, agreement, hop }
}
