import { EntenteError } from '../lib/errors.ts'
import {
  arcAltitudeAt,
  arcAscendingGroundAngleAt,
  type ArcElements,
  arcGroundAngleAt,
  arcRadiusAtGroundAngleKm,
  arcTimeAtGroundAngle,
  solveArc,
} from './arc.ts'
import { EARTH_RADIUS_KM } from './constants.ts'
import {
  destinationPoint,
  greatCircleDistanceKm,
  initialBearingDeg,
  type LatLon,
  tangentVector,
  type UnitVector,
  unitVector,
} from './geodesy.ts'

/** A boost phase as a launch states it (simulation-model.md, `boost:`). */
export interface Boost {
  /** T: the burn's duration, from launch to burn-out. */
  readonly burnSeconds: number
  /** hb: the altitude of burn-out, above 0 and below the apogee. */
  readonly burnoutAltitudeKm: number
}

/** What a launch is: where from, where to, how high, how it climbs (simulation-model.md). */
export interface LaunchGeometry {
  readonly site: LatLon
  readonly impact: LatLon
  readonly apogeeKm: number
  /** The range as stated (e.g. heading + range); checked like the computed one when given. */
  readonly rangeKm?: number
  /** Absent or undefined: no boost phase, the flight is the arc alone. */
  readonly boost?: Boost | undefined
}

/**
 * The boost phase solved against the arc: burn-out B is the arc's ascending point at the
 * burn-out altitude. During the burn the missile moves on the straight line (in ground angle
 * and altitude) from the site to B, both growing as (t/T)²; then it flies the arc from B.
 */
export interface BoostPhase extends Boost {
  /** ψB: ground angle from the site to B (sB = ψB · R). */
  readonly burnoutGroundAngleRad: number
  /** tB: the arc's own time from the surface to B. */
  readonly arcBurnoutSeconds: number
}

/**
 * A launch solved once: the vacuum Keplerian arc from `site` to `impact` (its elements from
 * `arc.ts`, ground angle ψ from 0 at the site to 2φ at the impact) and the boost phase, if any.
 * Times on this interface are flight times, from launch.
 */
export interface Trajectory extends ArcElements {
  readonly site: LatLon
  readonly impact: LatLon
  /** Great-circle distance site → impact. */
  readonly rangeKm: number
  readonly apogeeKm: number
  /** Launch to impact: the arc's flight time, or T + (arc flight time − tB) with a boost. */
  readonly flightSeconds: number
  /** The boost phase, or null when the missile leaves the ground on the arc. */
  readonly boost: BoostPhase | null
  /** Initial bearing at the site, degrees clockwise from north. */
  readonly bearingDeg: number
  /** Unit vector of the site and unit tangent along the track there (the track's plane). */
  readonly siteUnit: UnitVector
  readonly trackUnit: UnitVector
}

/** A point of the arc: where the target is at one instant. */
export interface TrajectoryPoint {
  readonly lat: number
  readonly lon: number
  readonly altitudeKm: number
}

/** Site and impact this close to antipodal have no single great circle between them. */
const MAX_RANGE_KM = Math.PI * EARTH_RADIUS_KM - 1

/** Solves the arc once; throws SIMULATION_INVALID when no such arc exists. */
export function buildTrajectory(geometry: LaunchGeometry): Trajectory {
  checkGeometry(geometry)
  const { site, impact, apogeeKm } = geometry
  const rangeKm = greatCircleDistanceKm(site, impact)
  checkRange('range between site and impact', rangeKm)
  const arc = solveArc(rangeKm / (2 * EARTH_RADIUS_KM), apogeeKm)
  const boost = geometry.boost === undefined ? null : solveBoost(arc, geometry.boost)
  const bearingDeg = initialBearingDeg(site, impact)
  // one literal with every field (no spreads): trajectories are built per launch and read in
  // the detection's inner loop, and a spread object is several times slower to build
  return {
    site,
    impact,
    rangeKm,
    apogeeKm,
    flightSeconds:
      boost === null
        ? arc.arcFlightSeconds
        : boost.burnSeconds + (arc.arcFlightSeconds - boost.arcBurnoutSeconds),
    boost,
    bearingDeg,
    siteUnit: unitVector(site),
    trackUnit: tangentVector(site, bearingDeg),
    halfAngleRad: arc.halfAngleRad,
    eccentricity: arc.eccentricity,
    semiLatusRectumKm: arc.semiLatusRectumKm,
    semiMajorAxisKm: arc.semiMajorAxisKm,
    meanMotionRadPerS: arc.meanMotionRadPerS,
    launchEccentricAnomalyRad: arc.launchEccentricAnomalyRad,
    launchMeanAnomalyRad: arc.launchMeanAnomalyRad,
    arcFlightSeconds: arc.arcFlightSeconds,
    minAngularRateRadPerS: arc.minAngularRateRadPerS,
  }
}

/** Burn-out B: the ascending arc's point at the burn-out altitude, and the arc's time there. */
function solveBoost(arc: ArcElements, boost: Boost): BoostPhase {
  const burnoutGroundAngleRad = arcAscendingGroundAngleAt(arc, boost.burnoutAltitudeKm)
  return {
    burnSeconds: boost.burnSeconds,
    burnoutAltitudeKm: boost.burnoutAltitudeKm,
    burnoutGroundAngleRad,
    arcBurnoutSeconds: arcTimeAtGroundAngle(arc, burnoutGroundAngleRad),
  }
}

