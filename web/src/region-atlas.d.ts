declare module 'virtual:region-atlas' {
  import type { Feature, MultiPolygon } from 'geojson'
  /** world-atlas countries-50m cut to the map's region at build time (web/build/region-atlas.ts). */
  export const countries: Feature<MultiPolygon, { name: string }>[]
}
