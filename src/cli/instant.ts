import { Temporal } from 'temporal-polyfill'
import type { EpochMs } from '../domain/time.ts'
import { EntenteError } from '../lib/errors.ts'

const BARE_DATE = /^\d{4}-\d{2}-\d{2}$/
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/

/**
 * `--at`: an ISO 8601 instant with offset; a bare date (00:00 in the scenario's zone); a
 * date-time without offset (in the scenario's zone); or `now` (the only clock read).
 */
export function parseInstant(text: string, timeZone: string, option = '--at'): EpochMs {
  const value = text.trim()
  if (value === 'now') return Temporal.Now.instant().epochMilliseconds
  try {
    if (BARE_DATE.test(value)) {
      return Temporal.PlainDate.from(value).toZonedDateTime({ timeZone }).epochMilliseconds
    }
    if (LOCAL_DATE_TIME.test(value)) {
      return Temporal.PlainDateTime.from(value).toZonedDateTime(timeZone).epochMilliseconds
    }
    return Temporal.Instant.from(value).epochMilliseconds
  } catch {
    throw new EntenteError(
      'INVALID_INSTANT',
      `${option}: '${text}' is not an instant: use 2019-10-31T16:35:00+09:00, 2019-10-31 or now`,
    )
  }
}
