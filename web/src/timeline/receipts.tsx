import type { LiveEvent } from '../api/types.ts'
import { pathText, seconds } from '../format.ts'

/** Every report a node received in the run: who, from whom, by which path, when. */
export function Receipts({ events }: { readonly events: readonly LiveEvent[] }) {
  const received = events
    .filter((e) => e.type === 'received')
    .sort((a, b) => (a.launch ?? '').localeCompare(b.launch ?? '') || (a.t ?? 0) - (b.t ?? 0))
  return (
    <div class="panel">
      <h3>Receipts</h3>
      {received.length === 0 ? (
        <p class="muted">No report received yet.</p>
      ) : (
        <div class="scroll">
          <table data-testid="receipts">
            <thead>
              <tr>
                <th scope="col">launch</th>
                <th scope="col">party</th>
                <th scope="col">t</th>
                <th scope="col">originator</th>
                <th scope="col">path</th>
                <th scope="col">agreement</th>
              </tr>
            </thead>
            <tbody>
              {received.map((e, i) => (
                <tr
                  key={i}
                  data-testid="receipt"
                  data-party={e.party}
                  data-path={(e.path ?? []).join(' ')}
                >
                  <td>{e.launch ?? '—'}</td>
                  <td>{e.party}</td>
                  <td class="num">{seconds(e.t)}</td>
                  <td>{e.path?.[0] ?? e.peer}</td>
                  <td>{pathText(e.path)}</td>
                  <td>{e.agreement ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  )
}
