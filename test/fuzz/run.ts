import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import {
  caseArb,
  describeCase,
  type FuzzCase,
  learn,
  requestOf,
  routeOfCase,
  SURFACES,
  type Surface,
} from './cases.ts'
import { checkAuditAfterClose, checkNodeState } from './checks.ts'
import {
  type FuzzNode,
  type FuzzNodeOptions,
  makeFuzzNode,
  refreshPools,
  removeNodeDir,
} from './harness.ts'
import { matchKnown } from './known-pending.ts'
import { brief } from './values.ts'
import { describeRequest, keyOf, stackOf, type Violation } from './violations.ts'

export { SURFACES, type Surface } from './cases.ts'

/**
 * Runs fuzzed requests against fresh nodes, one node per epoch, and checks the invariants:
 * after every request, no 5xx, no crash (unhandled rejection or exception), no hang; after
 * each epoch, the node's state (checks.ts) and its audit chain. Cases come from fast-check
 * with a seed: the same seed gives the same sequence of cases.
 */

export interface FuzzOptions {
  readonly seed: number
  readonly count: number
  /** The nodes, in turn; the requests are shared evenly (more nodes, less state per node). */
  readonly epochs: readonly FuzzNodeOptions[]
  readonly weights?: Readonly<Record<Surface, number>>
  readonly timeoutMs?: number
  readonly onProgress?: (done: number, report: FuzzReport) => void
}

export interface FuzzReport {
  readonly seed: number
  requests: number
  elapsedMs: number
  /** Answers per surface and status class (`2xx`, `4xx`, ...). */
  readonly statuses: Record<Surface, Record<string, number>>
  /** Answers per surface, route and status code (`api POST /api/reports` → `201` → n). */
  readonly routes: Map<string, Record<string, number>>
  /** Each distinct violation once (its first occurrence), with how often it happened. */
  readonly violations: Map<string, { first: Violation; count: number }>
  readonly slowest: Record<Surface, { ms: number; input: string }>
}

export const DEFAULT_WEIGHTS: Readonly<Record<Surface, number>> = { api: 4, taxii: 3, inbox: 3 }
const BATCH = 200
const REFRESH_EVERY = 50

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const report = emptyReport(options.seed)
  const crashes: unknown[] = []
  const record = (error: unknown) => void crashes.push(error)
  process.on('unhandledRejection', record)
  process.on('uncaughtException', record)
  const started = performance.now()
  // Deep enough to see past a recursion to the src/ frame that started it.
  const stackTraceLimit = Error.stackTraceLimit
  Error.stackTraceLimit = 1_000
  try {
    const per = Math.ceil(options.count / options.epochs.length)
    for (const [epoch, nodeOptions] of options.epochs.entries()) {
      const n = Math.min(per, options.count - report.requests)
      if (n <= 0) break
      await runEpoch({
        options,
        report,
        crashes,
        epoch,
        nodeOptions,
        n,
        previous: { input: '(none)' },
      })
      report.elapsedMs = performance.now() - started
    }
  } finally {
    Error.stackTraceLimit = stackTraceLimit
    process.off('unhandledRejection', record)
    process.off('uncaughtException', record)
  }
  report.elapsedMs = performance.now() - started
  return report
}

interface Epoch {
  readonly options: FuzzOptions
  readonly report: FuzzReport
  readonly crashes: unknown[]
  readonly epoch: number
  readonly nodeOptions: FuzzNodeOptions
  readonly n: number
  /** The case before the current one, to name when a crash surfaces late. */
  readonly previous: { input: string }
}

async function runEpoch(e: Epoch): Promise<void> {
  const node = await makeFuzzNode(e.nodeOptions)
  const label = `seed ${e.options.seed}, epoch ${e.epoch} (${describeNode(e.nodeOptions)})`
  const arb = caseArb(node, e.options.weights ?? DEFAULT_WEIGHTS)
  try {
    for (let done = 0, batch = 0; done < e.n; batch++) {
      const size = Math.min(BATCH, e.n - done)
      const cases = fc.sample(arb, {
        seed: batchSeed(e.options.seed, e.epoch, batch),
        numRuns: size,
      })
      for (const c of cases) {
        if (done % REFRESH_EVERY === 0) await refreshPools(node)
        await runOne(node, c, e, `${label}, request ${done}`)
        done++
        e.report.requests++
        if (e.report.requests % 1000 === 0) e.options.onProgress?.(e.report.requests, e.report)
      }
    }
    for (const problem of await checkNodeState(node)) addFinal(e.report, label, problem)
  } finally {
    await node.close()
  }
  for (const problem of await checkAuditAfterClose(node)) addFinal(e.report, label, problem)
  noteCrashes(e, label, 'after the epoch')
  removeNodeDir(node)
}

