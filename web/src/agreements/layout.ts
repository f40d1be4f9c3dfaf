import { type Region, REGIONS, regionOf } from './regions.ts'

/** A region's name beside its arc, anchored away from the circle so that it never covers a node. */
export interface RegionLabel {
  readonly region: Region
  readonly x: number
  readonly y: number
  readonly anchor: 'start' | 'middle' | 'end'
}

export interface NetworkLayout {
  readonly width: number
  readonly height: number
  readonly nodeRadius: number
  readonly positions: ReadonlyMap<string, readonly [number, number]>
  /** Region names to draw beside their arc (empty for a small network). */
  readonly groups: readonly RegionLabel[]
  /** Edge labels fit: few parties, so every agreement id is written on its edge. */
  readonly labelEdges: boolean
}

/** Up to this many parties, the three-party picture: large nodes, labelled edges. */
const SMALL = 6
const FIRST = ['USA', 'JPN', 'KOR']
/** Space kept free around each node on the circle, and the empty slot between regions. */
const GAP = 10
const RADIUS_LARGE = 16
/** Room outside the circle for the region names (the longest, "Organisations", is ~95 px). */
const LABEL_MARGIN = 110

/**
 * Parties on a circle. A small network keeps its fixed picture; a large one is grouped by
 * region (regions.ts), one empty slot between groups, and the circle is made just large enough
 * that neighbouring nodes never touch (centres ≥ 2 r + GAP apart).
 */
export function networkLayout(parties: readonly string[]): NetworkLayout {
  return parties.length <= SMALL ? smallLayout(parties) : regionLayout(parties)
}

function smallLayout(parties: readonly string[]): NetworkLayout {
  const [width, height] = [520, 340]
  const rank = (p: string) => (FIRST.includes(p) ? FIRST.indexOf(p) : FIRST.length)
  const sorted = [...parties].sort((a, b) => rank(a) - rank(b))
  const positions = new Map(
    sorted.map((p, i): [string, [number, number]] => {
      const angle = -Math.PI / 2 + (i * 2 * Math.PI) / sorted.length
      return [p, [width / 2 + 180 * Math.cos(angle), height / 2 + 16 + 130 * Math.sin(angle)]]
    }),
  )
  return { width, height, nodeRadius: 26, positions, groups: [], labelEdges: true }
}

function regionLayout(parties: readonly string[]): NetworkLayout {
  const byRegion = REGIONS.map((region) => ({
    region,
    members: parties.filter((p) => regionOf(p) === region).sort(),
  })).filter((g) => g.members.length > 0)
  const slots = parties.length + byRegion.length // one empty slot after each region
  const r = RADIUS_LARGE
  // Neighbours are a chord apart: 2 R sin(π / slots) ≥ 2 r + GAP.
  const circle = Math.max(150, (2 * r + GAP) / (2 * Math.sin(Math.PI / slots)))
  const size = Math.ceil(2 * (circle + r + LABEL_MARGIN))
  const centre = size / 2
  const at = (slot: number, radius: number): [number, number] => {
    const angle = -Math.PI / 2 + (slot * 2 * Math.PI) / slots
    return [centre + radius * Math.cos(angle), centre + radius * Math.sin(angle)]
  }
  const positions = new Map<string, [number, number]>()
  const groups: RegionLabel[] = []
  let slot = 0
  for (const { region, members } of byRegion) {
    const [x, y] = at(slot + (members.length - 1) / 2, circle + r + 12)
    const side = x - centre
    const anchor = side < -20 ? 'end' : side > 20 ? 'start' : 'middle'
    groups.push({ region, x, y: y + (anchor === 'middle' ? (y < centre ? -4 : 12) : 4), anchor })
    for (const party of members) positions.set(party, at(slot++, circle))
    slot++
  }
  return { width: size, height: size, nodeRadius: r, positions, groups, labelEdges: false }
}
