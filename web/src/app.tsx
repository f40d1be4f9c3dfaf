import { useEffect, useState } from 'preact/hooks'
import type { Scenario } from './api/types.ts'
import { useJson } from './api/use-json.ts'
import { statusOf, useLive } from './api/use-live.ts'
import { AgreementsView } from './agreements/agreements-view.tsx'
import { AuditView } from './audit/audit-view.tsx'
import { MapView } from './map/map-view.tsx'
import { PicturesView } from './map/pictures-view.tsx'
import { TimelineView } from './timeline/timeline-view.tsx'
import { Nav, VIEWS, type View } from './ui/nav.tsx'

function viewFromHash(): View {
  const hash = window.location.hash.slice(1)
  return VIEWS.find((v) => v.id === hash)?.id ?? 'map'
}

/** The dashboard: one scenario, five views, the demo's runs streamed live. */
export function App() {
  const scenario = useJson<Scenario>('/demo/api/scenario')
  const live = useLive()
  const [view, setView] = useState<View>(viewFromHash)
  const [run, setRun] = useState('baseline')

  useEffect(() => {
    const onHash = (): void => setView(viewFromHash())
    window.addEventListener('hashchange', onHash)
    return () => window.removeEventListener('hashchange', onHash)
  }, [])
  useEffect(() => {
    const first = live.runs[0]
    if (first !== undefined && !live.runs.some((r) => r.id === run)) setRun(first.id)
  }, [live.runs, run])

  const running = live.runs.find((r) => statusOf(live, r.id) === 'running')
  return (
    <div class="shell">
      <header class="top">
        <h1>
          Entente <span class="muted">early-warning exchange</span>
        </h1>
        <p class="status" data-testid="demo-status" aria-live="polite">
          {scenario.state === 'ok' ? scenario.value.name : ''}
          {' · '}
          {running !== undefined ? `playing ${running.id}` : live.connected ? 'live' : 'offline'}
        </p>
        <Nav current={view} />
      </header>
      <main id="main">
        {scenario.state === 'loading' && <p>Loading the scenario…</p>}
        {scenario.state === 'error' && (
          <p class="error" role="alert">
            Cannot load the scenario: {scenario.message}
          </p>
        )}
        {scenario.state === 'ok' && (
          <Views view={view} scenario={scenario.value} live={live} run={run} onRun={setRun} />
        )}
      </main>
    </div>
  )
}

interface ViewsProps {
  readonly view: View
  readonly scenario: Scenario
  readonly live: ReturnType<typeof useLive>
  readonly run: string
  readonly onRun: (run: string) => void
}

function Views({ view, scenario, live, run, onRun }: ViewsProps) {
  switch (view) {
    case 'map':
      return <MapView scenario={scenario} />
    case 'pictures':
      return <PicturesView scenario={scenario} live={live} run={run} onRun={onRun} />
    case 'timeline':
      return <TimelineView scenario={scenario} live={live} run={run} onRun={onRun} />
    case 'agreements':
      return <AgreementsView scenario={scenario} />
    case 'audit':
      return <AuditView scenario={scenario} live={live} run={run} onRun={onRun} />
  }
}
