import { geoPath, type GeoProjection } from 'd3-geo'
import { countries } from 'virtual:region-atlas'
import { useMemo } from 'preact/hooks'

const PLACES = [
  { name: 'Sea of Japan (East Sea)', lon: 134.5, lat: 39.2, kind: 'sea' },
  { name: 'North Korea', lon: 126.9, lat: 40.4, kind: 'land' },
  { name: 'South Korea', lon: 127.9, lat: 36.3, kind: 'land' },
  { name: 'Japan', lon: 138.6, lat: 36.4, kind: 'land' },
  { name: 'China', lon: 123.2, lat: 43.5, kind: 'land' },
] as const

interface BaseLayerProps {
  readonly projection: GeoProjection
  readonly width: number
  readonly height: number
}

/** Sea, countries (world-atlas 50m, cut to the region) and place names. */
export function BaseLayer({ projection, width, height }: BaseLayerProps) {
  const paths = useMemo(() => {
    const path = geoPath(projection)
    return countries.map((c) => ({ name: c.properties.name, d: path(c) ?? '' }))
  }, [projection])
  return (
    <g>
      <rect class="sea" x={0} y={0} width={width} height={height} />
      <g aria-hidden="true">
        {paths.map((p) => (
          <path key={p.name} class="land" d={p.d} />
        ))}
      </g>
      {PLACES.map((place) => {
        const [x, y] = projection([place.lon, place.lat]) ?? [0, 0]
        return (
          <text key={place.name} class={`place place-${place.kind}`} x={x} y={y}>
            {place.name}
          </text>
        )
      })}
    </g>
  )
}
