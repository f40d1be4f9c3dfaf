// `npm run bench:products` (issue 17, item 5): two real node processes on loopback, JPN and
// KOR, their APIs over HTTPS (each peer's certificate checked against its CA). JPN posts an
// image of 200 MB (random bytes streamed to a temp file, never held in memory; its upload
// streamed too); KOR is offered it under the GSOMIA (auto here) and fetches its 1 MiB chunks
// from JPN over TLS, verifying each against the originator's signed manifest.
// (a) MB/s from the end of the upload to KOR holding the whole verified file (goal ≥ 100);
// (b) KOR's extra resident memory during the transfer, peak over idle (goal ≤ 64 MB), and
//     the CPU time each node spent on (a) (a figure less at the mercy of a busy machine);
// (c) a second image: KOR killed (SIGKILL) half-way and restarted: the chunks its store had
//     counted and those its partial file held (re-hashed against the manifest), the time from
//     the restart to the transfer resuming (the node's start and that re-hash) and to its end,
//     and the chunks fetched after the restart (exactly those not held: nothing held is asked
//     for again; those in flight at the kill, at most CHUNKS_IN_FLIGHT, are among them — the
//     holder cannot tell a lost one apart, and neither side counts them).
// Figures are printed, never asserted.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  createReadStream,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { Agent, request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import Sqlite from 'better-sqlite3'
import { type LocalNode, prepareNetwork, sleep } from '../src/cli/local-network.ts'
import { CHUNK_BYTES } from '../src/protocol/product.ts'
import { imageryPost } from '../test/helpers/products.ts'
import { isMain, reportFigures } from './report.ts'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const MAIN = join(ROOT, 'src/cli/main.ts')
const TSX = join(ROOT, 'node_modules/tsx/dist/loader.mjs')
const SIZE_MB = Number(process.env['ENTENTE_BENCH_PRODUCT_MB'] ?? 200)
const CHUNKS = Math.ceil((SIZE_MB * 1_000_000) / CHUNK_BYTES)

interface TlsNode {
  readonly local: LocalNode
  readonly url: string
  /** Checks the node's certificate by its CA; kept alive: a poll every 20 ms must not cost the node a TLS handshake each. */
  readonly agent: Agent
  child: ChildProcess | null
}

async function randomFile(path: string): Promise<void> {
  let left = SIZE_MB * 1_000_000
  await pipeline(
    Readable.from(
      (function* () {
        while (left > 0) {
          const n = Math.min(CHUNK_BYTES, left)
          left -= n
          yield randomBytes(n)
        }
      })(),
    ),
    createWriteStream(path),
  )
}

