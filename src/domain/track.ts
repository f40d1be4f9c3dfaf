// A track (issue 12): an originator's numbered object in flight, re-sent as it changes. Its
// life is a fold over lifecycle messages — initial, update, drop, correlate — in which an
// update older than the state held never moves the track back, the same update twice changes
// nothing, a dropped track takes no more updates, and a correlation names the surviving number.
import { isNonEmpty, type NonEmpty, Result } from '../lib/result.ts'
import type { PartyId } from './ids.ts'
import type { EpochMs } from './time.ts'

export const TRACK_MESSAGE_KINDS = ['initial', 'update', 'drop', 'correlate'] as const
export type TrackMessageKind = (typeof TRACK_MESSAGE_KINDS)[number]

export const TRACK_PHASES = ['boost', 'midcourse', 'terminal'] as const
export type TrackPhase = (typeof TRACK_PHASES)[number]

export const DATA_MODES = ['real', 'exercise', 'simulated'] as const
export type DataMode = (typeof DATA_MODES)[number]

/** A point on the WGS 84 ellipsoid: degrees, and metres above it. */
export interface Position {
  readonly lat: number
  readonly lon: number
  readonly altM: number
}

/** East, north, up, in metres per second. */
export interface Velocity {
  readonly eastMps: number
  readonly northMps: number
  readonly upMps: number
}

/** A predicted impact point and time, with its 1-sigma uncertainty ellipse. */
export interface PredictedImpact {
  readonly lat: number
  readonly lon: number
  readonly atMs: EpochMs
  readonly semiMajorM: number
  readonly semiMinorM: number
  /** Of the major axis, degrees clockwise from north. */
  readonly orientationDeg: number
}

/** One state of a track as its originator measured it. */
export interface TrackState {
  /** The instant of the measurement: what orders updates, never their arrival. */
  readonly atMs: EpochMs
  readonly position: Position
  readonly velocity: Velocity
  /** 0 (none) to 15 (best), as Link 16 counts it. */
  readonly quality: number
  readonly phase: TrackPhase
  readonly impact: PredictedImpact | null
  readonly lost: boolean
  readonly boosting: boolean
  readonly dataMode: DataMode
  /** The sensor that measured it (the originator is the producer; a relay is never the origin). */
  readonly sensor: string
}

export type TrackMessage =
  | { readonly kind: 'initial' | 'update'; readonly state: TrackState }
  | { readonly kind: 'drop'; readonly atMs: EpochMs }
  /** This track and `survivor` are one object: this number ends, the survivor goes on. */
  | { readonly kind: 'correlate'; readonly atMs: EpochMs; readonly survivor: number }

export const TRACK_STATUSES = ['live', 'dropped', 'correlated'] as const
export type TrackStatus = (typeof TRACK_STATUSES)[number]

export interface Track {
  readonly originator: PartyId
  readonly trackNumber: number
  /** The report (the launch) this track belongs to; it shares its marking. */
  readonly reportId: string
  /** The latest state: the one with the greatest `atMs` applied so far. */
  readonly state: TrackState
  readonly status: TrackStatus
  /** The instant of the drop or correlation that ended it. */
  readonly endedAtMs: EpochMs | null
  /** For a correlated track, the number that goes on. */
  readonly survivor: number | null
  /** How many states were applied (an out-of-order or repeated one is not counted). */
  readonly updates: number
}

export const TRACK_REFUSAL_CODES = [
  'TRACK_NOT_STARTED',
  'TRACK_STARTED',
  'TRACK_ENDED',
  'QUALITY_RANGE',
  'POSITION_RANGE',
  'CORRELATE_SELF',
] as const
export type TrackRefusalCode = (typeof TRACK_REFUSAL_CODES)[number]

export interface TrackIssue {
  readonly code: TrackRefusalCode
  readonly message: string
}

/** What applying one message did: a new track state, nothing (stale or repeated), or refused. */
export type TrackOutcome = Result<
  { readonly track: Track; readonly effect: 'applied' | 'stale' | 'ended' },
  NonEmpty<TrackIssue>
