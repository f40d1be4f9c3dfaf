import { EARTH_RADIUS_KM } from './constants.ts'
import { toRadians, unitVector } from './geodesy.ts'
import { type BoostPhase, type Trajectory, timeAtGroundAngle } from './trajectory.ts'
import { COINCIDENT_KM, type SensorModel } from './visibility.ts'

/**
 * First detection of a launch by one sensor.
 *
 * The search runs over the ground angle ψ from the site (0 … 2φ) rather than time: radius and
 * position are closed-form in ψ (no Kepler solve), and t(ψ) is converted once at the end.
 * It is a branch and bound that never steps blindly: an interval of ψ is discarded when a
 * bound over the whole interval proves the target invisible there (highest altitude, smallest
 * angle to the sensor), otherwise it is halved, left half first. So the first visible instant
 * is found even when visibility comes and goes (rises, leaves the range, comes back), and a
 * sensor that can never see the launch is rejected by one bound on the whole arc.
 * Resolution: SEARCH_TOLERANCE_S; a visibility window narrower than that may be missed.
 *
 * With a boost phase the search runs in two stretches: the burn, halved in time (there ψ grows
 * as (t/T)², so a step in ψ near the launch would be many seconds), then the arc from burn-out
 * in ψ as above. The bounds hold for both: ψ rises with t throughout, and the radius still
 * rises to apogee and then falls (the burn climbs on a straight line to B, below apogee).
 */
export const SEARCH_TOLERANCE_S = 1e-3

/** Everything the search needs, precomputed once per (trajectory, sensor) pair. */
interface Search {
  readonly semiLatusRectumKm: number
  readonly eccentricity: number
  readonly launchTrueAnomalyRad: number
  readonly apogeeAngleRad: number
  /** Effective radius minus the true one: target radius on the effective sphere = r + this. */
  readonly radiusOffsetKm: number
  /**
   * Haversine in the track's frame: with x the sensor's cross-track angle and ψs its
   * along-track angle, the true central angle γ to the track point at ψ has
   * sin²(γ/2) = sin²(x/2) + cos x · sin²((ψ − ψs)/2). "Along" values below are that last
   * sin²; they are 0 at ψs and 1 at its antipode.
   */
  readonly crossHaversine: number
  readonly crossCos: number
  readonly sensorAlongRad: number
  readonly antipodeAlongRad: number
  readonly inverseKFactor: number
  readonly sensorRadiusKm: number
  readonly minElevationRad: number
  /**
   * A target at the sensor has elevation 0: visible when min_elevation_deg ≤ 0, compared in
   * degrees as visibility.ts does (a denormal minimum in degrees is 0 in radians).
   */
  readonly coincidentVisible: boolean
  readonly sensorCosMinElevationKm: number
  readonly maxRangeSquaredKm2: number
  readonly toleranceRad: number
}

/** First t in [0, flightSeconds] at which the sensor sees the target; null if never. */
export function firstDetectionSeconds(trajectory: Trajectory, sensor: SensorModel): number | null {
  const search = prepareSearch(trajectory, sensor)
  const radiusStartKm = targetRadiusKm(search, 0)
  const alongStart = alongAt(search, 0)
  if (visibleAt(search, radiusStartKm, alongStart)) return 0
  const boost = trajectory.boost
  // the arc is searched from burn-out on (from the site without a boost), the burn before it
  const arcFromRad = boost === null ? 0 : boost.burnoutGroundAngleRad
  const radiusFromKm = targetRadiusKm(search, arcFromRad)
  const alongFrom = alongAt(search, arcFromRad)
  if (boost !== null) {
    const burn = { boost, search }
    const endS = boost.burnSeconds
    const foundS = firstVisibleInBurn(
      burn,
      0,
      endS,
      radiusStartKm,
      radiusFromKm,
      alongStart,
      alongFrom,
    )
    if (!Number.isNaN(foundS)) return foundS
  }
  const endRad = 2 * trajectory.halfAngleRad
  const radiusEndKm = targetRadiusKm(search, endRad)
  const alongEnd = alongAt(search, endRad)
  const found = firstVisibleIn(
    search,
    arcFromRad,
    endRad,
    radiusFromKm,
    radiusEndKm,
    alongFrom,
    alongEnd,
  )
  return Number.isNaN(found) ? null : timeAtGroundAngle(trajectory, found)
}

