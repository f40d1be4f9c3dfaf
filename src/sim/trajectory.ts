import { EntenteError } from '../lib/errors.ts'
import { EARTH_RADIUS_KM, MU_KM3_PER_S2 } from './constants.ts'
import {
  destinationPoint,
  greatCircleDistanceKm,
  initialBearingDeg,
  type LatLon,
  tangentVector,
  type UnitVector,
  unitVector,
} from './geodesy.ts'

/** What a launch is: where from, where to, how high (simulation-model.md). */
export interface LaunchGeometry {
  readonly site: LatLon
  readonly impact: LatLon
  readonly apogeeKm: number
  /** The range as stated (e.g. heading + range); checked like the computed one when given. */
  readonly rangeKm?: number
}

/**
 * The vacuum Keplerian arc from `site` to `impact`, with its orbit elements precomputed.
 * True anomaly ν is measured from perigee: the launch is at ν = π − φ, apogee at ν = π, the
 * impact at ν = π + φ, where φ is half the central angle site → impact. The ground angle
 * ψ = ν − (π − φ) runs from 0 at the site to 2φ at the impact.
 */
export interface Trajectory {
  readonly site: LatLon
  readonly impact: LatLon
  /** Great-circle distance site → impact. */
  readonly rangeKm: number
  readonly apogeeKm: number
  readonly flightSeconds: number
  /** Initial bearing at the site, degrees clockwise from north. */
  readonly bearingDeg: number
  /** φ: half the central angle site → impact. */
  readonly halfAngleRad: number
  readonly eccentricity: number
  readonly semiLatusRectumKm: number
  readonly semiMajorAxisKm: number
  readonly meanMotionRadPerS: number
  /** Eccentric and mean anomaly at launch (at impact they are 2π minus these). */
  readonly launchEccentricAnomalyRad: number
  readonly launchMeanAnomalyRad: number
  /** Smallest angular rate over the arc (at apogee): turns a ground-angle step into seconds. */
  readonly minAngularRateRadPerS: number
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
const TWO_PI = 2 * Math.PI

/** Solves the arc once; throws SIMULATION_INVALID when no such arc exists. */
export function buildTrajectory(geometry: LaunchGeometry): Trajectory {
  checkGeometry(geometry)
  const { site, impact, apogeeKm } = geometry
  const rangeKm = greatCircleDistanceKm(site, impact)
  checkRange('range between site and impact', rangeKm)
  const halfAngleRad = rangeKm / (2 * EARTH_RADIUS_KM)
  const apogeeRadiusKm = EARTH_RADIUS_KM + apogeeKm
  // r(ν) = p / (1 + e cos ν); r(π) = ra gives p = ra(1 − e); r(π − φ) = R gives
  // p = R(1 − e cos φ); together e = (ra − R) / (ra − R cos φ), in (0, 1) for φ in (0, π/2).
  const eccentricity = apogeeKm / (apogeeRadiusKm - EARTH_RADIUS_KM * Math.cos(halfAngleRad))
  const semiLatusRectumKm = apogeeRadiusKm * (1 - eccentricity)
  const semiMajorAxisKm = semiLatusRectumKm / (1 - eccentricity * eccentricity)
  const meanMotionRadPerS = Math.sqrt(MU_KM3_PER_S2 / semiMajorAxisKm ** 3)
  const launchEccentricRad = eccentricFromTrue(eccentricity, Math.PI - halfAngleRad)
  const launchMeanRad = launchEccentricRad - eccentricity * Math.sin(launchEccentricRad)
  const bearingDeg = initialBearingDeg(site, impact)
  return {
    site,
    impact,
    rangeKm,
    apogeeKm,
    flightSeconds: (2 * (Math.PI - launchMeanRad)) / meanMotionRadPerS,
    bearingDeg,
    halfAngleRad,
    eccentricity,
    semiLatusRectumKm,
    semiMajorAxisKm,
    meanMotionRadPerS,
    launchEccentricAnomalyRad: launchEccentricRad,
    launchMeanAnomalyRad: launchMeanRad,
    // ν' = h / r², h = √(μp), slowest where r is largest
    minAngularRateRadPerS: Math.sqrt(MU_KM3_PER_S2 * semiLatusRectumKm) / apogeeRadiusKm ** 2,
    siteUnit: unitVector(site),
    trackUnit: tangentVector(site, bearingDeg),
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

/** Eccentric anomaly of true anomaly ν in [0, 2π] (same half-turn). */
function eccentricFromTrue(eccentricity: number, trueAnomalyRad: number): number {
  const half = trueAnomalyRad / 2
  return (
    2 *
    Math.atan2(
      Math.sqrt(1 - eccentricity) * Math.sin(half),
      Math.sqrt(1 + eccentricity) * Math.cos(half),
    )
  )
}

/** Kepler's equation E − e sin E = M for E in [E_launch, 2π − E_launch]: safeguarded Newton. */
function eccentricAnomalyAt(trajectory: Trajectory, tSeconds: number): number {
  const e = trajectory.eccentricity
  const lowRad = trajectory.launchEccentricAnomalyRad
  const highRad = TWO_PI - lowRad
  const meanRad =
    trajectory.launchMeanAnomalyRad + trajectory.meanMotionRadPerS * clampTime(trajectory, tSeconds)
  let lo = lowRad
  let hi = highRad
  let eccentricRad = Math.PI + (meanRad - Math.PI) / (1 + e) // exact at apogee, close nearby
  for (let i = 0; i < 60; i++) {
    const residual = eccentricRad - e * Math.sin(eccentricRad) - meanRad
    if (residual > 0) hi = eccentricRad
    else lo = eccentricRad
    // 1 − e cos E = r / a ≥ R / a > 0 on the arc, so the step is always defined
    let next = eccentricRad - residual / (1 - e * Math.cos(eccentricRad))
    if (!(next > lo && next < hi)) next = (lo + hi) / 2
    if (Math.abs(next - eccentricRad) < 1e-14) return next
    eccentricRad = next
  }
  return eccentricRad
}

function clampTime(trajectory: Trajectory, tSeconds: number): number {
  return Math.min(trajectory.flightSeconds, Math.max(0, tSeconds))
}

/** Ground angle ψ from the site (radians) at time t; t is clamped to [0, flightSeconds]. */
export function groundAngleAt(trajectory: Trajectory, tSeconds: number): number {
  const e = trajectory.eccentricity
  const eccentricRad = eccentricAnomalyAt(trajectory, tSeconds)
  const half = eccentricRad / 2
  const trueRad =
    2 * Math.atan2(Math.sqrt(1 + e) * Math.sin(half), Math.sqrt(1 - e) * Math.cos(half))
  const groundAngleRad = trueRad - (Math.PI - trajectory.halfAngleRad)
  return Math.min(2 * trajectory.halfAngleRad, Math.max(0, groundAngleRad))
}

/** Distance from the Earth's centre (km) at ground angle ψ from the site. */
export function radiusAtGroundAngleKm(trajectory: Trajectory, groundAngleRad: number): number {
  const trueRad = Math.PI - trajectory.halfAngleRad + groundAngleRad
  return trajectory.semiLatusRectumKm / (1 + trajectory.eccentricity * Math.cos(trueRad))
}

/** Altitude above the sphere (km) at time t; t is clamped to [0, flightSeconds]. */
export function altitudeAt(trajectory: Trajectory, tSeconds: number): number {
  const eccentricRad = eccentricAnomalyAt(trajectory, tSeconds)
  const radiusKm =
    trajectory.semiMajorAxisKm * (1 - trajectory.eccentricity * Math.cos(eccentricRad))
  return Math.max(0, radiusKm - EARTH_RADIUS_KM)
}

/** Time since launch (s) at which the target is at ground angle ψ from the site. */
export function timeAtGroundAngle(trajectory: Trajectory, groundAngleRad: number): number {
  const e = trajectory.eccentricity
  const eccentricRad = eccentricFromTrue(e, Math.PI - trajectory.halfAngleRad + groundAngleRad)
  const meanRad = eccentricRad - e * Math.sin(eccentricRad)
  return clampTime(
    trajectory,
    (meanRad - trajectory.launchMeanAnomalyRad) / trajectory.meanMotionRadPerS,
  )
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
