import { geoCircle, geoPath, type GeoProjection } from 'd3-geo'
import type { Scenario } from '../api/types.ts'
import { partyColor } from '../ui/colors.ts'
import { coverageRadiusKm, EARTH_RADIUS_KM } from './coverage.ts'

interface SensorLayerProps {
  readonly scenario: Scenario
  readonly projection: GeoProjection
  readonly altitudeKm: number
}

/** Each sensor as a triangle in its party's colour, with its coverage ring at `altitudeKm`. */
export function SensorLayer({ scenario, projection, altitudeKm }: SensorLayerProps) {
  const path = geoPath(projection)
  return (
    <g data-testid="sensors">
      {scenario.sensors.map((sensor) => {
        const color = partyColor(scenario, sensor.party)
        const radiusKm = coverageRadiusKm(sensor, altitudeKm)
        const ring = geoCircle()
          .center([sensor.lon, sensor.lat])
          .radius((radiusKm / EARTH_RADIUS_KM) * (180 / Math.PI))
          .precision(2)()
        const [x, y] = projection([sensor.lon, sensor.lat]) ?? [0, 0]
        const label = `${sensor.party} sensor ${sensor.id}: sees a target at ${altitudeKm} km within ${Math.round(radiusKm)} km (max range ${sensor.maxRangeKm} km, min elevation ${sensor.minElevationDeg}°)`
        return (
          <g key={sensor.id} data-testid="sensor" data-sensor={sensor.id} aria-label={label}>
            <path class="coverage" d={path(ring) ?? ''} stroke={color} fill={color} />
            <path
              class="sensor"
              d={`M${x},${y - 7} l6,11 h-12 z`}
              fill={color}
              role="img"
              aria-label={label}
            >
              <title>{label}</title>
            </path>
          </g>
        )
      })}
    </g>
  )
}
