// `npm run bench:exchange`: three real nodes on loopback; KOR ingests reports released
// automatically to JPN and USA; prints ingest-to-durable-receipt latency and delivered
// reports per second per peer, with durable commits (SQLite WAL, synchronous=FULL).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isMain, reportFigures } from './report.ts'
import {
  type LocalNode,
  prepareNetwork,
  startNodeProcess,
  stopNodeProcess,
} from '../src/cli/local-network.ts'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const REPORTS = Number(process.env['ENTENTE_BENCH_REPORTS'] ?? 10_000)
const IN_FLIGHT = 16

interface Pending {
  readonly startedAt: number
  readonly peer: string
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? NaN
}

/** Follows KOR's audit stream and resolves each release id when its receipt is recorded. */
async function followDeliveries(
  node: LocalNode,
  onDelivery: (releaseId: string, at: number) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(`${node.url}/api/events?access_token=${node.tokens.auditor}`, {
    signal,
  })
  const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader()
  if (reader === undefined) throw new Error('no event stream')
  const decoder = new TextDecoder()
  let buffer = ''
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      let cut = buffer.indexOf('\n\n')
      while (cut >= 0) {
        const block = buffer.slice(0, cut)
        buffer = buffer.slice(cut + 2)
        const data = block.split('\n').find((l) => l.startsWith('data: '))
        if (data !== undefined) {
          const entry = JSON.parse(data.slice(6)) as { type: string; subject: string | null }
          if (entry.type === 'delivery' && entry.subject !== null)
            onDelivery(entry.subject, performance.now())
        }
        cut = buffer.indexOf('\n\n')
      }
    }
  } catch (error) {
    if (!signal.aborted) throw error
  }
}

interface PhaseResult {
  readonly latenciesMs: number[]
  readonly ingestPerS: number
  readonly deliveredPerSByPeer: Record<string, number>
}

/** Ingest `count` reports at KOR, `inFlight` at a time; wait for every durable receipt. */
class Phases {
  readonly #kor: LocalNode
  readonly #pending = new Map<string, Pending>()
  /** Receipts may come back before the POST that caused them has answered. */
  readonly #early = new Map<string, number>()
  #onDelivered: (p: Pending, at: number) => void = () => undefined

  constructor(kor: LocalNode) {
    this.#kor = kor
  }

  delivered(releaseId: string, at: number): void {
    const p = this.#pending.get(releaseId)
    if (p === undefined) this.#early.set(releaseId, at)
    else {
      this.#pending.delete(releaseId)
      this.#onDelivered(p, at)
    }
  }

  async run(count: number, inFlight: number): Promise<PhaseResult> {
    const latenciesMs: number[] = []
    const last: Record<string, number> = {}
    const counts: Record<string, number> = {}
    let outstanding = count * 2
    let finished: () => void = () => undefined
    const done = new Promise<void>((resolve) => (finished = resolve))
    this.#onDelivered = (p, at) => {
      latenciesMs.push(at - p.startedAt)
      last[p.peer] = Math.max(last[p.peer] ?? 0, at)
      counts[p.peer] = (counts[p.peer] ?? 0) + 1
      if (--outstanding === 0) finished()
    }
    const start = performance.now()
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < count) {
        next++
        const startedAt = performance.now()
        for (const r of await this.#ingest()) {
          if (r.state !== 'released') continue
          const at = this.#early.get(r.id)
          if (at === undefined) this.#pending.set(r.id, { startedAt, peer: r.recipient })
          else this.#onDelivered({ startedAt, peer: r.recipient }, at)
        }
      }
    }
    await Promise.all(Array.from({ length: inFlight }, worker))
    const ingestPerS = count / ((performance.now() - start) / 1000)
    // Give up after ten minutes, without keeping the process alive once all are in.
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 600_000).unref())])
    const deliveredPerSByPeer = Object.fromEntries(
      Object.entries(counts).map(([peer, n]) => [
        peer,
        n / (((last[peer] ?? start) - start) / 1000),
      ]),
    )
    return { latenciesMs: latenciesMs.sort((a, b) => a - b), ingestPerS, deliveredPerSByPeer }
  }

  async #ingest(): Promise<{ id: string; recipient: string; state: string }[]> {
    const response = await fetch(`${this.#kor.url}/api/reports`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${this.#kor.tokens.operator}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        marking: { originator: 'KOR', level: 'MIL-III' },
        topic: 'dprk-missile',
        launch: {
          time: '2019-10-31T16:35:00+09:00',
          site: { lat: 39.41, lon: 125.89 },
          headingDeg: 68,
          rangeKm: 370,
          apogeeKm: 90,
        },
      }),
    })
    return (
      (await response.json()) as { releases: { id: string; recipient: string; state: string }[] }
    ).releases
  }
}

const round1 = (x: number): number => Math.round(x * 10) / 10

export async function benchExchange(reports = REPORTS): Promise<Record<string, number>> {
  const root = mkdtempSync(join(tmpdir(), 'entente-bench-'))
  const nodes = await prepareNetwork({
    root,
    scenario: join(ROOT, 'scenarios/korea-japan-2019.yaml'),
    parties: ['KOR', 'JPN', 'USA'],
    options: {
      KOR: { modes: { 'kor-jpn-gsomia': 'auto', 'kor-usa': 'auto', tisa: 'on-request' } },
    },
    delivery: { concurrency: 16 },
  })
  const [kor] = nodes
  if (kor === undefined) throw new Error('no KOR node')
  const abort = new AbortController()
  try {
    await Promise.all(nodes.map((n) => startNodeProcess(n)))
    const phases = new Phases(kor)
    const stream = followDeliveries(kor, (id, at) => phases.delivered(id, at), abort.signal)
    // One report at a time: the latency of a report on its own, without queueing.
    const alone = await phases.run(Math.min(300, reports), 1)
    // Then the burst, IN_FLIGHT at a time: throughput, and latency under load.
    const burst = await phases.run(reports, IN_FLIGHT)
    abort.abort()
    await stream.catch(() => undefined)
    return {
      reports,
      latency_p50_ms: round1(percentile(alone.latenciesMs, 0.5)),
      latency_p99_ms: round1(percentile(alone.latenciesMs, 0.99)),
      burst_in_flight: IN_FLIGHT,
      burst_ingest_per_s: Math.round(burst.ingestPerS),
      burst_latency_p50_ms: round1(percentile(burst.latenciesMs, 0.5)),
      burst_latency_p99_ms: round1(percentile(burst.latenciesMs, 0.99)),
      jpn_delivered_per_s: Math.round(burst.deliveredPerSByPeer['JPN'] ?? 0),
      usa_delivered_per_s: Math.round(burst.deliveredPerSByPeer['USA'] ?? 0),
      delivered_receipts: burst.latenciesMs.length,
    }
  } finally {
    abort.abort()
    await Promise.all(nodes.map((n) => stopNodeProcess(n)))
    rmSync(root, { recursive: true, force: true })
  }
}

if (isMain(import.meta.url)) reportFigures('exchange', await benchExchange())
