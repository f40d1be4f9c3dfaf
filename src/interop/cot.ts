import { Result } from '../lib/result.ts'
import { type ConfidentialityLabel, labelLine, type ReleaseLabels } from '../protocol/label.ts'
import type { StixReport } from './stix.ts'
import { markingLabel } from './stix.ts'
import { parseInstantMs, stixTime, textOf } from './stix-objects.ts'
import { loadNodeCot, type RawCot } from './node-cot.ts'

/**
 * Cursor-on-Target for TAK clients: a launch as two CoT tracks, built and read back with
 * `@tak-ps/node-cot`. Types are MIL-STD-2525 as CoT spells them (node-cot's cot-types.xml):
 * the missile in flight is hostile · air · weapon · missile · surface-to-surface; the site is
 * a hostile ground surface-to-surface missile launcher.
 */
export const MISSILE_COT_TYPE = 'a-h-A-W-M-S-S'
export const LAUNCH_SITE_COT_TYPE = 'a-h-G-E-W-M-S'

/** CoT's value for an unknown error (ce/le) or height. */
export const COT_UNKNOWN = 9_999_999

/** Where the missile is at one instant (from the simulator's trajectory). */
export interface CotTrackPoint {
  readonly atMs: number
  readonly lat: number
  readonly lon: number
  readonly altitudeKm: number
}

export interface CotOptions {
  /** How long a track point stays valid on the map. */
  readonly trackStaleS?: number
  /** How long the launch site stays on the map. */
  readonly siteStaleS?: number
  /** Circular and linear (vertical) error of track points, 1 sigma, metres. */
  readonly ceM?: number
  readonly leM?: number
  /** The STANAG 4774 labels of this release (originator's, recipient's alternative). */
  readonly labels?: ReleaseLabels
}

/** One CoT event as Entente reads it back. */
export interface CotEvent {
  readonly uid: string
  readonly type: string
  readonly how: string
  readonly timeMs: number
  readonly staleMs: number
  readonly lat: number
  readonly lon: number
  readonly haeM: number
  readonly ceM: number
  readonly leM: number
  readonly callsign: string
  readonly remarks: string
}

/**
 * A launch report and its simulated track as CoT events (XML): the site at launch time,
 * then the missile at each track point under one uid (TAK moves one icon). Every event's
 * remarks begin with the marking. Same input, same bytes.
 */
export function launchToCotEvents(
  report: StixReport,
  track: readonly CotTrackPoint[],
  options: CotOptions = {},
): string[] {
  const site = report.payload['site'] as { lat?: unknown; lon?: unknown } | undefined
  const launchMs = parseInstantMs(textOf(report.payload['time']))
  const name = `${report.originator} launch ${textOf(report.payload['launchId']) || report.id.slice(0, 8)}`
  const remarks = `[${markingLabel(report)}]${labelRemark(options.labels)} ${report.topic}: ${textOf(report.payload['text']) || 'launch report'} (report ${report.id})`
  const events: CotEvent[] = []
  if (typeof site?.lat === 'number' && typeof site.lon === 'number' && !Number.isNaN(launchMs)) {
    events.push({
      uid: `entente.${report.id}.site`,
      type: LAUNCH_SITE_COT_TYPE,
      how: 'h-e',
      timeMs: launchMs,
      staleMs: launchMs + (options.siteStaleS ?? 3600) * 1000,
      lat: site.lat,
      lon: site.lon,
      haeM: COT_UNKNOWN,
      ceM: options.ceM ?? 1000,
      leM: COT_UNKNOWN,
      callsign: `${name} site`,
      remarks,
    })
  }
  for (const point of track) {
    events.push({
      uid: `entente.${report.id}.track`,
      type: MISSILE_COT_TYPE,
      how: 'm-r',
      timeMs: point.atMs,
      staleMs: point.atMs + (options.trackStaleS ?? 30) * 1000,
      lat: point.lat,
      lon: point.lon,
      haeM: Math.round(point.altitudeKm * 1000),
      ceM: options.ceM ?? 1000,
      leM: options.leM ?? 1000,
      callsign: name,
      remarks,
    })
  }
  return events.map(cotEventToXml)
}

/**
 * Issue 12: a withdrawn report's events again, under the same uids, with `stale` now: TAK's way
 * to take an icon off the map. They say nothing but the marking and that it was withdrawn.
 */
export function withdrawnCotEvents(report: StixReport, atMs: number, reason: string): string[] {
  const site = report.payload['site'] as { lat?: unknown; lon?: unknown } | undefined
  const lat = typeof site?.lat === 'number' ? site.lat : 0
  const lon = typeof site?.lon === 'number' ? site.lon : 0
  const remarks = `[${markingLabel(report)}] withdrawn by ${report.originator}: ${reason.slice(0, 200)} (report ${report.id})`
  return (['site', 'track'] as const).map((part) =>
    cotEventToXml({
      uid: `entente.${report.id}.${part}`,
      type: part === 'site' ? LAUNCH_SITE_COT_TYPE : MISSILE_COT_TYPE,
      how: 'h-e',
      timeMs: atMs,
      staleMs: atMs,
      lat,
      lon,
      haeM: COT_UNKNOWN,
      ceM: COT_UNKNOWN,
      leM: COT_UNKNOWN,
      callsign: `${report.originator} launch (withdrawn)`,
      remarks,
    }),
  )
}

