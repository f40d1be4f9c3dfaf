import { useState } from 'preact/hooks'
import type { Launch, LiveEvent, Scenario } from '../api/types.ts'
import { partyColor } from '../ui/colors.ts'
import { describeEvent } from './describe.ts'
import { Marker } from './marker.tsx'
import { extentSeconds, LANE_HEIGHT, TOP, WIDTH, xScale } from './scale.ts'
import { Lane } from './lane.tsx'
import { Axis } from './axis.tsx'

interface LaunchLanesProps {
  readonly scenario: Scenario
  readonly launch: Launch
  readonly events: readonly LiveEvent[]
}

interface Tip {
  readonly text: string
  readonly x: number
  readonly y: number
  readonly key: LiveEvent
}

/** One lane per party for one launch: markers, the impact line and each party's warning. */
export function LaunchLanes({ scenario, launch, events }: LaunchLanesProps) {
  const [tip, setTip] = useState<Tip | null>(null)
  const last = Math.max(0, ...events.map((e) => e.t ?? 0))
  const maxSeconds = extentSeconds(launch.flightSeconds, last)
  const x = xScale(maxSeconds)
  const parties = scenario.parties.map((p) => p.id)
  const height = TOP + parties.length * LANE_HEIGHT + 24
  const impactX = x(launch.flightSeconds)
  return (
    <figure class="lanes" data-testid="launch-lanes" data-launch={launch.id}>
      <figcaption>
        Launch {launch.id} — {launch.launchAt}, impact at +{launch.flightSeconds.toFixed(1)} s
      </figcaption>
      <div class="lanes-box">
        <svg viewBox={`0 0 ${WIDTH} ${height}`} aria-label={`Timeline of launch ${launch.id}`}>
          <Axis maxSeconds={maxSeconds} height={height} />
          {parties.map((party, i) => (
            <Lane
              key={party}
              party={party}
              color={partyColor(scenario, party)}
              y={TOP + i * LANE_HEIGHT}
              events={events}
              flightSeconds={launch.flightSeconds}
              x={x}
            />
          ))}
          <line class="impact-line" x1={impactX} x2={impactX} y1={TOP - 8} y2={height - 20} />
          <text class="impact-label" x={impactX + 4} y={TOP - 12}>
            impact {launch.flightSeconds.toFixed(1)} s
          </text>
          {parties.map((party, i) =>
            events
              .filter((e) => e.party === party && e.t !== null)
              .map((e, j) => (
                <Marker
                  key={`${party}-${j}`}
                  event={e}
                  x={x(e.t ?? 0)}
                  y={TOP + i * LANE_HEIGHT + LANE_HEIGHT / 2}
                  color={partyColor(scenario, e.type === 'received' ? e.path?.[0] : e.party)}
                  active={tip?.key === e}
                  onShow={(event, mx, my) =>
                    setTip({ text: describeEvent(event), x: mx, y: my, key: event })
                  }
                  onHide={() => setTip(null)}
                />
              )),
          )}
        </svg>
        {tip !== null && (
          <div
            id="timeline-tooltip"
            role="tooltip"
            class="tooltip"
            data-testid="timeline-tooltip"
            style={{ left: `${(tip.x / WIDTH) * 100}%`, top: `${(tip.y / height) * 100}%` }}
          >
            {tip.text}
          </div>
        )}
      </div>
    </figure>
  )
}