/** One HTTPS request, checked against the node's CA; the body is a stream or a string. */
function call(
  node: TlsNode,
  method: string,
  path: string,
  body?: { readonly type: string; readonly data: string | Readable },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${node.local.tokens.admin}` }
    if (body !== undefined) headers['content-type'] = body.type
    const sent = httpsRequest(
      `${node.url}${path}`,
      { method, headers, agent: node.agent },
      (res) => {
        const pieces: Buffer[] = []
        res.on('data', (p: Buffer) => pieces.push(p))
        res.once('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(pieces).toString('utf8') }),
        )
        res.once('error', reject)
      },
    )
    sent.once('error', reject)
    if (body === undefined) sent.end()
    else if (typeof body.data === 'string') sent.end(body.data)
    else body.data.pipe(sent)
  })
}

async function start(node: TlsNode): Promise<void> {
  const { party, configFile } = node.local
  const child = spawn(
    process.execPath,
    ['--import', `file://${TSX}`, MAIN, 'node', '--party', party, '--config', configFile],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, ENTENTE_EXIT_WITH_PARENT: '1' },
    },
  )
  node.child = child
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${party} exited`)
    if ((await call(node, 'GET', '/api/health').catch(() => null))?.status === 200) return
    await sleep(100)
  }
  throw new Error(`${party} did not start`)
}

async function stop(node: TlsNode, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const child = node.child
  if (child === null || child.exitCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill(signal)
  await exited
  node.child = null
}

function rssBytes(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024
}

/** User and system CPU time of a process so far (Linux clock ticks of 10 ms). */
function cpuMs(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) * 10
}

function verifiedAt(node: TlsNode, id: string): number {
  const db = new Sqlite(join(node.local.dir, 'entente.db'), { readonly: true })
  try {
    const row = db.prepare('SELECT verified_chunks AS n FROM products WHERE id = ?').get(id) as
      { n: number } | undefined
    return row?.n ?? 0
  } finally {
    db.close()
  }
}

async function postImage(jpn: TlsNode, file: string, title: string): Promise<string> {
  const created = await call(jpn, 'POST', '/api/products', {
    type: 'application/json',
    data: JSON.stringify(imageryPost({ title })),
  })
  if (created.status !== 201) throw new Error(`POST /api/products: ${created.text}`)
  const id = (JSON.parse(created.text) as { id: string }).id
  const uploaded = await call(jpn, 'PUT', `/api/products/${id}/content`, {
    type: 'application/octet-stream',
    data: createReadStream(file),
  })
  if (uploaded.status !== 200) throw new Error(`PUT content: ${uploaded.text}`)
  return id
}

async function holds(kor: TlsNode, id: string): Promise<boolean> {
  const listed = await call(kor, 'GET', '/api/products').catch(() => null)
  return (
    listed?.status === 200 && (JSON.parse(listed.text) as { id: string }[]).some((p) => p.id === id)
  )
}

export async function benchProducts(): Promise<Record<string, number>> {
  const root = mkdtempSync(join(tmpdir(), 'entente-bench-products-'))
  const locals = await prepareNetwork({
    root,
    scenario: join(ROOT, 'scenarios/korea-japan-2019.yaml'),
    parties: ['KOR', 'JPN'],
    options: { JPN: { modes: { 'kor-jpn-gsomia': 'auto' } } },
    linkPorts: false,
    delivery: { initialBackoffMs: 50, maxBackoffMs: 500 },
  })
  // From plain HTTP to HTTPS: each node serves its certificate, each peer checks it by its CA.
  const nodes = locals.map((local) => {
    const ca = readFileSync(join(local.dir, 'keys', 'ca.cert.pem'), 'utf8')
    return {
      local,
      url: local.url.replace('http:', 'https:'),
      agent: new Agent({ ca, keepAlive: true }),
      child: null,
    }
  }) as [TlsNode, TlsNode]
  for (const node of nodes) {
    const config = JSON.parse(readFileSync(node.local.configFile, 'utf8')) as {
      listen: Record<string, unknown>
      peers: Record<string, { url: string; ca?: string }>
    }
    delete config.listen['insecure']
    for (const [party, peer] of Object.entries(config.peers)) {
      const other = nodes.find((n) => n.local.party === party)
      peer.url = peer.url.replace('http:', 'https:')
      peer.ca = join(other?.local.dir ?? '', 'keys', 'ca.cert.pem')
    }
    writeFileSync(node.local.configFile, JSON.stringify(config, null, 2))
  }
  const [kor, jpn] = nodes
  const fileA = join(root, 'a.bin')
  const fileB = join(root, 'b.bin')
  try {
    await randomFile(fileA)
    await randomFile(fileB)
    await start(kor)
    await start(jpn)
    await sleep(500)
    const idleRss = rssBytes(kor.child?.pid)
    let peakRss = idleRss
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssBytes(kor.child?.pid))
    }, 20)
    const id = await postImage(jpn, fileA, 'bench: throughput')
    const cpuAtStart = [cpuMs(kor.child?.pid), cpuMs(jpn.child?.pid)] as const
    const t0 = performance.now()
    while (!(await holds(kor, id))) await sleep(20)
    const seconds = (performance.now() - t0) / 1000
    // CPU time, less noisy than MB/s on shared cores (the receiver's includes our polling).
    const receiverCpuMs = cpuMs(kor.child?.pid) - cpuAtStart[0]
    const holderCpuMs = cpuMs(jpn.child?.pid) - cpuAtStart[1]
    clearInterval(sampler)

    const idB = await postImage(jpn, fileB, 'bench: resume')
    while (verifiedAt(kor, idB) < CHUNKS / 2) await sleep(5)
    await stop(kor, 'SIGKILL')
    const countedAtKill = verifiedAt(kor, idB)
    const restartAtMs = Date.now()
    await start(kor)
    const arrivals = async () =>
      JSON.parse((await call(kor, 'GET', `/api/audit?subject=${idB}&type=arrival`)).text) as {
        atMs: number
        data: Record<string, unknown>
      }[]
    // The restarted node re-hashes its partial file, notes where it resumes, and fetches on.
    const deadline = Date.now() + 120_000
    const untilDeadline = (what: string) => {
      if (Date.now() > deadline) throw new Error(`bench:products: no ${what} within 120 s`)
      return sleep(20)
    }
    let resumed = (await arrivals()).find((e) => e.data['event'] === 'transfer-resumed')
    while (resumed === undefined) {
      await untilDeadline('transfer-resumed entry after the restart')
      resumed = (await arrivals()).find((e) => e.data['event'] === 'transfer-resumed')
    }
    while (!(await holds(kor, idB))) await untilDeadline('whole image after the restart')
    const finishMs = Date.now() - restartAtMs
    const done = (await arrivals()).find((e) => e.data['event'] === 'content-verified')
    const heldAtStart = Number(done?.data['heldAtStart'] ?? NaN)
    const fetchedAfter = Number(done?.data['fetchedThisRun'] ?? NaN)
    return {
      sizeMB: SIZE_MB,
      chunks: CHUNKS,
      transferMBps: Math.round((SIZE_MB / seconds) * 10) / 10,
      receiverCpuMs,
      holderCpuMs,
      receiverIdleRssMB: Math.round(idleRss / 1e6),
      receiverExtraRssMB: Math.round((peakRss - idleRss) / 1e6),
      resumeCountedAtKill: countedAtKill,
      resumeHeldAtRestart: heldAtStart,
      resumeRestartToResumedMs: resumed.atMs - restartAtMs,
      resumeFinishMs: finishMs,
      resumeChunksFetchedAfter: fetchedAfter,
    }
  } finally {
    await stop(jpn)
    await stop(kor)
    for (const node of nodes) node.agent.destroy()
    rmSync(root, { recursive: true, force: true })
  }
}

if (isMain(import.meta.url)) reportFigures('products', await benchProducts())