export function describeNode(o: FuzzNodeOptions): string {
  const extra = [
    o.answerRequests === 'officer' ? 'officer answers' : '',
    ...Object.entries(o.modes ?? {}).map(([a, m]) => `${a} ${m}`),
    ...(o.whatIfs ?? []),
  ]
  return [o.party, ...extra.filter(Boolean)].join(', ')
}

/** A 32-bit seed per epoch and batch, so that any request can be replayed from the seed. */
function batchSeed(seed: number, epoch: number, batch: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 31) + epoch * 1_000_003 + batch * 7_919) | 0
}

async function runOne(node: FuzzNode, c: FuzzCase, e: Epoch, at: string): Promise<void> {
  let request: InjectOptions
  try {
    request = await requestOf(node, c, e.report.requests)
  } catch (error) {
    addViolation(e.report, {
      kind: 'harness',
      surface: c.surface,
      route: routeOfCase(c),
      status: null,
      at,
      input: describeCase(c),
      request: '',
      error: stackOf(error),
    })
    return
  }
  const started = performance.now()
  const outcome = await injectWithin(node, request, e.options.timeoutMs ?? 10_000)
  const ms = performance.now() - started
  if (ms > e.report.slowest[c.surface].ms)
    e.report.slowest[c.surface] = { ms, input: describeCase(c) }
  const base = {
    surface: c.surface,
    route: routeOfCase(c),
    at,
    input: describeCase(c),
    request: describeRequest(request),
  }
  if (outcome.kind === 'hang')
    addViolation(e.report, {
      ...base,
      kind: 'hang',
      status: null,
      error: `no answer within ${e.options.timeoutMs ?? 10_000} ms`,
    })
  else if (outcome.kind === 'rejected')
    addViolation(e.report, {
      ...base,
      kind: 'harness',
      status: null,
      error: stackOf(outcome.error),
    })
  else {
    const status = outcome.response.statusCode
    const statusClass = `${Math.floor(status / 100)}xx`
    const counts = e.report.statuses[c.surface]
    counts[statusClass] = (counts[statusClass] ?? 0) + 1
    const routeKey = `${c.surface} ${routeOfCase(c)}`
    const perRoute = e.report.routes.get(routeKey) ?? {}
    perRoute[status] = (perRoute[status] ?? 0) + 1
    e.report.routes.set(routeKey, perRoute)
    const serverError = node.takeServerError()
    if (status >= 500)
      addViolation(e.report, {
        ...base,
        kind: '5xx',
        status,
        error: serverError === undefined ? brief(outcome.response.body, 300) : stackOf(serverError),
      })
    else learn(node, c, status, outcome.response.body)
  }
  // A rejection may surface a turn after its request was answered: name both.
  noteCrashes(e, at, `${base.input} (or the request before: ${e.previous.input})`)
  e.previous.input = base.input
}

type Outcome =
  | { kind: 'answered'; response: Awaited<ReturnType<FuzzNode['inject']>> }
  | { kind: 'hang' }
  | { kind: 'rejected'; error: unknown }

async function injectWithin(
  node: FuzzNode,
  request: InjectOptions,
  timeoutMs: number,
): Promise<Outcome> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const hang = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'hang' }), timeoutMs)
  })
  const answered = node.inject(request).then(
    (response): Outcome => ({ kind: 'answered', response }),
    (error: unknown): Outcome => ({ kind: 'rejected', error }),
  )
  try {
    return await Promise.race([answered, hang])
  } finally {
    clearTimeout(timer)
  }
}

function noteCrashes(e: Epoch, at: string, input: string): void {
  for (const error of e.crashes.splice(0))
    addViolation(e.report, {
      kind: 'crash',
      surface: 'node',
      route: '',
      status: null,
      at,
      input,
      request: '',
      error: stackOf(error),
    })
}

function addFinal(report: FuzzReport, at: string, problem: string): void {
  addViolation(report, {
    kind: 'final',
    surface: 'node',
    route: '',
    status: null,
    at,
    input: 'end of epoch',
    request: '',
    error: problem,
  })
}

function addViolation(report: FuzzReport, v: Omit<Violation, 'key' | 'known'>): void {
  const key = keyOf(v)
  const known = matchKnown(key)
  const seen = report.violations.get(key)
  if (seen === undefined) report.violations.set(key, { first: { ...v, key, known }, count: 1 })
  else seen.count++
}

function emptyReport(seed: number): FuzzReport {
  const perSurface = <T>(make: () => T) =>
    Object.fromEntries(SURFACES.map((s) => [s, make()])) as Record<Surface, T>
  return {
    seed,
    requests: 0,
    elapsedMs: 0,
    statuses: perSurface(() => ({})),
    routes: new Map(),
    violations: new Map(),
    slowest: perSurface(() => ({ ms: 0, input: '' })),
  }
}
