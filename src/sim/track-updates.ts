// Each sensor's measured track of a launch (issue 12): one state a second while the sensor sees
// the missile, with seeded measurement noise, a quality that rises with time in view and a
// predicted impact whose uncertainty shrinks; a drop at impact or when the sensor loses it.
import type { PartyId } from '../domain/ids.ts'
import type { EpochMs } from '../domain/time.ts'
import type { TrackMessage, TrackPhase, TrackState } from '../domain/track.ts'
import { EARTH_RADIUS_KM } from './constants.ts'
import { destinationPoint, initialBearingDeg, type LatLon } from './geodesy.ts'
import type { Launch, Sensor } from './model.ts'
import { normal, seededRandom, seedOf } from './random.ts'
import { firstDetectionSeconds } from './detection.ts'
import { altitudeAt, positionAt, type Trajectory } from './trajectory.ts'
import { isVisible, slantRangeKm } from './visibility.ts'

/** One update a second per sensor (tracks.md: a simulated sensor reports at 1 Hz). */
export const TRACK_UPDATE_INTERVAL_S = 1
/** Quality 0–15 (Link 16): a first fix is poor, one more step per this many seconds in view. */
const FIRST_QUALITY = 3
const SECONDS_PER_QUALITY_STEP = 4
/** Measurement noise: a floor plus a share of the slant range (angle error grows with range). */
const POSITION_SIGMA_FLOOR_M = 150
const POSITION_SIGMA_PER_KM_M = 1.5
const VELOCITY_SIGMA_MPS = 15
/** The predicted impact's 1-sigma semi-major axis at first fix, halved every this many seconds. */
const IMPACT_SIGMA_FIRST_M = 40_000
const IMPACT_SIGMA_HALVING_S = 20
const IMPACT_SIGMA_FLOOR_M = 300
const IMPACT_MINOR_SHARE = 0.35
/** Terminal phase: descending below this share of the apogee. */
const TERMINAL_SHARE_OF_APOGEE = 0.5

/** The messages of one sensor's track, in time order: initial, updates, then a drop. */
export interface SensorTrack {
  readonly party: PartyId
  readonly sensor: string
  readonly launch: string
  readonly trackNumber: number
  readonly messages: readonly TrackMessage[]
}

/**
 * Every sensor's track of one launch, those that never see it left out. Track numbers are
 * unique per party: `(launchIndex + 1) · 100 + k`, k counting that party's sensors by id.
 */
export function launchTracks(
  launch: Launch,
  launchIndex: number,
  trajectory: Trajectory,
  sensors: readonly Sensor[],
  seed: number,
): SensorTrack[] {
  const sorted = [...sensors].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const counts = new Map<PartyId, number>()
  const tracks: SensorTrack[] = []
  for (const sensor of sorted) {
    const k = (counts.get(sensor.party) ?? 0) + 1
    counts.set(sensor.party, k)
    const messages = sensorTrackMessages(
      launch,
      trajectory,
      sensor,
      seedOf(seed, `${launch.id}/${sensor.id}`),
    )
    if (messages.length === 0) continue
    tracks.push({
      party: sensor.party,
      sensor: sensor.id,
      launch: launch.id,
      trackNumber: (launchIndex + 1) * 100 + k,
      messages,
    })
  }
  return tracks
}

/** One sensor's messages: empty when it never sees the launch. */
export function sensorTrackMessages(
  launch: Launch,
  trajectory: Trajectory,
  sensor: Sensor,
  seed: number,
): TrackMessage[] {
  const detectedS = firstDetectionSeconds(trajectory, sensor)
  if (detectedS === null) return []
  const random = seededRandom(seed)
  const flightS = trajectory.flightSeconds
  const messages: TrackMessage[] = []
  const at = (s: number): EpochMs => Math.round(launch.timeMs + s * 1000)
  for (let t = detectedS; t < flightS; t += TRACK_UPDATE_INTERVAL_S) {
    const truth = positionAt(trajectory, t)
    if (!isVisible(sensor, truth)) {
      messages.push({ kind: 'drop', atMs: at(t) }) // lost: the sensor no longer sees it
      return messages
    }
    const state = measure(launch, trajectory, sensor, t - detectedS, t, at(t), random)
    messages.push({ kind: messages.length === 0 ? 'initial' : 'update', state })
  }
  messages.push({ kind: 'drop', atMs: at(flightS) }) // impact
  return messages
}

