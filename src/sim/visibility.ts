import { EARTH_RADIUS_KM } from './constants.ts'
import { centralAngleRad, type LatLon, toDegrees } from './geodesy.ts'

/** What detection needs of a sensor (the scenario's sensor satisfies it structurally). */
export interface SensorModel {
  readonly position: LatLon
  readonly altitudeKm: number
  readonly maxRangeKm: number
  /** In (−90, 90). */
  readonly minElevationDeg: number
  /** Effective-Earth factor for refraction, > 0 (4/3 is the usual standard atmosphere). */
  readonly kFactor: number
}

/** A target as seen by a sensor: a point and its altitude above the sphere. */
export interface TargetPosition {
  readonly lat: number
  readonly lon: number
  readonly altitudeKm: number
}

/**
 * The geometry on the effective sphere of radius k·R (simulation-model.md): the true central
 * angle between the ground points is kept as a ground distance, so on the effective sphere
 * it becomes γ = angle / k; sensor and target sit at radii k·R + their altitudes.
 */
export function effectiveAngleRad(sensor: SensorModel, target: TargetPosition): number {
  return centralAngleRad(sensor.position, target) / sensor.kFactor
}

/** Straight-line distance sensor → target on the effective sphere. */
export function slantRangeKm(sensor: SensorModel, target: TargetPosition): number {
  const effectiveRadiusKm = sensor.kFactor * EARTH_RADIUS_KM
  return slantFromAngleKm(
    effectiveRadiusKm + sensor.altitudeKm,
    effectiveRadiusKm + target.altitudeKm,
    effectiveAngleRad(sensor, target),
  )
}

/** Elevation of the target above the sensor's local horizon, degrees in [−90, 90]. */
export function elevationDeg(sensor: SensorModel, target: TargetPosition): number {
  const effectiveRadiusKm = sensor.kFactor * EARTH_RADIUS_KM
  return toDegrees(
    elevationFromAngleRad(
      effectiveRadiusKm + sensor.altitudeKm,
      effectiveRadiusKm + target.altitudeKm,
      effectiveAngleRad(sensor, target),
    ),
  )
}

/**
 * True when the elevation is at least `minElevationDeg` and the slant range at most
 * `maxRangeKm`. Beyond an effective angle of π the line of sight is not defined and the
 * target is not visible (only reachable with k < 1 and sensors half a world away).
 */
export function isVisible(sensor: SensorModel, target: TargetPosition): boolean {
  const angleRad = effectiveAngleRad(sensor, target)
  return (
    angleRad <= Math.PI &&
    elevationDeg(sensor, target) >= sensor.minElevationDeg &&
    slantRangeKm(sensor, target) <= sensor.maxRangeKm
  )
}

/** slant² = rs² + rt² − 2 rs rt cos γ. */
export function slantFromAngleKm(
  sensorRadiusKm: number,
  targetRadiusKm: number,
  angleRad: number,
): number {
  const squaredKm2 =
    sensorRadiusKm * sensorRadiusKm +
    targetRadiusKm * targetRadiusKm -
    2 * sensorRadiusKm * targetRadiusKm * Math.cos(angleRad)
  return Math.sqrt(Math.max(0, squaredKm2))
}

/**
 * A target closer than this to the sensor is at the sensor: its elevation is undefined and
 * taken as 0 (atan2(0, 0)), so it counts as visible only when min_elevation_deg ≤ 0. This
 * matters for a sensor at the launch site at t = 0, where rounding would otherwise decide.
 */
export const COINCIDENT_KM = 1e-6

/** elevation = atan2(rt cos γ − rs, rt sin γ); 0 for a target at the sensor. */
export function elevationFromAngleRad(
  sensorRadiusKm: number,
  targetRadiusKm: number,
  angleRad: number,
): number {
  const upKm = targetRadiusKm * Math.cos(angleRad) - sensorRadiusKm
  const acrossKm = targetRadiusKm * Math.sin(angleRad)
  return Math.hypot(upKm, acrossKm) < COINCIDENT_KM ? 0 : Math.atan2(upKm, acrossKm)
}
