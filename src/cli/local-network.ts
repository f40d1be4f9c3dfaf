import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readLinkTls } from '../node/crypto/ca.ts'
import type { StoreLocation } from '../node/store/location.ts'
import type { AuditEntry } from '../node/store/store.ts'
import { initNode, issueToken } from './node.ts'

/** Three (or more) real node processes on loopback: for the demo, the system tests and the benchmarks. */

export const ROLES_ISSUED = ['admin', 'operator', 'release-officer', 'auditor'] as const
export type IssuedRole = (typeof ROLES_ISSUED)[number]

export interface LocalNodeOptions {
  readonly whatIfs?: readonly string[]
  readonly modes?: Readonly<Record<string, 'auto' | 'manual' | 'on-request'>>
  readonly answerRequests?: 'rule' | 'officer'
}

export interface LocalNode {
  readonly party: string
  readonly dir: string
  readonly configFile: string
  readonly url: string
  readonly tokens: Readonly<Record<IssuedRole, string>>
  process: ChildProcess | null
  stderr: string
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const MAIN = join(ROOT, 'src/cli/main.ts')
const TSX = join(ROOT, 'node_modules/tsx/dist/loader.mjs')

/** Ports this process handed out: never twice. */
const handedOut = new Set<number>()

/**
 * A loopback port free now, for a node to listen on later. Drawn below the kernel's ephemeral
 * range (32768–60999 on Linux): a port from that range, as `listen(0)` gives, may be taken by
 * any process's next outgoing connection before the node listens on it (EADDRINUSE in CI); one
 * below it only by another listener.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000)
    if (handedOut.has(port) || !(await canListen(port))) continue
    handedOut.add(port)
    return port
  }
  return listenOn(0)
}

const canListen = (port: number): Promise<boolean> =>
  listenOn(port).then(
    () => true,
    () => false,
  )

function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      const address = server.address()
      const bound = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolve(bound))
    })
  })
}

interface Jwk {
  readonly use?: string
}

export function publicKeysOf(dir: string): { signing: Jwk; encryption: Jwk } {
  const jwks = JSON.parse(readFileSync(join(dir, 'keys', 'public.jwks.json'), 'utf8')) as {
    keys: Jwk[]
  }
  const signing = jwks.keys.find((k) => k.use === 'sig')
  const encryption = jwks.keys.find((k) => k.use === 'enc')
  if (!signing || !encryption) throw new Error(`${dir}: public.jwks.json lacks a sig or an enc key`)
  return { signing, encryption }
}

export interface NetworkSpec {
  readonly root: string
  readonly scenario: string
  readonly parties: readonly string[]
  readonly options?: Readonly<Record<string, LocalNodeOptions>>
  /** Ports to use, else free ones are picked. */
  readonly ports?: readonly number[]
  /** The live link's ports (else free ones); `false`: no live link, one POST per message. */
  readonly linkPorts?: readonly number[] | false
  readonly delivery?: Record<string, number>
  readonly checkpointEvery?: number
  /** A party's store other than SQLite in its data directory (PostgreSQL, issue 14). */
  readonly stores?: Readonly<Record<string, StoreLocation>>
  /** A shared exercise clock for every node (see NodeConfig.clock). */
  readonly clock?: {
    readonly originAt: string
    readonly startedAtMs: number
    readonly speed: number
  }
}

