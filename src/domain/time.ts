import { Temporal } from 'temporal-polyfill'

/** Milliseconds since the epoch: the engine's internal clock value, compared as numbers. */
export type EpochMs = number

/** A bare date means 00:00 of that date in the scenario's zone. */
export function startOfDayMs(date: Temporal.PlainDate, timeZone: string): EpochMs {
  return date.toZonedDateTime({ timeZone }).epochMilliseconds
}

export function toInstant(ms: EpochMs): Temporal.Instant {
  return Temporal.Instant.fromEpochMilliseconds(ms)
}

const QUARTER_HOUR_MS = 900_000
const formatters = new Map<string, (ms: EpochMs) => string>()

/** ISO 8601 with the zone's offset, e.g. 2019-11-23T00:00:00+09:00 (milliseconds if any). */
export function formatInstant(ms: EpochMs, timeZone: string): string {
  let format = formatters.get(timeZone)
  if (format === undefined) {
    format = instantFormatter(timeZone)
    formatters.set(timeZone, format)
  }
  return format(ms)
}

/**
 * A fast formatter for one zone: the offset comes from Temporal once per quarter hour (zone
 * transitions fall on quarter hours), the civil date from integer arithmetic. The simulator
 * formats hundreds of thousands of instants per run.
 */
function instantFormatter(timeZone: string): (ms: EpochMs) => string {
  let lastBucket = NaN
  let lastOffsetMs = 0
  let lastOffsetText = ''
  let lastDay = NaN
  let lastDateText = ''
  return (ms) => {
    const bucket = Math.floor(ms / QUARTER_HOUR_MS)
    if (bucket !== lastBucket) {
      const instant = Temporal.Instant.fromEpochMilliseconds(bucket * QUARTER_HOUR_MS)
      lastOffsetMs = Math.round(instant.toZonedDateTimeISO(timeZone).offsetNanoseconds / 1e6)
      lastOffsetText = offsetText(lastOffsetMs)
      lastBucket = bucket
    }
    const localMs = ms + lastOffsetMs
    const day = Math.floor(localMs / 86_400_000)
    if (day !== lastDay) {
      lastDateText = isoDate(day)
      lastDay = day
    }
    return `${lastDateText}T${isoTimeOfDay(localMs - day * 86_400_000)}${lastOffsetText}`
  }
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`
}

function offsetText(offsetMs: number): string {
  const minutes = Math.round(Math.abs(offsetMs) / 60_000)
  return `${offsetMs < 0 ? '-' : '+'}${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`
}

function isoDate(days: number): string {
  const { year, month, day } = civilFromDays(days)
  const yyyy =
    year >= 0 && year <= 9999
      ? String(year).padStart(4, '0')
      : (year < 0 ? '-' : '+') + String(Math.abs(year)).padStart(6, '0')
  return `${yyyy}-${pad2(month)}-${pad2(day)}`
}

function isoTimeOfDay(msOfDay: number): string {
  const hh = Math.floor(msOfDay / 3_600_000)
  const mm = Math.floor((msOfDay % 3_600_000) / 60_000)
  const ss = Math.floor((msOfDay % 60_000) / 1000)
  const milli = msOfDay % 1000
  const fraction = milli === 0 ? '' : `.${String(milli).padStart(3, '0')}`
  return `${pad2(hh)}:${pad2(mm)}:${pad2(ss)}${fraction}`
}

/** Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's algorithm). */
function civilFromDays(daysSinceEpoch: number): { year: number; month: number; day: number } {
  const z = daysSinceEpoch + 719_468
  const era = Math.floor(z / 146_097)
  const doe = z - era * 146_097
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  )
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100))
  const mp = Math.floor((5 * doy + 2) / 153)
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day }
}

export function formatNullable(ms: EpochMs | null, timeZone: string): string | null {
  return ms === null ? null : formatInstant(ms, timeZone)
}

/** The calendar date of an instant in the zone. */
export function dateInZone(ms: EpochMs, timeZone: string): Temporal.PlainDate {
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(timeZone).toPlainDate()
}
