import { EARTH_RADIUS_KM } from './constants.ts'

/** A point on the sphere, degrees. */
export interface LatLon {
  readonly lat: number
  readonly lon: number
}

const DEG = Math.PI / 180

export function toRadians(deg: number): number {
  return deg * DEG
}

export function toDegrees(rad: number): number {
  return rad / DEG
}

/** Central angle between two points (radians), haversine form: stable for short distances. */
export function centralAngleRad(a: LatLon, b: LatLon): number {
  const dLat = toRadians(b.lat - a.lat)
  const dLon = toRadians(b.lon - a.lon)
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(toRadians(a.lat)) * Math.cos(toRadians(b.lat)) * Math.sin(dLon / 2) ** 2
  return 2 * Math.asin(Math.min(1, Math.sqrt(h)))
}

/** Great-circle distance on the model's spherical Earth. */
export function greatCircleDistanceKm(a: LatLon, b: LatLon): number {
  return centralAngleRad(a, b) * EARTH_RADIUS_KM
}

/** Initial bearing from a to b, degrees clockwise from north in [0, 360). */
export function initialBearingDeg(a: LatLon, b: LatLon): number {
  const lat1 = toRadians(a.lat)
  const lat2 = toRadians(b.lat)
  const dLon = toRadians(b.lon - a.lon)
  const y = Math.sin(dLon) * Math.cos(lat2)
  const x = Math.cos(lat1) * Math.sin(lat2) - Math.sin(lat1) * Math.cos(lat2) * Math.cos(dLon)
  return (toDegrees(Math.atan2(y, x)) + 360) % 360
}

/** The point reached from `start` after `distanceKm` along the great circle of `bearingDeg`. */
export function destinationPoint(start: LatLon, bearingDeg: number, distanceKm: number): LatLon {
  const delta = distanceKm / EARTH_RADIUS_KM
  const theta = toRadians(bearingDeg)
  const lat1 = toRadians(start.lat)
  const lon1 = toRadians(start.lon)
  const lat2 = Math.asin(
    Math.sin(lat1) * Math.cos(delta) + Math.cos(lat1) * Math.sin(delta) * Math.cos(theta),
  )
  const lon2 =
    lon1 +
    Math.atan2(
      Math.sin(theta) * Math.sin(delta) * Math.cos(lat1),
      Math.cos(delta) - Math.sin(lat1) * Math.sin(lat2),
    )
  return { lat: toDegrees(lat2), lon: ((toDegrees(lon2) + 540) % 360) - 180 }
}

/** A unit vector from the Earth's centre (x towards 0°N 0°E, z towards the north pole). */
export interface UnitVector {
  readonly x: number
  readonly y: number
  readonly z: number
}

/** The unit vector from the Earth's centre through `point`. */
export function unitVector(point: LatLon): UnitVector {
  const lat = toRadians(point.lat)
  const lon = toRadians(point.lon)
  return { x: Math.cos(lat) * Math.cos(lon), y: Math.cos(lat) * Math.sin(lon), z: Math.sin(lat) }
}

/**
 * The unit tangent at `point` pointing along `bearingDeg`: with `unitVector(point)` it spans
 * the plane of that great circle, so the point at central angle a along it is
 * `cos(a)·unitVector + sin(a)·tangent`.
 */
export function tangentVector(point: LatLon, bearingDeg: number): UnitVector {
  const lat = toRadians(point.lat)
  const lon = toRadians(point.lon)
  const cosBearing = Math.cos(toRadians(bearingDeg))
  const sinBearing = Math.sin(toRadians(bearingDeg))
  // north = (−sin lat cos lon, −sin lat sin lon, cos lat), east = (−sin lon, cos lon, 0)
  return {
    x: -Math.sin(lat) * Math.cos(lon) * cosBearing - Math.sin(lon) * sinBearing,
    y: -Math.sin(lat) * Math.sin(lon) * cosBearing + Math.cos(lon) * sinBearing,
    z: Math.cos(lat) * cosBearing,
  }
}

/** The point at `fraction` (0 at a, 1 at b) of the way along the great circle from a to b. */
export function intermediatePoint(a: LatLon, b: LatLon, fraction: number): LatLon {
  const angleRad = centralAngleRad(a, b)
  return destinationPoint(a, initialBearingDeg(a, b), angleRad * fraction * EARTH_RADIUS_KM)
}
