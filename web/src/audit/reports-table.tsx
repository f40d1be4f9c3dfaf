import { apiPath } from '../api/client.ts'
import type { HeldReport } from '../api/types.ts'
import { useJson } from '../api/use-json.ts'
import { pathText, utc } from '../format.ts'

interface ReportsTableProps {
  readonly party: string
  readonly run: string
  readonly version: number
}

/** The reports a node holds: its marking (level here, originator's level) and provenance. */
export function ReportsTable({ party, run, version }: ReportsTableProps) {
  const reports = useJson<HeldReport[]>(apiPath(`nodes/${party}/reports`, { run }), version)
  return (
    <div class="panel">
      <h3>Reports held by {party}</h3>
      {reports.state === 'loading' && <p>Loading…</p>}
      {reports.state === 'error' && <p class="muted">{reports.message}</p>}
      {reports.state === 'ok' && (
        <div class="scroll">
          <table data-testid="reports" data-party={party} data-run={run}>
            <thead>
              <tr>
                <th scope="col">created (UTC)</th>
                <th scope="col">level here ({party})</th>
                <th scope="col">originator</th>
                <th scope="col">originator's level</th>
                <th scope="col">topic</th>
                <th scope="col">received from</th>
                <th scope="col">agreement</th>
                <th scope="col">path</th>
              </tr>
            </thead>
            <tbody>
              {reports.value.map((r) => (
                <tr
                  key={r.id}
                  data-testid="report"
                  data-originator={r.originator}
                  data-level={r.marking.level}
                  data-level-here={r.marking.levelHere}
                >
                  <td>{utc(r.createdAtMs)}</td>
                  <td>
                    <span class="marking">{r.marking.levelHere}</span>
                  </td>
                  <td>{r.marking.originator}</td>
                  <td>{r.marking.level}</td>
                  <td>{r.topic}</td>
                  <td>{r.receivedFrom ?? 'own'}</td>
                  <td>{r.agreement ?? '—'}</td>
                  <td>{pathText(r.path)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  )
}
