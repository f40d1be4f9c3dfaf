// `npm run bench:exchange`: three real nodes on loopback; KOR ingests reports released
// automatically to JPN and USA; prints ingest-to-durable-receipt latency and delivered
// reports per second per peer, with durable commits (SQLite WAL, synchronous=FULL).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
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
  try {
    await Promise.all(nodes.map((n) => startNodeProcess(n)))
    const pending = new Map<string, Pending>()
    const latencies: Record<string, number[]> = { JPN: [], USA: [] }
    const lastDelivery: Record<string, number> = { JPN: 0, USA: 0 }
    let delivered = 0
    let allDelivered: () => void = () => undefined
    const done = new Promise<void>((resolve) => (allDelivered = resolve))
    const abort = new AbortController()
    const stream = followDeliveries(
      kor,
      (releaseId, at) => {
        const p = pending.get(releaseId)
        if (p === undefined) return
        pending.delete(releaseId)
        latencies[p.peer]?.push(at - p.startedAt)
        lastDelivery[p.peer] = at
        if (++delivered === reports * 2) allDelivered()
      },
      abort.signal,
    )
    const start = performance.now()
    let next = 0
    const ingestOne = async (): Promise<void> => {
      while (next < reports) {
        const i = next++
        const startedAt = performance.now()
        const response = await fetch(`${kor.url}/api/reports`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${kor.tokens.operator}`,
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
              text: `bench ${i}`,
            },
          }),
        })
        const body = (await response.json()) as {
          releases: { id: string; recipient: string; state: string }[]
        }
        for (const r of body.releases)
          if (r.state === 'released') pending.set(r.id, { startedAt, peer: r.recipient })
      }
    }
    await Promise.all(Array.from({ length: IN_FLIGHT }, ingestOne))
    const ingestS = (performance.now() - start) / 1000
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 600_000))])
    abort.abort()
    await stream.catch(() => undefined)
    const all = [...(latencies['JPN'] ?? []), ...(latencies['USA'] ?? [])].sort((a, b) => a - b)
    const perPeer = (peer: string) =>
      Math.round((latencies[peer]?.length ?? 0) / (((lastDelivery[peer] ?? start) - start) / 1000))
    return {
      reports,
      delivered_receipts: all.length,
      ingest_per_s: Math.round(reports / ingestS),
      latency_p50_ms: Math.round(percentile(all, 0.5) * 10) / 10,
      latency_p99_ms: Math.round(percentile(all, 0.99) * 10) / 10,
      jpn_delivered_per_s: perPeer('JPN'),
      usa_delivered_per_s: perPeer('USA'),
    }
  } finally {
    await Promise.all(nodes.map((n) => stopNodeProcess(n)))
    rmSync(root, { recursive: true, force: true })
  }
}

if (process.argv[1] !== undefined && import.meta.url === `file://${process.argv[1]}`) {
  const figures = await benchExchange()
  for (const [key, value] of Object.entries(figures))
    console.log(`exchange   ${key.padEnd(28)} ${value.toLocaleString('en-US')}`)
  console.log(JSON.stringify({ bench: 'exchange', ...figures }))
}
