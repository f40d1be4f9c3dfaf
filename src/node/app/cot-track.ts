import { launchToCotEvents, type CotTrackPoint } from '../../interop/cot.ts'
import { parseInstantMs } from '../../interop/stix-objects.ts'
import { isEntenteError } from '../../lib/errors.ts'
import { destinationPoint, type LatLon } from '../../sim/geodesy.ts'
import { buildTrajectory, positionAt, type Trajectory } from '../../sim/trajectory.ts'
import type { ReleaseLabels } from '../../protocol/label.ts'
import type { ReportRow } from '../store/store.ts'

/** Seconds between two points of a simulated track sent to TAK. */
export const TRACK_STEP_S = 10
/** At most this many points per track, whatever apogee or range a stored report claims. */
export const MAX_TRACK_POINTS = 1_000
/** A flight longer than a day is no missile the stream can show: its site only. */
export const MAX_FLIGHT_S = 86_400

/**
 * A report as CoT events (XML, one event per string; remarks name the release's STANAG 4774
 * labels, when given): its launch site, then the missile along
 * the simulator's arc from the site to the impact (given, or at `rangeKm` along `headingDeg`)
 * every TRACK_STEP_S seconds (further apart on a flight so long that it would pass
 * MAX_TRACK_POINTS). A report the simulator cannot fly, or whose flight would last more than
 * MAX_FLIGHT_S, gives its site only.
 */
export function reportToCot(report: ReportRow, labels?: ReleaseLabels): string[] {
  const options = labels === undefined ? {} : { labels }
  return launchToCotEvents(report, simulatedTrack(report.payload), options)
}

function simulatedTrack(payload: Readonly<Record<string, unknown>>): CotTrackPoint[] {
  const site = latLonOf(payload['site'])
  const launchMs = parseInstantMs(String(payload['time']))
  const { apogeeKm, rangeKm, headingDeg } = payload
  if (site === null || Number.isNaN(launchMs) || typeof apogeeKm !== 'number') return []
  const impact =
    latLonOf(payload['impact']) ??
    (typeof headingDeg === 'number' && typeof rangeKm === 'number'
      ? destinationPoint(site, headingDeg, rangeKm)
      : null)
  if (impact === null) return []
  let trajectory
  try {
    trajectory = buildTrajectory({ site, impact, apogeeKm })
  } catch (error) {
    if (isEntenteError(error)) return []
    throw error
  }
  const flightS = trajectory.flightSeconds
  if (!(flightS > 0 && flightS <= MAX_FLIGHT_S)) return []
  // Security review H5: a peer's `apogeeKm: 1e12` must not become an array of 10^11 points.
  const stepS = Math.max(TRACK_STEP_S, flightS / (MAX_TRACK_POINTS - 1))
  const points: CotTrackPoint[] = []
  for (let i = 0; i * stepS < flightS && points.length < MAX_TRACK_POINTS - 1; i++)
    points.push(pointAt(trajectory, launchMs, i * stepS))
  points.push(pointAt(trajectory, launchMs, flightS))
  return points.every((p) => [p.atMs, p.lat, p.lon, p.altitudeKm].every(Number.isFinite))
    ? points
    : []
}

function pointAt(trajectory: Trajectory, launchMs: number, t: number): CotTrackPoint {
  return { atMs: launchMs + Math.round(t * 1000), ...positionAt(trajectory, t) }
}

function latLonOf(value: unknown): LatLon | null {
  const { lat, lon } = (value ?? {}) as Record<string, unknown>
  return typeof lat === 'number' && typeof lon === 'number' ? { lat, lon } : null
}
