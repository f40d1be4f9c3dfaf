import { useMemo, useState } from 'preact/hooks'
import type { Scenario } from '../api/types.ts'
import { seconds } from '../format.ts'
import { BaseLayer } from './base-layer.tsx'
import { LaunchLayer } from './launch-layer.tsx'
import { MAP_WIDTH, regionProjection } from './projection.ts'
import { SensorLayer } from './sensor-layer.tsx'
import { SensorTable } from './sensor-table.tsx'

/** The region, the launch (site, animated track, impact) and each sensor's coverage. */
export function MapView({ scenario }: { readonly scenario: Scenario }) {
  const [launchId, setLaunchId] = useState(scenario.launches[0]?.id ?? '')
  const launch = scenario.launches.find((l) => l.id === launchId) ?? scenario.launches[0]
  const apogeeKm = launch?.apogeeKm ?? 90
  const [altitudeKm, setAltitudeKm] = useState(Math.round(apogeeKm))
  const { projection, height } = useMemo(regionProjection, [])
  const title = launch === undefined ? 'No launch' : `Launch ${launch.id} at ${launch.launchAt}`

  return (
    <section aria-labelledby="map-heading" data-testid="view-map">
      <div class="toolbar">
        <h2 id="map-heading">Map</h2>
        <label class="field">
          <span>Launch</span>
          <select value={launchId} onChange={(e) => setLaunchId(e.currentTarget.value)}>
            {scenario.launches.map((l) => (
              <option key={l.id} value={l.id}>
                {l.id}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Coverage at target altitude: {altitudeKm} km</span>
          <input
            type="range"
            min={0}
            max={Math.ceil(apogeeKm)}
            step={1}
            value={altitudeKm}
            data-testid="coverage-altitude"
            onInput={(e) => setAltitudeKm(Number(e.currentTarget.value))}
          />
        </label>
      </div>
      {launch !== undefined && (
        <p class="muted">
          {launch.launchAt} → impact {launch.impactAt} · {seconds(launch.flightSeconds)} flight ·{' '}
          {launch.rangeKm} km range · {launch.apogeeKm} km apogee
        </p>
      )}
      <div class="map-layout">
        <figure class="map">
          <svg
            viewBox={`0 0 ${MAP_WIDTH} ${height}`}
            style={{ aspectRatio: `${MAP_WIDTH} / ${height}` }}
            role="img"
            aria-labelledby="map-title"
            data-testid="map"
          >
            <title id="map-title">{title}</title>
            <clipPath id="map-clip">
              <rect x={0} y={0} width={MAP_WIDTH} height={height} />
            </clipPath>
            <g clip-path="url(#map-clip)">
              <BaseLayer projection={projection} width={MAP_WIDTH} height={height} />
              <SensorLayer scenario={scenario} projection={projection} altitudeKm={altitudeKm} />
              {launch !== undefined && (
                <LaunchLayer key={launch.id} launch={launch} projection={projection} />
              )}
            </g>
          </svg>
        </figure>
        <aside class="panel map-side">
          <Legend scenario={scenario} />
          <SensorTable scenario={scenario} altitudeKm={altitudeKm} />
          <p class="muted small">
            Rings: the ground radius within which a target at {altitudeKm} km is above the sensor's
            minimum elevation on the effective Earth (k·R, k = 4/3) and within its maximum slant
            range — the geometry the simulator uses.
          </p>
        </aside>
      </div>
    </section>
  )
}

function Legend({ scenario }: { readonly scenario: Scenario }) {
  return (
    <ul class="legend" aria-label="Parties">
      {scenario.parties.map((p) => (
        <li key={p.id}>
          <span class="swatch" style={{ background: p.color }} aria-hidden="true" />
          {p.id} — {p.name}
        </li>
      ))}
    </ul>
  )
}
