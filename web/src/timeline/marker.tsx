import type { LiveEvent, LiveEventType } from '../api/types.ts'
import { describeEvent } from './describe.ts'

/** Vertical offset within a lane, by kind of event, so simultaneous markers do not overlap. */
const ROW: Readonly<Record<LiveEventType, number>> = {
  ingest: 0,
  'decision-denied': -14,
  held: -14,
  'pending-approval': -14,
  approved: -14,
  sent: -7,
  delivered: -7,
  relayed: -7,
  received: 10,
  quarantined: 10,
  'request-sent': 17,
  'request-received': 17,
  answered: 17,
}

interface MarkerProps {
  readonly event: LiveEvent
  readonly x: number
  readonly y: number
  readonly color: string
  readonly active: boolean
  readonly onShow: (event: LiveEvent, x: number, y: number) => void
  readonly onHide: () => void
}

/** One event as a focusable marker; hover or focus shows its description. */
export function Marker({ event, x, y, color, active, onShow, onHide }: MarkerProps) {
  const cy = y + ROW[event.type]
  const show = (): void => onShow(event, x, cy)
  return (
    <g
      class={`marker marker-${event.type}${active ? ' active' : ''}`}
      transform={`translate(${x.toFixed(1)},${cy})`}
      tabIndex={0}
      role="img"
      aria-label={describeEvent(event)}
      aria-describedby={active ? 'timeline-tooltip' : undefined}
      data-testid={`marker-${event.type}`}
      data-party={event.party}
      data-peer={event.peer ?? ''}
      data-path={(event.path ?? []).join(' ')}
      data-launch={event.launch ?? ''}
      onMouseEnter={show}
      onFocus={show}
      onMouseLeave={onHide}
      onBlur={onHide}
    >
      <Shape type={event.type} color={color} />
    </g>
  )
}

function Shape({ type, color }: { readonly type: LiveEventType; readonly color: string }) {
  switch (type) {
    case 'ingest':
      return <circle r={7} fill={color} />
    case 'decision-denied':
    case 'quarantined':
      return <path d="M-5,-5 L5,5 M5,-5 L-5,5" stroke="var(--deny)" stroke-width={3} />
    case 'held':
    case 'pending-approval':
      return <rect x={-5} y={-5} width={10} height={10} fill="none" stroke="var(--warn)" />
    case 'approved':
      return <rect x={-4} y={-4} width={8} height={8} fill="var(--warn)" />
    case 'sent':
    case 'relayed':
    case 'delivered':
      return (
        <path d="M-5,-5 L5,0 L-5,5 z" fill={type === 'delivered' ? 'none' : color} stroke={color} />
      )
    case 'received':
      return <path d="M0,-7 L7,0 L0,7 L-7,0 z" fill={color} stroke="var(--fg)" />
    case 'request-sent':
    case 'request-received':
    case 'answered':
      return <circle r={5} fill="none" stroke={color} stroke-width={2} />
  }
}
