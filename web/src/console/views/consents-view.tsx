import { useState } from 'preact/hooks'
import { useJson } from '../../api/use-json.ts'
import { send } from '../api.ts'
import { Confirm } from '../confirm.tsx'
import { bothZones, parseInstantText } from '../time.ts'
import type { Consent } from '../types.ts'
import { may, type ViewProps } from '../view-props.ts'
import { Loading } from './loading.tsx'

/** Rule R4's consents: given (to revoke) and received; grant a new one. */
export function ConsentsView({ session, events }: ViewProps) {
  const consents = useJson<Consent[]>('/api/consents', events.version, true)
  const [revoking, setRevoking] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const canRevoke = may(session, 'DELETE /api/consents/:id')
  const revoke = async (id: string): Promise<void> => {
    setRevoking(null)
    try {
      await send('DELETE', `/api/consents/${id}`)
    } catch (e) {
      setError((e as Error).message)
    }
  }
  return (
    <section aria-labelledby="consents-heading" data-testid="view-consents">
      <h2 id="consents-heading">Consents</h2>
      {may(session, 'POST /api/consents') && <GrantForm session={session} />}
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <Loading loaded={consents}>
        {(list) =>
          list.length === 0 ? (
            <p class="muted">No consent given or received.</p>
          ) : (
            <div class="scroll">
              <table data-testid="consents">
                <thead>
                  <tr>
                    <th scope="col">Originator</th>
                    <th scope="col">Holder → recipient</th>
                    <th scope="col">Report or topic</th>
                    <th scope="col">Until</th>
                    <th scope="col">State</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((c) => (
                    <tr key={c.id} data-testid="consent-row" data-consent-id={c.id}>
                      <td>{c.originator}</td>
                      <td>
                        {c.holder} → {c.recipient}
                      </td>
                      <td>{c.reportId ?? c.topic ?? 'all'}</td>
                      <td class="small">
                        {c.untilMs === null ? 'no end' : bothZones(c.untilMs, session.timeZone)}
                      </td>
                      <td>
                        {c.revokedAtMs !== null ? (
                          `revoked ${bothZones(c.revokedAtMs, session.timeZone)}`
                        ) : canRevoke && c.originator === session.party ? (
                          <button
                            type="button"
                            class="danger"
                            onClick={() => setRevoking(c.id)}
                            data-testid="revoke"
                          >
                            Revoke
                          </button>
                        ) : (
                          'in force'
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loading>
      <Confirm
        question={
          revoking === null ? null : 'Revoke this consent? The holder may no longer pass it on.'
        }
        action="Revoke"
        onConfirm={() => revoking !== null && void revoke(revoking)}
        onCancel={() => setRevoking(null)}
      />
    </section>
  )
}

function GrantForm({ session }: { readonly session: ViewProps['session'] }) {
  const [holder, setHolder] = useState(session.partners[0] ?? '')
  const [recipient, setRecipient] = useState(session.partners[1] ?? session.partners[0] ?? '')
  const [scope, setScope] = useState<'topic' | 'report'>('topic')
  const [subject, setSubject] = useState('dprk-missile')
  const [until, setUntil] = useState('')
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null)
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault()
    if (until.trim() !== '' && parseInstantText(until) === null)
      return setMessage({
        ok: false,
        text: 'until: an ISO 8601 instant with offset (…Z), or empty',
      })
    try {
      await send('POST', '/api/consents', {
        holder,
        recipient,
        ...(scope === 'topic' ? { topic: subject.trim() } : { reportId: subject.trim() }),
        ...(until.trim() === '' ? {} : { until: until.trim() }),
      })
      setMessage({ ok: true, text: `Consent given: ${holder} may pass it on to ${recipient}.` })
    } catch (e) {
      setMessage({ ok: false, text: (e as Error).message })
    }
  }
  const partnerSelect = (value: string, set: (v: string) => void, label: string) => (
    <label class="field">
      <span>{label}</span>
      <select value={value} onChange={(e) => set(e.currentTarget.value)}>
        {session.partners.map((p) => (
          <option key={p}>{p}</option>
        ))}
      </select>
    </label>
  )
  return (
    <form class="panel toolbar" onSubmit={(e) => void submit(e)} data-testid="grant-form">
      {partnerSelect(holder, setHolder, 'Holder')}
      {partnerSelect(recipient, setRecipient, 'may pass on to')}
      <label class="field">
        <span>Scope</span>
        <select
          value={scope}
          onChange={(e) => setScope(e.currentTarget.value as 'topic' | 'report')}
        >
          <option value="topic">a topic</option>
          <option value="report">one report</option>
        </select>
      </label>
      <label class="field">
        <span>{scope === 'topic' ? 'Topic' : 'Report id'}</span>
        <input value={subject} onInput={(e) => setSubject(e.currentTarget.value)} required />
      </label>
      <label class="field">
        <span>Until (UTC, optional)</span>
        <input
          value={until}
          onInput={(e) => setUntil(e.currentTarget.value)}
          placeholder="2026-12-31T00:00:00Z"
        />
      </label>
      <button type="submit">Grant consent</button>
      {message !== null && (
        <p class={message.ok ? 'muted' : 'error'} role={message.ok ? 'status' : 'alert'}>
          {message.text}
        </p>
      )}
    </form>
  )
}
