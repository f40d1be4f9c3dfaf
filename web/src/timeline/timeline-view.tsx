import type { Scenario } from '../api/types.ts'
import { eventsOf, statusOf, type LiveState } from '../api/use-live.ts'
import { RunSelect } from '../ui/run-select.tsx'
import { LaunchLanes } from './launch-lanes.tsx'
import { Receipts } from './receipts.tsx'
import { WarningTable } from './warning-table.tsx'

interface TimelineViewProps {
  readonly scenario: Scenario
  readonly live: LiveState
  readonly run: string
  readonly onRun: (run: string) => void
}

/** What each node actually did, per launch and party, live while the demo plays. */
export function TimelineView({ scenario, live, run, onRun }: TimelineViewProps) {
  const events = eventsOf(live, run)
  const status = statusOf(live, run)
  const runView = live.runs.find((r) => r.id === run)
  return (
    <section aria-labelledby="timeline-heading" data-testid="view-timeline">
      <div class="toolbar">
        <h2 id="timeline-heading">Timeline</h2>
        <RunSelect live={live} run={run} onRun={onRun} />
        <span class={`badge badge-${status}`} data-testid="run-status" data-run={run}>
          {status}
        </span>
        {runView !== undefined && runView.whatIfs.length > 0 && (
          <span class="muted">what-if: {runView.whatIfs.join(' + ')}</span>
        )}
      </div>
      <Legend />
      {scenario.launches.map((launch) => (
        <LaunchLanes
          key={`${run}-${launch.id}`}
          scenario={scenario}
          launch={launch}
          events={events.filter((e) => e.launch === launch.id)}
        />
      ))}
      <div class="columns">
        <Receipts events={events} />
        {runView !== undefined && (
          <WarningTable scenario={scenario} run={runView} events={events} />
        )}
      </div>
    </section>
  )
}

function Legend() {
  return (
    <p class="legend-line muted">
      x: seconds after launch · ● own report · ◆ received (colour of the originator) · ▶ sent /
      relayed · ▷ delivered · □ held / pending approval · ■ approved · ✕ denied · ○ request / answer
      · bar: warning until impact. Hover or focus a marker for details.
    </p>
  )
}
