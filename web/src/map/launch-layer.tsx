import { geoPath, type GeoProjection } from 'd3-geo'
import type { Launch } from '../api/types.ts'

interface LaunchLayerProps {
  readonly launch: Launch
  readonly projection: GeoProjection
}

/** Launch site, the ground track (drawn, then flown by a marker) and the impact point. */
export function LaunchLayer({ launch, projection }: LaunchLayerProps) {
  const track = {
    type: 'LineString' as const,
    coordinates: launch.track.map((p) => [p.lon, p.lat]),
  }
  const d = geoPath(projection)(track) ?? ''
  const [sx, sy] = projection([launch.site.lon, launch.site.lat]) ?? [0, 0]
  const [ix, iy] = projection([launch.impact.lon, launch.impact.lat]) ?? [0, 0]
  const trackId = `track-${launch.id}`
  const animationSeconds = Math.max(4, launch.flightSeconds / 30)
  return (
    <g data-testid="launch" data-launch={launch.id}>
      <path
        id={trackId}
        class="track"
        d={d}
        data-testid="track"
        role="img"
        aria-label={`Track of ${launch.id}: ${launch.rangeKm} km, apogee ${launch.apogeeKm} km`}
      />
      <circle class="missile" r={5} data-testid="missile" aria-hidden="true">
        <animateMotion dur={`${animationSeconds}s`} repeatCount="indefinite">
          <mpath href={`#${trackId}`} />
        </animateMotion>
      </circle>
      <g
        class="site"
        data-testid="launch-site"
        role="img"
        aria-label={`Launch site ${launch.site.lat.toFixed(2)}°N ${launch.site.lon.toFixed(2)}°E at ${launch.launchAt}`}
      >
        <circle cx={sx} cy={sy} r={7} />
        <text x={sx - 10} y={sy + 4} text-anchor="end">
          launch {launch.launchAt.slice(11, 16)}
        </text>
      </g>
      <g
        class="impact"
        data-testid="impact"
        role="img"
        aria-label={`Impact ${launch.impact.lat.toFixed(2)}°N ${launch.impact.lon.toFixed(2)}°E at ${launch.impactAt}`}
      >
        <path d={`M${ix - 7},${iy - 7} l14,14 m0,-14 l-14,14`} />
        <text x={ix + 10} y={iy + 4}>
          impact +{launch.flightSeconds.toFixed(0)} s
        </text>
      </g>
    </g>
  )
}
