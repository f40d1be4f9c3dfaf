import { Temporal } from 'temporal-polyfill'
import { z } from 'zod'

/** Upper-case party codes (ISO 3166-1 alpha-3 for states), e.g. `KOR`. */
export const PARTY_ID_PATTERN = /^[A-Z][A-Z0-9]{1,9}$/
/** Agreement, sensor, launch, what-if, topic and source ids, e.g. `kor-jpn-gsomia`. */
export const SLUG_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
export const URL_PATTERN = /^https?:\/\/\S+$/
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/
const INSTANT_PATTERN =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/
/** Date-based ISO 8601 durations only: years, months, weeks, days. */
const DURATION_PATTERN = /^P(?!$)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?$/

function succeeds(attempt: () => unknown): boolean {
  try {
    attempt()
    return true
  } catch {
    return false
  }
}

export function isTimeZone(text: string): boolean {
  if (/^[+-]/.test(text)) return false
  const fields = { year: 2000, month: 1, day: 1, timeZone: text }
  return succeeds(() => Temporal.ZonedDateTime.from(fields))
}

export function isCalendarDate(text: string): boolean {
  return (
    !DATE_PATTERN.test(text) ||
    succeeds(() => Temporal.PlainDate.from(text, { overflow: 'reject' }))
  )
}

function isInstant(text: string): boolean {
  return !INSTANT_PATTERN.test(text) || succeeds(() => Temporal.Instant.from(text))
}

function isPositiveDuration(text: string): boolean {
  return !DURATION_PATTERN.test(text) || /[1-9]/.test(text)
}

export const partyId = z
  .string()
  .regex(
    PARTY_ID_PATTERN,
    'must be an upper-case party code of 2 to 10 letters or digits, e.g. KOR',
  )

export const slug = z
  .string()
  .regex(SLUG_PATTERN, 'must be a lower-case slug: a-z, 0-9 and single hyphens, e.g. dprk-missile')

export const text = z.string().min(1)
export const level = z.string().min(1)
export const nonNegative = z.number().min(0)
export const positive = z.number().gt(0)

export const date = z
  .string()
  .regex(DATE_PATTERN, 'must be a date written YYYY-MM-DD')
  .refine(isCalendarDate, 'is not a valid calendar date')
  .meta({
    id: 'Date',
    description: 'A calendar date, YYYY-MM-DD: 00:00 of that day in the scenario zone',
  })

export const instant = z
  .string()
  .regex(
    INSTANT_PATTERN,
    'must be an ISO 8601 instant with an offset, e.g. 2019-10-31T16:35:00+09:00 or ...Z',
  )
  .refine(isInstant, 'is not a valid instant')

export const duration = z
  .string()
  .regex(DURATION_PATTERN, 'must be a date-based ISO 8601 duration (Y, M, W, D), e.g. P1Y or P90D')
  .refine(isPositiveDuration, 'must be longer than zero')
  .meta({ id: 'Duration', description: 'Date-based ISO 8601 duration, e.g. P1Y, P90D' })

export const timeZone = z
  .string()
  .refine(isTimeZone, 'is not a known IANA time zone, e.g. Asia/Seoul')
  .meta({ description: 'IANA time zone in which bare dates are read' })

/** A key of `sources` or a URL (checked against `sources` after parsing). */
export const sourceRef = z.string().min(1).meta({ description: 'A key of `sources`, or a URL' })

/** Facts carry a source, inventions and approximations a note. */
export const provenance = {
  source: sourceRef.optional(),
  note: text.optional().meta({ description: 'Says what is assumed, invented or approximate' }),
}

export const latLon = z
  .strictObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) })
  .meta({ id: 'LatLon' })