function checkGeometry(geometry: LaunchGeometry): void {
  const fields: readonly [string, number][] = [
    ['site.lat', geometry.site.lat],
    ['site.lon', geometry.site.lon],
    ['impact.lat', geometry.impact.lat],
    ['impact.lon', geometry.impact.lon],
    ['apogee_km', geometry.apogeeKm],
  ]
  for (const [field, value] of fields) {
    if (!Number.isFinite(value)) invalid(`${field} must be a finite number, got ${value}`)
  }
  for (const [field, value] of fields.filter(([f]) => f.endsWith('.lat'))) {
    if (Math.abs(value) > 90) invalid(`${field} must be within [-90, 90], got ${value}`)
  }
  if (geometry.apogeeKm <= 0) invalid(`apogee_km must be > 0, got ${geometry.apogeeKm}`)
  if (geometry.rangeKm !== undefined) checkRange('range_km', geometry.rangeKm)
  if (geometry.boost !== undefined) checkBoost(geometry.boost, geometry.apogeeKm)
}

function checkBoost(boost: Boost, apogeeKm: number): void {
  const { burnSeconds, burnoutAltitudeKm } = boost
  if (!Number.isFinite(burnSeconds) || burnSeconds <= 0) {
    invalid(`boost.burn_s must be a finite number > 0, got ${burnSeconds}`)
  }
  if (!Number.isFinite(burnoutAltitudeKm) || burnoutAltitudeKm <= 0) {
    invalid(`boost.burnout_altitude_km must be a finite number > 0, got ${burnoutAltitudeKm}`)
  }
  if (burnoutAltitudeKm >= apogeeKm) {
    invalid(
      `boost.burnout_altitude_km must be below apogee_km (${apogeeKm}), got ${burnoutAltitudeKm}`,
    )
  }
}

function checkRange(field: string, rangeKm: number): void {
  if (!Number.isFinite(rangeKm) || rangeKm <= 0 || rangeKm >= MAX_RANGE_KM) {
    invalid(
      `${field} must be > 0 km and less than half the Earth's circumference ` +
        `(site and impact not antipodal: below ${MAX_RANGE_KM.toFixed(1)} km), got ${rangeKm}`,
    )
  }
}

function invalid(message: string): never {
  throw new EntenteError('SIMULATION_INVALID', message)
}

function clampTime(trajectory: Trajectory, tSeconds: number): number {
  return Math.min(trajectory.flightSeconds, Math.max(0, tSeconds))
}

/**
 * Where flight time t (clamped) falls: in the boost, as the fraction f = t / T, or on the arc,
 * as the arc's own time (tB + t − T with a boost, t without).
 */
type Phase =
  | { readonly kind: 'boost'; readonly boost: BoostPhase; readonly fraction: number }
  | { readonly kind: 'arc'; readonly arcS: number }

function phaseAt(trajectory: Trajectory, tSeconds: number): Phase {
  const t = clampTime(trajectory, tSeconds)
  const boost = trajectory.boost
  if (boost === null) return { kind: 'arc', arcS: t }
  if (t <= boost.burnSeconds) return { kind: 'boost', boost, fraction: t / boost.burnSeconds }
  return { kind: 'arc', arcS: boost.arcBurnoutSeconds + (t - boost.burnSeconds) }
}

/** Ground angle ψ from the site (radians) at time t; t is clamped to [0, flightSeconds]. */
export function groundAngleAt(trajectory: Trajectory, tSeconds: number): number {
  const phase = phaseAt(trajectory, tSeconds)
  if (phase.kind === 'boost') return phase.boost.burnoutGroundAngleRad * phase.fraction ** 2
  return arcGroundAngleAt(trajectory, phase.arcS)
}

/** Distance from the Earth's centre (km) at ground angle ψ from the site. */
export function radiusAtGroundAngleKm(trajectory: Trajectory, groundAngleRad: number): number {
  const boost = trajectory.boost
  if (boost !== null && groundAngleRad < boost.burnoutGroundAngleRad) {
    // the boost's straight line: altitude hb · ψ / ψB
    const fraction = Math.max(0, groundAngleRad) / boost.burnoutGroundAngleRad
    return EARTH_RADIUS_KM + boost.burnoutAltitudeKm * fraction
  }
  return arcRadiusAtGroundAngleKm(trajectory, groundAngleRad)
}

/** Altitude above the sphere (km) at time t; t is clamped to [0, flightSeconds]. */
export function altitudeAt(trajectory: Trajectory, tSeconds: number): number {
  const phase = phaseAt(trajectory, tSeconds)
  if (phase.kind === 'boost') return phase.boost.burnoutAltitudeKm * phase.fraction ** 2
  return arcAltitudeAt(trajectory, phase.arcS)
}

/** Time since launch (s) at which the target is at ground angle ψ from the site. */
export function timeAtGroundAngle(trajectory: Trajectory, groundAngleRad: number): number {
  const boost = trajectory.boost
  if (boost === null) return arcTimeAtGroundAngle(trajectory, groundAngleRad)
  const burnoutRad = boost.burnoutGroundAngleRad
  if (groundAngleRad < burnoutRad) {
    return boost.burnSeconds * Math.sqrt(Math.max(0, groundAngleRad) / burnoutRad)
  }
  const arcS = arcTimeAtGroundAngle(trajectory, groundAngleRad)
  return clampTime(trajectory, boost.burnSeconds + (arcS - boost.arcBurnoutSeconds))
}

/** Where the target is at time t (clamped to [0, flightSeconds]). */
export function positionAt(trajectory: Trajectory, tSeconds: number): TrajectoryPoint {
  const groundAngleRad = groundAngleAt(trajectory, tSeconds)
  const point = destinationPoint(
    trajectory.site,
    trajectory.bearingDeg,
    groundAngleRad * EARTH_RADIUS_KM,
  )
  const radiusKm = radiusAtGroundAngleKm(trajectory, groundAngleRad)
  return { lat: point.lat, lon: point.lon, altitudeKm: Math.max(0, radiusKm - EARTH_RADIUS_KM) }
}
