import type { TrackMessageWire } from '../protocol/track.ts'
import { marking, reportObjectIds } from './stix.ts'
import {
  DEFINITION_OBJECTS,
  ENTENTE_IDENTITY_ID,
  partyIdentity,
  partyIdentityId,
  type StixObject,
  stixId,
  stixTime,
  TRACK_EXTENSION_ID,
  TRACK_TYPE,
  trackStixId,
} from './stix-objects.ts'

/**
 * Tracks in STIX 2.1 (issue 12), pure in → out. A track is one `entente-track` object (a new
 * SDO declared by TRACK_DEFINITION, as the launch is), its id from its originator and number;
 * each message applied is a new version of it: `created` is the initial state's measurement,
 * `modified` each version's (an end one millisecond after the last state when measured in the
 * same instant). A state version carries the whole state; a drop or a correlation, the last
 * version, carries the end only (its marking may not be the last state's). A correlation also
 * gives a `duplicate-of` relationship to the surviving track. A withdrawn report's tracks
 * become a revoked version with nothing but the track's identity.
 */

/** One version of a track as a node holds it (structurally the store's TrackVersionRow). */
export interface StixTrackVersion {
  readonly originator: string
  readonly trackNumber: number
  /** 1 for the initial state, one more per message applied (an end is the last). */
  readonly seq: number
  readonly reportId: string
  readonly topic: string
  readonly level: string
  readonly localLevel: string
  readonly releasableTo: readonly string[] | null
  readonly message: TrackMessageWire
}

/** The instants STIX versioning gives each version of one track (see trackVersionInstants). */
export interface TrackInstants {
  readonly createdAtMs: number
  readonly modifiedAtMs: number
}

export const TRACK_DEFINITION: StixObject = {
  type: 'extension-definition',
  spec_version: '2.1',
  id: TRACK_EXTENSION_ID,
  created: '2026-12-04T00:00:00.000Z',
  modified: '2026-12-04T00:00:00.000Z',
  created_by_ref: ENTENTE_IDENTITY_ID,
  name: 'Entente track',
  description:
    'A new SDO, entente-track: a numbered track of a missile in flight as its originator ' +
    'measured it; each lifecycle message (initial, update, drop, correlate) is a new version.',
  schema:
    'entente-track: track_number, track_version, lifecycle (initial | update | drop | ' +
    'correlate), track_state (live | dropped | correlated), report_id and report_ref (the ' +
    'launch), topic; a state: measured (timestamp), position { latitude, longitude, ' +
    'altitude_m }, velocity { east_mps, north_mps, up_mps }, quality (0-15), phase (boost | ' +
    'midcourse | terminal), predicted_impact { latitude, longitude, time, semi_major_m, ' +
    'semi_minor_m, orientation_deg }, lost, boosting, data_mode (real | exercise | simulated), ' +
    'sensor; an end: ended (timestamp), survivor_track_number and survivor_ref (correlate); ' +
    'a withdrawn report: revoked, with track_number and report_id only; see docs/interop.md',
  version: '1.0.0',
  extension_types: ['new-sdo'],
}

/** Every definition a track's objects rely on. */
export const TRACK_DEFINITION_OBJECTS: readonly StixObject[] = [
  ...DEFINITION_OBJECTS,
  TRACK_DEFINITION,
]

export const trackObjectId = (originator: string, trackNumber: number): string =>
  trackStixId(`${originator}:${trackNumber}`)

/**
 * A marking definition is never versioned: one per distinct marking of the track's versions,
 * dated by the track's first version so that every version naming it names the same object.
 */
export function trackMarkingId(v: Omit<StixTrackVersion, 'seq' | 'message'>): string {
  const releasability = v.releasableTo === null ? '*' : v.releasableTo.join(',')
  return stixId(
    'marking-definition',
    `track:${v.originator}:${v.trackNumber}:marking:${v.level}:${v.localLevel}:${releasability}`,
  )
}

/** The instant a message speaks of: its state's measurement, or its end. */
export function messageAtMs(message: TrackMessageWire): number {
  return 'state' in message ? message.state.atMs : message.atMs
}

/**
 * `modified` of each version, oldest first: its measurement, each at least a millisecond
 * after the one before (a drop may be dated the instant of the last state); `created` of all
 * is the first's.
 */
export function trackVersionInstants(
  versions: readonly Pick<StixTrackVersion, 'message'>[],
): TrackInstants[] {
  const out: TrackInstants[] = []
  for (const { message } of versions) {
    const previous = out.at(-1)
    const atMs = messageAtMs(message)
    out.push({
      createdAtMs: previous?.createdAtMs ?? atMs,
      modifiedAtMs: previous === undefined ? atMs : Math.max(atMs, previous.modifiedAtMs + 1),
    })
  }
  return out
}

