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

/** ISO 8601 with the zone's offset, e.g. 2019-11-23T00:00:00+09:00. */
export function formatInstant(ms: EpochMs, timeZone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(ms)
    .toZonedDateTimeISO(timeZone)
    .toString({ timeZoneName: 'never', smallestUnit: 'millisecond' })
    .replace('.000', '')
}

export function formatNullable(ms: EpochMs | null, timeZone: string): string | null {
  return ms === null ? null : formatInstant(ms, timeZone)
}

/** The calendar date of an instant in the zone. */
export function dateInZone(ms: EpochMs, timeZone: string): Temporal.PlainDate {
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(timeZone).toPlainDate()
}
