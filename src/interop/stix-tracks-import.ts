import { Result } from '../lib/result.ts'
import { trackMessageSchema, type TrackMessageWire } from '../protocol/track.ts'
import type { StixIssues } from './stix-import.ts'
import {
  MARKING_EXTENSION_ID,
  parseInstantMs,
  type StixObject,
  textOf,
  TRACK_TYPE,
  versionOf,
} from './stix-objects.ts'
import { trackObjectId } from './stix-tracks.ts'

/**
 * `entente-track` objects (stix-tracks.ts) read back, pure: each version into the lifecycle
 * message it was made from, checked by the very schema a sensor's post and a peer's batch are
 * (src/protocol/track.ts), so that an import can store nothing a sensor could not submit. A
 * problem names the object, its version and the STIX property.
 */

type Props = Readonly<Record<string, unknown>>

export interface StixTrackVersionReading {
  /** The version's `modified`. */
  readonly version: string
  readonly level: string
  readonly releasableTo: readonly string[] | null
  readonly message: TrackMessageWire
}

export interface StixTrackReading {
  readonly id: string
  /** From the marking (a revoked track: from its creator's identity; null when not given). */
  readonly originator: string | null
  readonly trackNumber: number
  readonly reportId: string
  /** The versions with content, oldest first. */
  readonly versions: readonly StixTrackVersionReading[]
  /** The newest version is revoked: the track's report was withdrawn. */
  readonly revoked: boolean
}

/** A track that cannot be read: its object id, and every problem found in its versions. */
export interface StixTrackProblem {
  readonly id: string
  readonly issues: StixIssues
}

/** Every track among `objects`, each read or refused on its own. */
export function readStixTracks(
  objects: readonly StixObject[],
): Result<StixTrackReading, StixTrackProblem>[] {
  const byId = new Map<string, StixObject>()
  for (const o of objects) if (!byId.has(o.id)) byId.set(o.id, o)
  const versionsOf = new Map<string, Map<string, StixObject>>()
  for (const o of objects) {
    if (o.type !== TRACK_TYPE) continue
    const versions = versionsOf.get(o.id) ?? new Map<string, StixObject>()
    versionsOf.set(o.id, versions)
    if (!versions.has(versionOf(o))) versions.set(versionOf(o), o)
  }
  return [...versionsOf].map(([id, versions]) => {
    const ordered = [...versions.values()].sort(
      (a, b) => parseInstantMs(versionOf(a)) - parseInstantMs(versionOf(b)),
    )
    const issues: string[] = []
    const reading = readTrack(id, ordered, byId, issues)
    const [first, ...rest] = issues
    if (first !== undefined) return Result.fail({ id, issues: [first, ...rest] })
    if (reading === null) throw new Error(`track ${id} read with no version`)
    return Result.ok(reading)
  })
}

function readTrack(
  id: string,
  ordered: readonly StixObject[],
  byId: ReadonlyMap<string, StixObject>,
  issues: string[],
): StixTrackReading | null {
  const before = issues.length
  const newest = ordered.at(-1)
  if (newest === undefined) return null
  const trackNumber = newest['track_number']
  const reportId = newest['report_id']
  if (!Number.isSafeInteger(trackNumber))
    issues.push(`${id} (${versionOf(newest)}): track_number must be an integer`)
  if (typeof reportId !== 'string' || reportId === '')
    issues.push(`${id} (${versionOf(newest)}): report_id must be a non-empty string`)
  if (Number.isNaN(parseInstantMs(versionOf(newest))))
    issues.push(`${id}: modified must be a STIX timestamp`)
  const versions: StixTrackVersionReading[] = []
  let originator: string | null = null
  for (const object of ordered) {
    const at = `${id} (${versionOf(object)})`
    if (object['revoked'] === true) {
      if (object !== newest)
        issues.push(`${at}: revoked: a revoked version is the last (STIX revocation is final)`)
      continue
    }
    if (object['track_number'] !== trackNumber || object['report_id'] !== reportId)
      issues.push(`${at}: track_number and report_id must be those of every version`)
    const marking = markingOf(object, byId)
    if (marking === null) {
      issues.push(
        `${at}: object_marking_refs must name a marking-definition with the Entente marking extension (originator, classification)`,
      )
      continue
    }
    if (originator !== null && marking.originator !== originator)
      issues.push(`${at}: object_marking_refs: the originator must be that of every version`)
    originator = marking.originator
    if (
      Number.isSafeInteger(trackNumber) &&
      id !== trackObjectId(originator, trackNumber as number)
    )
      issues.push(`${at}: id: not the id of ${originator}'s track ${String(trackNumber)}`)
    const parsed = trackMessageSchema.safeParse(wireOf(object))
    if (!parsed.success) {
      for (const issue of parsed.error.issues)
        issues.push(`${at}: ${stixPath(issue.path)}: ${issue.message}`)
      continue
    }
    versions.push({ version: versionOf(object), ...marking, message: parsed.data })
  }
  if (issues.length > before) return null
  return {
    id,
    originator: originator ?? creatorParty(newest, byId),
    trackNumber: trackNumber as number,
    reportId: reportId as string,
    versions,
    revoked: newest['revoked'] === true,
  }
}

