import { createRequire } from 'node:module'
import type { Feature, MultiPolygon, Polygon, Position } from 'geojson'
import { feature } from 'topojson-client'
import type { GeometryCollection, Topology } from 'topojson-specification'

export interface LatLon {
  readonly lat: number
  readonly lon: number
}

/**
 * The STIX `region-ov` value (UN M49 sub-region) of a point: `antarctica` south of 60° S (the
 * Antarctic Treaty area), else the sub-region of the country that contains it (Natural Earth
 * 1:110m borders, from world-atlas), else — a point at sea — that of the country with the
 * nearest border vertex (a predicted impact in the Sea of Japan is `eastern-asia`). M49 puts all
 * of Russia in `eastern-europe`, so a point nearest Russian soil gets that value.
 */
export function regionOf(point: LatLon): Region {
  if (point.lat < ANTARCTIC_LAT) return 'antarctica'
  const atlas = loadAtlas()
  for (const shape of atlas.shapes) if (contains(shape, point)) return shape.region
  return nearestRegion(atlas.vertices, point)
}

/** The borders, read and prepared at the first question (~130 ms), not when a process starts. */
let atlas: { shapes: readonly Shape[]; vertices: Vertices } | null = null

function loadAtlas(): { shapes: readonly Shape[]; vertices: Vertices } {
  if (atlas === null) {
    const shapes = shapesOf(createRequire(import.meta.url)('world-atlas/countries-110m.json'))
    atlas = { shapes, vertices: verticesOf(shapes) }
  }
  return atlas
}

const ANTARCTIC_LAT = -60

/**
 * UN M49 sub-regions as STIX 2.1 spells them (region-ov), with the ISO 3166-1 numeric codes of
 * the countries in them (by Natural Earth name for the three features that have no code).
 */
const M49 = {
  'eastern-africa': [
    108,
    231,
    232,
    260,
    262,
    404,
    450,
    454,
    508,
    646,
    706,
    716,
    728,
    800,
    834,
    894,
    'Somaliland',
  ],
  'middle-africa': [24, 120, 140, 148, 178, 180, 226, 266],
  'northern-africa': [12, 434, 504, 729, 732, 788, 818],
  'southern-africa': [72, 426, 516, 710, 748],
  'western-africa': [204, 270, 288, 324, 384, 430, 466, 478, 562, 566, 624, 686, 694, 768, 854],
  caribbean: [44, 192, 214, 332, 388, 630, 780],
  'central-america': [84, 188, 222, 320, 340, 484, 558, 591],
  'south-america': [32, 68, 76, 152, 170, 218, 238, 328, 600, 604, 740, 858, 862],
  'northern-america': [124, 304, 840],
  'central-asia': [398, 417, 762, 795, 860],
  'eastern-asia': [156, 158, 392, 408, 410, 496],
  'south-eastern-asia': [96, 104, 116, 360, 418, 458, 608, 626, 704, 764],
  'southern-asia': [4, 50, 64, 144, 356, 364, 524, 586],
  'western-asia': [
    31,
    51,
    196,
    268,
    275,
    368,
    376,
    400,
    414,
    422,
    512,
    634,
    682,
    760,
    784,
    792,
    887,
    'N. Cyprus',
  ],
  'eastern-europe': [100, 112, 203, 348, 498, 616, 642, 643, 703, 804],
  'northern-europe': [208, 233, 246, 352, 372, 428, 440, 578, 752, 826],
  'southern-europe': [8, 70, 191, 300, 380, 499, 620, 688, 705, 724, 807, 'Kosovo'],
  'western-europe': [40, 56, 250, 276, 442, 528, 756],
  'australia-new-zealand': [36, 554],
  melanesia: [90, 242, 540, 548, 598],
  antarctica: [10],
} as const satisfies Record<string, readonly (number | string)[]>

export type Region = keyof typeof M49