/** Initialises each party's data directory, keys, tokens and config (no process yet). */
export async function prepareNetwork(spec: NetworkSpec): Promise<LocalNode[]> {
  const ports = spec.ports ?? (await Promise.all(spec.parties.map(() => freePort())))
  const dirs = spec.parties.map((p) => join(spec.root, p.toLowerCase()))
  for (const [i, party] of spec.parties.entries())
    await initNode(party, dirs[i] as string, [], spec.stores?.[party])
  const urls = ports.map((port) => `http://127.0.0.1:${port}`)
  const linkPorts =
    spec.linkPorts === false
      ? null
      : (spec.linkPorts ?? (await Promise.all(spec.parties.map(() => freePort()))))
  const fingerprints = await Promise.all(
    dirs.map(async (dir) => (await readLinkTls(dir)).fingerprint256),
  )
  const linkOf = (j: number) =>
    linkPorts === null
      ? {}
      : { link: { url: `wss://127.0.0.1:${linkPorts[j]}`, fingerprint256: fingerprints[j] } }
  const nodes: LocalNode[] = []
  for (const [i, party] of spec.parties.entries()) {
    const dir = dirs[i] as string
    const opts = spec.options?.[party] ?? {}
    const peers = Object.fromEntries(
      spec.parties.flatMap((p, j) =>
        p === party
          ? []
          : [[p, { url: urls[j], keys: publicKeysOf(dirs[j] as string), ...linkOf(j) }]],
      ),
    )
    const config = {
      party,
      dataDir: dir,
      ...(spec.stores?.[party] === undefined ? {} : { store: spec.stores[party] }),
      listen: { host: '127.0.0.1', port: ports[i], insecure: true },
      ...(linkPorts === null ? {} : { link: { host: '127.0.0.1', port: linkPorts[i] } }),
      registry: { scenario: spec.scenario, whatIfs: opts.whatIfs ?? [] },
      peers,
      release: { modes: opts.modes ?? {}, answerRequests: opts.answerRequests ?? 'rule' },
      delivery: spec.delivery ?? {},
      checkpointEvery: spec.checkpointEvery ?? 100,
      ...(spec.clock === undefined ? {} : { clock: spec.clock }),
    }
    const configFile = join(spec.root, `${party.toLowerCase()}.json`)
    writeFileSync(configFile, JSON.stringify(config, null, 2))
    const tokens = {} as Record<IssuedRole, string>
    for (const role of ROLES_ISSUED)
      tokens[role] = await issueToken(dir, role, role === 'release-officer' ? 'duty-officer' : role)
    nodes.push({
      party,
      dir,
      configFile,
      url: urls[i] as string,
      tokens,
      process: null,
      stderr: '',
    })
  }
  return nodes
}

/**
 * Another process of `node`'s party on the same data directory and store (PostgreSQL): its
 * own API and link ports, the same peers. Peers keep dialling `node`'s link port.
 */
export async function anotherProcess(node: LocalNode, root: string, n: number): Promise<LocalNode> {
  const config = JSON.parse(readFileSync(node.configFile, 'utf8')) as {
    listen: { port: number }
    link?: { port: number }
  }
  const port = await freePort()
  config.listen.port = port
  if (config.link !== undefined) config.link.port = await freePort()
  const configFile = join(root, `${node.party.toLowerCase()}-${n}.json`)
  writeFileSync(configFile, JSON.stringify(config, null, 2))
  return { ...node, configFile, url: `http://127.0.0.1:${port}`, process: null, stderr: '' }
}

/** Starts (or restarts) one node as its own process and waits until it answers. */
export async function startNodeProcess(node: LocalNode, timeoutMs = 20_000): Promise<void> {
  const child = spawn(
    process.execPath,
    ['--import', `file://${TSX}`, MAIN, 'node', '--party', node.party, '--config', node.configFile],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ENTENTE_EXIT_WITH_PARENT: '1' },
    },
  )
  node.stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (node.stderr += chunk.toString()))
  node.process = child
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${node.party} node exited: ${node.stderr}`)
    try {
      if ((await fetch(`${node.url}/api/health`)).ok) return
    } catch {
      // not listening yet
    }
    await sleep(100)
  }
  throw new Error(`${node.party} node did not start within ${timeoutMs} ms: ${node.stderr}`)
}

export async function stopNodeProcess(
  node: LocalNode,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  const child = node.process
  if (child === null || child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill(signal)
  await exited
  node.process = null
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/** Reads a node's server-sent audit stream until aborted. */
export async function followAudit(
  node: LocalNode,
  signal: AbortSignal,
  onEntry: (entry: AuditEntry) => void,
): Promise<void> {
  try {
    const response = await fetch(`${node.url}/api/events?access_token=${node.tokens.auditor}`, {
      signal,
    })
    const reader = (response.body as ReadableStream<Uint8Array> | null)?.getReader()
    if (reader === undefined) return
    const decoder = new TextDecoder()
    let buffer = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return
      buffer += decoder.decode(value, { stream: true })
      for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
        const data = buffer
          .slice(0, cut)
          .split('\n')
          .find((l) => l.startsWith('data: '))
        buffer = buffer.slice(cut + 2)
        if (data !== undefined) onEntry(JSON.parse(data.slice(6)) as AuditEntry)
      }
    }
  } catch {
    // aborted at the end of the demo, or the node stopped
  }
}
