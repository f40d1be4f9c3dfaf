import { Temporal } from 'temporal-polyfill'
import type { AgreementTerm } from './agreement.ts'

const MAX_PERIODS = 100_000

/**
 * The ends of an agreement's periods (rule 1): period 0 ends at entry + initial, each later
 * period at the previous end + renewal, in calendar terms (one year after 29 Feb is 28 Feb).
 * Ends are computed on demand and remembered, since an agreement may renew forever.
 */
export class PeriodCalendar {
  readonly #ends: Temporal.PlainDate[]
  readonly #renewal: Temporal.Duration | null

  constructor(entry: Temporal.PlainDate, term: AgreementTerm) {
    this.#ends = [entry.add(term.initial)]
    this.#renewal = term.renewal
  }

  /** End of period k, or null when there is no such period (no renewal). */
  endOf(k: number): Temporal.PlainDate | null {
    if (k >= MAX_PERIODS) throw new Error(`more than ${MAX_PERIODS} periods`)
    while (this.#ends.length <= k) {
      if (this.#renewal === null) return null
      const last = this.#ends[this.#ends.length - 1] as Temporal.PlainDate
      this.#ends.push(last.add(this.#renewal))
    }
    return this.#ends[k] ?? null
  }

  /** The first period end strictly after `date` (at 00:00), or null if none. */
  firstEndAfter(isAfter: (end: Temporal.PlainDate) => boolean): Temporal.PlainDate | null {
    for (let k = 0; ; k++) {
      const end = this.endOf(k)
      if (end === null || isAfter(end)) return end
    }
  }

  /**
   * Rule 2: a notice given on `given` takes effect at the end of the first period whose last
   * day (the day before its end) is at least `notice` after the notice. Null when no period
   * qualifies (an agreement without renewal then simply expires).
   */
  noticeEffect(
    given: Temporal.PlainDate,
    notice: Temporal.Duration | null,
  ): Temporal.PlainDate | null {
    const earliestLastDay = notice === null ? given : given.add(notice)
    return this.firstEndAfter(
      (end) => Temporal.PlainDate.compare(end.subtract({ days: 1 }), earliestLastDay) >= 0,
    )
  }
}
