import type { AgreementRow } from '../api/types.ts'
import { instant } from '../format.ts'
import { edgeState } from './network.tsx'

/** Each agreement's status at the chosen instant. */
export function StatusTable({
  rows,
  at,
}: {
  readonly rows: readonly AgreementRow[]
  readonly at: string
}) {
  return (
    <div class="scroll">
      <table data-testid="status-table" data-at={at}>
        <caption>Status at {at}</caption>
        <thead>
          <tr>
            <th scope="col">agreement</th>
            <th scope="col">parties</th>
            <th scope="col">status</th>
            <th scope="col">since</th>
            <th scope="col">period end</th>
            <th scope="col">pending termination</th>
            <th scope="col">ends</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-testid="status-row" data-agreement={row.id}>
              <th scope="row" title={row.title}>
                {row.id}
              </th>
              <td>
                {row.parties.join(', ')}
                {row.hub === null ? '' : ` (hub ${row.hub})`}
              </td>
              <td>
                <span class={`pill pill-${edgeState(row)}`} data-testid="status">
                  {row.status}
                </span>
              </td>
              <td>{instant(row.since)}</td>
              <td>{instant(row.periodEnd)}</td>
              <td>{instant(row.pendingTermination)}</td>
              <td>{instant(row.terminatedAt ?? row.pendingTermination)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
