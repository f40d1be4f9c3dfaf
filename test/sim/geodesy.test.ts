import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  centralAngleRad,
  destinationPoint,
  greatCircleDistanceKm,
  initialBearingDeg,
  intermediatePoint,
  type LatLon,
  tangentVector,
  unitVector,
} from '../../src/sim/geodesy.ts'
import { latLonArb } from '../helpers/sim-arbitraries.ts'

const R_KM = 6371.0
const SEOUL: LatLon = { lat: 37.5665, lon: 126.978 }
const TOKYO: LatLon = { lat: 35.6762, lon: 139.6503 }
const PYONGYANG: LatLon = { lat: 39.0392, lon: 125.7625 }

function assertClose(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} differs from ${expected} by more than ${tolerance}`,
  )
}

/** The spherical law of cosines: an independent formula from the haversine under test. */
function lawOfCosinesKm(a: LatLon, b: LatLon): number {
  const rad = Math.PI / 180
  const cosAngle =
    Math.sin(a.lat * rad) * Math.sin(b.lat * rad) +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.cos((b.lon - a.lon) * rad)
  return R_KM * Math.acos(Math.min(1, Math.max(-1, cosAngle)))
}

/** Bearing-difference in degrees, folded into [0, 180]. */
function bearingGapDeg(a: number, b: number): number {
  const gap = Math.abs(a - b) % 360
  return Math.min(gap, 360 - gap)
}

describe('great-circle distance', () => {
  it('a quarter of the equator is πR/2 (10 007.543 km)', () => {
    const d = greatCircleDistanceKm({ lat: 0, lon: 0 }, { lat: 0, lon: 90 })
    assertClose(d, (Math.PI * R_KM) / 2, 1e-9, 'distance km, tolerance 1e-9')
  })

  it('equator to pole is πR/2, and a point to itself is 0', () => {
    const d = greatCircleDistanceKm({ lat: 0, lon: 45 }, { lat: 90, lon: 0 })
    assertClose(d, (Math.PI * R_KM) / 2, 1e-9, 'distance km, tolerance 1e-9')
    assert.equal(greatCircleDistanceKm(SEOUL, SEOUL), 0)
  })

  it('Seoul–Tokyo and Pyongyang–Tokyo on the 6371 km sphere', () => {
    // Computed by hand (Python) with the law of cosines and with Vincenty's atan2 form on a
    // sphere, which agree to 1e-9 km: 1149.357336 km and 1281.641321 km.
    assertClose(greatCircleDistanceKm(SEOUL, TOKYO), 1149.357336, 1e-5, 'Seoul–Tokyo km ±1e-5')
    assertClose(
      greatCircleDistanceKm(PYONGYANG, TOKYO),
      1281.641321,
      1e-5,
      'Pyongyang–Tokyo km ±1e-5',
    )
  })

  it('agrees with the law of cosines for any two points (±1e-6 km)', () => {
    fc.assert(
      fc.property(latLonArb, latLonArb, (a, b) => {
        // the law of cosines (acos) loses precision near 0 and near the antipode
        const d = lawOfCosinesKm(a, b)
        fc.pre(d > 1 && d < 19_000)
        assertClose(greatCircleDistanceKm(a, b), lawOfCosinesKm(a, b), 1e-6, 'distance km ±1e-6')
      }),
    )
  })

  it('is symmetric and the central angle is distance / R', () => {
    fc.assert(
      fc.property(latLonArb, latLonArb, (a, b) => {
        assertClose(greatCircleDistanceKm(a, b), greatCircleDistanceKm(b, a), 1e-9, 'a→b vs b→a')
        assertClose(centralAngleRad(a, b) * R_KM, greatCircleDistanceKm(a, b), 1e-9, 'angle × R')
      }),
    )
  })
})

describe('initial bearing', () => {
  it('east along the equator is 90°, north along a meridian is 0°', () => {
    assertClose(initialBearingDeg({ lat: 0, lon: 0 }, { lat: 0, lon: 90 }), 90, 1e-12, 'east °')
    assertClose(initialBearingDeg({ lat: 0, lon: 0 }, { lat: 10, lon: 0 }), 0, 1e-12, 'north °')
    assertClose(initialBearingDeg({ lat: 10, lon: 0 }, { lat: 0, lon: 0 }), 180, 1e-12, 'south °')
  })

  it('Seoul → Tokyo is 96.696° and Tokyo → Seoul 284.276°', () => {
    // By hand (Python), by the vector method: atan2(B · east, B · north) at the start point.
    assertClose(initialBearingDeg(SEOUL, TOKYO), 96.696091, 1e-5, 'Seoul→Tokyo ° ±1e-5')
    assertClose(initialBearingDeg(TOKYO, SEOUL), 284.276346, 1e-5, 'Tokyo→Seoul ° ±1e-5')
  })
})

describe('destination point', () => {
  it('round trip: the distance back is d and the bearing back is the bearing given', () => {
    const arbitraries = [
      latLonArb,
      fc.double({ min: 0, max: 359.99, noNaN: true }),
      fc.double({ min: 1, max: 19_000, noNaN: true }),
    ] as const
    fc.assert(
      fc.property(...arbitraries, (start, bearingDeg, distanceKm) => {
        const end = destinationPoint(start, bearingDeg, distanceKm)
        assertClose(greatCircleDistanceKm(start, end), distanceKm, 1e-6, 'distance km ±1e-6')
        const gap = bearingGapDeg(initialBearingDeg(start, end), bearingDeg)
        assert.ok(gap < 1e-6, `bearing differs by ${gap}° (tolerance 1e-6°)`)
      }),
    )
  })

  it('a quarter circle east from (0, 0) reaches (0, 90)', () => {
    const end = destinationPoint({ lat: 0, lon: 0 }, 90, (Math.PI * R_KM) / 2)
    assertClose(end.lat, 0, 1e-9, 'lat ° ±1e-9')
    assertClose(end.lon, 90, 1e-9, 'lon ° ±1e-9')
  })
})

describe('intermediate point and track vectors', () => {
  it('the mid-point is half-way and on the great circle (±1e-6 km)', () => {
    const mid = intermediatePoint(SEOUL, TOKYO, 0.5)
    const total = greatCircleDistanceKm(SEOUL, TOKYO)
    assertClose(greatCircleDistanceKm(SEOUL, mid), total / 2, 1e-6, 'Seoul→mid km')
    assertClose(greatCircleDistanceKm(mid, TOKYO), total / 2, 1e-6, 'mid→Tokyo km')
  })

  it('cos a · unit + sin a · tangent is the point at angle a along the bearing', () => {
    fc.assert(
      fc.property(
        latLonArb,
        fc.double({ min: 0, max: 359.99, noNaN: true }),
        fc.double({ min: 0, max: 3, noNaN: true }),
        (start, bearingDeg, angleRad) => {
          const u = unitVector(start)
          const w = tangentVector(start, bearingDeg)
          const dot = u.x * w.x + u.y * w.y + u.z * w.z
          assertClose(dot, 0, 1e-12, 'unit · tangent ±1e-12')
          assertClose(Math.hypot(w.x, w.y, w.z), 1, 1e-12, '|tangent| ±1e-12')
          const p = unitVector(destinationPoint(start, bearingDeg, angleRad * R_KM))
          const c = Math.cos(angleRad)
          const s = Math.sin(angleRad)
          const gap = Math.hypot(
            c * u.x + s * w.x - p.x,
            c * u.y + s * w.y - p.y,
            c * u.z + s * w.z - p.z,
          )
          assert.ok(gap < 1e-9, `vector gap ${gap} (tolerance 1e-9)`)
        },
      ),
    )
  })
})
