import { useState } from 'preact/hooks'
import { useJson } from '../../api/use-json.ts'
import { pathText } from '../../format.ts'
import { send } from '../api.ts'
import { Confirm } from '../confirm.tsx'
import { bothZones } from '../time.ts'
import type { AuditEntry, Release, Report } from '../types.ts'
import { may, type ViewProps } from '../view-props.ts'
import { Loading } from './loading.tsx'

/** The release officer's queue, what was denied and why, and what is held until asked. */
export function ReleasesView({ session, events }: ViewProps) {
  const releases = useJson<Release[]>('/api/releases', events.version, true)
  const reports = useJson<Report[]>('/api/reports', events.version, true)
  const byId = new Map(reports.state === 'ok' ? reports.value.map((r) => [r.id, r]) : [])
  const notes = approvalNotes(events.entries)
  return (
    <section aria-labelledby="releases-heading" data-testid="view-releases">
      <h2 id="releases-heading">Releases</h2>
      <Loading loaded={releases}>
        {(list) => (
          <>
            <h3>Waiting for a release officer</h3>
            <PendingQueue
              pending={list.filter((r) => r.state === 'pending-approval')}
              reports={byId}
              session={session}
            />
            <h3>Denied</h3>
            <ReleaseTable
              testid="denied"
              rows={list.filter((r) => r.state === 'denied' || r.state === 'rejected')}
              reports={byId}
              zone={session.timeZone}
              why={(r) =>
                r.state === 'rejected'
                  ? `rejected by ${r.officer ?? 'an officer'}${notes.has(r.id) ? `: ${notes.get(r.id)}` : ''}`
                  : r.reasons.map((x) => `${x.code}: ${x.message}`).join('; ')
              }
            />
            <h3>Held until the recipient asks</h3>
            <ReleaseTable
              testid="held"
              rows={list.filter((r) => r.state === 'held')}
              reports={byId}
              zone={session.timeZone}
              why={(r) =>
                r.reasons.map((x) => x.message).join('; ') ||
                `${r.agreement ?? ''} releases on request`
              }
            />
            <h3>Released</h3>
            <ReleaseTable
              testid="released"
              rows={list.filter((r) => r.state === 'released')}
              reports={byId}
              zone={session.timeZone}
              why={(r) =>
                r.officer === null
                  ? `${r.mode ?? 'auto'}`
                  : `approved by ${r.officer}${notes.has(r.id) ? `: ${notes.get(r.id)}` : ''}`
              }
            />
          </>
        )}
      </Loading>
    </section>
  )
}

/** The officers' notes, by release id, from the approval entries on the stream. */
function approvalNotes(entries: readonly AuditEntry[]): Map<string, string> {
  const notes = new Map<string, string>()
  for (const e of entries)
    if (
      e.type === 'approval' &&
      typeof e.data['releaseId'] === 'string' &&
      typeof e.data['note'] === 'string'
    )
      notes.set(e.data['releaseId'], e.data['note'])
  return notes
}

interface QueueProps {
  readonly pending: readonly Release[]
  readonly reports: ReadonlyMap<string, Report>
  readonly session: ViewProps['session']
}

function PendingQueue({ pending, reports, session }: QueueProps) {
  if (pending.length === 0)
    return (
      <p class="muted" data-testid="queue-empty">
        Nothing waits for approval.
      </p>
    )
  return (
    <ul class="cards" data-testid="pending-queue">
      {pending.map((r) => (
        <PendingCard key={r.id} release={r} report={reports.get(r.reportId)} session={session} />
      ))}
    </ul>
  )
}

function PendingCard({
  release,
  report,
  session,
}: {
  readonly release: Release
  readonly report: Report | undefined
  readonly session: ViewProps['session']
}) {
  const [note, setNote] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [asking, setAsking] = useState<'approve' | 'deny' | null>(null)
  const canDecide = may(session, 'POST /api/releases/:id/approve')
  const decide = async (verb: 'approve' | 'deny'): Promise<void> => {
    setAsking(null)
    try {
      await send('POST', `/api/releases/${release.id}/${verb}`, { note: note.trim() })
    } catch (e) {
      setError((e as Error).message)
    }
  }
  const ask = (verb: 'approve' | 'deny'): void => {
    if (note.trim() === '') return setError('A note is required: say why.')
    setError(null)
    setAsking(verb)
  }
  return (
    <li
      class="panel"
      data-testid="pending-release"
      data-release-id={release.id}
      data-recipient={release.recipient}
      data-agreement={release.agreement ?? ''}
      data-report-id={release.reportId}
    >
      <p>
        <strong>
          {release.reportId.slice(0, 8)} → {release.recipient}
        </strong>{' '}
        under <code>{release.agreement ?? '—'}</code> as {release.levelAtRecipient ?? '—'} · path{' '}
        {pathText(release.path)}
      </p>
      {report !== undefined && (
        <p class="small">
          {report.originator} {report.marking.levelHere} · {report.topic} · launch{' '}
          {report.payload.time ?? '—'} · {report.payload.text ?? ''}
        </p>
      )}
      <p class="small muted">
        Decided {bothZones(release.decidedAtMs, session.timeZone)} ·{' '}
        {release.reasons.length === 0
          ? `the agreement's release mode is ${release.mode ?? 'manual'}`
          : release.reasons.map((x) => x.message).join('; ')}
      </p>
      {canDecide && (
        <div class="decide">
          <label class="field grow">
            <span>Note (required)</span>
            <textarea
              rows={2}
              required
              value={note}
              onInput={(e) => {
                setNote(e.currentTarget.value)
                setError(null)
              }}
              data-testid="release-note"
            />
          </label>
          <button type="button" onClick={() => ask('approve')} data-testid="approve">
            Approve
          </button>
          <button type="button" class="danger" onClick={() => ask('deny')} data-testid="deny">
            Deny
          </button>
        </div>
      )}
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <Confirm
        question={
          asking === null
            ? null
            : `${asking === 'approve' ? 'Release' : 'Deny'} this report to ${release.recipient}? This cannot be undone.`
        }
        action={asking === 'approve' ? 'Approve' : 'Deny'}
        onConfirm={() => void decide(asking ?? 'deny')}
        onCancel={() => setAsking(null)}
      />
    </li>
  )
}

interface TableProps {
  readonly testid: string
  readonly rows: readonly Release[]
  readonly reports: ReadonlyMap<string, Report>
  readonly zone: string
  readonly why: (r: Release) => string
}

function ReleaseTable({ testid, rows, reports, zone, why }: TableProps) {
  if (rows.length === 0) return <p class="muted">None.</p>
  return (
    <div class="scroll">
      <table data-testid={`releases-${testid}`}>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Report</th>
            <th scope="col">Recipient</th>
            <th scope="col">Agreement</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-testid="release-row" data-release-id={r.id} data-state={r.state}>
              <td class="small">{bothZones(r.updatedAtMs, zone)}</td>
              <td>
                {reports.get(r.reportId)?.originator ?? ''} {r.reportId.slice(0, 8)}
              </td>
              <td>{r.recipient}</td>
              <td>
                <code>{r.agreement ?? '—'}</code>
              </td>
              <td class="small">{why(r)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}
