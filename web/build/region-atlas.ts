import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { Feature, MultiPolygon, Polygon, Position } from 'geojson'
import { feature } from 'topojson-client'
import type { GeometryCollection, Topology } from 'topojson-specification'
import type { Plugin } from 'vite'

/** The map's region with a degree of margin, so that clipped edges fall outside the view. */
export const REGION = { west: 119, east: 146, south: 29, north: 47 } as const
const MODULE_ID = 'virtual:region-atlas'
const RESOLVED_ID = `\0${MODULE_ID}`

type Box = typeof REGION
type Ring = Position[]

/**
 * Serves `virtual:region-atlas`: world-atlas's countries-50m cut to the region at build time
 * (rings clipped to the box, coordinates rounded to 0.01°), so the bundle carries a few
 * kilobytes instead of the whole world.
 */
export function regionAtlas(): Plugin {
  return {
    name: 'entente-region-atlas',
    resolveId: (id) => (id === MODULE_ID ? RESOLVED_ID : undefined),
    load(id) {
      if (id !== RESOLVED_ID) return undefined
      return `export const countries = ${JSON.stringify(regionCountries(REGION))}\n`
    },
  }
}

/** Country outlines clipped to `box`, as GeoJSON MultiPolygons named by country. */
export function regionCountries(box: Box): Feature<MultiPolygon, { name: string }>[] {
  const require = createRequire(import.meta.url)
  const path = require.resolve('world-atlas/countries-50m.json')
  const topology = JSON.parse(readFileSync(path, 'utf8')) as Topology<{
    countries: GeometryCollection<{ name: string }>
  }>
  const all = feature(topology, topology.objects.countries).features
  return all.flatMap((country) => {
    const geometry = country.geometry as Polygon | MultiPolygon | null
    if (geometry === null) return []
    const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates
    const clipped = polygons.flatMap((rings) => clipPolygon(rings, box))
    if (clipped.length === 0) return []
    return [
      {
        type: 'Feature' as const,
        properties: { name: country.properties?.name ?? '' },
        geometry: { type: 'MultiPolygon' as const, coordinates: clipped },
      },
    ]
  })
}

function clipPolygon(rings: Ring[], box: Box): Ring[][] {
  const [outer, ...holes] = rings.map((ring) => clipRing(ring, box))
  if (outer === undefined || outer.length < 4) return []
  return [[outer, ...holes.filter((hole) => hole.length >= 4)]]
}

type Edge = { inside: (p: Position) => boolean; cut: (a: Position, b: Position) => Position }

function edges(box: Box): Edge[] {
  const atLon = (lon: number) => (a: Position, b: Position) => at(a, b, 0, lon)
  const atLat = (lat: number) => (a: Position, b: Position) => at(a, b, 1, lat)
  return [
    { inside: (p) => lon(p) >= box.west, cut: atLon(box.west) },
    { inside: (p) => lon(p) <= box.east, cut: atLon(box.east) },
    { inside: (p) => lat(p) >= box.south, cut: atLat(box.south) },
    { inside: (p) => lat(p) <= box.north, cut: atLat(box.north) },
  ]
}

/** Sutherland–Hodgman against the box (planar in lon/lat, fine at this scale). */
function clipRing(ring: Ring, box: Box): Ring {
  let points = ring.slice(0, -1)
  for (const edge of edges(box)) {
    const input = points
    points = []
    input.forEach((current, i) => {
      const previous = input[(i + input.length - 1) % input.length] ?? current
      if (edge.inside(current)) {
        if (!edge.inside(previous)) points.push(edge.cut(previous, current))
        points.push(current)
      } else if (edge.inside(previous)) points.push(edge.cut(previous, current))
    })
  }
  const rounded = dedupe(points.map(([x = 0, y = 0]) => [round(x), round(y)]))
  const first = rounded[0]
  return first === undefined ? [] : [...rounded, first]
}

function at(a: Position, b: Position, axis: 0 | 1, value: number): Position {
  const a0 = a[axis] ?? 0
  const b0 = b[axis] ?? 0
  const f = (value - a0) / (b0 - a0)
  const other = axis === 0 ? 1 : 0
  const o = (a[other] ?? 0) + f * ((b[other] ?? 0) - (a[other] ?? 0))
  return axis === 0 ? [value, o] : [o, value]
}

function dedupe(points: Position[]): Position[] {
  return points.filter((p, i) => {
    const q = points[i - 1]
    return q === undefined || q[0] !== p[0] || q[1] !== p[1]
  })
}

const lon = (p: Position): number => p[0] ?? 0
const lat = (p: Position): number => p[1] ?? 0
const round = (value: number): number => Math.round(value * 100) / 100
