// `npm run bench:exchange`: three real node processes on loopback (durable commits: SQLite WAL,
// synchronous=FULL; the live link over TLS). KOR ingests reports released automatically to JPN
// and USA; the latency of each is from its ingest request to the peer's durable, verified
// receipt back at KOR. (a) one report at a time; (b) offered loads of 100/s and 1,000/s, then
// as many as it takes (many in flight); (c) the physical floor of the same trip, measured in
// the same run, and each latency as a multiple of it. ENTENTE_STORE=postgres: the same on
// SQLite, then with KOR on PostgreSQL as one process and as two (ingests alternate between them).
import { fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs'
import { Agent, request as httpRequest } from 'node:http'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  createCipheriv,
  createDecipheriv,
  diffieHellman,
  generateKeyPairSync,
  randomBytes,
  sign,
  verify,
} from 'node:crypto'
import { isMain, reportFigures } from './report.ts'
import { prefixed, printBeside, type StoreSetup, storeSetups, withStore } from './stores.ts'
import {
  anotherProcess,
  followAudit,
  type LocalNode,
  prepareNetwork,
  startNodeProcess,
  stopNodeProcess,
} from '../src/cli/local-network.ts'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
/** Seconds each offered load is sustained. */
const LOAD_S = Number(process.env['ENTENTE_BENCH_LOAD_S'] ?? 4)
const ALONE = Number(process.env['ENTENTE_BENCH_ALONE'] ?? 300)
/** "As many as it takes": this many ingests in flight at once, for LOAD_S seconds. */
const MAX_IN_FLIGHT = 64

const REPORT_BODY = JSON.stringify({
  marking: { originator: 'KOR', level: 'MIL-III' },
  topic: 'dprk-missile',
  launch: {
    time: '2019-10-31T16:35:00+09:00',
    site: { lat: 39.41, lon: 125.89 },
    headingDeg: 68,
    rangeKm: 370,
    apogeeKm: 90,
  },
})

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length - 1) * p))] ?? NaN
}

function median(samples: number[]): number {
  return percentile(
    samples.sort((a, b) => a - b),
    0.5,
  )
}

const round2 = (x: number): number => Math.round(x * 100) / 100

/**
 * The floor of one report's trip, from the primitives it cannot avoid, each the median of many
 * runs on this machine now: an Ed25519 signature and its verification, an X25519 agreement
 * (ephemeral key and both sides' derivation) with AES-256-GCM both ways, one fdatasync on each
 * side, one loopback TCP round trip.
 */
async function measureFloor(dir: string): Promise<Record<string, number>> {
  const payload = Buffer.from(REPORT_BODY.repeat(2))
  const ed = generateKeyPairSync('ed25519')
  const x = generateKeyPairSync('x25519')
  const runs = 400
  const time = (f: () => void): number => {
    for (let i = 0; i < 50; i++) f()
    const samples: number[] = []
    for (let i = 0; i < runs; i++) {
      const t = performance.now()
      f()
      samples.push(performance.now() - t)
    }
    return median(samples)
  }
  const signVerifyMs = time(() => {
    verify(null, payload, ed.publicKey, sign(null, payload, ed.privateKey))
  })
  const agreeEncryptMs = time(() => {
    const e = generateKeyPairSync('x25519')
    const key = diffieHellman({ privateKey: e.privateKey, publicKey: x.publicKey })
    diffieHellman({ privateKey: x.privateKey, publicKey: e.publicKey })
    const iv = randomBytes(12)
    const c = createCipheriv('aes-256-gcm', key, iv)
    const sealed = Buffer.concat([c.update(payload), c.final()])
    const d = createDecipheriv('aes-256-gcm', key, iv)
    d.setAuthTag(c.getAuthTag())
    d.update(sealed)
    d.final()
  })
  const fd = openSync(join(dir, 'floor.bin'), 'w')
  const fdatasyncMs = time(() => {
    writeSync(fd, payload)
    fdatasyncSync(fd)
  })
  const roundTripMs = await loopbackRoundTrip(runs)
  return {
    floor_sign_verify_ms: round2(signVerifyMs),
    floor_x25519_aes_gcm_ms: round2(agreeEncryptMs),
    floor_fdatasync_ms: round2(fdatasyncMs),
    floor_loopback_rtt_ms: round2(roundTripMs),
    floor_ms: round2(signVerifyMs + agreeEncryptMs + 2 * fdatasyncMs + roundTripMs),
  }
}

/** The median time of a 1 KiB message to an echo server on 127.0.0.1 and back. */
async function loopbackRoundTrip(runs: number): Promise<number> {
  const server = createServer((socket) => socket.pipe(socket))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const socket = createConnection({ port, host: '127.0.0.1', noDelay: true })
  await new Promise<void>((resolve) => socket.once('connect', resolve))
  const message = Buffer.alloc(1024, 1)
  const samples: number[] = []
  for (let i = 0; i < runs + 50; i++) {
    const t = performance.now()
    await new Promise<void>((resolve) => {
      let got = 0
      const onData = (chunk: Buffer) => {
        got += chunk.length
        if (got < message.length) return
        socket.off('data', onData)
        resolve()
      }
      socket.on('data', onData)
      socket.write(message)
    })
    if (i >= 50) samples.push(performance.now() - t)
  }
  socket.destroy()
  await new Promise((resolve) => server.close(resolve))
  return median(samples)
}

