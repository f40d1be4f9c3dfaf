// `npm run bench:tracks` (issue 12, item 5): three real node processes on loopback (SQLite
// WAL, synchronous=FULL; the live link over TLS). KOR's sensor gateway posts batches of track
// updates (POST /api/tracks/updates), released automatically to JPN and USA.
// (a) updates per second ingested and decided at KOR (20,000 live tracks, batches of 500 (the API takes bodies up to 256 KiB));
// (b) updates per second delivered durably to each peer over the live link;
// (c) latency from the post to the peer's commit of it at 512 updates/s (one Link 16 net's
//     ceiling, tracks.md), to the two peers (not the 20 light peers: see docs/node.md);
// (d) KOR's resident memory with 20,000 live tracks held.
// Figures are printed, never asserted.
import { readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isMain, reportFigures } from './report.ts'
import {
  followAudit,
  type LocalNode,
  prepareNetwork,
  startNodeProcess,
  stopNodeProcess,
} from '../src/cli/local-network.ts'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const TRACKS = Number(process.env['ENTENTE_BENCH_TRACKS'] ?? 20_000)
const BATCH = 500
/** Rounds of one update per track after the initial round. */
const ROUNDS = Number(process.env['ENTENTE_BENCH_ROUNDS'] ?? 2)
const RATE_PER_S = 512
const RATE_S = Number(process.env['ENTENTE_BENCH_LOAD_S'] ?? 4)
const T0 = Date.parse('2019-10-31T07:35:00Z')

function state(trackNumber: number, round: number) {
  const s = round + 1
  return {
    atMs: T0 + round * 1_000,
    position: { lat: 39 + (trackNumber % 100) * 0.01, lon: 125 + s * 0.02, altM: 1_000 * s },
    velocity: { eastMps: 1_500, northMps: 150, upMps: 800 },
    quality: Math.min(15, 3 + round),
    phase: 'boost',
    impact: null,
    lost: false,
    boosting: true,
    dataMode: 'simulated',
    sensor: 'green-pine-1',
  }
}

