import { useJson } from '../../api/use-json.ts'
import { bothZones } from '../time.ts'
import type { InboxRow } from '../types.ts'
import type { ViewProps } from '../view-props.ts'
import { Loading } from './loading.tsx'

/** Each refused arrival: who sent it, what kind, when, and every reason it was held. */
export function QuarantineView({ session, events }: ViewProps) {
  const rows = useJson<InboxRow[]>('/api/quarantine', events.version, true)
  return (
    <section aria-labelledby="quarantine-heading" data-testid="view-quarantine">
      <h2 id="quarantine-heading">Quarantine</h2>
      <Loading loaded={rows}>
        {(list) =>
          list.length === 0 ? (
            <p class="muted">Nothing quarantined: every arrival agreed with our registry.</p>
          ) : (
            <div class="scroll">
              <table data-testid="quarantine">
                <thead>
                  <tr>
                    <th scope="col">Received</th>
                    <th scope="col">Sender</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Codes and reasons</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((m) => (
                    <tr key={m.messageId} data-testid="quarantined" data-sender={m.sender}>
                      <td class="small">{bothZones(m.receivedAtMs, session.timeZone)}</td>
                      <td>{m.sender}</td>
                      <td>{m.kind}</td>
                      <td>
                        <ul class="reasons">
                          {m.reasons.map((r) => (
                            <li key={r.code}>
                              <code>{r.code}</code> {r.message}
                            </li>
                          ))}
                        </ul>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loading>
    </section>
  )
}
