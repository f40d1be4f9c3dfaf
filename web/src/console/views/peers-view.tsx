import { useJson } from '../../api/use-json.ts'
import { bothZones } from '../time.ts'
import type { Peer } from '../types.ts'
import type { ViewProps } from '../view-props.ts'
import { Loading } from './loading.tsx'

/**
 * Each peer's link (GET /api/peers), refreshed on every event (links up and down are events),
 * with what it witnessed of our log: the largest checkpoint it cosigned, when, by whose key.
 */
export function PeersView({ session, events }: ViewProps) {
  const peers = useJson<Peer[]>('/api/peers', events.version, true)
  return (
    <section aria-labelledby="peers-heading" data-testid="view-peers">
      <h2 id="peers-heading">Peers</h2>
      <Loading loaded={peers}>
        {(list) => (
          <div class="scroll">
            <table data-testid="peers">
              <thead>
                <tr>
                  <th scope="col">Peer</th>
                  <th scope="col">Transport</th>
                  <th scope="col">State</th>
                  <th scope="col">Last heard</th>
                  <th scope="col" class="num">
                    Backlog
                  </th>
                  <th scope="col" class="num">
                    Queued
                  </th>
                  <th scope="col" class="num">
                    Frames in flight
                  </th>
                  <th scope="col" class="num">
                    Its log witnessed (size)
                  </th>
                  <th scope="col" class="num">
                    Log forks
                  </th>
                  <th scope="col">Our log, last cosigned</th>
                </tr>
              </thead>
              <tbody>
                {list.map((p) => (
                  <tr key={p.peer} data-testid="peer" data-peer={p.peer} data-state={p.state}>
                    <td>{p.peer}</td>
                    <td>{p.transport}</td>
                    <td>
                      <span class={`pill link-${p.state}`}>{p.state}</span>
                    </td>
                    <td class="small">
                      {p.lastHeardAt === null
                        ? 'never'
                        : bothZones(Date.parse(p.lastHeardAt), session.timeZone)}
                    </td>
                    <td class="num">{p.backlog}</td>
                    <td class="num">{p.queued}</td>
                    <td class="num">{p.framesInFlight}</td>
                    <td class="num" data-testid="peer-witnessed">
                      {p.witnessedSize}
                    </td>
                    <td class="num">
                      <span class={p.logForks > 0 ? 'pill link-down' : ''} data-testid="peer-forks">
                        {p.logForks > 0 ? `LOG_FORK ×${p.logForks}` : 0}
                      </span>
                    </td>
                    <td class="small" data-testid="peer-cosigned">
                      {p.lastCosigned === null ? (
                        'not yet'
                      ) : (
                        <>
                          size <span data-testid="peer-cosigned-size">{p.lastCosigned.size}</span>,{' '}
                          {bothZones(Date.parse(p.lastCosigned.at), session.timeZone)}, by{' '}
                          {p.lastCosigned.by}
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Loading>
    </section>
  )
}
