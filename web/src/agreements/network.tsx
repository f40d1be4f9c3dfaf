import type { AgreementRow, Scenario } from '../api/types.ts'
import { partyColor } from '../ui/colors.ts'
import { partiesOf } from './filter.ts'
import { networkLayout } from './layout.ts'

interface Segment {
  readonly a: string
  readonly b: string
  readonly row: AgreementRow
}

/** Up to this many agreements drawn, each edge carries its id even on a large network. */
const LABEL_EDGES_UP_TO = 8

/**
 * Parties on a circle (grouped by region when there are many, layout.ts); edges are the
 * agreements shown, a mediated one drawn as spokes through its hub.
 */
export function Network({
  scenario,
  rows,
  filtered = false,
  focus = null,
}: {
  readonly scenario: Scenario
  readonly rows: readonly AgreementRow[]
  /** The rows are a filter's: parties none of them names are dimmed. */
  readonly filtered?: boolean
  /** The party the view is filtered on, drawn with a ring. */
  readonly focus?: string | null
}) {
  const layout = networkLayout(scenario.parties.map((p) => p.id))
  const at = layout.positions
  const segments = rows.flatMap(segmentsOf)
  const shown = partiesOf(rows)
  const labels = layout.labelEdges || rows.length <= LABEL_EDGES_UP_TO
  const r = layout.nodeRadius
  return (
    <svg
      class={layout.groups.length > 0 ? 'network network-large' : 'network'}
      viewBox={`0 0 ${layout.width} ${layout.height}`}
      role="img"
      aria-label="Parties and the agreements between them, coloured by status"
      data-testid="network"
    >
      {layout.groups.map((g) => (
        <text key={g.region} class="region-label" x={g.x} y={g.y} text-anchor={g.anchor}>
          {g.region}
        </text>
      ))}
      {segments.map((s, i) => (
        <Edge
          key={i}
          segment={s}
          at={at}
          offset={offsetOf(segments, i) * (r / 26)}
          label={labels}
        />
      ))}
      {scenario.parties.map((p) => {
        const [x, y] = at.get(p.id) ?? [0, 0]
        const dim = filtered && !shown.has(p.id)
        return (
          <g
            key={p.id}
            class={`party-node${dim ? ' dim' : ''}${focus === p.id ? ' focus' : ''}`}
            role="img"
            aria-label={`${p.id}: ${p.name}`}
            data-testid="party-node"
            data-party={p.id}
          >
            <title>{`${p.id}: ${p.name}`}</title>
            <circle cx={x} cy={y} r={r} fill={partyColor(scenario, p.id)} />
            <text x={x} y={y + r / 5} text-anchor="middle" font-size={r < 20 ? 9 : undefined}>
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

interface EdgeProps {
  readonly segment: Segment
  readonly at: ReadonlyMap<string, readonly [number, number]>
  readonly offset: number
  readonly label: boolean
}

function Edge({ segment, at, offset, label: labelled }: EdgeProps) {
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
      {labelled && (
        <text x={lx} y={ly - 4} text-anchor="middle">
          {row.id}
        </text>
      )}
    </g>
  )
}

/** in-force, pending-termination, terminated or not-yet-in-force. */
export function edgeState(row: AgreementRow): string {
  if (row.status === 'in-force' && row.pendingTermination !== null) return 'pending-termination'
  return row.status
}
