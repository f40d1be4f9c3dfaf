import { useState } from 'preact/hooks'
import { useJson } from '../../api/use-json.ts'
import { send } from '../api.ts'
import { Confirm } from '../confirm.tsx'
import { bothZones, isoSeconds, parseInstantText } from '../time.ts'
import type { Request } from '../types.ts'
import { may, type ViewProps } from '../view-props.ts'
import { Loading } from './loading.tsx'

const HOUR_MS = 3_600_000

/** Ask a partner for its reports; answer partners' requests to us (release or refuse). */
export function RequestsView({ session, events }: ViewProps) {
  const requests = useJson<Request[]>('/api/requests', events.version, true)
  const [answering, setAnswering] = useState<{ id: string; release: boolean } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const canAnswer = may(session, 'POST /api/requests/:id/answer')
  const answer = async (id: string, release: boolean): Promise<void> => {
    setAnswering(null)
    try {
      await send('POST', `/api/requests/${id}/answer`, { release })
    } catch (e) {
      setError((e as Error).message)
    }
  }
  return (
    <section aria-labelledby="requests-heading" data-testid="view-requests">
      <h2 id="requests-heading">Requests</h2>
      {may(session, 'POST /api/requests') && <AskForm session={session} />}
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <Loading loaded={requests}>
        {(list) => (
          <>
            <h3>Partners' requests to {session.party}</h3>
            <RequestTable
              rows={list.filter((r) => r.direction === 'incoming')}
              zone={session.timeZone}
              actions={(r) =>
                canAnswer && r.status === 'open' ? (
                  <>
                    <button
                      type="button"
                      onClick={() => setAnswering({ id: r.id, release: true })}
                      data-testid="answer-release"
                    >
                      Answer: release
                    </button>{' '}
                    <button
                      type="button"
                      class="danger"
                      onClick={() => setAnswering({ id: r.id, release: false })}
                      data-testid="answer-refuse"
                    >
                      Refuse
                    </button>
                  </>
                ) : null
              }
            />
            <h3>{session.party}'s requests to partners</h3>
            <RequestTable
              rows={list.filter((r) => r.direction === 'outgoing')}
              zone={session.timeZone}
              actions={() => null}
            />
          </>
        )}
      </Loading>
      <Confirm
        question={
          answering === null
            ? null
            : answering.release
              ? 'Release every report this request covers, as the agreements allow? This cannot be undone.'
              : 'Refuse this request? This cannot be undone.'
        }
        action={answering?.release === true ? 'Release' : 'Refuse'}
        onConfirm={() => answering !== null && void answer(answering.id, answering.release)}
        onCancel={() => setAnswering(null)}
      />
    </section>
  )
}

function AskForm({ session }: { readonly session: ViewProps['session'] }) {
  const now = Date.now()
  const [to, setTo] = useState(session.partners[0] ?? '')
  const [topic, setTopic] = useState('dprk-missile')
  const [from, setFrom] = useState(isoSeconds(now - 24 * HOUR_MS))
  const [until, setUntil] = useState(isoSeconds(now + HOUR_MS))
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null)
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault()
    if (parseInstantText(from) === null || parseInstantText(until) === null)
      return setMessage({ ok: false, text: 'from, until: ISO 8601 instants with offset (…Z)' })
    try {
      await send('POST', '/api/requests', { to, topic: topic.trim(), from, until })
      setMessage({ ok: true, text: `Asked ${to}.` })
    } catch (e) {
      setMessage({ ok: false, text: (e as Error).message })
    }
  }
  return (
    <form class="panel toolbar" onSubmit={(e) => void submit(e)} data-testid="ask-form">
      <label class="field">
        <span>Ask</span>
        <select value={to} onChange={(e) => setTo(e.currentTarget.value)} data-testid="ask-to">
          {session.partners.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
      </label>
      <label class="field">
        <span>Topic</span>
        <input value={topic} onInput={(e) => setTopic(e.currentTarget.value)} required />
      </label>
      <label class="field">
        <span>Launches from (UTC)</span>
        <input value={from} onInput={(e) => setFrom(e.currentTarget.value)} required />
      </label>
      <label class="field">
        <span>until (UTC)</span>
        <input value={until} onInput={(e) => setUntil(e.currentTarget.value)} required />
      </label>
      <p class="muted small">At most {session.maxRequestWindowDays} days.</p>
      <button type="submit" data-testid="ask-submit">
        Send request
      </button>
      {message !== null && (
        <p class={message.ok ? 'muted' : 'error'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
    </form>
  )
}

interface RequestTableProps {
  readonly rows: readonly Request[]
  readonly zone: string
  readonly actions: (r: Request) => preact.ComponentChildren
}

function RequestTable({ rows, zone, actions }: RequestTableProps) {
  if (rows.length === 0) return <p class="muted">None.</p>
  return (
    <div class="scroll">
      <table>
        <thead>
          <tr>
            <th scope="col">Asked</th>
            <th scope="col">From → to</th>
            <th scope="col">Topic and window</th>
            <th scope="col">Status</th>
            <th scope="col">Answer</th>
          </tr>
        </thead>
        <tbody>
          {[...rows]
            .sort((a, b) => b.createdAtMs - a.createdAtMs)
            .map((r) => (
              <tr
                key={r.id}
                data-testid="request-row"
                data-request-id={r.id}
                data-direction={r.direction}
                data-requester={r.requester}
                data-status={r.status}
              >
                <td class="small">{bothZones(r.createdAtMs, zone)}</td>
                <td>
                  {r.requester} → {r.asked}
                </td>
                <td class="small">
                  {r.topic}: {bothZones(r.windowFromMs, zone)} – {bothZones(r.windowUntilMs, zone)}
                </td>
                <td>
                  <span class="pill">{r.status}</span>
                </td>
                <td class="small">
                  {r.answer === null ? '' : JSON.stringify(r.answer)} {actions(r)}
                </td>
              </tr>
            ))}
        </tbody>
      </table>
    </div>
  )
}
