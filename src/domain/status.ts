import type { Terms } from './agreement.ts'
import type { Lifecycle, TerminationCause, TermsVersion } from './lifecycle.ts'
import { type EpochMs, startOfDayMs } from './time.ts'

export const AGREEMENT_STATUSES = ['not-yet-in-force', 'in-force', 'terminated'] as const
export type AgreementStatusName = (typeof AGREEMENT_STATUSES)[number]

/** Rule 7: the state of an agreement at one instant. */
export interface AgreementStatus {
  readonly status: AgreementStatusName
  /** Start of the current state (entry into force, or termination); null before entry. */
  readonly since: EpochMs | null
  /** End of the current period, when in force. */
  readonly periodEnd: EpochMs | null
  /** When a notice pending at this instant will take effect, or null. */
  readonly pendingTermination: EpochMs | null
  readonly terminatedAt: EpochMs | null
  readonly cause: TerminationCause | null
}

export function statusAt(lifecycle: Lifecycle, atMs: EpochMs): AgreementStatus {
  const entry = lifecycle.entryIntoForceMs
  const ended = lifecycle.termination
  if (ended !== null && atMs >= ended.atMs) {
    return {
      status: 'terminated',
      since: ended.atMs,
      periodEnd: null,
      pendingTermination: null,
      terminatedAt: ended.atMs,
      cause: ended.cause,
    }
  }
  if (entry === null || atMs < entry) {
    return {
      status: 'not-yet-in-force',
      since: null,
      periodEnd: null,
      pendingTermination: null,
      terminatedAt: null,
      cause: null,
    }
  }
  return {
    status: 'in-force',
    since: entry,
    periodEnd: periodEndAt(lifecycle, atMs),
    pendingTermination: pendingTerminationAt(lifecycle, atMs),
    terminatedAt: null,
    cause: null,
  }
}

export function isInForce(lifecycle: Lifecycle, atMs: EpochMs): boolean {
  const entry = lifecycle.entryIntoForceMs
  if (entry === null || atMs < entry) return false
  return lifecycle.termination === null || atMs < lifecycle.termination.atMs
}

function periodEndAt(lifecycle: Lifecycle, atMs: EpochMs): EpochMs | null {
  const end = lifecycle.periods?.firstEndAfter(
    (date) => startOfDayMs(date, lifecycle.timeZone) > atMs,
  )
  return end === null || end === undefined ? null : startOfDayMs(end, lifecycle.timeZone)
}

/** The earliest effect of a notice already given at `atMs` and not cancelled by then. */
function pendingTerminationAt(lifecycle: Lifecycle, atMs: EpochMs): EpochMs | null {
  let earliest: EpochMs | null = null
  for (const notice of lifecycle.notices) {
    if (notice.effectMs === null || notice.effectMs <= atMs) continue
    if (startOfDayMs(notice.given, lifecycle.timeZone) > atMs) continue
    if (notice.cancelledMs !== null && notice.cancelledMs <= atMs) continue
    if (earliest === null || notice.effectMs < earliest) earliest = notice.effectMs
  }
  return earliest
}

/** Rule 6: the terms in force at an instant (amendments apply from their date on). */
export function termsAt(lifecycle: Lifecycle, atMs: EpochMs): Terms {
  return termsVersionAt(lifecycle.termsVersions, atMs).terms
}

export function termsVersionAt(versions: readonly TermsVersion[], atMs: EpochMs): TermsVersion {
  let current = versions[0] as TermsVersion
  for (const version of versions) {
    if (version.fromMs > atMs) break
    current = version
  }
  return current
}

/** Every interval in force (at most one: a terminated agreement does not come back). */
export function intervalsInForce(
  lifecycle: Lifecycle,
): readonly { readonly fromMs: EpochMs; readonly untilMs: EpochMs | null }[] {
  const entry = lifecycle.entryIntoForceMs
  if (entry === null) return []
  const until = lifecycle.termination?.atMs ?? null
  if (until !== null && until <= entry) return []
  return [{ fromMs: entry, untilMs: until }]
}
