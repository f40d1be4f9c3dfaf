import type { LiveEvent } from '../api/types.ts'
import { knowsSeconds, LANE_HEIGHT, LEFT, RIGHT, WIDTH } from './scale.ts'

interface LaneProps {
  readonly party: string
  readonly color: string
  readonly y: number
  readonly events: readonly LiveEvent[]
  readonly flightSeconds: number
  readonly x: (t: number) => number
}

/** A party's lane: its name and the warning it had, from first knowledge to impact. */
export function Lane({ party, color, y, events, flightSeconds, x }: LaneProps) {
  const knows = knowsSeconds(events, party)
  const mid = y + LANE_HEIGHT / 2
  const warning = knows === null ? null : flightSeconds - knows
  const label =
    knows === null
      ? 'does not know yet'
      : warning !== null && warning > 0
        ? `warning ${warning.toFixed(1)} s`
        : `knows ${Math.abs(warning ?? 0).toFixed(1)} s after impact`
  return (
    <g class="lane" data-testid="lane" data-party={party}>
      <rect
        class="lane-bg"
        x={LEFT}
        y={y + 2}
        width={WIDTH - LEFT - RIGHT}
        height={LANE_HEIGHT - 4}
      />
      <rect x={0} y={y + 8} width={6} height={LANE_HEIGHT - 16} fill={color} />
      <text class="lane-label" x={12} y={mid + 5}>
        {party}
      </text>
      {knows !== null && warning !== null && warning > 0 && (
        <rect
          class="warning"
          x={x(knows)}
          y={mid - 3}
          width={x(flightSeconds) - x(knows)}
          height={6}
          fill={color}
          data-testid="warning"
          data-party={party}
          data-seconds={warning.toFixed(1)}
        />
      )}
      <text class="warning-label" x={LEFT + 4} y={y + 14}>
        {label}
      </text>
    </g>
  )
}