async function post(node: LocalNode, path: string, body: unknown): Promise<unknown> {
  const response = await fetch(`${node.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${node.tokens.operator}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  })
  const text = await response.text()
  if (response.status !== 200 && response.status !== 201)
    throw new Error(`${path} answered ${response.status}: ${text}`)
  return JSON.parse(text)
}

function rssMb(node: LocalNode): number {
  const pid = node.process?.pid
  if (pid === undefined) return NaN
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'))
  return Math.round(Number(line?.replace(/\D+/g, '') ?? NaN) / 1024)
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? NaN
}

const round2 = (x: number): number => Math.round(x * 100) / 100

/** Counts the track messages each peer commits, and when each batch reached each peer. */
class Arrivals {
  readonly count = new Map<string, number>()
  readonly lastAt = new Map<string, number>()
  readonly #seen = new Map<string, Map<string, number>>()
  readonly #waiting = new Map<string, () => void>()

  arrived(peer: string, batchId: string, messages: number): void {
    const at = performance.now()
    this.count.set(peer, (this.count.get(peer) ?? 0) + messages)
    this.lastAt.set(peer, at)
    const seen = this.#seen.get(batchId) ?? new Map<string, number>()
    seen.set(peer, at)
    this.#seen.set(batchId, seen)
    this.#waiting.get(batchId)?.()
    for (const check of [...this.#counting]) check()
  }

  /** When the last of `peers` committed the batch (it may have before KOR answered the post). */
  expect(batchId: string, peers: readonly string[]): Promise<number> {
    return new Promise((resolve) => {
      const check = (): void => {
        const seen = this.#seen.get(batchId)
        const times = peers.map((p) => seen?.get(p))
        if (times.some((t) => t === undefined)) return
        this.#waiting.delete(batchId)
        resolve(Math.max(...(times as number[])))
      }
      this.#waiting.set(batchId, check)
      check()
    })
  }

  readonly #counting = new Set<() => void>()

  /** Resolves once `peer` has committed `total` track messages. */
  until(peer: string, total: number): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if ((this.count.get(peer) ?? 0) < total) return
        this.#counting.delete(check)
        resolve()
      }
      this.#counting.add(check)
      check()
    })
  }
}

export async function benchTracks(): Promise<Record<string, number>> {
  const root = mkdtempSync(join(tmpdir(), 'entente-bench-tracks-'))
  const nodes = await prepareNetwork({
    root,
    scenario: join(ROOT, 'scenarios/korea-japan-2019.yaml'),
    parties: ['KOR', 'JPN', 'USA'],
    options: {
      KOR: { modes: { 'kor-jpn-gsomia': 'auto', 'kor-usa': 'auto', tisa: 'on-request' } },
    },
  })
  const [kor, jpn, usa] = nodes
  if (kor === undefined || jpn === undefined || usa === undefined) throw new Error('no network')
  const abort = new AbortController()
  const arrivals = new Arrivals()
  try {
    await Promise.all(nodes.map((n) => startNodeProcess(n)))
    const streams = [jpn, usa].map((peer) =>
      followAudit(peer, abort.signal, (entry) => {
        if (entry.type !== 'track') return
        const messages = entry.data['messages']
        const batchId = entry.data['batchId']
        if (Array.isArray(messages) && typeof batchId === 'string')
          arrivals.arrived(peer.party, batchId, messages.length)
      }),
    )
    const report = (await post(kor, '/api/reports', {
      marking: { originator: 'KOR', level: 'MIL-III' },
      topic: 'dprk-missile',
      launch: {
        time: '2019-10-31T16:35:00+09:00',
        site: { lat: 39.41, lon: 125.89 },
        headingDeg: 68,
        rangeKm: 370,
        apogeeKm: 90,
      },
    })) as { report: { id: string } }
    const reportId = report.report.id
    const rssBefore = rssMb(kor)

    // (a) and (b): every track once (initial), then ROUNDS updates of each; four posts in flight
    // within a round (disjoint tracks: two posts about one track would conflict), rounds in turn.
    let posted = 0
    const started = performance.now()
    const batches: { round: number; from: number }[] = []
    const next = async (): Promise<void> => {
      for (let b = batches.shift(); b !== undefined; b = batches.shift()) {
        const messages = []
        for (let n = b.from; n < Math.min(TRACKS, b.from + BATCH); n++)
          messages.push({
            kind: b.round === 0 ? 'initial' : 'update',
            trackNumber: n,
            state: state(n, b.round),
          })
        await post(kor, '/api/tracks/updates', { reportId, messages })
        posted += messages.length
      }
    }
    for (let round = 0; round <= ROUNDS; round++) {
      for (let from = 0; from < TRACKS; from += BATCH) batches.push({ round, from })
      await Promise.all([next(), next(), next(), next()])
    }
    const ingestS = (performance.now() - started) / 1000
    await Promise.all([arrivals.until('JPN', posted), arrivals.until('USA', posted)])
    const deliveredPerS = (peer: string) =>
      Math.round(posted / (((arrivals.lastAt.get(peer) ?? NaN) - started) / 1000))
    const rssTracks = rssMb(kor)

    // (c) 512 updates/s, one batch of 16 every 31.25 ms, each timed until both peers commit it.
    const latencies: number[] = []
    const perBatch = 16
    const intervalMs = (1000 * perBatch) / RATE_PER_S
    const pending: Promise<void>[] = []
    const rateStart = performance.now()
    for (let i = 0; performance.now() - rateStart < RATE_S * 1000; i++) {
      const due = rateStart + i * intervalMs
      const wait = due - performance.now()
      if (wait > 0) await new Promise((r) => setTimeout(r, wait))
      const round = ROUNDS + 1 + i
      const messages = []
      for (let k = 0; k < perBatch; k++) {
        const n = (i * perBatch + k) % TRACKS
        messages.push({ kind: 'update', trackNumber: n, state: state(n, round) })
      }
      pending.push(
        (async () => {
          const t = performance.now()
          // Expected before the post returns: a peer may commit it before KOR answers.
          const { batchId } = (await post(kor, '/api/tracks/updates', { reportId, messages })) as {
            batchId: string
          }
          const at = await arrivals.expect(batchId, ['JPN', 'USA'])
          latencies.push(at - t)
        })(),
      )
    }
    await Promise.all(pending)
    latencies.sort((a, b) => a - b)
    abort.abort()
    await Promise.all(streams)
    return {
      tracks_live: TRACKS,
      updates_posted: posted,
      ingest_decide_per_s: Math.round(posted / ingestS),
      jpn_delivered_per_s: deliveredPerS('JPN'),
      usa_delivered_per_s: deliveredPerS('USA'),
      rate512_batches: latencies.length,
      rate512_p50_ms: round2(percentile(latencies, 0.5)),
      rate512_p99_ms: round2(percentile(latencies, 0.99)),
      kor_rss_mb_before: rssBefore,
      kor_rss_mb_with_tracks: rssTracks,
    }
  } finally {
    abort.abort()
    await Promise.all(nodes.map((n) => stopNodeProcess(n)))
    rmSync(root, { recursive: true, force: true })
  }
}

if (isMain(import.meta.url)) reportFigures('tracks', await benchTracks())
