import { useState } from 'preact/hooks'
import { useJson } from '../../api/use-json.ts'
import { ProblemError, send } from '../api.ts'
import { Confirm } from '../confirm.tsx'
import { bothZones, isoSeconds } from '../time.ts'
import type { Report } from '../types.ts'
import { may, type ViewProps } from '../view-props.ts'
import { Loading } from './loading.tsx'
import { problemsOf, reportBody, type ReportFields } from './report-form.ts'

type Problems = readonly { field: string; rule: string }[]

/** An analyst's launch report (validated as the API validates it) and withdrawing our own. */
export function IngestView({ session, events }: ViewProps) {
  const reports = useJson<Report[]>(
    `/api/reports?originator=${session.party}`,
    events.version,
    true,
  )
  return (
    <section aria-labelledby="ingest-heading" data-testid="view-ingest">
      <h2 id="ingest-heading">Ingest — a launch report of {session.party}</h2>
      <ReportForm session={session} />
      <h3>{session.party}'s own reports</h3>
      <Loading loaded={reports}>
        {(list) => <OwnReports reports={list} session={session} />}
      </Loading>
    </section>
  )
}

function initialFields(session: ViewProps['session']): ReportFields {
  return {
    level: session.levels[2] ?? session.levels[0] ?? '',
    topic: 'dprk-missile',
    time: isoSeconds(Date.now()),
    siteLat: '39.41',
    siteLon: '125.89',
    aim: 'heading',
    impactLat: '',
    impactLon: '',
    headingDeg: '68',
    rangeKm: '370',
    apogeeKm: '90',
    count: '1',
    confidence: 'high',
    text: '',
  }
}

function ReportForm({ session }: { readonly session: ViewProps['session'] }) {
  const [fields, setFields] = useState<ReportFields>(() => initialFields(session))
  const [problems, setProblems] = useState<Problems>([])
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null)
  const set = (name: keyof ReportFields) => (e: Event) =>
    setFields((f) => ({ ...f, [name]: (e.currentTarget as HTMLInputElement).value }))
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault()
    const body = reportBody(session.party, fields)
    const found = problemsOf(body)
    setProblems(found)
    if (found.length > 0) return setMessage({ ok: false, text: 'Not sent: see the fields marked.' })
    try {
      const answer = await send<{ report: Report }>('POST', '/api/reports', body)
      setMessage({
        ok: true,
        text: `Report ${answer.report.id} stored; released as the agreements allow.`,
      })
    } catch (e) {
      if (e instanceof ProblemError) setProblems(e.fields)
      setMessage({ ok: false, text: (e as Error).message })
    }
  }
  const input = (name: keyof ReportFields, label: string, field: string, size = 10) => {
    const problem = problems.find((p) => p.field === field || p.field.startsWith(`${field}.`))
    const id = `ingest-${name}`
    return (
      <label class="field" for={id}>
        <span>{label}</span>
        <input
          id={id}
          size={size}
          value={fields[name]}
          onInput={set(name)}
          aria-invalid={problem !== undefined}
          aria-describedby={problem === undefined ? undefined : `${id}-problem`}
          data-testid={id}
        />
        {problem !== undefined && (
          <span class="error small" id={`${id}-problem`}>
            {problem.rule}
          </span>
        )}
      </label>
    )
  }
  return (
    <form
      class="panel ingest-form"
      onSubmit={(e) => void submit(e)}
      data-testid="ingest-form"
      noValidate
    >
      <div class="toolbar">
        <label class="field">
          <span>Marking ({session.party})</span>
          <select value={fields.level} onChange={set('level')} data-testid="ingest-level">
            {session.levels.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        </label>
        {input('topic', 'Topic', 'topic', 14)}
        {input('time', 'Launch time (ISO, UTC or offset)', 'launch.time', 22)}
        {input('siteLat', 'Site lat °', 'launch.site.lat', 7)}
        {input('siteLon', 'Site lon °', 'launch.site.lon', 7)}
      </div>
      <div class="toolbar">
        <label class="field">
          <span>Aim given as</span>
          <select value={fields.aim} onChange={set('aim')} data-testid="ingest-aim">
            <option value="heading">heading</option>
            <option value="impact">impact point</option>
          </select>
        </label>
        {fields.aim === 'heading'
          ? input('headingDeg', 'Heading °', 'launch.headingDeg', 5)
          : [
              input('impactLat', 'Impact lat °', 'launch.impact.lat', 7),
              input('impactLon', 'Impact lon °', 'launch.impact.lon', 7),
            ]}
        {input('rangeKm', 'Range km', 'launch.rangeKm', 6)}
        {input('apogeeKm', 'Apogee km', 'launch.apogeeKm', 6)}
        {input('count', 'Count', 'launch.count', 3)}
        <label class="field">
          <span>Confidence</span>
          <select value={fields.confidence} onChange={set('confidence')}>
            <option>low</option>
            <option>medium</option>
            <option>high</option>
          </select>
        </label>
      </div>
      <div class="toolbar">
        <label class="field grow">
          <span>Text</span>
          <input value={fields.text} onInput={set('text')} data-testid="ingest-text" />
        </label>
        <button type="submit" data-testid="ingest-submit">
          Ingest report
        </button>
      </div>
      {problems.length > 0 && (
        <ul class="error small" data-testid="ingest-problems">
          {problems.map((p) => (
            <li key={p.field}>
              <code>{p.field}</code>: {p.rule}
            </li>
          ))}
        </ul>
      )}
      {message !== null && (
        <p
          class={message.ok ? '' : 'error'}
          role={message.ok ? 'status' : 'alert'}
          data-testid="ingest-message"
        >
          {message.text}
        </p>
      )}
    </form>
  )
}

