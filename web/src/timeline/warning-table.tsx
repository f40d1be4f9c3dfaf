import { useMemo } from 'preact/hooks'
import { liveResults } from '../../../src/cli/demo/live.ts'
import type { LiveEvent, RunView, Scenario } from '../api/types.ts'
import { pathText, seconds } from '../format.ts'

interface WarningTableProps {
  readonly scenario: Scenario
  readonly run: RunView
  /** The run's events as streamed: the nodes' column follows them live. */
  readonly events: readonly LiveEvent[]
}

/** Per launch and party: the warning the nodes achieved (live, by the demo's own rule) beside the model's. */
export function WarningTable({ scenario, run, events }: WarningTableProps) {
  const launches = useMemo(
    () =>
      liveResults(
        events,
        scenario.launches,
        scenario.parties.map((p) => p.id),
      ),
    [events, scenario],
  )
  return (
    <div class="panel">
      <h3>Warning time: nodes vs model</h3>
      <table data-testid="warning-table">
        <thead>
          <tr>
            <th scope="col">launch</th>
            <th scope="col">party</th>
            <th scope="col">nodes</th>
            <th scope="col">model</th>
            <th scope="col">first receipt</th>
          </tr>
        </thead>
        <tbody>
          {launches.flatMap((launch) =>
            launch.parties.map((p) => {
              const model = run.expected.launches
                .find((l) => l.id === launch.id)
                ?.parties.find((q) => q.party === p.party)
              return (
                <tr
                  key={`${launch.id}-${p.party}`}
                  data-testid="warning-row"
                  data-launch={launch.id}
                  data-party={p.party}
                >
                  <td>{launch.id}</td>
                  <td>{p.party}</td>
                  <td class="num" data-testid="warning-nodes">
                    {seconds(p.warningSeconds)}
                  </td>
                  <td class="num">{seconds(model?.warningSeconds)}</td>
                  <td>{p.receivedFrom === null ? '—' : pathText(p.path)}</td>
                </tr>
              )
            }),
          )}
        </tbody>
      </table>
    </div>
  )
}
