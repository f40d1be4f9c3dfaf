import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildRegistryIndex } from '../../domain/registry-index.ts'
import { EntenteError } from '../../lib/errors.ts'
import { loadScenario } from '../load-scenario.ts'
import { type LocalNode, ROLES_ISSUED } from '../local-network.ts'
import { renderTable } from '../table.ts'
import type { LiveEvent } from './live.ts'
import { Run, type RunSpec } from './replay.ts'
import { scenarioView } from './scenario-view.ts'
import { DemoServer } from './server.ts'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const REFERENCE_SCENARIO = join(ROOT, 'scenarios/korea-japan-2019.yaml')
const WEB_DIST = join(ROOT, 'web/dist')
/** Without what-ifs, the demo plays the 2019 baseline, then these variants. */
const DEFAULT_VARIANTS = ['japan-asks', 'auto-release'] as const

export interface DemoOptions {
  readonly whatIfs: readonly string[]
  readonly speed: number
  readonly port: number
  readonly dir: string | undefined
  readonly build: boolean
  readonly scenario: string
}

/**
 * `npm start`: three live nodes replaying the 2019 launches, the dashboard, progress in the
 * terminal and the warning table at the end of each run; serves until Ctrl-C.
 */
export async function runDemo(options: DemoOptions): Promise<void> {
  if (!(options.speed > 0))
    throw new EntenteError(
      'INVALID_ARGUMENT',
      `--speed: '${options.speed}' is not a positive number`,
    )
  const specs: RunSpec[] =
    options.whatIfs.length > 0
      ? [{ id: options.whatIfs.join('+'), whatIfs: options.whatIfs }]
      : [{ id: 'baseline', whatIfs: [] }, ...DEFAULT_VARIANTS.map((w) => ({ id: w, whatIfs: [w] }))]
  const scenario = resolve(options.scenario)
  const { input } = loadScenario(scenario, options.whatIfs)
  const index = buildRegistryIndex(input.registry)
  const runs: Run[] = []
  const server = new DemoServer({
    index,
    scenario: scenarioView(input, index),
    runs,
    webRoot: WEB_DIST,
  })
  await server.listen(options.port).catch((error: { code?: string }) => {
    if (error.code === 'EADDRINUSE')
      throw new EntenteError(
        'INVALID_ARGUMENT',
        `--port: port ${options.port} is taken (is another demo running?); choose another with --port`,
      )
    throw error
  })
  const stopping = onInterrupt(async () => {
    await Promise.all(runs.map((r) => r.stop()))
    await server.close()
  })
  const built = ['index.html', 'console.html'].every((page) => existsSync(join(WEB_DIST, page)))
  if (options.build && !built) await buildDashboard()
  const dir = resolve(
    options.dir ?? join(ROOT, '.entente', `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`),
  )
  mkdirSync(dir, { recursive: true })
  say(
    `Entente demo: dashboard at http://localhost:${options.port}  (nodes' data in ${dir}; Ctrl-C to stop)`,
  )
  // The terminal narrates the run that is playing; a run's nodes keep working after its table
  // (relays after the officers' approvals), and those late events go to the dashboard only.
  let narrated: string | null = null
  for (const spec of specs)
    runs.push(
      new Run(
        scenario,
        spec,
        options.speed,
        (event) => onLive(server, event, event.run === narrated),
        (picture) => server.broadcast('picture', picture),
      ),
    )
  for (const run of runs) {
    say(`\n▶ ${run.spec.id}: ${describeRun(run)} — three nodes, ${options.speed}× real time`)
    server.broadcast('run', { id: run.spec.id, status: 'running' })
    narrated = run.spec.id
    await run.play(dir, (nodes) => say(consoleLinks(nodes, join(dir, run.spec.id))))
    narrated = null
    server.broadcast('run', { id: run.spec.id, status: 'done' })
    say(warningTable(run))
  }
  say(
    `\nAll runs done. The nodes go on (late relays show on the timeline); the dashboard keeps serving at http://localhost:${options.port} until Ctrl-C.`,
  )
  await stopping
}

/**
 * Each node's console, and where its sign-in tokens are: a file only this user may read (a
 * token is a credential, so it is not printed to a terminal that may be shared or logged).
 */
function consoleLinks(nodes: readonly LocalNode[], runDir: string): string {
  const file = join(runDir, 'tokens.txt')
  const lines = nodes.flatMap((n) =>
    ROLES_ISSUED.map((role) => `${n.party} ${role.padEnd(15)} ${n.tokens[role]}`),
  )
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 })
  return [
    ...nodes.map((n) => `  ${n.party} console: ${n.url}/`),
    `  sign in with a token from ${file}`,
  ].join('\n')
}

function describeRun(run: Run): string {
  return run.spec.whatIfs.length === 0
    ? 'the 2019 baseline (nobody asks; the GSOMIA releases on request)'
    : `what-if ${run.spec.whatIfs.join(' + ')}`
}

const NOTABLE = new Set<LiveEvent['type']>([
  'ingest',
  'received',
  'held',
  'decision-denied',
  'request-sent',
  'quarantined',
])

function onLive(server: DemoServer, event: LiveEvent, narrate: boolean): void {
  server.broadcast('live', event)
  if (!narrate || !NOTABLE.has(event.type) || event.t === null) return
  const what =
    event.type === 'ingest'
      ? 'own report'
      : event.type === 'received'
        ? `receives ${event.path?.[0] ?? '?'}'s report by ${(event.path ?? []).join('→')} under ${event.agreement ?? '?'}`
        : event.type === 'held'
          ? `→ ${event.peer ?? '?'} held (${event.agreement ?? '?'} releases on request)`
          : event.type === 'decision-denied'
            ? `→ ${event.peer ?? '?'} denied (${event.reasons.map((r) => r.code).join(', ')})`
            : event.type === 'request-sent'
              ? `asks ${event.peer ?? '?'}`
              : `quarantines a message from ${event.peer ?? '?'}`
  say(`  [${event.run} ${event.launch ?? ''} +${event.t.toFixed(1)} s] ${event.party} ${what}`)
}

function warningTable(run: Run): string {
  const live = run.live()
  const rows = live.launches.flatMap((launch) => {
    const expected = run.expected.launches.find((l) => l.id === launch.id)
    return launch.parties.map((p) => {
      const sim = expected?.parties.find((q) => q.party === p.party)
      const how =
        p.knowsAt === null
          ? 'never'
          : p.receivedAt !== null && p.knowsAt === p.receivedAt
            ? `${p.receivedFrom ?? '?'} by ${(p.path ?? []).join('→')}`
            : 'own report'
      return [
        launch.id,
        p.party,
        p.warningSeconds === null ? '-' : p.warningSeconds.toFixed(1),
        sim?.warningSeconds == null ? '-' : sim.warningSeconds.toFixed(1),
        how,
      ]
    })
  })
  return renderTable(
    ['LAUNCH', 'PARTY', 'WARNING s (nodes)', 'WARNING s (model)', 'KNEW FROM'],
    rows,
  )
}

async function buildDashboard(): Promise<void> {
  if (!existsSync(join(ROOT, 'vite.config.ts')))
    return say('(no dashboard sources: serving the API only)')
  say('Building the dashboard (vite build)…')
  const { build } = await import('vite')
  await build({ configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn' })
}

function onInterrupt(cleanup: () => Promise<void>): Promise<void> {
  return new Promise((resolveStop) => {
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      say('\nStopping the nodes…')
      void cleanup().then(resolveStop, resolveStop)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

function say(line: string): void {
  process.stdout.write(`${line}\n`)
}
