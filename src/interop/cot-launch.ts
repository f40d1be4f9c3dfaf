import { Result } from '../lib/result.ts'
import { cotEventOf, cotXmlToRaw } from './cot.ts'
import type { RawCot } from './node-cot.ts'
import { stixTime } from './stix-objects.ts'

/**
 * CoT from a sensor feed (docs/interop.md): an event whose type is a hostile missile
 * (`a-h-A-W-M…`) or missile launcher (`a-h-G-E-W-M…`) is a launch. Its point is the launch
 * site, its `time` the launch time, its uid the feed's id of the launch; range and apogee (and
 * optionally heading, impact, count, confidence) come from a `<launch>` detail element, the
 * heading also from `<track course>`, the text from `<remarks>`.
 */
export const LAUNCH_COT_TYPE = /^a-h-(A-W-M|G-E-W-M)(-|$)/

/** The launch facts of an event, shaped as `POST /api/reports` takes `launch`. */
export interface CotLaunch {
  readonly uid: string
  readonly launch: Readonly<Record<string, unknown>>
}

export type CotReading =
  | { readonly kind: 'launch'; readonly value: CotLaunch }
  /** Parseable, but not a hostile missile or launch: a feed carries other tracks too. */
  | { readonly kind: 'other'; readonly uid: string; readonly type: string }
  | { readonly kind: 'invalid'; readonly uid: string | null; readonly reason: string }

type Attributes = Record<string, string | number | undefined>

/** Reads one CoT event (XML) from a sensor feed. */
export function readCotLaunch(xml: string): CotReading {
  const raw = cotXmlToRaw(xml)
  if (!raw.ok) return { kind: 'invalid', uid: null, reason: raw.issues }
  const event = cotEventOf(raw.value)
  const uid = String(raw.value.event._attributes['uid'] ?? '')
  if (!event.ok) return { kind: 'invalid', uid, reason: event.issues }
  const { type, timeMs, lat, lon, remarks } = event.value
  if (!LAUNCH_COT_TYPE.test(type)) return { kind: 'other', uid, type }
  const facts = launchFacts(raw.value.event.detail ?? {})
  if (!facts.ok) return { kind: 'invalid', uid, reason: facts.issues }
  const launch: Record<string, unknown> = {
    time: stixTime(timeMs),
    site: { lat, lon },
    ...facts.value,
    ...(remarks === '' ? {} : { text: remarks }),
    launchId: uid,
  }
  return { kind: 'launch', value: { uid, launch } }
}

/** Range, apogee, heading or impact, count and confidence from `<launch>` (and `<track>`). */
function launchFacts(
  detail: NonNullable<RawCot['event']['detail']>,
): Result<Record<string, unknown>, string> {
  const facts = attributesOf(detail, 'launch')
  const issues: string[] = []
  const read = (where: string, text: string | number | undefined): number | undefined => {
    if (text === undefined) return undefined
    const value = Number(text)
    if (String(text).trim() !== '' && Number.isFinite(value)) return value
    issues.push(`${where}: '${text}' is not a number`)
    return undefined
  }
  for (const key of ['rangeKm', 'apogeeKm'])
    if (facts[key] === undefined)
      issues.push(`detail/launch@${key}: missing (a launch report needs rangeKm and apogeeKm)`)
  const rangeKm = read('detail/launch@rangeKm', facts['rangeKm'])
  const apogeeKm = read('detail/launch@apogeeKm', facts['apogeeKm'])
  const count = read('detail/launch@count', facts['count'])
  const impact = {
    lat: read('detail/launch@impactLat', facts['impactLat']),
    lon: read('detail/launch@impactLon', facts['impactLon']),
  }
  const headingDeg =
    facts['headingDeg'] === undefined
      ? read('detail/track@course', attributesOf(detail, 'track')['course'])
      : read('detail/launch@headingDeg', facts['headingDeg'])
  const hasImpact = facts['impactLat'] !== undefined || facts['impactLon'] !== undefined
  if (hasImpact && (facts['impactLat'] === undefined || facts['impactLon'] === undefined))
    issues.push('detail/launch@impactLat, impactLon: give both or neither')
  if (!hasImpact && headingDeg === undefined && issues.length === 0)
    issues.push('detail/track@course: missing (a launch needs a heading or an impact point)')
  if (issues.length > 0) return Result.fail(issues.join('; '))
  return Result.ok({
    ...(hasImpact ? { impact } : { headingDeg }),
    rangeKm,
    apogeeKm,
    ...(count === undefined ? {} : { count }),
    ...(facts['confidence'] === undefined ? {} : { confidence: String(facts['confidence']) }),
  })
}

function attributesOf(detail: NonNullable<RawCot['event']['detail']>, name: string): Attributes {
  const element = detail[name] as { _attributes?: Attributes } | undefined
  return element?._attributes ?? {}
}
