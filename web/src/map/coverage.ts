import { EARTH_RADIUS_KM } from '../../../src/sim/constants.ts'
import type { Sensor } from '../api/types.ts'

export { EARTH_RADIUS_KM }

/**
 * The ground radius (km) within which a target at `targetAltitudeKm` is visible to `sensor`:
 * on the effective sphere of radius k·R (as the simulator), the target must be at least at
 * the sensor's minimum elevation and within its maximum slant range. The effective central
 * angle γ comes from the law of cosines; the ground distance is k·R·γ.
 */
export function coverageRadiusKm(sensor: Sensor, targetAltitudeKm: number): number {
  const k = sensor.kFactor
  const a = k * EARTH_RADIUS_KM + sensor.altitudeKm
  const b = k * EARTH_RADIUS_KM + targetAltitudeKm
  const angleRad = Math.min(
    elevationLimitedAngleRad(a, b, sensor.minElevationDeg),
    rangeLimitedAngleRad(a, b, sensor.maxRangeKm),
  )
  return k * EARTH_RADIUS_KM * Math.max(0, angleRad)
}

/** γ where the target's elevation equals `minElevationDeg`: slant r from b² = a² + r² + 2ar·sin e. */
function elevationLimitedAngleRad(a: number, b: number, minElevationDeg: number): number {
  const sinE = Math.sin((minElevationDeg * Math.PI) / 180)
  const discriminant = a * a * sinE * sinE + b * b - a * a
  if (discriminant < 0) return 0
  const slantKm = -a * sinE + Math.sqrt(discriminant)
  return angleFromSlant(a, b, slantKm)
}

/** γ where the slant range equals `maxRangeKm`. */
function rangeLimitedAngleRad(a: number, b: number, maxRangeKm: number): number {
  if (maxRangeKm < Math.abs(b - a)) return 0
  return angleFromSlant(a, b, maxRangeKm)
}

function angleFromSlant(a: number, b: number, slantKm: number): number {
  const cos = (a * a + b * b - slantKm * slantKm) / (2 * a * b)
  return Math.acos(Math.min(1, Math.max(-1, cos)))
}
