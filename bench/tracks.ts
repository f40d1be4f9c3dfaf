// `npm run bench:tracks` (issue 12, item 5): three real node processes on loopback (SQLite
// WAL, synchronous=FULL; the live link over TLS). KOR's sensor gateway posts batches of track
// updates (POST /api/tracks/updates), released automatically to JPN and USA.
// (a) updates per second ingested and decided at KOR (20,000 live tracks, batches of 500 (the API takes bodies up to 256 KiB));
// (b) updates per second delivered durably to each peer over the live link;
// (c) latency from the post to the peer's commit of it at 512 updates/s (one Link 16 net's
//     ceiling, tracks.md), to the two peers; then fanned out to 20 light receiving peers
//     (bench/light-peers.ts), from the post to KOR's record of every peer's receipt;
// (d) KOR's resident memory with 20,000 live tracks held.
// Figures are printed, never asserted.
import { spawn } from 'node:child_process'
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
/** Updates a post carries at link rate: one batch every 31.25 ms. */
const RATE_BATCH = 16
const RATE_S = Number(process.env['ENTENTE_BENCH_LOAD_S'] ?? 4)
/** Receiving peers in the fan-out run (0: none). */
const FAN_OUT = Number(process.env['ENTENTE_BENCH_FAN_OUT'] ?? 20)
const FAN_OUT_TRACKS = RATE_PER_S * RATE_S
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

