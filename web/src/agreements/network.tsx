import type { AgreementRow, Scenario } from '../api/types.ts'
import { partyColor } from '../ui/colors.ts'

const WIDTH = 520
const HEIGHT = 340

interface Segment {
  readonly a: string
  readonly b: string
  readonly row: AgreementRow
}

/** Parties on a circle; edges are agreements, a mediated one drawn as spokes through its hub. */
export function Network({
  scenario,
  rows,
}: {
  readonly scenario: Scenario
  readonly rows: readonly AgreementRow[]
}) {
  const at = positions(scenario.parties.map((p) => p.id))
  const segments = rows.flatMap(segmentsOf)
  return (
    <svg
      class="network"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      role="img"
      aria-label="Parties and the agreements between them, coloured by status"
      data-testid="network"
    >
      {segments.map((s, i) => (
        <Edge key={i} segment={s} at={at} offset={offsetOf(segments, i)} />
      ))}
      {scenario.parties.map((p) => {
        const [x, y] = at.get(p.id) ?? [0, 0]
        return (
          <g key={p.id} class="party-node" role="img" aria-label={`${p.id}: ${p.name}`}>
            <circle cx={x} cy={y} r={26} fill={partyColor(scenario, p.id)} />
            <text x={x} y={y + 5} text-anchor="middle">
              {p.id}
            </text>
          </g>
        )
      })}
    </svg>
  )
}

function segmentsOf(row: AgreementRow): Segment[] {
  if (row.kind === 'mediated' && row.hub !== null) {
    const hub = row.hub
    return row.parties.filter((p) => p !== hub).map((p) => ({ a: p, b: hub, row }))
  }
  return row.parties.flatMap((a, i) => row.parties.slice(i + 1).map((b) => ({ a, b, row })))
}

/** Spreads parallel edges between the same two parties. */
function offsetOf(segments: readonly Segment[], index: number): number {
  const s = segments[index]
  if (s === undefined) return 0
  const same = segments.filter((t) => [t.a, t.b].sort().join() === [s.a, s.b].sort().join())
  const k = same.indexOf(s)
  return (k - (same.length - 1) / 2) * 56
}

function positions(parties: readonly string[]): Map<string, [number, number]> {
  const order = ['USA', 'JPN', 'KOR']
  const sorted = [...parties].sort((a, b) => rank(order, a) - rank(order, b))
  return new Map(
    sorted.map((p, i) => {
      const angle = -Math.PI / 2 + (i * 2 * Math.PI) / sorted.length
      return [p, [WIDTH / 2 + 180 * Math.cos(angle), HEIGHT / 2 + 16 + 130 * Math.sin(angle)]]
    }),
  )
}

function rank(order: readonly string[], party: string): number {
  const i = order.indexOf(party)
  return i < 0 ? order.length : i
}

interface EdgeProps {
  readonly segment: Segment
  readonly at: ReadonlyMap<string, [number, number]>
  readonly offset: number
}

function Edge({ segment, at, offset }: EdgeProps) {
  const [x1, y1] = at.get(segment.a) ?? [0, 0]
  const [x2, y2] = at.get(segment.b) ?? [0, 0]
  const length = Math.hypot(x2 - x1, y2 - y1) || 1
  const [nx, ny] = [-(y2 - y1) / length, (x2 - x1) / length]
  const [cx, cy] = [(x1 + x2) / 2 + nx * offset * 2, (y1 + y2) / 2 + ny * offset * 2]
  const [lx, ly] = [(x1 + x2) / 2 + nx * offset, (y1 + y2) / 2 + ny * offset]
  const { row } = segment
  const state = edgeState(row)
  const via = row.kind === 'mediated' ? ` (via hub ${row.hub ?? '?'})` : ''
  const label = `${row.id}${via} ${segment.a}–${segment.b}: ${state}`
  return (
    <g
      class={`edge edge-${state}`}
      data-testid="edge"
      data-agreement={row.id}
      data-status={row.status}
      role="img"
      aria-label={label}
    >
      <title>{label}</title>
      <path d={`M${x1},${y1} Q${cx},${cy} ${x2},${y2}`} />
      <text x={lx} y={ly - 4} text-anchor="middle">
        {row.id}
      </text>
    </g>
  )
}

/** in-force, pending-termination, terminated or not-yet-in-force. */
export function edgeState(row: AgreementRow): string {
  if (row.status === 'in-force' && row.pendingTermination !== null) return 'pending-termination'
  return row.status
}
