import { DENIAL_CODES } from '../domain/decision.ts'

/**
 * Why a receiver quarantined a message: the engine's denial codes (its own registry disagrees
 * with the sender's), or a check of its own. A quarantined message is receipted (the sender
 * stops retrying) and its content is not kept.
 */
export const QUARANTINE_CODES = [
  ...DENIAL_CODES,
  /** The sender's instant is too far in our future. */
  'CLOCK_SKEW',
  /** Our registry allows the transfer, but not under the agreement the sender named. */
  'AGREEMENT_MISMATCH',
  /** The envelope names a protocol version this node does not speak. */
  'PROTOCOL_VERSION',
  /** The envelope's kind is not one this node knows. */
  'UNKNOWN_KIND',
  /** The payload fails its kind's schema (a field's type, range or size). */
  'PAYLOAD_INVALID',
  /** The payload names a party, level or topic our registry does not know. */
  'UNKNOWN_REFERENCE',
  /** The id is held here with another originator or other content: never merged. */
  'ID_CONFLICT',
  /** The sender tries to change what it does not own (another's consent, a request it was not asked). */
  'NOT_OWNER',
  /** A request's window is inverted or longer than this node allows. */
  'WINDOW_INVALID',
  /** A report's originator signature is missing, unverifiable, or over other content (H4). */
  'ORIGINATOR_SIGNATURE_INVALID',
] as const

export type QuarantineCode = (typeof QUARANTINE_CODES)[number]

export interface QuarantineReason {
  readonly code: QuarantineCode
  readonly message: string
}

/**
 * Why a release decided earlier may not leave when it is decided again at egress (an approval,
 * an answer, a delivery attempt), beside the engine's own denial codes.
 */
export const EGRESS_DENIAL_CODES = [
  /** The report held under the release's id is not the one decided (its hash differs). */
  'REPORT_CHANGED',
  /** The engine still allows the transfer, but no longer under the agreement decided. */
  'AGREEMENT_NO_LONGER_ALLOWS',
  /** The report's originator withdrew it (issue 12): it leaves for no one any more. */
  'REPORT_WITHDRAWN',
  /** A later version of the report exists (issue 12): an earlier one leaves for no one. */
  'REPORT_SUPERSEDED',
  /**
   * A track (issue 12): the engine allows it only under agreements that need an officer's
   * approval or a request, and the track's report was not released under them.
   */
  'NOT_RELEASED',
] as const

export type EgressDenialCode = (typeof EGRESS_DENIAL_CODES)[number]
