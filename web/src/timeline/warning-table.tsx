import type { RunView } from '../api/types.ts'
import { pathText, seconds } from '../format.ts'

/** Per launch and party: the warning the nodes achieved beside the model's. */
export function WarningTable({ run }: { readonly run: RunView }) {
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
          {run.live.launches.flatMap((launch) =>
            launch.parties.map((p) => {
              const model = run.expected.launches
                .find((l) => l.id === launch.id)
                ?.parties.find((q) => q.party === p.party)
              return (
                <tr key={`${launch.id}-${p.party}`}>
                  <td>{launch.id}</td>
                  <td>{p.party}</td>
                  <td class="num">{seconds(p.warningSeconds)}</td>
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