function prepareSearch(trajectory: Trajectory, sensor: SensorModel): Search {
  const s = unitVector(sensor.position)
  const u = trajectory.siteUnit
  const w = trajectory.trackUnit
  // the track point at ψ is u cos ψ + w sin ψ; the track's pole is n = u × w
  const a = s.x * u.x + s.y * u.y + s.z * u.z
  const b = s.x * w.x + s.y * w.y + s.z * w.z
  const nx = u.y * w.z - u.z * w.y
  const ny = u.z * w.x - u.x * w.z
  const nz = u.x * w.y - u.y * w.x
  const crossRad = Math.asin(Math.max(-1, Math.min(1, nx * s.x + ny * s.y + nz * s.z)))
  const sensorAlongRad = Math.atan2(b, a)
  const effectiveRadiusKm = sensor.kFactor * EARTH_RADIUS_KM
  const minElevationRad = toRadians(sensor.minElevationDeg)
  const sensorRadiusKm = effectiveRadiusKm + sensor.altitudeKm
  return {
    semiLatusRectumKm: trajectory.semiLatusRectumKm,
    eccentricity: trajectory.eccentricity,
    launchTrueAnomalyRad: Math.PI - trajectory.halfAngleRad,
    apogeeAngleRad: trajectory.halfAngleRad,
    radiusOffsetKm: effectiveRadiusKm - EARTH_RADIUS_KM,
    crossHaversine: Math.sin(crossRad / 2) ** 2,
    crossCos: Math.cos(crossRad),
    sensorAlongRad,
    antipodeAlongRad: sensorAlongRad > 0 ? sensorAlongRad - Math.PI : sensorAlongRad + Math.PI,
    inverseKFactor: 1 / sensor.kFactor,
    sensorRadiusKm,
    minElevationRad,
    coincidentVisible: sensor.minElevationDeg <= 0,
    sensorCosMinElevationKm: sensorRadiusKm * Math.cos(minElevationRad),
    maxRangeSquaredKm2: sensor.maxRangeKm * sensor.maxRangeKm,
    toleranceRad: SEARCH_TOLERANCE_S * trajectory.minAngularRateRadPerS,
  }
}

/** Target radius on the effective sphere at ground angle ψ of the arc (not the burn). */
function targetRadiusKm(search: Search, groundAngleRad: number): number {
  const trueRad = search.launchTrueAnomalyRad + groundAngleRad
  const radiusKm = search.semiLatusRectumKm / (1 + search.eccentricity * Math.cos(trueRad))
  return radiusKm + search.radiusOffsetKm
}

/** sin²((ψ − ψs)/2) at ground angle ψ. */
function alongAt(search: Search, groundAngleRad: number): number {
  const half = Math.sin((groundAngleRad - search.sensorAlongRad) / 2)
  return half * half
}

/** The angle sensor → target on the effective sphere, from an "along" value. */
function effectiveAngleRad(search: Search, along: number): number {
  const haversine = Math.min(1, search.crossHaversine + search.crossCos * along)
  return 2 * Math.asin(Math.sqrt(haversine)) * search.inverseKFactor
}

/** Visibility at one point, given its effective radius and "along" value. */
function visibleAt(search: Search, radiusKm: number, along: number): boolean {
  const angleRad = effectiveAngleRad(search, along)
  if (angleRad > Math.PI) return false
  const rs = search.sensorRadiusKm
  // (rs − rt)² + 4 rs rt sin²(γ/2): the law of cosines without its cancellation, which near
  // the sensor (rs ≈ rt ≈ 8500 km) leaves an error of 1e-8 km², far above COINCIDENT_KM²
  const halfSin = Math.sin(angleRad / 2)
  const slantSquaredKm2 = (rs - radiusKm) ** 2 + 4 * rs * radiusKm * halfSin * halfSin
  if (slantSquaredKm2 > search.maxRangeSquaredKm2) return false
  // a target at the sensor has elevation 0 by convention (visibility.ts, COINCIDENT_KM)
  if (slantSquaredKm2 < COINCIDENT_KM * COINCIDENT_KM) return search.coincidentVisible
  // with γ in [0, π] and m in (−90°, 90°), elevation ≥ m exactly when rt cos(γ + m) ≥ rs cos m
  // (the sign of sin(elevation − m)): no inverse trigonometric function needed
  const marginKm = radiusKm * Math.cos(angleRad + search.minElevationRad)
  return marginKm >= search.sensorCosMinElevationKm
}

/**
 * The first visible ψ in (a, b] to within the tolerance, or NaN. Radii and "along" values at
 * both ends are passed down so that each halving evaluates only the midpoint.
 */
