import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { destinationPoint, type LatLon, unitVector } from '../../src/sim/geodesy.ts'
import {
  elevationDeg,
  isVisible,
  type SensorModel,
  slantRangeKm,
  type TargetPosition,
} from '../../src/sim/visibility.ts'
import { latLonArb } from '../helpers/sim-arbitraries.ts'

const R_KM = 6371.0
const DEG = Math.PI / 180
const ORIGIN: LatLon = { lat: 0, lon: 0 }

function assertClose(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} differs from ${expected} by more than ${tolerance}`,
  )
}

function groundSensor(overrides: Partial<SensorModel> = {}): SensorModel {
  return {
    position: ORIGIN,
    altitudeKm: 0,
    maxRangeKm: 10_000,
    minElevationDeg: 0,
    kFactor: 4 / 3,
    ...overrides,
  }
}

/** A target rising vertically above the point `groundKm` east of the sensor. */
function above(groundKm: number, altitudeKm: number): TargetPosition {
  return { lat: 0, lon: groundKm / R_KM / DEG, altitudeKm }
}

/**
 * The altitude at which a target above a point at ground distance d is seen at elevation m,
 * by the sine rule in the triangle centre–sensor–target on the effective sphere (radius kR):
 * angle at the sensor 90° + m, at the centre γ = d / (kR), at the target 90° − γ − m, so
 * rt / cos m = rs / cos(γ + m) and h = kR (cos m / cos(γ + m) − 1). For m = 0 this is the
 * horizon formula h = kR (1 / cos γ − 1).
 */
function thresholdAltitudeKm(groundKm: number, k: number, minElevationDeg: number): number {
  const gamma = groundKm / (k * R_KM)
  const m = minElevationDeg * DEG
  return k * R_KM * (Math.cos(m) / Math.cos(gamma + m) - 1)
}

describe('line of sight on the effective sphere', () => {
  const cases = [
    { groundKm: 300, k: 4 / 3, minElevationDeg: 0 },
    { groundKm: 300, k: 1, minElevationDeg: 0 },
    { groundKm: 800, k: 4 / 3, minElevationDeg: 0 },
    { groundKm: 300, k: 4 / 3, minElevationDeg: 2 },
    { groundKm: 120, k: 1.2, minElevationDeg: 10 },
  ]
  for (const { groundKm, k, minElevationDeg } of cases) {
    it(`d = ${groundKm} km, k = ${k.toFixed(3)}, min elevation ${minElevationDeg}°`, () => {
      const sensor = groundSensor({ kFactor: k, minElevationDeg })
      const h = thresholdAltitudeKm(groundKm, k, minElevationDeg)
      // for orientation: 300 km, k = 4/3, 0° gives h ≈ 5.30 km (d² / 2kR ≈ 5.30)
      assertClose(
        elevationDeg(sensor, above(groundKm, h)),
        minElevationDeg,
        1e-9,
        'elevation ° ±1e-9',
      )
      assert.equal(isVisible(sensor, above(groundKm, h - 0.01)), false, '10 m below: hidden')
      assert.equal(isVisible(sensor, above(groundKm, h + 0.01)), true, '10 m above: seen')
    })
  }

  it('the horizon at 300 km with k = 4/3 is 5.300 km up', () => {
    // by hand: γ = 300 / 8494.667 = 0.0353163 rad; 8494.667 (1 / cos γ − 1) = 5.3002 km
    assertClose(elevationDeg(groundSensor(), above(300, 5.3002)), 0, 1e-4, 'elevation ° ±1e-4')
  })

  it('straight above the sensor: elevation 90°, slant range = altitude', () => {
    const target = above(0, 250)
    assertClose(elevationDeg(groundSensor(), target), 90, 1e-9, 'elevation ° ±1e-9')
    assertClose(slantRangeKm(groundSensor(), target), 250, 1e-9, 'slant km ±1e-9')
  })

  it('a target below an airborne sensor is at −90° and hidden', () => {
    const sensor = groundSensor({ altitudeKm: 10 })
    assertClose(elevationDeg(sensor, above(0, 5)), -90, 1e-9, 'elevation ° ±1e-9')
    assert.equal(isVisible(sensor, above(0, 5)), false)
  })
})

describe('range limit', () => {
  it('a target in plain view but beyond max_range_km is not visible', () => {
    const sensor = groundSensor({ maxRangeKm: 100 })
    assert.equal(isVisible(sensor, above(0, 99.9)), true, 'overhead at 99.9 km')
    assert.equal(isVisible(sensor, above(0, 100.1)), false, 'overhead at 100.1 km')
  })

  it('range and elevation with k = 1 agree with straight 3-D geometry (±1e-6)', () => {
    const altitudeArb = fc.double({ min: 0, max: 2000, noNaN: true })
    fc.assert(
      fc.property(
        latLonArb,
        altitudeArb,
        fc.double({ min: 10, max: 5000, noNaN: true }),
        fc.double({ min: 0, max: 359, noNaN: true }),
        altitudeArb,
        (p, hs, d, b, ht) => {
          const sensor = groundSensor({ position: p, altitudeKm: hs / 100, kFactor: 1 })
          const q = destinationPoint(p, b, d)
          const target = { ...q, altitudeKm: ht }
          const s = unitVector(p)
          const t = unitVector(q)
          const rs = R_KM + sensor.altitudeKm
          const rt = R_KM + ht
          const v = [rt * t.x - rs * s.x, rt * t.y - rs * s.y, rt * t.z - rs * s.z] as const
          const slant = Math.hypot(...v)
          const up = (v[0] * s.x + v[1] * s.y + v[2] * s.z) / slant
          assertClose(slantRangeKm(sensor, target), slant, 1e-6 * slant, 'slant km, relative 1e-6')
          assertClose(elevationDeg(sensor, target), Math.asin(up) / DEG, 1e-6, 'elevation ° ±1e-6')
        },
      ),
    )
  })
})