/** What a CoT event of a track needs (a node's track row, structurally). */
export interface CotTrack {
  readonly originator: string
  readonly trackNumber: number
  readonly reportId: string
  readonly level: string
  readonly topic: string
  readonly releasableTo: readonly string[] | null
  readonly status: 'live' | 'dropped' | 'correlated'
  readonly endedAtMs: number | null
  readonly state: {
    readonly atMs: number
    readonly position: { readonly lat: number; readonly lon: number; readonly altM: number }
    readonly quality: number
    readonly sensor: string
  }
}

/**
 * Issue 12: a track's latest state as one CoT event under the track's uid (TAK moves one
 * icon). `stale` follows the update rate: three intervals after the measurement (a track not
 * updated for a few intervals is stale, tracks.md); a dropped or correlated track's event is
 * stale at its end, which removes it.
 */
export function trackToCotEvent(track: CotTrack, updateIntervalMs = 1_000): string {
  const { state } = track
  const ended = track.status !== 'live'
  const timeMs = ended ? (track.endedAtMs ?? state.atMs) : state.atMs
  const marking = markingLabel(track)
  return cotEventToXml({
    uid: `entente.track.${track.originator}.${track.trackNumber}`,
    type: MISSILE_COT_TYPE,
    how: 'm-r',
    timeMs,
    staleMs: ended ? timeMs : state.atMs + 3 * updateIntervalMs,
    lat: state.position.lat,
    lon: state.position.lon,
    haeM: Math.round(state.position.altM),
    ceM: COT_UNKNOWN,
    leM: COT_UNKNOWN,
    callsign: `${track.originator} track ${track.trackNumber}`,
    remarks: `[${marking}] ${track.topic}: track ${track.trackNumber} of report ${track.reportId}, quality ${state.quality}, ${ended ? track.status : `by ${state.sensor}`}`,
  })
}

/** ` [4774 originator …; alternative …]`: both labels, each policy with its URI. */
function labelRemark(labels: ReleaseLabels | undefined): string {
  if (labels === undefined) return ''
  const one = (l: ConfidentialityLabel) => `${labelLine(l)} (${l.policyIdentifier.uri})`
  const alternative = labels.alternative === null ? 'none' : one(labels.alternative)
  return ` [4774 originator ${one(labels.originator)}; alternative ${alternative}]`
}

/**
 * An attribute value as XML text. node-cot's serialiser (xml-js) escapes only `"` in
 * attributes: a uid holding `"/></event><event uid="FAKE` would carry `</event>`, where TAK
 * clients and Entente's own framer cut events (security review L9). Escaped here, with `"`
 * too, so that xml-js finds nothing left to escape.
 */
export function xmlAttribute(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
}

/**
 * Element text for xml-js, which escapes `&`, `<` and `>` but first turns every `&amp;` back
 * into `&`: a literal `&amp;` is doubled here so that it survives that step and reads back as
 * written.
 */
export function xmlText(value: string): string {
  return value.replace(/&amp;/g, '&amp;amp;')
}

/** One event as CoT XML, through node-cot (which checks it against its schema). */
export function cotEventToXml(event: CotEvent): string {
  const { CoT } = loadNodeCot()
  const time = stixTime(event.timeMs)
  const cot = new CoT({
    event: {
      _attributes: {
        version: '2.0',
        uid: xmlAttribute(event.uid),
        type: xmlAttribute(event.type),
        how: xmlAttribute(event.how),
        time,
        start: time,
        stale: stixTime(event.staleMs),
      },
      point: {
        _attributes: {
          lat: event.lat,
          lon: event.lon,
          hae: event.haeM,
          ce: event.ceM,
          le: event.leM,
        },
      },
      detail: {
        contact: { _attributes: { callsign: xmlAttribute(event.callsign) } },
        remarks: { _text: xmlText(event.remarks) },
      },
    },
  })
  // node-cot stamps its own wall-clock flow tag; leave it out so that export is reproducible.
  delete cot.raw.event.detail?.['_flow-tags_']
  return cot.to_xml()
}

/** CoT XML (from a TAK client or a sensor feed) read with node-cot, or why not. */
export function cotXmlToEvent(xml: string): Result<CotEvent, string> {
  const raw = cotXmlToRaw(xml)
  return raw.ok ? cotEventOf(raw.value) : raw
}

/** CoT XML as node-cot's tree (checked against node-cot's schema), or why not. */
export function cotXmlToRaw(xml: string): Result<RawCot, string> {
  const { CoT } = loadNodeCot()
  try {
    return Result.ok(new CoT(xml).raw)
  } catch (error) {
    return Result.fail(`CoT: ${(error as Error).message}`)
  }
}

/** The fields Entente reads from an event's tree; time, stale and the point must be there. */
export function cotEventOf(raw: RawCot): Result<CotEvent, string> {
  const a = raw.event._attributes
  const p = raw.event.point?._attributes ?? {}
  const detail = raw.event.detail ?? {}
  const event: CotEvent = {
    uid: String(a['uid'] ?? ''),
    type: String(a['type'] ?? ''),
    how: String(a['how'] ?? ''),
    timeMs: parseInstantMs(String(a['time'] ?? '')),
    staleMs: parseInstantMs(String(a['stale'] ?? '')),
    lat: Number(p['lat']),
    lon: Number(p['lon']),
    haeM: Number(p['hae']),
    ceM: Number(p['ce']),
    leM: Number(p['le']),
    callsign: String(detail.contact?._attributes?.['callsign'] ?? ''),
    remarks: String(detail.remarks?._text ?? ''),
  }
  const bad = (['timeMs', 'staleMs', 'lat', 'lon'] as const).filter((k) => Number.isNaN(event[k]))
  return bad.length === 0
    ? Result.ok(event)
    : Result.fail(`CoT: ${bad.join(', ')} missing or malformed`)
}
