import { once } from 'node:events'
import { existsSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify'
import type { NodeContext } from '../../src/node/app/context.ts'
import type { PartyKeys } from '../../src/node/crypto/keys.ts'
import type { Role } from '../../src/node/http/auth.ts'
import { startCotServers } from '../../src/node/cot/cot-servers.ts'
import { makeNode } from '../helpers/node-harness.ts'

/**
 * One node in-process for fuzzing (security review, Appendix A): real SQLite in a temp
 * directory, HTTP through `inject` (no port, no delivery worker), a clock the harness owns,
 * and every peer's private keys, so that the fuzzer can sign correct envelopes as them.
 */

export const PARTIES = ['KOR', 'JPN', 'USA'] as const
export type FuzzParty = (typeof PARTIES)[number]

export interface FuzzNodeOptions {
  readonly party: FuzzParty
  readonly answerRequests?: 'rule' | 'officer'
  readonly modes?: Readonly<Record<string, 'auto' | 'manual' | 'on-request'>>
  readonly whatIfs?: readonly string[]
  readonly checkpointEvery?: number
  /** The node's clock at start (it moves 1 ms per reading). */
  readonly startIso?: string
  /**
   * Also run the CoT stream on 127.0.0.1 with one TAK client connected, reading and dropping,
   * so that every report stored is rendered as CoT as it would be for TAK (a real port).
   */
  readonly cotStream?: boolean
}

/** What a case may refer to by index: ids the node has handed out so far. */
export interface Pools {
  reports: string[]
  pendingReleases: string[]
  releases: string[]
  incomingRequests: string[]
  outgoingRequests: string[]
  consents: string[]
  ownConsents: string[]
  messageIds: string[]
  stixIds: string[]
  statusIds: string[]
  nextCursors: string[]
}

export const POOL_NAMES = [
  'reports',
  'pendingReleases',
  'releases',
  'incomingRequests',
  'outgoingRequests',
  'consents',
  'ownConsents',
  'messageIds',
  'stixIds',
  'statusIds',
  'nextCursors',
] as const satisfies readonly (keyof Pools)[]
export type PoolName = (typeof POOL_NAMES)[number]

export interface FuzzNode {
  readonly party: FuzzParty
  readonly options: FuzzNodeOptions
  readonly dir: string
  readonly app: FastifyInstance
  readonly ctx: NodeContext
  readonly clock: { ms: number }
  /** The node's API tokens by role. */
  readonly tokens: Readonly<Record<Role, string>>
  /** TAXII client tokens (`JPN.<secret>`) of each peer party. */
  readonly partyTokens: Readonly<Record<string, string>>
  /** The peers, whose private keys the harness holds. */
  readonly peers: ReadonlyMap<FuzzParty, PartyKeys>
  readonly pools: Pools
  /** The error behind the last 5xx answer (the node answers a generic problem). */
  takeServerError(): unknown
  inject(request: InjectOptions): Promise<LightMyRequestResponse>
  close(): Promise<void>
}

export async function makeFuzzNode(options: FuzzNodeOptions): Promise<FuzzNode> {
  const party = options.party
  const h = await makeNode({
    party,
    root: scratchDir(),
    ...(options.whatIfs === undefined ? {} : { whatIfs: options.whatIfs }),
    ...(options.modes === undefined ? {} : { modes: options.modes }),
    ...(options.answerRequests === undefined ? {} : { answerRequests: options.answerRequests }),
    ...(options.startIso === undefined ? {} : { startIso: options.startIso }),
    config: { checkpointEvery: options.checkpointEvery ?? 25 },
  })
  const { app, ctx, dir, clock, tokens } = h
  const peers = new Map<FuzzParty, PartyKeys>()
  const partyTokens: Record<string, string> = {}
  for (const peer of PARTIES.filter((p) => p !== party)) {
    const keys = h.peers[peer]
    if (keys !== undefined) peers.set(peer, keys)
    partyTokens[peer] = await h.partyToken(peer)
  }
  let serverError: unknown = undefined
  // Runs before the node's error handlers, in every scope (TAXII's too): keeps the stack of a 5xx.
  app.addHook('onError', async (_request, _reply, error) => {
    serverError = error
  })
  const cot = options.cotStream === true ? await takClient(ctx) : null
  const pools = Object.fromEntries(POOL_NAMES.map((n) => [n, []])) as unknown as Pools
  return {
    party,
    options,
    dir,
    app,
    ctx,
    clock,
    tokens,
    partyTokens,
    peers,
    pools,
    takeServerError: () => {
      const error = serverError
      serverError = undefined
      return error
    },
    inject: (request) => app.inject(request),
    close: async () => {
      await cot?.close()
      await app.close()
      await ctx.store.close()
    },
  }
}

/** The node's CoT stream on a loopback port, and a client that reads and drops what it sends. */
async function takClient(ctx: NodeContext): Promise<{ close(): Promise<void> }> {
  const servers = await startCotServers(ctx, {
    stream: { host: '127.0.0.1', port: 0, insecure: true },
  })
  const socket = connect(servers.stream?.port ?? 0, '127.0.0.1')
  socket.resume()
  socket.on('error', () => undefined) // the node may drop it (a report it cannot render)
  await once(socket, 'connect')
  return {
    close: async () => {
      socket.destroy()
      await servers.close()
    },
  }
}

/**
 * Where nodes keep their data: tmpfs when there is one (`/dev/shm`), since every audited
 * commit is an fsync and the fuzzer tests what is stored, not that it survives power loss.
 */
function scratchDir(): string {
  const chosen = process.env['FUZZ_DIR'] ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir())
  return chosen
}

export function removeNodeDir(node: FuzzNode): void {
  rmSync(join(node.dir, '..'), { recursive: true, force: true })
}

/** The pool entry at `pick` (any integer), or undefined when the pool is empty. */
export function pick(node: FuzzNode, pool: PoolName, index: number): string | undefined {
  const list = node.pools[pool]
  return list.length === 0 ? undefined : list[Math.abs(index) % list.length]
}

const POOL_CAP = 500

/** Keeps the newest POOL_CAP ids of a pool (the oldest are dropped first). */
export function remember(node: FuzzNode, pool: PoolName, ...ids: readonly unknown[]): void {
  const list = node.pools[pool]
  for (const id of ids) if (typeof id === 'string' && !list.includes(id)) list.push(id)
  if (list.length > POOL_CAP) list.splice(0, list.length - POOL_CAP)
}

/** Reloads the pools the store knows (releases, requests, consents, reports). */
export async function refreshPools(node: FuzzNode): Promise<void> {
  const { store } = node.ctx
  const releases = await store.listReleases({})
  const requests = await store.listRequests({})
  const consents = await store.listConsents({})
  const reports = await store.listReports({})
  const set = (pool: PoolName, ids: readonly string[]) => {
    node.pools[pool] = ids.slice(-POOL_CAP)
  }
  set(
    'reports',
    reports.map((r) => r.id),
  )
  set(
    'releases',
    releases.map((r) => r.id),
  )
  set(
    'pendingReleases',
    releases.filter((r) => r.state === 'pending-approval').map((r) => r.id),
  )
  set(
    'incomingRequests',
    requests.filter((r) => r.direction === 'incoming' && r.status === 'open').map((r) => r.id),
  )
  set(
    'outgoingRequests',
    requests.filter((r) => r.direction === 'outgoing').map((r) => r.id),
  )
  set(
    'consents',
    consents.map((c) => c.id),
  )
  set(
    'ownConsents',
    consents.filter((c) => c.originator === node.party).map((c) => c.id),
  )
}