function firstVisibleIn(
  search: Search,
  a: number,
  b: number,
  radiusAKm: number,
  radiusBKm: number,
  alongA: number,
  alongB: number,
): number {
  if (!possiblyVisible(search, a, b, radiusAKm, radiusBKm, alongA, alongB)) return Number.NaN
  if (b - a <= search.toleranceRad) return visibleAt(search, radiusBKm, alongB) ? b : Number.NaN
  const mid = 0.5 * (a + b)
  const radiusMidKm = targetRadiusKm(search, mid)
  const alongMid = alongAt(search, mid)
  const left = firstVisibleIn(search, a, mid, radiusAKm, radiusMidKm, alongA, alongMid)
  if (!Number.isNaN(left)) return left
  return firstVisibleIn(search, mid, b, radiusMidKm, radiusBKm, alongMid, alongB)
}

interface BurnSearch {
  readonly boost: BoostPhase
  readonly search: Search
}

/**
 * The first visible t in (ta, tb] of the burn to within SEARCH_TOLERANCE_S, or NaN: the same
 * halving as `firstVisibleIn`, in time. At t the target is at ψB·f² and altitude hb·f², f = t/T.
 */
function firstVisibleInBurn(
  burn: BurnSearch,
  ta: number,
  tb: number,
  radiusAKm: number,
  radiusBKm: number,
  alongA: number,
  alongB: number,
): number {
  const { search } = burn
  const a = burnGroundAngleRad(burn, ta)
  const b = burnGroundAngleRad(burn, tb)
  if (!possiblyVisible(search, a, b, radiusAKm, radiusBKm, alongA, alongB)) return Number.NaN
  if (tb - ta <= SEARCH_TOLERANCE_S) return visibleAt(search, radiusBKm, alongB) ? tb : Number.NaN
  const mid = 0.5 * (ta + tb)
  const fraction = mid / burn.boost.burnSeconds
  const radiusMidKm =
    EARTH_RADIUS_KM + search.radiusOffsetKm + burn.boost.burnoutAltitudeKm * fraction * fraction
  const alongMid = alongAt(search, burnGroundAngleRad(burn, mid))
  const left = firstVisibleInBurn(burn, ta, mid, radiusAKm, radiusMidKm, alongA, alongMid)
  if (!Number.isNaN(left)) return left
  return firstVisibleInBurn(burn, mid, tb, radiusMidKm, radiusBKm, alongMid, alongB)
}

function burnGroundAngleRad(burn: BurnSearch, tSeconds: number): number {
  const fraction = tSeconds / burn.boost.burnSeconds
  return burn.boost.burnoutGroundAngleRad * fraction * fraction
}

/**
 * False only when no point of [a, b] can be visible. Bounds over the interval: the radius is
 * at most its value nearest apogee (r rises to ψ = φ, then falls) and at least the smaller end;
 * the angle to the sensor is at least its value nearest ψs. Elevation rises with the radius
 * and, wherever the elevation test can pass, falls with the angle; the slant range is
 * smallest at the smallest angle and at the radius nearest rs·cos γ.
 */
function possiblyVisible(
  search: Search,
  a: number,
  b: number,
  radiusAKm: number,
  radiusBKm: number,
  alongA: number,
  alongB: number,
): boolean {
  const psiS = search.sensorAlongRad
  const angleLowRad = effectiveAngleRad(
    search,
    psiS >= a && psiS <= b ? 0 : Math.min(alongA, alongB),
  )
  const m = search.minElevationRad
  if (angleLowRad > Math.PI || angleLowRad + m >= Math.PI / 2) return false
  const apogee = search.apogeeAngleRad
  const radiusHighKm =
    apogee >= a && apogee <= b ? targetRadiusKm(search, apogee) : Math.max(radiusAKm, radiusBKm)
  const cosMax =
    angleLowRad + m >= 0
      ? Math.cos(angleLowRad + m)
      : lowElevationCosMax(search, a, b, alongA, alongB)
  if (radiusHighKm * cosMax < search.sensorCosMinElevationKm) return false
  const rs = search.sensorRadiusKm
  const cosLow = Math.cos(angleLowRad)
  const radiusLowKm = Math.min(radiusAKm, radiusBKm)
  const closestKm = Math.min(radiusHighKm, Math.max(radiusLowKm, rs * cosLow))
  const slantSquaredKm2 = rs * rs + closestKm * closestKm - 2 * rs * closestKm * cosLow
  return slantSquaredKm2 <= search.maxRangeSquaredKm2
}

/** Largest cos(γ + m) over the interval when m < 0 and γ + m can reach below 0. */
function lowElevationCosMax(
  search: Search,
  a: number,
  b: number,
  alongA: number,
  alongB: number,
): number {
  const anti = search.antipodeAlongRad
  const alongMax = anti >= a && anti <= b ? 1 : Math.max(alongA, alongB)
  const highRad = effectiveAngleRad(search, alongMax) + search.minElevationRad
  return highRad >= 0 ? 1 : Math.cos(highRad)
}
