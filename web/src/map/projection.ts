import { geoMercator, type GeoProjection } from 'd3-geo'

/** The map's view: lon 120–145 °E, lat 30–46 °N (the atlas is cut a degree wider). */
export const VIEW = { west: 120, east: 145, south: 30, north: 46 } as const
export const MAP_WIDTH = 960

/** A Mercator fitted to the view, and the SVG height it needs at MAP_WIDTH. */
export function regionProjection(): { projection: GeoProjection; height: number } {
  const corners = {
    type: 'MultiPoint' as const,
    coordinates: [
      [VIEW.west, VIEW.south],
      [VIEW.east, VIEW.north],
    ],
  }
  const projection = geoMercator().fitWidth(MAP_WIDTH, corners)
  const [, top] = projection([VIEW.west, VIEW.north]) ?? [0, 0]
  const [, bottom] = projection([VIEW.west, VIEW.south]) ?? [0, 0]
  return { projection, height: Math.round(bottom - top) }
}
