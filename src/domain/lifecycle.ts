import type { Temporal } from 'temporal-polyfill'
import type { Agreement, AgreementEvent, Terms } from './agreement.ts'
import type { PartyId } from './ids.ts'
import { PeriodCalendar } from './periods.ts'
import { type EpochMs, formatInstant, startOfDayMs } from './time.ts'

/** A notice of termination as the history left it. */
export interface Notice {
  readonly given: Temporal.PlainDate
  readonly by: PartyId
  /** When it takes (or would have taken) effect; null if the agreement expires first. */
  readonly effectMs: EpochMs | null
  /** When a suspension or withdrawal cancelled it, or null. */
  readonly cancelledMs: EpochMs | null
}

export type TerminationCause =
  | {
      readonly type: 'notice-of-termination'
      readonly date: Temporal.PlainDate
      readonly by: PartyId
    }
  | { readonly type: 'termination'; readonly date: Temporal.PlainDate }
  | { readonly type: 'expiry' }

export interface Termination {
  readonly atMs: EpochMs
  readonly cause: TerminationCause
}

/** What one event did, in a sentence; `applied` is false for events that changed nothing. */
export interface EventEffect {
  readonly event: AgreementEvent
  readonly applied: boolean
  readonly effect: string
}

export interface TermsVersion {
  readonly fromMs: EpochMs
  readonly terms: Terms
}

/** An agreement's history folded once (rules 1–6); status queries read from it. */
export interface Lifecycle {
  readonly agreement: Agreement
  readonly timeZone: string
  readonly entryIntoForceMs: EpochMs | null
  readonly termination: Termination | null
  readonly notices: readonly Notice[]
  readonly effects: readonly EventEffect[]
  readonly termsVersions: readonly TermsVersion[]
  readonly periods: PeriodCalendar | null
}

interface MutableNotice {
  given: Temporal.PlainDate
  by: PartyId
  effectMs: EpochMs | null
  cancelledMs: EpochMs | null
  suspended: boolean
}

interface FoldState {
  entry: Temporal.PlainDate | null
  periods: PeriodCalendar | null
  termination: Termination | null
  readonly notices: MutableNotice[]
  readonly effects: EventEffect[]
  readonly versions: TermsVersion[]
}

export function compileLifecycle(agreement: Agreement, timeZone: string): Lifecycle {
  const state: FoldState = {
    entry: null,
    periods: null,
    termination: null,
    notices: [],
    effects: [],
    versions: [{ fromMs: -Infinity, terms: agreement.terms }],
  }
  const fold = new LifecycleFold(agreement, timeZone, state)
  for (const event of agreement.events) fold.apply(event)
  fold.settle(Infinity)
  return {
    agreement,
    timeZone,
    entryIntoForceMs: state.entry === null ? null : startOfDayMs(state.entry, timeZone),
    termination: state.termination,
    notices: state.notices.map(({ given, by, effectMs, cancelledMs }) => ({
      given,
      by,
      effectMs,
      cancelledMs,
    })),
    effects: state.effects,
    termsVersions: state.versions,
    periods: state.periods,
  }
}

class LifecycleFold {
  readonly #agreement: Agreement
  readonly #zone: string
  readonly #s: FoldState

  constructor(agreement: Agreement, zone: string, state: FoldState) {
    this.#agreement = agreement
    this.#zone = zone
    this.#s = state
  }

  #ms(date: Temporal.PlainDate): EpochMs {
    return startOfDayMs(date, this.#zone)
  }

  #at(ms: EpochMs): string {
    return formatInstant(ms, this.#zone)
  }