>

/** Starts a track from its `initial` message. */
export function startTrack(
  originator: PartyId,
  trackNumber: number,
  reportId: string,
  message: TrackMessage,
): TrackOutcome {
  const name = `${originator} track ${trackNumber}`
  if (message.kind !== 'initial')
    return fail(
      'TRACK_NOT_STARTED',
      `${name}: a track starts with an initial message, not ${message.kind}`,
    )
  const issues = stateIssues(name, message.state)
  if (isNonEmpty(issues)) return Result.fail(issues)
  const track: Track = {
    originator,
    trackNumber,
    reportId,
    state: message.state,
    status: 'live',
    endedAtMs: null,
    survivor: null,
    updates: 1,
  }
  return Result.ok({ track, effect: 'applied' })
}

/**
 * Applies one message to a held track. An update dated at or before the state held is `stale`
 * and changes nothing (a track never moves back in time; the same update twice is stale the
 * second time). A drop or correlation ends the track; after it, only stale messages pass.
 */
export function applyTrackMessage(track: Track, message: TrackMessage): TrackOutcome {
  const name = `${track.originator} track ${track.trackNumber}`
  const atMs = messageInstant(message)
  if (track.status !== 'live') {
    if (atMs <= (track.endedAtMs ?? Infinity)) return Result.ok({ track, effect: 'stale' })
    return fail(
      'TRACK_ENDED',
      `${name} was ${track.status} at ${track.endedAtMs}; it takes no later message`,
    )
  }
  switch (message.kind) {
    case 'initial':
      if (message.state.atMs <= track.state.atMs) return Result.ok({ track, effect: 'stale' })
      return fail('TRACK_STARTED', `${name} is live already: send an update, not an initial`)
    case 'update': {
      const issues = stateIssues(name, message.state)
      if (isNonEmpty(issues)) return Result.fail(issues)
      if (message.state.atMs <= track.state.atMs) return Result.ok({ track, effect: 'stale' })
      const next: Track = { ...track, state: message.state, updates: track.updates + 1 }
      return Result.ok({ track: next, effect: 'applied' })
    }
    case 'drop':
      if (message.atMs < track.state.atMs) return Result.ok({ track, effect: 'stale' })
      return Result.ok({
        track: { ...track, status: 'dropped', endedAtMs: message.atMs },
        effect: 'ended',
      })
    case 'correlate':
      if (message.survivor === track.trackNumber)
        return fail('CORRELATE_SELF', `${name} cannot be correlated with itself`)
      if (message.atMs < track.state.atMs) return Result.ok({ track, effect: 'stale' })
      return Result.ok({
        track: {
          ...track,
          status: 'correlated',
          endedAtMs: message.atMs,
          survivor: message.survivor,
        },
        effect: 'ended',
      })
  }
}

/**
 * A live track not updated for `staleAfterIntervals` update intervals is stale (tracks.md: a
 * track not updated for a few intervals); when it should be presumed gone, e.g. CoT's `stale`.
 */
export function staleAtMs(
  state: TrackState,
  updateIntervalMs: number,
  staleAfterIntervals = 3,
): EpochMs {
  return state.atMs + updateIntervalMs * staleAfterIntervals
}

/** The instant a message speaks of: its state's measurement, or its drop or correlation. */
export function messageInstant(message: TrackMessage): EpochMs {
  return 'state' in message ? message.state.atMs : message.atMs
}

function stateIssues(name: string, s: TrackState): TrackIssue[] {
  const issues: TrackIssue[] = []
  if (!Number.isInteger(s.quality) || s.quality < 0 || s.quality > 15)
    issues.push({
      code: 'QUALITY_RANGE',
      message: `${name}: quality is an integer 0–15, not ${s.quality}`,
    })
  const { lat, lon } = s.position
  if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180))
    issues.push({
      code: 'POSITION_RANGE',
      message: `${name}: position is lat −90…90, lon −180…180`,
    })
  return issues
}

function fail(code: TrackRefusalCode, message: string): TrackOutcome {
  return Result.fail([{ code, message }])
}