/** One polygon of a country: its rings (outer, then holes) in degrees, with its box. */
interface Shape {
  readonly region: Region
  readonly rings: readonly (readonly Position[])[]
  readonly west: number
  readonly east: number
  readonly south: number
  readonly north: number
}

const REGION_OF_KEY = new Map<string, Region>(
  Object.entries(M49).flatMap(([region, keys]) => keys.map((k) => [String(k), region as Region])),
)

function shapesOf(countries110m: unknown): Shape[] {
  const topology = countries110m as Topology<{ countries: GeometryCollection }>
  return feature(topology, topology.objects.countries).features.flatMap((f) => {
    const country = f as Feature<Polygon | MultiPolygon, { name: string }>
    const key = country.id === undefined ? country.properties.name : String(Number(country.id))
    const region = REGION_OF_KEY.get(key)
    if (region === undefined) throw new Error(`region.ts: no M49 sub-region for country ${key}`)
    if (region === 'antarctica') return []
    const { geometry } = country
    const polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.coordinates
    return polygons.map((rings) => shapeOf(region, rings.map(unwrapped)))
  })
}

/** A ring that crosses the antimeridian (Russia, Fiji) with its western longitudes past 180°. */
function unwrapped(ring: Position[]): Position[] {
  const crosses = ring.some(
    (p, i) => i > 0 && Math.abs((p[0] ?? 0) - (ring[i - 1]?.[0] ?? 0)) > 180,
  )
  return crosses ? ring.map(([lon = 0, lat = 0]) => [lon < 0 ? lon + 360 : lon, lat]) : ring
}

function shapeOf(region: Region, rings: Position[][]): Shape {
  const points = rings.flat()
  const lons = points.map((p) => p[0] ?? 0)
  const lats = points.map((p) => p[1] ?? 0)
  return {
    region,
    rings,
    west: Math.min(...lons),
    east: Math.max(...lons),
    south: Math.min(...lats),
    north: Math.max(...lats),
  }
}

/** Even-odd ray casting in longitude and latitude, the plane Natural Earth draws its lines in. */
function contains(shape: Shape, { lat, lon }: LatLon): boolean {
  if (lat < shape.south || lat > shape.north) return false
  const x = lon < shape.west ? lon + 360 : lon
  if (x < shape.west || x > shape.east) return false
  let inside = false
  for (const ring of shape.rings)
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi = 0, yi = 0] = ring[i] ?? []
      const [xj = 0, yj = 0] = ring[j] ?? []
      if (yi > lat !== yj > lat && x < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside
    }
  return inside
}

type Vector = readonly [number, number, number]

/** Every border vertex as a unit vector (x y z after one another) and the region it belongs to. */
interface Vertices {
  readonly xyz: Float64Array
  readonly regions: readonly Region[]
}

function verticesOf(shapes: readonly Shape[]): Vertices {
  const points = shapes.flatMap((s) => s.rings.flat().map((p) => ({ p, region: s.region })))
  const xyz = new Float64Array(points.length * 3)
  points.forEach(({ p: [lon = 0, lat = 0] }, i) => xyz.set(unit(lat, lon), i * 3))
  return { xyz, regions: points.map((v) => v.region) }
}

/** The region of the border vertex nearest to the point (largest dot product). */
function nearestRegion({ xyz, regions }: Vertices, point: LatLon): Region {
  const [x, y, z] = unit(point.lat, point.lon)
  let best = 0
  let bestDot = -Infinity
  for (let i = 0; i < regions.length; i++) {
    const dot = x * (xyz[3 * i] ?? 0) + y * (xyz[3 * i + 1] ?? 0) + z * (xyz[3 * i + 2] ?? 0)
    if (dot > bestDot) [best, bestDot] = [i, dot]
  }
  return regions[best] ?? 'antarctica'
}

function unit(lat: number, lon: number): Vector {
  const phi = (lat * Math.PI) / 180
  const lambda = (lon * Math.PI) / 180
  return [Math.cos(phi) * Math.cos(lambda), Math.cos(phi) * Math.sin(lambda), Math.sin(phi)]
}