interface PhaseResult {
  readonly offered: number
  readonly ingested: number
  readonly latenciesMs: number[]
  readonly deliveredPerSByPeer: Record<string, number>
}

/** Ingests at KOR and matches each release to its delivery. */
class LoadGenerator {
  /** KOR's processes: ingests go to each in turn. */
  readonly #kor: readonly LocalNode[]
  #next = 0
  /** Deliveries seen already: every process's audit stream shows every process's entries. */
  readonly #seen = new Set<string>()
  readonly #pending = new Map<string, { startedAt: number; peer: string }>()
  /** Receipts may be recorded before the POST that caused them has answered. */
  readonly #early = new Map<string, number>()
  #onDelivered: (p: { startedAt: number; peer: string }, at: number) => void = () => undefined

  constructor(kor: readonly LocalNode[]) {
    this.#kor = kor
  }

  delivered(releaseId: string, at: number): void {
    if (this.#seen.has(releaseId)) return
    this.#seen.add(releaseId)
    const p = this.#pending.get(releaseId)
    if (p === undefined) this.#early.set(releaseId, at)
    else {
      this.#pending.delete(releaseId)
      this.#onDelivered(p, at)
    }
  }

  /** One at a time: each report's ingest waits for both its receipts. */
  async alone(count: number): Promise<PhaseResult> {
    const latenciesMs: number[] = []
    for (let i = 0; i < count; i++) {
      const outcome = this.#expect(2)
      await this.#ingestOne()
      latenciesMs.push(...(await outcome))
    }
    return {
      offered: 0,
      ingested: count,
      latenciesMs: latenciesMs.sort((a, b) => a - b),
      deliveredPerSByPeer: {},
    }
  }

  /**
   * An open loop at `perS` reports a second for `seconds` (each ingest starts on schedule,
   * whether or not earlier ones have answered), or, with `perS` null, a closed loop of
   * MAX_IN_FLIGHT ingests at a time: as many as the network takes.
   */
  async load(perS: number | null, seconds: number): Promise<PhaseResult> {
    const latenciesMs: number[] = []
    const counts: Record<string, number> = {}
    const last: Record<string, number> = {}
    let outstanding = 0
    let ingested = 0
    let allSent = false
    let finished: () => void = () => undefined
    const done = new Promise<void>((resolve) => (finished = resolve))
    this.#onDelivered = (p, at) => {
      latenciesMs.push(at - p.startedAt)
      counts[p.peer] = (counts[p.peer] ?? 0) + 1
      last[p.peer] = Math.max(last[p.peer] ?? 0, at)
      if (--outstanding === 0 && allSent) finished()
    }
    const start = performance.now()
    const endAt = start + seconds * 1000
    const ingest = async (dueAt?: number) => {
      outstanding += 2
      const released = await this.#ingestOne(dueAt)
      ingested++
      outstanding -= 2 - released
    }
    const inFlight = new Set<Promise<void>>()
    if (perS === null) {
      const worker = async () => {
        while (performance.now() < endAt) await ingest()
      }
      await Promise.all(Array.from({ length: MAX_IN_FLIGHT }, worker))
    } else {
      for (let sent = 0; performance.now() < endAt;) {
        const due = Math.floor(((performance.now() - start) / 1000) * perS)
        for (; sent < due; sent++) {
          const p = ingest(start + (sent / perS) * 1000).finally(() => inFlight.delete(p))
          inFlight.add(p)
        }
        await new Promise((resolve) => setTimeout(resolve, 2))
      }
      await Promise.all(inFlight)
    }
    allSent = true
    if (outstanding === 0) finished()
    // Give up after two minutes, without keeping the process alive once all are in.
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 120_000).unref())])
    const deliveredPerSByPeer = Object.fromEntries(
      Object.entries(counts).map(([peer, n]) => [
        peer,
        n / (((last[peer] ?? start) - start) / 1000),
      ]),
    )
    return {
      offered: perS ?? ingested / seconds,
      ingested,
      latenciesMs: latenciesMs.sort((a, b) => a - b),
      deliveredPerSByPeer,
    }
  }

  /** Resolves with the latencies of the next `n` deliveries. */
  #expect(n: number): Promise<number[]> {
    const latencies: number[] = []
    return new Promise((resolve) => {
      this.#onDelivered = (p, at) => {
        latencies.push(at - p.startedAt)
        if (latencies.length === n) resolve(latencies)
      }
    })
  }

  /**
   * Ingests one report; returns how many releases it made (2: JPN and USA). Its latency runs
   * from `startedAt`, the instant it was due (so a queue in front of the node counts too).
   */
  async #ingestOne(startedAt = performance.now()): Promise<number> {
    const kor = this.#kor[this.#next++ % this.#kor.length] as LocalNode
    const { releases } = (await postJson(kor, '/api/reports', REPORT_BODY)) as {
      releases: { id: string; recipient: string; state: string }[]
    }
    let released = 0
    for (const r of releases) {
      if (r.state !== 'released') continue
      released++
      const at = this.#early.get(r.id)
      this.#early.delete(r.id)
      if (at === undefined) this.#pending.set(r.id, { startedAt, peer: r.recipient })
      else this.#onDelivered({ startedAt, peer: r.recipient }, at)
    }
    return released
  }
}

