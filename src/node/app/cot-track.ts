import { launchToCotEvents, type CotTrackPoint } from '../../interop/cot.ts'
import { parseInstantMs } from '../../interop/stix-objects.ts'
import { isEntenteError } from '../../lib/errors.ts'
import { destinationPoint, type LatLon } from '../../sim/geodesy.ts'
import { buildTrajectory, positionAt } from '../../sim/trajectory.ts'
import type { ReportRow } from '../store/store.ts'

/** Seconds between two points of a simulated track sent to TAK. */
export const TRACK_STEP_S = 10

/**
 * A report as CoT events (XML, one event per string): its launch site, then the missile along
 * the simulator's arc from the site to the impact (given, or at `rangeKm` along `headingDeg`)
 * every TRACK_STEP_S seconds. A report the simulator cannot fly gives its site only.
 */
export function reportToCot(report: ReportRow): string[] {
  return launchToCotEvents(report, simulatedTrack(report.payload))
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
  const seconds = [...Array(Math.ceil(trajectory.flightSeconds / TRACK_STEP_S)).keys()].map(
    (i) => i * TRACK_STEP_S,
  )
  return [...seconds, trajectory.flightSeconds].map((t) => ({
    atMs: launchMs + Math.round(t * 1000),
    ...positionAt(trajectory, t),
  }))
}

function latLonOf(value: unknown): LatLon | null {
  const { lat, lon } = (value ?? {}) as Record<string, unknown>
  return typeof lat === 'number' && typeof lon === 'number' ? { lat, lon } : null
}
