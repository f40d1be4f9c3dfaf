import { useState } from 'preact/hooks'
import { AUDIT_TYPES } from '../../../src/node/store/store.ts'
import { apiPath } from '../api/client.ts'
import type { AuditEntry, AuditVerification } from '../api/types.ts'
import { useJson } from '../api/use-json.ts'
import { utc } from '../format.ts'

interface AuditChainProps {
  readonly party: string
  readonly run: string
  readonly version: number
}

// The node's own list (store.ts imports nothing, so bundling it brings nothing of the server).
const TYPES = AUDIT_TYPES

/** The node's hash-chained audit log: its verification, and its entries filtered by type. */
export function AuditChain({ party, run, version }: AuditChainProps) {
  const [type, setType] = useState('')
  const verify = useJson<AuditVerification>(
    apiPath(`nodes/${party}/audit/verify`, { run }),
    version,
  )
  const entries = useJson<AuditEntry[]>(apiPath(`nodes/${party}/audit`, { run, type }), version)
  return (
    <div class="panel">
      <div class="toolbar">
        <h3>Audit chain of {party}</h3>
        <Verification verify={verify} />
        <label class="field">
          <span>Entry type</span>
          <select
            value={type}
            onChange={(e) => setType(e.currentTarget.value)}
            data-testid="audit-type"
          >
            <option value="">all</option>
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
      </div>
      {entries.state === 'error' && <p class="muted">{entries.message}</p>}
      {entries.state === 'ok' && (
        <div class="scroll tall">
          <table data-testid="audit-entries" data-party={party} data-run={run} data-filter={type}>
            <thead>
              <tr>
                <th scope="col">seq</th>
                <th scope="col">at (UTC)</th>
                <th scope="col">type</th>
                <th scope="col">party</th>
                <th scope="col">subject</th>
                <th scope="col">data</th>
                <th scope="col">hash</th>
              </tr>
            </thead>
            <tbody>
              {entries.value.map((e) => (
                <tr key={e.seq} data-testid="audit-entry" data-type={e.type}>
                  <td class="num">{e.seq}</td>
                  <td>{utc(e.atMs)}</td>
                  <td>{e.type}</td>
                  <td>{e.party ?? '—'}</td>
                  <td class="mono clip">{e.subject ?? '—'}</td>
                  <td class="mono clip" title={JSON.stringify(e.data)}>
                    {JSON.stringify(e.data)}
                  </td>
                  <td class="mono" title={`prev ${e.prevHash}`}>
                    {e.hash.slice(0, 12)}…
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  )
}

function Verification({
  verify,
}: {
  readonly verify: ReturnType<typeof useJson<AuditVerification>>
}) {
  if (verify.state !== 'ok')
    return <span class="badge">{verify.state === 'error' ? 'unavailable' : '…'}</span>
  const v = verify.value
  return v.ok ? (
    <span class="badge badge-ok" data-testid="audit-verify" data-ok="true">
      chain verified: {v.entries} entries, {v.checkpoints} checkpoints, last #{v.lastSeq}
    </span>
  ) : (
    <span class="badge badge-broken" data-testid="audit-verify" data-ok="false" role="alert">
      chain broken at #{v.firstBrokenSeq}: {v.problem}
    </span>
  )
}
