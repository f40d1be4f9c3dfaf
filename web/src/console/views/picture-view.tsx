import { useJson } from '../../api/use-json.ts'
import { pathText } from '../../format.ts'
import { originatorColor } from '../colors.ts'
import { bothZones } from '../time.ts'
import type { Product, Report, Track } from '../types.ts'
import type { ViewProps } from '../view-props.ts'
import { PictureMap } from './picture-map.tsx'
import { Loading } from './loading.tsx'

/**
 * This party's picture: every report it holds, on the map and newest first beside it, with its
 * live tracks and the footprints of the images it holds.
 */
export function PictureView({ session, events }: ViewProps) {
  const reports = useJson<Report[]>('/api/reports', events.version, true)
  const tracks = useJson<Track[]>('/api/tracks?status=live', events.version, true)
  const products = useJson<Product[]>('/api/products', events.version, true)
  return (
    <section aria-labelledby="picture-heading" data-testid="view-picture">
      <h2 id="picture-heading">Picture — what {session.party} holds</h2>
      <Loading loaded={reports}>
        {(list) => {
          const newest = [...list].sort((a, b) => b.createdAtMs - a.createdAtMs)
          const originators = [...new Set(list.map((r) => r.originator))].sort()
          return (
            <div class="map-layout">
              <div>
                <PictureMap
                  reports={newest}
                  tracks={tracks.state === 'ok' ? tracks.value : []}
                  products={products.state === 'ok' ? products.value : []}
                />
                <ul class="legend" aria-label="Originators">
                  {originators.map((p) => (
                    <li key={p}>
                      <span
                        class="swatch"
                        style={{ background: originatorColor(p) }}
                        aria-hidden="true"
                      />
                      {p}
                    </li>
                  ))}
                </ul>
              </div>
              <div class="panel scroll picture-list">
                <table data-testid="picture-reports">
                  <caption class="muted">Newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Received</th>
                      <th scope="col">Originator</th>
                      <th scope="col">Marking ({session.party})</th>
                      <th scope="col">Path</th>
                      <th scope="col">Status</th>
                    </tr>
                  </thead>
                  <tbody>
                    {newest.map((r) => (
                      <tr
                        key={r.id}
                        data-testid="picture-report"
                        data-report-id={r.id}
                        data-originator={r.originator}
                        data-status={r.status}
                      >
                        <td class="small">{bothZones(r.createdAtMs, session.timeZone)}</td>
                        <td>
                          <span
                            class="swatch"
                            style={{ background: originatorColor(r.originator) }}
                            aria-hidden="true"
                          />
                          {r.originator}
                        </td>
                        <td>
                          <span class="marking">{r.marking.levelHere}</span>
                          {r.marking.level !== r.marking.levelHere && (
                            <span class="muted small">
                              {' '}
                              ({r.marking.level} at {r.originator})
                            </span>
                          )}
                        </td>
                        <td>{pathText(r.path)}</td>
                        <td>
                          <span class={`pill status-${r.status}`} data-testid="report-status">
                            {r.status}
                          </span>
                          {r.withdrawal !== undefined && (
                            <span class="muted small"> {r.withdrawal.reason}</span>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {newest.length === 0 && <p class="muted">No report held yet.</p>}
              </div>
            </div>
          )
        }}
      </Loading>
    </section>
  )
}
