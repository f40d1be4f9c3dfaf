import { useState } from 'preact/hooks'
import { apiPath, getJson } from '../api/client.ts'
import type { ReleaseDecision, Scenario } from '../api/types.ts'
import { pathText } from '../format.ts'
import { DecisionView } from './decision-view.tsx'

interface Query {
  readonly from: string
  readonly to: string
  readonly level: string
  readonly topic: string
  readonly at: string
  readonly originator: string
}

type Answer =
  | { readonly state: 'idle' }
  | { readonly state: 'asking' }
  | { readonly state: 'error'; readonly message: string }
  | { readonly state: 'ok'; readonly query: Query; readonly decision: ReleaseDecision }

/** Asks the release engine whether a report may go from one party to another, and why. */
export function WhyPanel({ scenario }: { readonly scenario: Scenario }) {
  const ids = scenario.parties.map((p) => p.id)
  const [query, setQuery] = useState<Query>({
    from: ids[0] ?? '',
    to: ids[1] ?? '',
    level: 'MIL-II',
    topic: 'dprk-missile',
    at: scenario.launches[0]?.launchAt ?? '2019-10-31',
    originator: '',
  })
  const [answer, setAnswer] = useState<Answer>({ state: 'idle' })
  const levels =
    scenario.parties.find((p) => p.id === (query.originator || query.from))?.levels ?? []
  const set = (field: keyof Query) => (e: { currentTarget: { value: string } }) =>
    setQuery((q) => ({ ...q, [field]: e.currentTarget.value }))

  const ask = (event: Event): void => {
    event.preventDefault()
    setAnswer({ state: 'asking' })
    const path = apiPath('release', { ...query, originator: query.originator || undefined })
    getJson<ReleaseDecision>(path).then(
      (decision) => setAnswer({ state: 'ok', query, decision }),
      (error: unknown) => setAnswer({ state: 'error', message: (error as Error).message }),
    )
  }

  return (
    <section class="panel" aria-labelledby="why-heading" data-testid="why-panel">
      <h3 id="why-heading">Why? Ask the release engine</h3>
      <form class="why-form" onSubmit={ask}>
        <PartySelect
          label="From (holder)"
          value={query.from}
          ids={ids}
          onChange={set('from')}
          testid="why-from"
        />
        <PartySelect label="To" value={query.to} ids={ids} onChange={set('to')} testid="why-to" />
        <PartySelect
          label="Originator"
          value={query.originator}
          ids={['', ...ids]}
          onChange={set('originator')}
          testid="why-originator"
        />
        <label class="field">
          <span>Level (originator's scheme)</span>
          <select value={query.level} onChange={set('level')} data-testid="why-level">
            {(levels.includes(query.level) ? levels : [query.level, ...levels]).map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label class="field">
          <span>Topic</span>
          <input type="text" value={query.topic} onInput={set('topic')} data-testid="why-topic" />
        </label>
        <label class="field grow">
          <span>Instant (ISO 8601; a bare date is 00:00 {scenario.timeZone})</span>
          <input type="text" value={query.at} onInput={set('at')} data-testid="why-at" />
        </label>
        <button type="submit" data-testid="why-ask">
          Decide
        </button>
      </form>
      <div aria-live="polite" data-testid="why-answer">
        {answer.state === 'asking' && <p>Asking…</p>}
        {answer.state === 'error' && (
          <p class="error" role="alert" data-testid="why-error">
            {answer.message}
          </p>
        )}
        {answer.state === 'ok' && (
          <DecisionView
            decision={answer.decision}
            title={`${answer.query.from} → ${answer.query.to}, ${answer.query.level}, ${answer.query.topic}, at ${answer.query.at}: ${answer.decision.decision}${answer.decision.path.length > 0 ? ` by ${pathText(answer.decision.path)}` : ''}`}
          />
        )}
      </div>
    </section>
  )
}

interface PartySelectProps {
  readonly label: string
  readonly value: string
  readonly ids: readonly string[]
  readonly testid: string
  readonly onChange: (e: { currentTarget: { value: string } }) => void
}

function PartySelect({ label, value, ids, testid, onChange }: PartySelectProps) {
  return (
    <label class="field">
      <span>{label}</span>
      <select value={value} onChange={onChange} data-testid={testid}>
        {ids.map((id) => (
          <option key={id} value={id}>
            {id === '' ? '(the holder)' : id}
          </option>
        ))}
      </select>
    </label>
  )
}