  #record(event: AgreementEvent, applied: boolean, effect: string): void {
    this.#s.effects.push({ event, applied, effect })
  }

  /** Lets every notice (or expiry) due at or before `untilMs` take effect, earliest first. */
  settle(untilMs: EpochMs): void {
    const s = this.#s
    if (s.termination !== null || s.entry === null || s.periods === null) return
    let best: Termination | null = null
    for (const n of s.notices) {
      if (n.cancelledMs !== null || n.effectMs === null || n.effectMs > untilMs) continue
      if (best === null || n.effectMs < best.atMs) {
        best = {
          atMs: n.effectMs,
          cause: { type: 'notice-of-termination', date: n.given, by: n.by },
        }
      }
    }
    if (this.#agreement.term.renewal === null) {
      const expiryMs = this.#ms(s.periods.endOf(0) as Temporal.PlainDate)
      if (expiryMs <= untilMs && (best === null || expiryMs < best.atMs)) {
        best = { atMs: expiryMs, cause: { type: 'expiry' } }
      }
    }
    s.termination = best
  }

  apply(event: AgreementEvent): void {
    const atMs = this.#ms(event.date)
    this.settle(atMs)
    const ended = this.#s.termination
    if (ended !== null && atMs >= ended.atMs) {
      this.#record(event, false, `no effect: the agreement ended at ${this.#at(ended.atMs)}`)
      return
    }
    switch (event.type) {
      case 'signature':
        return this.#record(event, true, 'signed')
      case 'entry-into-force':
        return this.#enterIntoForce(event)
      case 'notice-of-termination':
        return this.#giveNotice(event, event.by, 'notice of termination')
      case 'notice-suspended':
      case 'notice-withdrawn':
        return this.#cancelNotice(event, event.by, atMs)
      case 'notice-resumed':
        return this.#resumeNotice(event, event.by)
      case 'termination':
        this.#s.termination = { atMs, cause: { type: 'termination', date: event.date } }
        return this.#record(
          event,
          true,
          `ends the agreement by mutual consent at ${this.#at(atMs)}`,
        )
      case 'amendment':
        return this.#amend(event, atMs)
    }
  }

  #enterIntoForce(event: AgreementEvent): void {
    const s = this.#s
    if (s.entry !== null) {
      return this.#record(
        event,
        false,
        `no effect: already in force since ${this.#at(this.#ms(s.entry))}`,
      )
    }
    s.entry = event.date
    s.periods = new PeriodCalendar(event.date, this.#agreement.term)
    const end0 = this.#at(this.#ms(s.periods.endOf(0) as Temporal.PlainDate))
    const renewal = this.#agreement.term.renewal
    const then = renewal === null ? 'then expires' : `then renews by ${renewal.toString()}`
    this.#record(event, true, `enters into force; period 0 ends ${end0}, ${then}`)
  }

  #giveNotice(event: AgreementEvent, by: PartyId, what: string): void {
    const s = this.#s
    if (s.periods === null) {
      return this.#record(event, false, `no effect: the agreement is not yet in force`)
    }
    const effect = s.periods.noticeEffect(event.date, this.#agreement.term.notice)
    const effectMs = effect === null ? null : this.#ms(effect)
    s.notices.push({ given: event.date, by, effectMs, cancelledMs: null, suspended: false })
    if (effectMs === null) {
      return this.#record(event, false, `${what} by ${by}: no effect, the agreement expires first`)
    }
    const notice = this.#agreement.term.notice?.toString() ?? 'no notice period'
    this.#record(
      event,
      true,
      `${what} by ${by}: the agreement will end at ${this.#at(effectMs)} ` +
        `(end of the first period whose last day is at least ${notice} after ${event.date.toString()})`,
    )
  }

  #cancelNotice(event: AgreementEvent, by: PartyId, atMs: EpochMs): void {
    const pending = findLast(this.#s.notices, (n) => n.by === by && n.cancelledMs === null)
    if (pending === undefined || pending.effectMs === null) {
      return this.#record(event, false, `no effect: ${by} has no pending notice of termination`)
    }
    pending.cancelledMs = atMs
    pending.suspended = event.type === 'notice-suspended'
    const verb = pending.suspended ? 'suspends' : 'withdraws'
    this.#record(
      event,
      true,
      `${verb} ${by}'s notice of ${pending.given.toString()}, which would have ended the ` +
        `agreement at ${this.#at(pending.effectMs)}; the agreement renews as before`,
    )
  }

  #resumeNotice(event: AgreementEvent, by: PartyId): void {
    const suspended = findLast(this.#s.notices, (n) => n.by === by && n.suspended)
    if (suspended === undefined) {
      return this.#record(event, false, `no effect: ${by} has no suspended notice to resume`)
    }
    suspended.suspended = false
    this.#giveNotice(event, by, 'resumed notice (a new notice, rule 4)')
  }

  #amend(event: Extract<AgreementEvent, { type: 'amendment' }>, atMs: EpochMs): void {
    const versions = this.#s.versions
    const previous = (versions[versions.length - 1] as TermsVersion).terms
    versions.push({ fromMs: atMs, terms: { ...previous, ...event.changes } })
    const fields = Object.keys(event.changes).join(', ')
    this.#record(event, true, `amends ${fields} from ${this.#at(atMs)}`)
  }
}

function findLast<T>(list: readonly T[], test: (item: T) => boolean): T | undefined {
  for (let i = list.length - 1; i >= 0; i--) {
    const item = list[i] as T
    if (test(item)) return item
  }
  return undefined
}
