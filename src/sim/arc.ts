import { EARTH_RADIUS_KM, MU_KM3_PER_S2 } from './constants.ts'

/**
 * The vacuum Keplerian arc of a launch, as orbit elements (simulation-model.md). True anomaly
 * ν is measured from perigee: the arc leaves the surface at ν = π − φ, is at apogee at ν = π
 * and back on the surface at ν = π + φ, where φ is half the central angle site → impact. The
 * ground angle ψ = ν − (π − φ) runs from 0 at the site to 2φ at the impact. Times here are
 * the arc's own, from the moment it leaves the surface.
 */
export interface ArcElements {
  /** φ: half the central angle site → impact. */
  readonly halfAngleRad: number
  readonly eccentricity: number
  readonly semiLatusRectumKm: number
  readonly semiMajorAxisKm: number
  readonly meanMotionRadPerS: number
  /** Eccentric and mean anomaly at launch (at impact they are 2π minus these). */
  readonly launchEccentricAnomalyRad: number
  readonly launchMeanAnomalyRad: number
  /** The arc's flight time, surface to surface. */
  readonly arcFlightSeconds: number
  /** Smallest angular rate over the arc (at apogee): turns a ground-angle step into seconds. */
  readonly minAngularRateRadPerS: number
}

const TWO_PI = 2 * Math.PI

/** The elements of the arc over the central angle 2φ that peaks at `apogeeKm`. */
export function solveArc(halfAngleRad: number, apogeeKm: number): ArcElements {
  const apogeeRadiusKm = EARTH_RADIUS_KM + apogeeKm
  // r(ν) = p / (1 + e cos ν); r(π) = ra gives p = ra(1 − e); r(π − φ) = R gives
  // p = R(1 − e cos φ); together e = (ra − R) / (ra − R cos φ), in (0, 1) for φ in (0, π/2).
  const eccentricity = apogeeKm / (apogeeRadiusKm - EARTH_RADIUS_KM * Math.cos(halfAngleRad))
  const semiLatusRectumKm = apogeeRadiusKm * (1 - eccentricity)
  const semiMajorAxisKm = semiLatusRectumKm / (1 - eccentricity * eccentricity)
  const meanMotionRadPerS = Math.sqrt(MU_KM3_PER_S2 / semiMajorAxisKm ** 3)
  const launchEccentricRad = eccentricFromTrue(eccentricity, Math.PI - halfAngleRad)
  const launchMeanRad = launchEccentricRad - eccentricity * Math.sin(launchEccentricRad)
  return {
    halfAngleRad,
    eccentricity,
    semiLatusRectumKm,
    semiMajorAxisKm,
    meanMotionRadPerS,
    launchEccentricAnomalyRad: launchEccentricRad,
    launchMeanAnomalyRad: launchMeanRad,
    arcFlightSeconds: (2 * (Math.PI - launchMeanRad)) / meanMotionRadPerS,
    // ν' = h / r², h = √(μp), slowest where r is largest
    minAngularRateRadPerS: Math.sqrt(MU_KM3_PER_S2 * semiLatusRectumKm) / apogeeRadiusKm ** 2,
  }
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
function eccentricAnomalyAt(arc: ArcElements, arcSeconds: number): number {
  const e = arc.eccentricity
  const lowRad = arc.launchEccentricAnomalyRad
  const highRad = TWO_PI - lowRad
  const clampedS = Math.min(arc.arcFlightSeconds, Math.max(0, arcSeconds))
  const meanRad = arc.launchMeanAnomalyRad + arc.meanMotionRadPerS * clampedS
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

/** Ground angle ψ (radians) at the arc's time `arcSeconds` (clamped to the arc). */
export function arcGroundAngleAt(arc: ArcElements, arcSeconds: number): number {
  const e = arc.eccentricity
  const eccentricRad = eccentricAnomalyAt(arc, arcSeconds)
  const half = eccentricRad / 2
  const trueRad =
    2 * Math.atan2(Math.sqrt(1 + e) * Math.sin(half), Math.sqrt(1 - e) * Math.cos(half))
  const groundAngleRad = trueRad - (Math.PI - arc.halfAngleRad)
  return Math.min(2 * arc.halfAngleRad, Math.max(0, groundAngleRad))
}

/** Altitude above the sphere (km) at the arc's time `arcSeconds` (clamped to the arc). */
export function arcAltitudeAt(arc: ArcElements, arcSeconds: number): number {
  const eccentricRad = eccentricAnomalyAt(arc, arcSeconds)
  const radiusKm = arc.semiMajorAxisKm * (1 - arc.eccentricity * Math.cos(eccentricRad))
  return Math.max(0, radiusKm - EARTH_RADIUS_KM)
}

/** Distance from the Earth's centre (km) at ground angle ψ from the site. */
export function arcRadiusAtGroundAngleKm(arc: ArcElements, groundAngleRad: number): number {
  const trueRad = Math.PI - arc.halfAngleRad + groundAngleRad
  return arc.semiLatusRectumKm / (1 + arc.eccentricity * Math.cos(trueRad))
}

/** The arc's time (s) at ground angle ψ, in [0, arcFlightSeconds]. */
export function arcTimeAtGroundAngle(arc: ArcElements, groundAngleRad: number): number {
  const e = arc.eccentricity
  const eccentricRad = eccentricFromTrue(e, Math.PI - arc.halfAngleRad + groundAngleRad)
  const meanRad = eccentricRad - e * Math.sin(eccentricRad)
  const arcS = (meanRad - arc.launchMeanAnomalyRad) / arc.meanMotionRadPerS
  return Math.min(arc.arcFlightSeconds, Math.max(0, arcS))
}

/**
 * The ground angle of the ascending arc's point at altitude `altitudeKm` (0 < h < apogee):
 * r(ν) = R + h, i.e. cos ν = (p / (R + h) − 1) / e, with ν in [π − φ, π].
 */
export function arcAscendingGroundAngleAt(arc: ArcElements, altitudeKm: number): number {
  const { semiLatusRectumKm: p, eccentricity: e, halfAngleRad } = arc
  const cosTrue = (p / (EARTH_RADIUS_KM + altitudeKm) - 1) / e
  const trueRad = Math.acos(Math.max(-1, Math.min(1, cosTrue)))
  return Math.min(halfAngleRad, Math.max(0, trueRad - (Math.PI - halfAngleRad)))
}
