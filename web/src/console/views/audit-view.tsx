import { useState } from 'preact/hooks'
import { getJson } from '../api.ts'
import { bothZones, isoSeconds, parseInstantText } from '../time.ts'
import type { AuditEntry } from '../types.ts'
import type { ViewProps } from '../view-props.ts'

/** The audit types a search can name (the node's AUDIT_TYPES). */
const TYPES = [
  'ingest',
  'decision',
  'approval',
  'send',
  'delivery',
  'receipt',
  'arrival',
  'quarantine',
  'relay',
  'request',
  'answer',
  'consent',
  'registry',
  'auth-failure',
  'node',
  'disclosure',
  'link',
  'withdrawal',
] as const

const DAY_MS = 86_400_000

/** Saves text to the officer's disk from a local Blob: it goes nowhere else. */
function downloadText(name: string, text: string): void {
  const blob = new Blob([text], { type: 'text/plain' })
  const link = document.createElement('a')
  link.href = URL.createObjectURL(blob)
  link.download = name
  link.click()
  URL.revokeObjectURL(link.href)
}

/** The auditor's view: search the chain, verify it, account for a party (and download it). */
export function AuditView({ session, events }: ViewProps) {
  return (
    <section aria-labelledby="audit-heading" data-testid="view-audit">
      <h2 id="audit-heading">Audit</h2>
      <Verify />
      <Search zone={session.timeZone} version={events.version} />
      <Account partners={session.partners} />
    </section>
  )
}

function Verify() {
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null)
  const verify = async (): Promise<void> => {
    try {
      const answer = await getJson<{ ok: boolean }>('/api/audit/verify')
      setResult({ ok: answer.ok, text: JSON.stringify(answer) })
    } catch (e) {
      setResult({ ok: false, text: (e as Error).message })
    }
  }
  return (
    <div class="panel">
      <h3>Verify the log</h3>
      <button type="button" onClick={() => void verify()} data-testid="audit-verify-button">
        Verify the hash chain and checkpoints
      </button>
      {result !== null && (
        <p
          class={result.ok ? '' : 'error'}
          role="status"
          data-testid="audit-verify-result"
          data-ok={String(result.ok)}
        >
          {result.ok ? 'Verified: ' : 'NOT verified: '}
          <code class="clip">{result.text}</code>
        </p>
      )}
    </div>
  )
}

function Search({ zone, version }: { readonly zone: string; readonly version: number }) {
  const [type, setType] = useState('')
  const [party, setParty] = useState('')
  const [from, setFrom] = useState('')
  const [to, setTo] = useState('')
  const [entries, setEntries] = useState<readonly AuditEntry[] | null>(null)
  const [proof, setProof] = useState<{ seq: number; proof: string } | null>(null)
  const prove = async (seq: number): Promise<void> => {
    try {
      setProof(await getJson<{ seq: number; proof: string }>(`/api/audit/proof/${seq}`))
      setError(null)
    } catch (e) {
      setError((e as Error).message)
    }
  }
  const [error, setError] = useState<string | null>(null)
  const search = async (event: Event): Promise<void> => {
    event.preventDefault()
    for (const [name, value] of [
      ['from', from],
      ['to', to],
    ] as const)
      if (value.trim() !== '' && parseInstantText(value) === null)
        return setError(`${name}: an ISO 8601 instant with offset (…Z), or empty`)
    const query = new URLSearchParams({ limit: '500' })
    if (type !== '') query.set('type', type)
    if (party.trim() !== '') query.set('party', party.trim())
    if (from.trim() !== '') query.set('from', from.trim())
    if (to.trim() !== '') query.set('to', to.trim())
    try {
      setEntries(await getJson<AuditEntry[]>(`/api/audit?${query.toString()}`))
      setError(null)
    } catch (e) {
      setError((e as Error).message)
    }
  }
  return (
    <div class="panel">
      <h3>Search</h3>
      <form class="toolbar" onSubmit={(e) => void search(e)} data-testid="audit-search">
        <label class="field">
          <span>Type</span>
          <select
            value={type}
            onChange={(e) => setType(e.currentTarget.value)}
            data-testid="audit-type"
          >
            <option value="">any</option>
            {TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Party</span>
          <input value={party} onInput={(e) => setParty(e.currentTarget.value)} size={6} />
        </label>
        <label class="field">
          <span>From (UTC)</span>
          <input
            value={from}
            onInput={(e) => setFrom(e.currentTarget.value)}
            placeholder="2026-01-01T00:00:00Z"
          />
        </label>
        <label class="field">
          <span>To (UTC)</span>
          <input value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        </label>
        <button type="submit" data-testid="audit-search-button">
          Search
        </button>
      </form>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {entries !== null && (
        <div class="scroll audit-results">
          <table data-testid="audit-results" data-version={version}>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Type</th>
                <th scope="col">Party</th>
                <th scope="col">Subject</th>
                <th scope="col">Data</th>
                <th scope="col">Proof</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.seq} data-testid="audit-row" data-type={e.type}>
                  <td class="num">{e.seq}</td>
                  <td class="small">{bothZones(e.atMs, zone)}</td>
                  <td>{e.type}</td>
                  <td>{e.party ?? ''}</td>
                  <td class="mono clip">{e.subject ?? ''}</td>
                  <td class="mono small clip">{JSON.stringify(e.data)}</td>
                  <td>
                    <button
                      type="button"
                      onClick={() => void prove(e.seq)}
                      data-testid="audit-prove"
                      aria-label={`Proof of entry ${e.seq}`}
                    >
                      Proof
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {entries.length === 0 && <p class="muted">No entry matches.</p>}
        </div>
      )}
      {proof !== null && (
        <div data-testid="audit-proof-panel">
          <p>
            Entry {proof.seq}: a C2SP tlog-proof under the most cosigned checkpoint that covers it.
            Anyone checks it with public keys alone:{' '}
            <code>entente audit check --proof F --keys K</code>.{' '}
            <button
              type="button"
              onClick={() => downloadText(`proof-${proof.seq}.txt`, proof.proof)}
            >
              Download
            </button>
          </p>
          <pre class="scroll account" data-testid="audit-proof">
            {proof.proof}
          </pre>
        </div>
      )}
    </div>
  )
}