/** CPU time the node's process has used (user + system, all its threads), in ms. */
function cpuMs(node: LocalNode): number {
  const pid = node.process?.pid
  if (pid === undefined) return NaN
  // /proc/PID/stat: fields 14 and 15 (utime, stime) in clock ticks, 100 a second on Linux.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) * 10
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

/**
 * 512 updates/s for RATE_S seconds, one batch of 16 every 31.25 ms; each batch timed from its
 * post until the last of `peers` commits it (sorted, ms).
 */
async function atLinkRate(
  kor: LocalNode,
  reportId: string,
  peers: readonly string[],
  arrivals: Arrivals,
  tracks: number,
  firstRound: number,
): Promise<number[]> {
  const latencies: number[] = []
  const perBatch = RATE_BATCH
  const intervalMs = (1000 * perBatch) / RATE_PER_S
  const pending: Promise<void>[] = []
  const rateStart = performance.now()
  for (let i = 0; performance.now() - rateStart < RATE_S * 1000; i++) {
    const due = rateStart + i * intervalMs
    const wait = due - performance.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
    const round = firstRound + i
    const messages = []
    for (let k = 0; k < perBatch; k++) {
      const n = (i * perBatch + k) % tracks
      messages.push({ kind: 'update', trackNumber: n, state: state(n, round) })
    }
    pending.push(
      (async () => {
        const t = performance.now()
        // Expected before the post returns: a peer may commit it before KOR answers.
        const { batchId } = (await post(kor, '/api/tracks/updates', { reportId, messages })) as {
          batchId: string
        }
        const at = await arrivals.expect(batchId, peers)
        latencies.push(at - t)
      })(),
    )
  }
  await Promise.all(pending)
  return latencies.sort((a, b) => a - b)
}

/** Counts, at each of `peers`, the track messages it commits (from its audit stream). */
function followTracks(
  peers: readonly LocalNode[],
  signal: AbortSignal,
  arrivals: Arrivals,
): Promise<void>[] {
  return peers.map((peer) =>
    followAudit(peer, signal, (entry) => {
      if (entry.type !== 'track') return
      const messages = entry.data['messages']
      const batchId = entry.data['batchId']
      if (Array.isArray(messages) && typeof batchId === 'string')
        arrivals.arrived(peer.party, batchId, messages.length)
    }),
  )
}

/** The launch report the tracks belong to; returns its id. */
async function postLaunchReport(kor: LocalNode): Promise<string> {
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
  return report.report.id
}

/**
 * (c) fanned out: KOR's node process and FAN_OUT light receiving peers (bench/light-peers.ts,
 * one process) for partners of the networks scenario, every agreement in automatic release.
 * FAN_OUT_TRACKS tracks start first; then 512 updates/s, each batch timed from its post until
 * KOR has recorded every peer's receipt for it (its `delivery` audit entries): the latency the
 * sending node adds, with receivers that cost it nothing but the link.
 */
async function benchFanOut(): Promise<Record<string, number>> {
  const root = mkdtempSync(join(tmpdir(), 'entente-bench-fanout-'))
  const partners = ['JPN', 'USA', 'CAN', 'FRA', 'UKR', 'ESP', 'AUS', 'GBR', 'SWE', 'POL']
    .concat(['BGR', 'UZB', 'NZL', 'GRC', 'IND', 'ROU', 'PHL', 'HUN', 'JOR', 'IDN', 'SAU', 'RUS'])
    .slice(0, FAN_OUT)
  const nodes = await prepareNetwork({
    root,
    scenario: join(ROOT, 'scenarios/networks-2019.yaml'),
    parties: ['KOR', ...partners],
    options: {
      KOR: {
        modes: Object.fromEntries(
          partners.map((p) => [p === 'JPN' ? 'kor-jpn-gsomia' : `kor-${p.toLowerCase()}`, 'auto']),
        ),
      },
    },
  })
  const [kor, ...peers] = nodes
  if (kor === undefined) throw new Error('no network')
  const light = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'bench/light-peers.ts'), ...peers.map((p) => p.configFile)],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] },
  )
  const abort = new AbortController()
  const receipts = new Arrivals()
  try {
    await new Promise<void>((resolve, reject) => {
      light.once('exit', (code) => reject(new Error(`light peers exited (${code})`)))
      light.stdout.once('data', () => resolve())
    })
    await startNodeProcess(kor)
    const stream = followAudit(kor, abort.signal, (entry) => {
      if (entry.type === 'delivery' && entry.party !== null && entry.subject !== null)
        receipts.arrived(entry.party, entry.subject, 1)
    })
    const reportId = await postLaunchReport(kor)
    let batches = 0
    for (let from = 0; from < FAN_OUT_TRACKS; from += BATCH, batches++) {
      const messages = []
      for (let n = from; n < Math.min(FAN_OUT_TRACKS, from + BATCH); n++)
        messages.push({ kind: 'initial', trackNumber: n, state: state(n, 0) })
      await post(kor, '/api/tracks/updates', { reportId, messages })
    }
    // The report and the initial batches, receipted by every peer.
    await Promise.all(peers.map((p) => receipts.until(p.party, batches + 1)))
    const cpuBefore = cpuMs(kor)
    const rateStarted = performance.now()
    const latencies = await atLinkRate(
      kor,
      reportId,
      peers.map((p) => p.party),
      receipts,
      FAN_OUT_TRACKS,
      1,
    )
    const cpuUsed = cpuMs(kor) - cpuBefore
    const rateWallMs = performance.now() - rateStarted
    abort.abort()
    await stream
    return {
      fanout_light_peers: peers.length,
      fanout_rate512_batches: latencies.length,
      fanout_rate512_p50_ms: round2(percentile(latencies, 0.5)),
      fanout_rate512_p99_ms: round2(percentile(latencies, 0.99)),
      // KOR's CPU while at link rate: near 100 % it cannot keep up and batches queue (they
      // then share frames, so the CPU per batch is capped near the interval between them).
      fanout_kor_cpu_pct: Math.round((100 * cpuUsed) / rateWallMs),
      fanout_kor_cpu_ms_per_batch: round2(cpuUsed / latencies.length),
      fanout_batch_interval_ms: round2((1000 * RATE_BATCH) / RATE_PER_S),
    }
  } finally {
    abort.abort()
    await stopNodeProcess(kor)
    light.stdin.end()
    light.kill()
    rmSync(root, { recursive: true, force: true })
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
    const streams = followTracks([jpn, usa], abort.signal, arrivals)
    const reportId = await postLaunchReport(kor)
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

    // (c) 512 updates/s, each batch timed until both peers commit it.
    const latencies = await atLinkRate(kor, reportId, ['JPN', 'USA'], arrivals, TRACKS, ROUNDS + 1)
    abort.abort()
    await Promise.all(streams)
    const fanOut = FAN_OUT > 0 ? await benchFanOut() : {}
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
      ...fanOut,
    }
  } finally {
    abort.abort()
    await Promise.all(nodes.map((n) => stopNodeProcess(n)))
    rmSync(root, { recursive: true, force: true })
  }
}

if (isMain(import.meta.url)) reportFigures('tracks', await benchTracks())
