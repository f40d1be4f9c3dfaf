import { geoArea, geoCentroid, geoCircle, geoPath } from 'd3-geo'
import { useId, useMemo } from 'preact/hooks'
import { BaseLayer } from '../../map/base-layer.tsx'
import { MAP_WIDTH, regionProjection } from '../../map/projection.ts'
import { originatorColor } from '../colors.ts'
import type { LatLon, Product, Report, Track } from '../types.ts'

const EARTH_RADIUS_KM = 6371
/** The impact area drawn around the aim point: a share of the range (the report gives no CEP). */
const IMPACT_SHARE_OF_RANGE = 0.06

/** Where a report's missile comes down: its impact, else range along its heading. */
export function impactOf(report: Report): LatLon | null {
  const { site, impact, headingDeg, rangeKm } = report.payload
  if (impact !== undefined) return impact
  if (site === undefined || headingDeg === undefined || rangeKm === undefined) return null
  const d = rangeKm / EARTH_RADIUS_KM
  const bearing = (headingDeg * Math.PI) / 180
  const lat1 = (site.lat * Math.PI) / 180
  const lon1 = (site.lon * Math.PI) / 180
  const lat2 = Math.asin(
    Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(bearing),
  )
  const lon2 =
    lon1 +
    Math.atan2(
      Math.sin(bearing) * Math.sin(d) * Math.cos(lat1),
      Math.cos(d) - Math.sin(lat1) * Math.sin(lat2),
    )
  return { lat: (lat2 * 180) / Math.PI, lon: (lon2 * 180) / Math.PI }
}

/** Half the side of the diamond that marks an image's footprint: a few km are under a pixel. */
const FOOTPRINT_MARK_PX = 5

/**
 * The dashboard's region map with each report (site, ground track and impact area), each live
 * track this party holds, own or received (a dot at its latest position in its originator's
 * colour, its predicted impact's uncertainty as a circle of the ellipse's semi-major axis), and
 * the footprint of each image it holds (issue 17), marked by a diamond since a satellite scene
 * of a few kilometres is smaller than a pixel on a map of the region.
 */
export function PictureMap({
  reports,
  tracks = [],
  products = [],
}: {
  readonly reports: readonly Report[]
  readonly tracks?: readonly Track[]
  readonly products?: readonly Product[]
}) {
  const { projection, height } = useMemo(regionProjection, [])
  const path = geoPath(projection)
  // Unique per map: the dashboard shows one picture per party on one page.
  const titleId = useId()
  return (
    <figure class="map">
      <svg
        viewBox={`0 0 ${MAP_WIDTH} ${height}`}
        role="img"
        aria-labelledby={titleId}
        data-testid="picture-map"
      >
        <title id={titleId}>
          {reports.length} reports on the map, in their originators' colours
        </title>
        <BaseLayer projection={projection} width={MAP_WIDTH} height={height} />
        {products.map((p) => {
          const ring = p.imagery?.footprint
          if (ring === undefined || ring.length < 3) return null
          const color = originatorColor(p.originator)
          const polygon = footprintPolygon(ring)
          const [cx, cy] = projection(geoCentroid(polygon)) ?? [0, 0]
          const m = FOOTPRINT_MARK_PX
          return (
            <g
              key={p.id}
              class="footprint-shape"
              data-testid="map-footprint"
              data-product-id={p.id}
              data-originator={p.originator}
              stroke={color}
              fill={color}
            >
              <path class="footprint-area" d={path(polygon) ?? ''} />
              <path
                class="footprint-mark"
                fill="none"
                d={`M${cx},${cy - m}L${cx + m},${cy}L${cx},${cy + m}L${cx - m},${cy}Z`}
              >
                <title>
                  {p.originator} image {p.title} ({p.imagery?.platform} / {p.imagery?.sensor})
                </title>
              </path>
            </g>
          )
        })}
        {reports.map((r) => {
          const site = r.payload.site
          const impact = impactOf(r)
          if (site === undefined) return null
          const color = originatorColor(r.originator)
          const [sx, sy] = projection([site.lon, site.lat]) ?? [0, 0]
          const withdrawn = r.status !== 'current'
          return (
            <g
              key={r.id}
              class={withdrawn ? 'report-shape withdrawn' : 'report-shape'}
              data-testid="map-report"
              data-report-id={r.id}
              data-status={r.status}
              stroke={color}
              fill={color}
            >
              {impact !== null && (
                <>
                  <path
                    class="report-track"
                    fill="none"
                    d={
                      path({
                        type: 'LineString',
                        coordinates: [
                          [site.lon, site.lat],
                          [impact.lon, impact.lat],
                        ],
                      }) ?? ''
                    }
                  />
                  <path
                    class="report-impact"
                    d={
                      path(
                        geoCircle()
                          .center([impact.lon, impact.lat])
                          .radius(
                            (((r.payload.rangeKm ?? 100) * IMPACT_SHARE_OF_RANGE) /
                              EARTH_RADIUS_KM) *
                              (180 / Math.PI),
                          )(),
                      ) ?? ''
                    }
                  />
                </>
              )}
              <circle cx={sx} cy={sy} r={6}>
                <title>
                  {r.originator} report {r.id} ({r.status})
                </title>
              </circle>
            </g>
          )
        })}
        {tracks.map((t) => {
          const { position, impact } = t.state
          const [x, y] = projection([position.lon, position.lat]) ?? [0, 0]
          const color = originatorColor(t.originator)
          return (
            <g
              key={`${t.originator}.${t.trackNumber}`}
              class="track-shape"
              data-testid="map-track"
              data-originator={t.originator}
              data-track-number={t.trackNumber}
              stroke={color}
              fill={color}
            >
              {impact !== null && (
                <path
                  class="report-impact"
                  d={
                    path(
                      geoCircle()
                        .center([impact.lon, impact.lat])
                        .radius((impact.semiMajorM / 1000 / EARTH_RADIUS_KM) * (180 / Math.PI))(),
                    ) ?? ''
                  }
                />
              )}
              <rect x={x - 4} y={y - 4} width={8} height={8}>
                <title>
                  {t.originator} track {t.trackNumber}: {t.state.phase}, quality {t.state.quality},{' '}
                  {Math.round(position.altM / 1000)} km, by {t.state.sensor} ({t.path.join(' → ')})
                </title>
              </rect>
            </g>
          )
        })}
      </svg>
    </figure>
  )
}

/**
 * A footprint as d3 draws it. d3-geo reads a ring's winding on the sphere (clockwise encloses
 * the small side) while GeoJSON writes exteriors anticlockwise: a ring that encloses more than
 * a hemisphere is the other winding of a small footprint, so it is reversed.
 */
function footprintPolygon(ring: readonly (readonly [number, number])[]) {
  const coordinates = ring.map(([lon, lat]) => [lon, lat])
  const polygon = { type: 'Polygon' as const, coordinates: [coordinates] }
  if (geoArea(polygon) > 2 * Math.PI) coordinates.reverse()
  return polygon
}
