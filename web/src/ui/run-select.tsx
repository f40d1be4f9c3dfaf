import type { LiveState } from '../api/use-live.ts'
import { statusOf } from '../api/use-live.ts'

interface RunSelectProps {
  readonly live: LiveState
  readonly run: string
  readonly onRun: (run: string) => void
}

/** Chooses one of the demo's runs (baseline / japan-asks / auto-release …) with its status. */
export function RunSelect({ live, run, onRun }: RunSelectProps) {
  const ids = live.runs.length > 0 ? live.runs.map((r) => r.id) : [run]
  return (
    <label class="field">
      <span>Run</span>
      <select data-testid="run-select" value={run} onChange={(e) => onRun(e.currentTarget.value)}>
        {ids.map((id) => (
          <option key={id} value={id}>
            {id} ({statusOf(live, id)})
          </option>
        ))}
      </select>
    </label>
  )
}
