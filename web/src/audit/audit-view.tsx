import { useState } from 'preact/hooks'
import type { Scenario } from '../api/types.ts'
import type { LiveState } from '../api/use-live.ts'
import { RunSelect } from '../ui/run-select.tsx'
import { AuditChain } from './audit-chain.tsx'
import { ReportsTable } from './reports-table.tsx'

interface AuditViewProps {
  readonly scenario: Scenario
  readonly live: LiveState
  readonly run: string
  readonly onRun: (run: string) => void
}

/** Per node: the reports it holds, in its own marking scheme, and its verified audit chain. */
export function AuditView({ scenario, live, run, onRun }: AuditViewProps) {
  const [party, setParty] = useState(scenario.parties[0]?.id ?? '')
  const [version, setVersion] = useState(0)
  return (
    <section aria-labelledby="audit-heading" data-testid="view-audit">
      <div class="toolbar">
        <h2 id="audit-heading">Reports and audit</h2>
        <RunSelect live={live} run={run} onRun={onRun} />
        <button type="button" onClick={() => setVersion((v) => v + 1)} data-testid="audit-refresh">
          Refresh
        </button>
      </div>
      <div role="tablist" aria-label="Nodes" class="tabs">
        {scenario.parties.map((p) => (
          <button
            key={p.id}
            type="button"
            role="tab"
            id={`node-tab-${p.id}`}
            aria-selected={p.id === party}
            aria-controls="node-panel"
            data-testid={`node-tab-${p.id}`}
            style={{ borderColor: p.color }}
            onClick={() => setParty(p.id)}
          >
            {p.id} — {p.name}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="node-panel" aria-labelledby={`node-tab-${party}`}>
        <ReportsTable party={party} run={run} version={version} />
        <AuditChain party={party} run={run} version={version} />
      </div>
    </section>
  )
}