/** Quality after `inViewS` seconds in view: non-decreasing, 15 at most. */
export function trackQuality(inViewS: number): number {
  return Math.min(15, FIRST_QUALITY + Math.floor(inViewS / SECONDS_PER_QUALITY_STEP))
}

/** The predicted impact's 1-sigma semi-major axis after `inViewS` seconds: it only shrinks. */
export function impactSigmaM(inViewS: number): number {
  return Math.max(
    IMPACT_SIGMA_FLOOR_M,
    IMPACT_SIGMA_FIRST_M * 0.5 ** (inViewS / IMPACT_SIGMA_HALVING_S),
  )
}

function phaseAt(trajectory: Trajectory, t: number): TrackPhase {
  if (trajectory.boost !== null && t <= trajectory.boost.burnSeconds) return 'boost'
  const descending = altitudeAt(trajectory, t + 0.5) < altitudeAt(trajectory, t - 0.5)
  return descending && altitudeAt(trajectory, t) < TERMINAL_SHARE_OF_APOGEE * trajectory.apogeeKm
    ? 'terminal'
    : 'midcourse'
}

function measure(
  launch: Launch,
  trajectory: Trajectory,
  sensor: Sensor,
  inViewS: number,
  t: number,
  atMs: EpochMs,
  random: () => number,
): TrackState {
  const truth = positionAt(trajectory, t)
  const sigmaM = POSITION_SIGMA_FLOOR_M + POSITION_SIGMA_PER_KM_M * slantRangeKm(sensor, truth)
  const measured = offset(truth, normal(random) * sigmaM, normal(random) * sigmaM)
  const velocity = velocityAt(trajectory, t)
  const impactSigma = impactSigmaM(inViewS)
  const bearingDeg = initialBearingDeg(trajectory.site, trajectory.impact)
  const impact = offset(
    trajectory.impact,
    normal(random) * impactSigma,
    normal(random) * impactSigma * IMPACT_MINOR_SHARE,
  )
  const phase = phaseAt(trajectory, t)
  return {
    atMs,
    position: {
      lat: measured.lat,
      lon: measured.lon,
      altM: Math.max(0, truth.altitudeKm * 1000 + normal(random) * sigmaM),
    },
    velocity: {
      eastMps: velocity.eastMps + normal(random) * VELOCITY_SIGMA_MPS,
      northMps: velocity.northMps + normal(random) * VELOCITY_SIGMA_MPS,
      upMps: velocity.upMps + normal(random) * VELOCITY_SIGMA_MPS,
    },
    quality: trackQuality(inViewS),
    phase,
    impact: {
      lat: impact.lat,
      lon: impact.lon,
      // the time's error: the downrange error at the missile's ground speed near the end
      atMs: Math.round(
        launch.timeMs + trajectory.flightSeconds * 1000 + (normal(random) * impactSigma) / 2,
      ),
      semiMajorM: impactSigma,
      semiMinorM: impactSigma * IMPACT_MINOR_SHARE,
      orientationDeg: bearingDeg % 360,
    },
    lost: false,
    boosting: phase === 'boost',
    dataMode: 'simulated',
    sensor: sensor.id,
  }
}

/** `point` moved `northM` north and `eastM` east (small offsets on the sphere). */
function offset(point: LatLon, northM: number, eastM: number): LatLon {
  const north = destinationPoint(point, northM >= 0 ? 0 : 180, Math.abs(northM) / 1000)
  return destinationPoint(north, eastM >= 0 ? 90 : 270, Math.abs(eastM) / 1000)
}

/** East, north, up velocity at t by a central difference over one second. */
function velocityAt(
  trajectory: Trajectory,
  t: number,
): { eastMps: number; northMps: number; upMps: number } {
  const a = positionAt(trajectory, Math.max(0, t - 0.5))
  const b = positionAt(trajectory, Math.min(trajectory.flightSeconds, t + 0.5))
  const dtS = Math.min(trajectory.flightSeconds, t + 0.5) - Math.max(0, t - 0.5)
  const latRad = (a.lat * Math.PI) / 180
  const dLon = ((((b.lon - a.lon + 540) % 360) - 180) * Math.PI) / 180
  const dLat = ((b.lat - a.lat) * Math.PI) / 180
  const mPerRad = EARTH_RADIUS_KM * 1000
  return {
    eastMps: (dLon * Math.cos(latRad) * mPerRad) / dtS,
    northMps: (dLat * mPerRad) / dtS,
    upMps: ((b.altitudeKm - a.altitudeKm) * 1000) / dtS,
  }
}