/** One version of a track: its object, its marking, its originator and, for a correlation, the link. */
export function trackVersionToStixObjects(
  version: StixTrackVersion,
  instants: TrackInstants,
  context: { readonly partyName?: (party: string) => string | undefined } = {},
): StixObject[] {
  const { originator, trackNumber, message } = version
  const id = trackObjectId(originator, trackNumber)
  const markingId = trackMarkingId(version)
  const modified = stixTime(instants.modifiedAtMs)
  const common = {
    spec_version: '2.1',
    created: stixTime(instants.createdAtMs),
    modified,
    created_by_ref: partyIdentityId(originator),
    object_marking_refs: [markingId],
  } as const
  const track: StixObject = {
    type: TRACK_TYPE,
    id,
    ...common,
    track_number: trackNumber,
    track_version: version.seq,
    lifecycle: message.kind,
    track_state:
      message.kind === 'drop' ? 'dropped' : message.kind === 'correlate' ? 'correlated' : 'live',
    report_id: version.reportId,
    report_ref: reportObjectIds(version.reportId).launch,
    topic: version.topic,
    ...messageProperties(message, originator),
    extensions: { [TRACK_EXTENSION_ID]: { extension_type: 'new-sdo' } },
  }
  const link: StixObject[] =
    message.kind === 'correlate'
      ? [
          {
            type: 'relationship',
            id: stixId('relationship', `track:${originator}:${trackNumber}:duplicate-of`),
            ...common,
            created: modified,
            relationship_type: 'duplicate-of',
            description: `track ${trackNumber} is track ${message.survivor}: ${message.survivor} goes on`,
            source_ref: id,
            target_ref: trackObjectId(originator, message.survivor),
          },
        ]
      : []
  const markingAt = stixTime(instants.createdAtMs)
  return [
    ...TRACK_DEFINITION_OBJECTS,
    partyIdentity(originator, context.partyName?.(originator)),
    marking(version, markingId, markingAt, undefined),
    track,
    ...link,
  ]
}

function messageProperties(message: TrackMessageWire, originator: string): Record<string, unknown> {
  switch (message.kind) {
    case 'initial':
    case 'update': {
      const s = message.state
      const impact = s.impact
      return {
        measured: stixTime(s.atMs),
        position: {
          latitude: s.position.lat,
          longitude: s.position.lon,
          altitude_m: s.position.altM,
        },
        velocity: {
          east_mps: s.velocity.eastMps,
          north_mps: s.velocity.northMps,
          up_mps: s.velocity.upMps,
        },
        quality: s.quality,
        phase: s.phase,
        ...(impact === null
          ? {}
          : {
              predicted_impact: {
                latitude: impact.lat,
                longitude: impact.lon,
                time: stixTime(impact.atMs),
                semi_major_m: impact.semiMajorM,
                semi_minor_m: impact.semiMinorM,
                orientation_deg: impact.orientationDeg,
              },
            }),
        lost: s.lost,
        boosting: s.boosting,
        data_mode: s.dataMode,
        sensor: s.sensor,
      }
    }
    case 'drop':
      return { ended: stixTime(message.atMs) }
    case 'correlate':
      return {
        ended: stixTime(message.atMs),
        survivor_track_number: message.survivor,
        survivor_ref: trackObjectId(originator, message.survivor),
      }
  }
}

/** What a withdrawn report's track becomes: revoked, carrying nothing but who and which. */
export interface StixTrackRevocation {
  readonly originator: string
  readonly trackNumber: number
  readonly reportId: string
  readonly createdAtMs: number
  /** After every version's `modified` (a revocation is the last version). */
  readonly revokedAtMs: number
}

export function trackRevocationToStixObjects(
  revocation: StixTrackRevocation,
  context: { readonly partyName?: (party: string) => string | undefined } = {},
): StixObject[] {
  const { originator, trackNumber } = revocation
  return [
    ...TRACK_DEFINITION_OBJECTS,
    partyIdentity(originator, context.partyName?.(originator)),
    {
      type: TRACK_TYPE,
      id: trackObjectId(originator, trackNumber),
      spec_version: '2.1',
      created: stixTime(revocation.createdAtMs),
      modified: stixTime(revocation.revokedAtMs),
      created_by_ref: partyIdentityId(originator),
      revoked: true,
      track_number: trackNumber,
      report_id: revocation.reportId,
      extensions: { [TRACK_EXTENSION_ID]: { extension_type: 'new-sdo' } },
    },
  ]
}
