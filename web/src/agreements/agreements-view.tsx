import { useState } from 'preact/hooks'
import { apiPath } from '../api/client.ts'
import type { AgreementRow, Scenario } from '../api/types.ts'
import { useJson } from '../api/use-json.ts'
import { DateControl } from './date-control.tsx'
import { Network } from './network.tsx'
import { StatusTable } from './status-table.tsx'
import { WhyPanel } from './why-panel.tsx'

/** The agreements at a chosen day (12:00 in the scenario's zone), and the why panel. */
export function AgreementsView({ scenario }: { readonly scenario: Scenario }) {
  const [date, setDate] = useState(scenario.launches[0]?.launchAt.slice(0, 10) ?? '2019-10-31')
  const at = `${date}T12:00`
  const rows = useJson<AgreementRow[]>(apiPath('agreements', { at }), 0, true)
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
            <Network scenario={scenario} rows={rows.value} />
            <EdgeLegend />
          </div>
          <div class="panel">
            <StatusTable rows={rows.value} at={atOf(rows.path)} />
          </div>
        </div>
      )}
      <WhyPanel scenario={scenario} />
    </section>
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
