import { useState } from 'preact/hooks'
import { apiPath } from '../api/client.ts'
import type { AgreementRow, Scenario } from '../api/types.ts'
import { useJson } from '../api/use-json.ts'
import { DateControl } from './date-control.tsx'
import { filterAgreements, type NetworkFilter } from './filter.ts'
import { Network } from './network.tsx'
import { StatusTable } from './status-table.tsx'
import { WhyPanel } from './why-panel.tsx'

/** The agreements at a chosen day (12:00 in the scenario's zone), and the why panel. */
export function AgreementsView({ scenario }: { readonly scenario: Scenario }) {
  const [date, setDate] = useState(scenario.launches[0]?.launchAt.slice(0, 10) ?? '2019-10-31')
  const at = `${date}T12:00`
  const rows = useJson<AgreementRow[]>(apiPath('agreements', { at }), 0, true)
  const [filter, setFilter] = useState<NetworkFilter>({ party: '', search: '' })
  const kept = rows.state === 'ok' ? filterAgreements(rows.value, scenario, filter) : []
  return (
    <section aria-labelledby="agreements-heading" data-testid="view-agreements">
      <div class="toolbar">
        <h2 id="agreements-heading">Agreements</h2>
        <span class="muted">
          status on {date} at 12:00 ({scenario.timeZone})
        </span>
      </div>
      <DateControl scenario={scenario} date={date} onDate={setDate} />
      {rows.state === 'error' && (
        <p class="error" role="alert">
          {rows.message}
        </p>
      )}
      {rows.state === 'ok' && (
        <div class="columns wide-right">
          <div class="panel">
            <NetworkFilterBar
              scenario={scenario}
              filter={filter}
              onFilter={setFilter}
              shown={kept.length}
              total={rows.value.length}
            />
            <Network
              scenario={scenario}
              rows={kept}
              filtered={filter.party !== '' || filter.search.trim() !== ''}
              focus={filter.party === '' ? null : filter.party}
            />
            <EdgeLegend />
          </div>
          <div class="panel">
            <StatusTable rows={kept} at={atOf(rows.path)} />
          </div>
        </div>
      )}
      <WhyPanel scenario={scenario} />
    </section>
  )
}

/** Filter the network and the table by party, and search agreements and parties. */
function NetworkFilterBar({
  scenario,
  filter,
  onFilter,
  shown,
  total,
}: {
  readonly scenario: Scenario
  readonly filter: NetworkFilter
  readonly onFilter: (filter: NetworkFilter) => void
  readonly shown: number
  readonly total: number
}) {
  const parties = [...scenario.parties].sort((a, b) => (a.id < b.id ? -1 : 1))
  return (
    <div class="network-filter" role="search">
      <label>
        party{' '}
        <select
          data-testid="network-party"
          value={filter.party}
          onChange={(e) => onFilter({ ...filter, party: e.currentTarget.value })}
        >
          <option value="">all parties</option>
          {parties.map((p) => (
            <option key={p.id} value={p.id}>
              {p.id} — {p.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        search{' '}
        <input
          type="search"
          data-testid="network-search"
          placeholder="agreement, party or name"
          value={filter.search}
          onInput={(e) => onFilter({ ...filter, search: e.currentTarget.value })}
        />
      </label>
      <span class="muted" data-testid="network-count" data-shown={shown}>
        {shown} of {total} agreements
      </span>
    </div>
  )
}

function EdgeLegend() {
  return (
    <ul class="legend" aria-label="Edge colours">
      {['in-force', 'pending-termination', 'terminated', 'not-yet-in-force'].map((s) => (
        <li key={s}>
          <span class={`swatch line edge-${s}`} aria-hidden="true" />
          {s.replace(/-/g, ' ')}
        </li>
      ))}
    </ul>
  )
}

function atOf(path: string): string {
  return new URL(path, window.location.origin).searchParams.get('at') ?? ''
}