function OwnReports({
  reports,
  session,
}: {
  readonly reports: readonly Report[]
  readonly session: ViewProps['session']
}) {
  const [withdrawing, setWithdrawing] = useState<string | null>(null)
  const [reasons, setReasons] = useState<Readonly<Record<string, string>>>({})
  const [error, setError] = useState<string | null>(null)
  const canWithdraw = may(session, 'POST /api/reports/:id/withdraw')
  const withdraw = async (id: string): Promise<void> => {
    setWithdrawing(null)
    try {
      await send('POST', `/api/reports/${id}/withdraw`, { reason: (reasons[id] ?? '').trim() })
    } catch (e) {
      setError((e as Error).message)
    }
  }
  const ask = (id: string): void => {
    if ((reasons[id] ?? '').trim() === '') return setError('A reason is required to withdraw.')
    setError(null)
    setWithdrawing(id)
  }
  if (reports.length === 0) return <p class="muted">None yet.</p>
  return (
    <>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="scroll">
        <table data-testid="own-reports">
          <thead>
            <tr>
              <th scope="col">Ingested</th>
              <th scope="col">Marking</th>
              <th scope="col">Launch</th>
              <th scope="col">Status</th>
              <th scope="col">Withdraw</th>
            </tr>
          </thead>
          <tbody>
            {[...reports]
              .sort((a, b) => b.createdAtMs - a.createdAtMs)
              .map((r) => (
                <tr
                  key={r.id}
                  data-testid="own-report"
                  data-report-id={r.id}
                  data-status={r.status}
                >
                  <td class="small">{bothZones(r.createdAtMs, session.timeZone)}</td>
                  <td>{r.level}</td>
                  <td class="small">
                    {r.payload.time ?? ''} {r.payload.text ?? ''}
                  </td>
                  <td>
                    <span class={`pill status-${r.status}`}>{r.status}</span>
                  </td>
                  <td>
                    {canWithdraw && r.status === 'current' && (
                      <span class="withdraw">
                        <label class="visually-hidden" for={`reason-${r.id}`}>
                          Reason to withdraw {r.id}
                        </label>
                        <input
                          id={`reason-${r.id}`}
                          placeholder="reason (false alarm…)"
                          value={reasons[r.id] ?? ''}
                          onInput={(e) =>
                            setReasons((s) => ({ ...s, [r.id]: e.currentTarget.value }))
                          }
                          data-testid="withdraw-reason"
                        />
                        <button
                          type="button"
                          class="danger"
                          onClick={() => ask(r.id)}
                          data-testid="withdraw"
                        >
                          Withdraw
                        </button>
                      </span>
                    )}
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      </div>
      <Confirm
        question={
          withdrawing === null
            ? null
            : 'Withdraw this report? Every partner it went to is told, and it can never be released again.'
        }
        action="Withdraw"
        onConfirm={() => withdrawing !== null && void withdraw(withdrawing)}
        onCancel={() => setWithdrawing(null)}
      />
    </>
  )
}