/** Keep-alive connections to KOR's API, as a client of it would hold; requests queue for them. */
const agent = new Agent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT })

function postJson(node: LocalNode, path: string, body: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${node.url}${path}`,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${node.tokens.operator}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          if (response.statusCode !== 201 && response.statusCode !== 200)
            return reject(new Error(`ingest answered ${response.statusCode}: ${text}`))
          resolve(JSON.parse(text))
        })
        response.on('error', reject)
      },
    )
    request.on('error', reject)
    request.end(body)
  })
}

export async function benchExchange(
  setup: StoreSetup = { name: 'sqlite', store: 'sqlite', processes: 1 },
): Promise<Record<string, number>> {
  const root = mkdtempSync(join(tmpdir(), 'entente-bench-'))
  try {
    return await withStore(setup, root, (store) => exchangeOn(root, setup, store))
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

async function exchangeOn(
  root: string,
  setup: StoreSetup,
  store: Parameters<Parameters<typeof withStore>[2]>[0],
): Promise<Record<string, number>> {
  const nodes = await prepareNetwork({
    root,
    scenario: join(ROOT, 'scenarios/korea-japan-2019.yaml'),
    parties: ['KOR', 'JPN', 'USA'],
    options: {
      KOR: { modes: { 'kor-jpn-gsomia': 'auto', 'kor-usa': 'auto', tisa: 'on-request' } },
    },
    ...(store === undefined ? {} : { stores: { KOR: store } }),
  })
  const [first] = nodes
  if (first === undefined) throw new Error('no KOR node')
  const kor = setup.processes === 2 ? [first, await anotherProcess(first, root, 2)] : [first]
  const all = [...nodes, ...kor.slice(1)]
  const abort = new AbortController()
  try {
    await Promise.all(all.map((n) => startNodeProcess(n)))
    const generator = new LoadGenerator(kor)
    // Each process's stream shows its own deliveries at once (others' a poll later): all of them.
    const stream = Promise.all(
      kor.map((k) =>
        followAudit(k, abort.signal, (entry) => {
          if (entry.type === 'delivery' && entry.subject !== null)
            generator.delivered(entry.subject, performance.now())
        }),
      ),
    )
    await generator.alone(30) // warm up: connections, JIT
    const alone = await generator.alone(ALONE)
    const floor = await measureFloor(root)
    const figures: Record<string, number> = {
      ...floor,
      alone_reports: alone.ingested,
      alone_p50_ms: round2(percentile(alone.latenciesMs, 0.5)),
      alone_p99_ms: round2(percentile(alone.latenciesMs, 0.99)),
      alone_p50_x_floor: round2(percentile(alone.latenciesMs, 0.5) / (floor['floor_ms'] ?? NaN)),
      alone_p99_x_floor: round2(percentile(alone.latenciesMs, 0.99) / (floor['floor_ms'] ?? NaN)),
    }
    for (const [name, perS] of [
      ['load100', 100],
      ['load1000', 1000],
      ['loadmax', null],
    ] as const) {
      const phase = await generator.load(perS, LOAD_S)
      const p50 = percentile(phase.latenciesMs, 0.5)
      const p99 = percentile(phase.latenciesMs, 0.99)
      Object.assign(figures, {
        [`${name}_offered_per_s`]: Math.round(phase.offered),
        [`${name}_jpn_delivered_per_s`]: Math.round(phase.deliveredPerSByPeer['JPN'] ?? 0),
        [`${name}_usa_delivered_per_s`]: Math.round(phase.deliveredPerSByPeer['USA'] ?? 0),
        [`${name}_delivered`]: phase.latenciesMs.length,
        [`${name}_p50_ms`]: round2(p50),
        [`${name}_p99_ms`]: round2(p99),
        [`${name}_p99_x_floor`]: round2(p99 / (floor['floor_ms'] ?? NaN)),
      })
    }
    abort.abort()
    await stream
    return figures
  } finally {
    abort.abort()
    await Promise.all(all.map((n) => stopNodeProcess(n)))
  }
}

if (isMain(import.meta.url)) {
  const setups = storeSetups()
  const figures: Record<string, number>[] = []
  for (const setup of setups) figures.push(await benchExchange(setup))
  agent.destroy()
  if (setups.length === 1) reportFigures('exchange', figures[0] ?? {})
  else {
    printBeside('exchange', setups, figures)
    console.log(JSON.stringify({ bench: 'exchange', ...prefixed(setups, figures) }))
  }
}