/** The lifecycle message a version was made from, as the wire spells it (not yet checked). */
function wireOf(o: StixObject): Record<string, unknown> {
  const kind = o['lifecycle']
  const trackNumber = o['track_number']
  switch (kind) {
    case 'initial':
    case 'update':
      return { kind, trackNumber, state: stateOf(o) }
    case 'drop':
      return { kind, trackNumber, atMs: instant(o['ended']) }
    case 'correlate':
      return { kind, trackNumber, atMs: instant(o['ended']), survivor: o['survivor_track_number'] }
    default:
      return { kind, trackNumber }
  }
}

function stateOf(o: StixObject): Record<string, unknown> {
  const position = propsOf(o['position'])
  const velocity = propsOf(o['velocity'])
  const impact = o['predicted_impact'] === undefined ? null : propsOf(o['predicted_impact'])
  return {
    atMs: instant(o['measured']),
    position: position && {
      lat: position['latitude'],
      lon: position['longitude'],
      altM: position['altitude_m'],
    },
    velocity: velocity && {
      eastMps: velocity['east_mps'],
      northMps: velocity['north_mps'],
      upMps: velocity['up_mps'],
    },
    quality: o['quality'],
    phase: o['phase'],
    impact: impact && {
      lat: impact['latitude'],
      lon: impact['longitude'],
      atMs: instant(impact['time']),
      semiMajorM: impact['semi_major_m'],
      semiMinorM: impact['semi_minor_m'],
      orientationDeg: impact['orientation_deg'],
    },
    lost: o['lost'],
    boosting: o['boosting'],
    dataMode: o['data_mode'],
    sensor: o['sensor'],
  }
}

/** A wire field's path as the STIX property it was read from (`state.impact.atMs` → `predicted_impact.time`). */
const STIX_NAMES: Readonly<Record<string, string>> = {
  kind: 'lifecycle',
  trackNumber: 'track_number',
  survivor: 'survivor_track_number',
  lat: 'latitude',
  lon: 'longitude',
  altM: 'altitude_m',
  eastMps: 'east_mps',
  northMps: 'north_mps',
  upMps: 'up_mps',
  impact: 'predicted_impact',
  dataMode: 'data_mode',
  semiMajorM: 'semi_major_m',
  semiMinorM: 'semi_minor_m',
  orientationDeg: 'orientation_deg',
}

function stixPath(path: readonly PropertyKey[]): string {
  const [head, ...rest] = path.map(String)
  if (head === 'atMs') return 'ended'
  if (head !== 'state') return STIX_NAMES[head ?? ''] ?? head ?? 'object'
  if (rest.length === 1 && rest[0] === 'atMs') return 'measured'
  return rest.map((p, i) => (p === 'atMs' && i > 0 ? 'time' : (STIX_NAMES[p] ?? p))).join('.')
}

function markingOf(
  o: StixObject,
  byId: ReadonlyMap<string, StixObject>,
): { originator: string; level: string; releasableTo: readonly string[] | null } | null {
  const refs = o['object_marking_refs']
  for (const ref of Array.isArray(refs) ? refs : []) {
    if (typeof ref !== 'string') continue
    const extensions = propsOf(byId.get(ref)?.['extensions'])
    const props = propsOf(extensions?.[MARKING_EXTENSION_ID])
    const originator = props?.['originator']
    const level = props?.['classification']
    if (props === null || typeof originator !== 'string' || typeof level !== 'string') continue
    const list = props['releasable_to']
    const releasableTo =
      props['releasability'] === 'none'
        ? []
        : props['releasability'] === 'listed'
          ? Array.isArray(list)
            ? list.map(String)
            : []
          : null
    return { originator, level, releasableTo }
  }
  return null
}

function creatorParty(o: StixObject, byId: ReadonlyMap<string, StixObject>): string | null {
  const references = byId.get(textOf(o['created_by_ref']))?.['external_references']
  const party = Array.isArray(references)
    ? (references as Props[]).find((r) => r['source_name'] === 'entente-party')?.['external_id']
    : undefined
  return typeof party === 'string' ? party : null
}

function propsOf(value: unknown): Props | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Props)
    : null
}

/** Epoch ms of a STIX timestamp; NaN (refused by the schema, naming the property) otherwise. */
function instant(value: unknown): number {
  return typeof value === 'string' ? parseInstantMs(value) : NaN
}
