import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { isEntenteError } from '../../src/lib/errors.ts'
import { destinationPoint, greatCircleDistanceKm, type LatLon } from '../../src/sim/geodesy.ts'
import {
  altitudeAt,
  buildTrajectory,
  groundAngleAt,
  type LaunchGeometry,
  positionAt,
  timeAtGroundAngle,
  type Trajectory,
} from '../../src/sim/trajectory.ts'
import { trajectoryArb } from '../helpers/sim-arbitraries.ts'

const MU = 398600.4418
const SITE: LatLon = { lat: 39.43, lon: 125.94 }

function assertClose(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} differs from ${expected} by more than ${tolerance}`,
  )
}

function launch370(): Trajectory {
  return buildTrajectory({ site: SITE, impact: destinationPoint(SITE, 80, 370), apogeeKm: 90 })
}

/**
 * Flight time by Kepler's second law, without Kepler's equation: dt = r² / h dν with
 * h = √(μp), integrated by Simpson's rule over the arc's true anomaly.
 */
function flightSecondsBySimpson(t: Trajectory): number {
  const steps = 4000
  const startRad = Math.PI - t.halfAngleRad
  const widthRad = (2 * t.halfAngleRad) / steps
  const h = Math.sqrt(MU * t.semiLatusRectumKm)
  const f = (nu: number): number =>
    (t.semiLatusRectumKm / (1 + t.eccentricity * Math.cos(nu))) ** 2 / h
  let sum = f(startRad) + f(startRad + steps * widthRad)
  for (let i = 1; i < steps; i++) sum += (i % 2 === 1 ? 4 : 2) * f(startRad + i * widthRad)
  return (sum * widthRad) / 3
}

describe('the 370 km / 90 km arc', () => {
  it('flies for about 278 s (±1 %)', () => {
    // By hand: φ = 370 / (2 · 6371) = 0.029038 rad; e = 90 / (6461 − 6371 cos φ) = 0.97102;
    // p = 6461 (1 − e) = 187.224 km; a = p / (1 − e²) = 3277.99 km; E₀ = 2 atan(√((1−e)/(1+e))
    // tan((π − φ)/2)), M₀ = E₀ − e sin E₀; T = 2 (π − M₀) √(a³/μ) = 278.03 s.
    const t = launch370()
    assertClose(t.flightSeconds, 278, 2.78, 'flight s ±1 %')
    assertClose(t.flightSeconds, 278.026, 0.01, 'flight s ±0.01 (hand computation)')
  })

  it('its flight time agrees with Kepler’s second law integrated numerically (±1 ms)', () => {
    const t = launch370()
    assertClose(t.flightSeconds, flightSecondsBySimpson(t), 1e-3, 'flight s ±1e-3')
  })

  it('starts at the site on the ground and ends at the impact on the ground', () => {
    const t = launch370()
    const start = positionAt(t, 0)
    const end = positionAt(t, t.flightSeconds)
    assertClose(greatCircleDistanceKm(start, SITE), 0, 1e-6, 'start → site km ±1e-6')
    assertClose(greatCircleDistanceKm(end, t.impact), 0, 1e-6, 'end → impact km ±1e-6')
    assertClose(start.altitudeKm, 0, 1e-9, 'altitude at t=0 km ±1e-9')
    assertClose(end.altitudeKm, 0, 1e-9, 'altitude at impact km ±1e-9')
  })

  it('clamps times outside the flight', () => {
    const t = launch370()
    assert.deepEqual(positionAt(t, -10), positionAt(t, 0))
    assert.deepEqual(positionAt(t, t.flightSeconds + 10), positionAt(t, t.flightSeconds))
  })
})

describe('arc properties', () => {
  it('reproduces range and apogee to 0.1 %, apogee at half-time', () => {
    fc.assert(
      fc.property(trajectoryArb(), (t) => {
        const end = positionAt(t, t.flightSeconds)
        const rangeKm = greatCircleDistanceKm(t.site, end)
        assertClose(rangeKm, t.rangeKm, 1e-3 * t.rangeKm, 'range km ±0.1 %')
        assertClose(greatCircleDistanceKm(end, t.impact), 0, 1e-3 * t.rangeKm, 'end → impact')
        const apogee = positionAt(t, t.flightSeconds / 2).altitudeKm
        assertClose(apogee, t.apogeeKm, 1e-3 * t.apogeeKm, 'altitude at T/2 km ±0.1 %')
        for (let i = 0; i <= 200; i++) {
          const h = altitudeAt(t, (i / 200) * t.flightSeconds)
          assert.ok(h <= t.apogeeKm * (1 + 1e-9), `altitude ${h} above apogee ${t.apogeeKm}`)
        }
      }),
      { numRuns: 200 },
    )
  })

  it('is symmetric in time: altitude(t) = altitude(T − t), ψ(t) + ψ(T − t) = 2φ', () => {
    fc.assert(
      fc.property(trajectoryArb(), fc.double({ min: 0, max: 1, noNaN: true }), (t, f) => {
        const s = f * t.flightSeconds
        const back = t.flightSeconds - s
        assertClose(altitudeAt(t, s), altitudeAt(t, back), 1e-6 * t.apogeeKm, 'altitude km')
        const sum = groundAngleAt(t, s) + groundAngleAt(t, back)
        assertClose(sum, 2 * t.halfAngleRad, 1e-9, 'ψ(t) + ψ(T − t) rad ±1e-9')
      }),
    )
  })

  it('time at ground angle inverts ground angle at time (±1 µs), and ψ rises with t', () => {
    fc.assert(
      fc.property(trajectoryArb(), fc.double({ min: 0, max: 1, noNaN: true }), (t, f) => {
        const s = f * t.flightSeconds
        assertClose(timeAtGroundAngle(t, groundAngleAt(t, s)), s, 1e-6, 't(ψ(t)) s ±1e-6')
        assert.ok(
          groundAngleAt(t, s + 0.5) >= groundAngleAt(t, s) - 1e-12,
          'ψ never decreases (±1e-12 rad)',
        )
      }),
    )
  })
})

describe('impossible geometry → SIMULATION_INVALID naming the field', () => {
  const cases: readonly [string, LaunchGeometry, RegExp][] = [
    ['apogee 0', { site: SITE, impact: destinationPoint(SITE, 90, 300), apogeeKm: 0 }, /apogee_km/],
    [
      'apogee −5',
      { site: SITE, impact: destinationPoint(SITE, 90, 300), apogeeKm: -5 },
      /apogee_km/,
    ],
    [
      'range 30 000 km',
      { site: SITE, impact: destinationPoint(SITE, 90, 300), apogeeKm: 90, rangeKm: 30_000 },
      /range_km/,
    ],
    ['range 0 (impact at the site)', { site: SITE, impact: SITE, apogeeKm: 90 }, /range/],
    [
      'range half the circumference (antipode)',
      { site: { lat: 10, lon: 20 }, impact: { lat: -10, lon: -160 }, apogeeKm: 90 },
      /range/,
    ],
    [
      'non-finite latitude',
      { site: { lat: NaN, lon: 0 }, impact: SITE, apogeeKm: 90 },
      /site\.lat/,
    ],
    [
      'latitude beyond 90',
      { site: SITE, impact: { lat: 95, lon: 0 }, apogeeKm: 90 },
      /impact\.lat/,
    ],
    [
      'infinite apogee',
      { site: SITE, impact: { lat: 40, lon: 130 }, apogeeKm: Infinity },
      /apogee_km/,
    ],
  ]
  for (const [name, geometry, field] of cases) {
    it(name, () => {
      assert.throws(
        () => buildTrajectory(geometry),
        (error: unknown) =>
          isEntenteError(error) && error.code === 'SIMULATION_INVALID' && field.test(error.message),
      )
    })
  }
})
