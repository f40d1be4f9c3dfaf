import fc from 'fast-check'
import { destinationPoint, initialBearingDeg, type LatLon } from '../../src/sim/geodesy.ts'
import { buildTrajectory, type Trajectory } from '../../src/sim/trajectory.ts'
import type { SensorModel } from '../../src/sim/visibility.ts'

const noNaN = { noNaN: true, noDefaultInfinity: true } as const

export const latLonArb: fc.Arbitrary<LatLon> = fc.record({
  lat: fc.double({ min: -80, max: 80, ...noNaN }),
  lon: fc.double({ min: -180, max: 180, ...noNaN }),
})

export interface LaunchCase {
  readonly site: LatLon
  readonly bearingDeg: number
  readonly rangeKm: number
  readonly apogeeKm: number
}

/** Launches from short-range to intermediate-range, depressed to lofted. */
export function launchArb(maxRangeKm = 5000): fc.Arbitrary<LaunchCase> {
  return fc.record({
    site: latLonArb,
    bearingDeg: fc.double({ min: 0, max: 359.999, ...noNaN }),
    rangeKm: fc.double({ min: 50, max: maxRangeKm, ...noNaN }),
    apogeeKm: fc.double({ min: 20, max: 1500, ...noNaN }),
  })
}

export function trajectoryOf(launch: LaunchCase): Trajectory {
  const impact = destinationPoint(launch.site, launch.bearingDeg, launch.rangeKm)
  return buildTrajectory({ site: launch.site, impact, apogeeKm: launch.apogeeKm })
}

export function trajectoryArb(maxRangeKm = 5000): fc.Arbitrary<Trajectory> {
  return launchArb(maxRangeKm).map(trajectoryOf)
}

export interface SensorParameters {
  readonly altitudeKm: number
  readonly maxRangeKm: number
  readonly minElevationDeg: number
  readonly kFactor: number
}

/** Radar-like sensors: ground or airborne, refraction from sub- to super-standard. */
export const sensorParametersArb: fc.Arbitrary<SensorParameters> = fc.record({
  altitudeKm: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 12, ...noNaN })),
  maxRangeKm: fc.double({ min: 100, max: 4000, ...noNaN }),
  minElevationDeg: fc.double({ min: -5, max: 20, ...noNaN }),
  kFactor: fc.oneof(fc.constant(4 / 3), fc.double({ min: 0.8, max: 2, ...noNaN })),
})

/** A sensor placed relative to the track: at a fraction along it, then sideways. */
export interface SensorPlacement {
  readonly alongFraction: number
  readonly sideBearingDeg: number
  readonly offsetKm: number
}

export const placementArb: fc.Arbitrary<SensorPlacement> = fc.record({
  alongFraction: fc.double({ min: -0.5, max: 1.5, ...noNaN }),
  sideBearingDeg: fc.double({ min: 0, max: 359.999, ...noNaN }),
  offsetKm: fc.double({ min: 0, max: 2500, ...noNaN }),
})

export function placeSensor(
  trajectory: Trajectory,
  placement: SensorPlacement,
  parameters: SensorParameters,
): SensorModel {
  const along = destinationPoint(
    trajectory.site,
    trajectory.bearingDeg,
    placement.alongFraction * trajectory.rangeKm,
  )
  const bearing = initialBearingDeg(along, trajectory.impact) + placement.sideBearingDeg
  return {
    position: destinationPoint(along, bearing, placement.offsetKm),
    ...parameters,
  }
}