function Account({ partners }: { readonly partners: readonly string[] }) {
  const now = Date.now()
  const [party, setParty] = useState(partners[0] ?? '')
  const [from, setFrom] = useState(isoSeconds(now - 30 * DAY_MS))
  const [to, setTo] = useState(isoSeconds(now + DAY_MS))
  const [account, setAccount] = useState<unknown>(null)
  const [error, setError] = useState<string | null>(null)
  const ask = async (event: Event): Promise<void> => {
    event.preventDefault()
    const query = new URLSearchParams({ party, from: from.trim(), to: to.trim() })
    try {
      setAccount(await getJson<unknown>(`/api/audit/account?${query.toString()}`))
      setError(null)
    } catch (e) {
      setError((e as Error).message)
    }
  }
  const download = (): void => {
    // A local Blob: the proof never leaves the browser to anywhere but the officer's disk.
    const blob = new Blob([JSON.stringify(account, null, 2)], { type: 'application/json' })
    const link = document.createElement('a')
    link.href = URL.createObjectURL(blob)
    link.download = `account-${party}.json`
    link.click()
    URL.revokeObjectURL(link.href)
  }
  return (
    <div class="panel">
      <h3>Account for a party</h3>
      <form class="toolbar" onSubmit={(e) => void ask(e)} data-testid="audit-account">
        <label class="field">
          <span>Party</span>
          <select
            value={party}
            onChange={(e) => setParty(e.currentTarget.value)}
            data-testid="account-party"
          >
            {partners.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>From (UTC)</span>
          <input value={from} onInput={(e) => setFrom(e.currentTarget.value)} required />
        </label>
        <label class="field">
          <span>To (UTC)</span>
          <input value={to} onInput={(e) => setTo(e.currentTarget.value)} required />
        </label>
        <button type="submit" data-testid="account-button">
          What did we give {party}, and what did {party} ask?
        </button>
      </form>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {account !== null && (
        <>
          <ul data-testid="account-findings">
            {findingsOf(account).map((f) => (
              <li key={f}>{f}</li>
            ))}
          </ul>
          <button type="button" onClick={download} data-testid="account-download">
            Download as JSON
          </button>
          <pre class="scroll account" data-testid="account-result">
            {JSON.stringify(account, null, 2)}
          </pre>
        </>
      )}
    </div>
  )
}

/** The account's findings, one sentence each ("1 report was delivered to JPN"). */
function findingsOf(account: unknown): readonly string[] {
  const findings = (account as { findings?: unknown }).findings
  return Array.isArray(findings) ? findings.filter((f): f is string => typeof f === 'string') : []
}
