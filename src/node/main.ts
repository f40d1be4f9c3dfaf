import { randomUUID } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { isIP } from 'node:net'
import { hostname } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { asPartyId, type PartyId } from '../domain/ids.ts'
import { buildRegistryIndex } from '../domain/registry-index.ts'
import { EntenteError } from '../lib/errors.ts'
import { formatIssue, loadScenarioFile } from '../scenario/load.ts'
import { toRegistry } from '../scenario/to-domain.ts'
import { auditedTransaction, checkpointAt, merkleLogOf } from './app/audit-log.ts'
import { presentCheckpoint, witnessedSize } from './audit/witness.ts'
import { type NodeContext, originatorKeyLookup, type Peer } from './app/context.ts'
import { DeliveryWorker } from './app/delivery.ts'
import { authFailuresOf } from './app/auth-failures.ts'
import { receiveFrame } from './app/receive.ts'
import { ensureNodeCa, type LinkTls, readLinkTls } from './crypto/ca.ts'
import { HttpPostLink, type PostEnvelope } from './link/http-link.ts'
import { type LinkServer, startLinkServer } from './link/link-server.ts'
import type { PeerLink } from './link/peer-link.ts'
import { WsPeerLink } from './link/ws-link.ts'
import { EventHub } from './app/event-hub.ts'
import { AuditFollower } from './app/audit-follower.ts'
import { ContentStore } from './store/content-store.ts'
import { type ChunkSource, ProductTransfers } from './app/product-transfer.ts'
import { chunkSourceWith } from './http/fetch-chunk.ts'
import { PostgresStore } from './store/postgres/postgres-store.ts'
import { canonicalJson } from './audit/hash.ts'
import { type NodeConfig } from './config.ts'
import { checkCotIngestConfig } from './app/cot-ingest.ts'
import { type CotServers, startCotServers } from './cot/cot-servers.ts'
import { importPeerKeys, importPublicKey, publicJwks, readPartyKeys } from './crypto/keys.ts'
import { buildHttpApp } from './http/app.ts'
import { postEnvelopeWith } from './http/post-envelope.ts'
import { peerCas, serverTlsOptions } from './http/tls.ts'
import {
  describeStoreLocation,
  openStoreAt,
  sameStore,
  type StoreLocation,
  storeLocationSchema,
} from './store/location.ts'
import type { Store } from './store/store.ts'
import { createHash, type KeyObject } from 'node:crypto'

export const DB_FILE = 'entente.db'
/** The config the node last started with, written by `node --config` for `export`/`import`. */
export const CONFIG_FILE = 'config.json'

/** Where a data directory's store is, when not the SQLite file in it (node init --store). */
export const STORE_FILE = 'store.json'

/** The store of a data directory: the one recorded in it, else its SQLite file. */
export function storeLocationOf(dataDir: string): StoreLocation {
  const recorded = join(dataDir, STORE_FILE)
  if (!existsSync(recorded)) return { sqlite: join(dataDir, DB_FILE) }
  const parsed = storeLocationSchema.safeParse(JSON.parse(readFileSync(recorded, 'utf8')))
  if (!parsed.success)
    throw new EntenteError('CONFIG_INVALID', `${recorded}: not a store location this build knows`)
  return parsed.data
}

/**
 * The store a node's config names, checked against the one its data directory records: a
 * node never moves to another store by a config edit alone (its history would split).
 */
export function storeLocationFor(dataDir: string, store?: StoreLocation): StoreLocation {
  const recorded = storeLocationOf(dataDir)
  const wanted = store ?? recorded
  if (
    !sameStore(wanted, recorded) &&
    (existsSync(join(dataDir, STORE_FILE)) || existsSync(join(dataDir, DB_FILE)))
  )
    throw new EntenteError(
      'CONFIG_INVALID',
      `store: ${describeStoreLocation(wanted)} is asked for but ${dataDir} holds ` +
        `${describeStoreLocation(recorded)}; move the data or fix the config`,
    )
  return wanted
}

/**
 * Opens the store of a data directory (`location`, else the one it records), the one opener
 * of the node and of every CLI command. The directory is made owner-only (0700) every time,
 * whoever created it, and so are SQLite's files (0600): reports, audit and token hashes. A
 * location other than the default is recorded in the directory, for `--dir` commands.
 * The PostgreSQL password comes from the location's passwordFile, else ENTENTE_PG_PASSWORD.
 */
export async function openStore(
  dataDir: string,
  location: StoreLocation = storeLocationOf(dataDir),
): Promise<Store> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 })
  ownerOnly(dataDir, 0o700)
  const store = await openStoreAt(location, process.env['ENTENTE_PG_PASSWORD'])
  if ('sqlite' in location) {
    const file = location.sqlite
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) ownerOnly(f, 0o600)
  }
  const recorded = join(dataDir, STORE_FILE)
  const text = `${JSON.stringify(location, null, 2)}\n`
  const isDefault = sameStore(location, { sqlite: join(dataDir, DB_FILE) })
  if (!isDefault && (!existsSync(recorded) || readFileSync(recorded, 'utf8') !== text))
    writeFileSync(recorded, text, { mode: 0o600 })
  return store
}

function ownerOnly(path: string, mode: number): void {
  try {
    chmodSync(path, mode)
  } catch (error) {
    throw new EntenteError(
      'FILE_NOT_READABLE',
      `${path}: cannot make it readable by its owner only (chmod ${mode.toString(8)})`,
      { cause: error },
    )
  }
}

export interface RunningNode {
  readonly ctx: NodeContext
  readonly app: FastifyInstance
  readonly url: string
  readonly cot: Omit<CotServers, 'close'>
  /** Where the live link listens, if it does. */
  readonly link: { readonly host: string; readonly port: number } | null
  stop(): Promise<void>
}

/**
 * The application context of a node: registry, keys, peers, store, clock. The CLI's
 * `export` and `import` open one on a data directory as the node itself does.
 */
export async function openNodeContext(
  config: NodeConfig,
  overrides: Partial<Pick<NodeContext, 'now' | 'random' | 'deliverSoon' | 'peerStatus'>> = {},
): Promise<{ ctx: NodeContext; registryDoc: unknown; follower: AuditFollower | null }> {
  const party = asPartyId(config.party)
  const loaded = loadScenarioFile(config.registry.scenario, config.registry.whatIfs)
  if (!loaded.ok)
    throw new EntenteError('SCENARIO_INVALID', loaded.issues.map(formatIssue).join('\n'))
  const registry = toRegistry(loaded.doc)
  if (!registry.parties.has(party))
    throw new EntenteError(
      'CONFIG_INVALID',
      `party: ${party} is not a party of ${config.registry.scenario}`,
    )
  const keys = await readPartyKeys(config.dataDir)
  const peers = new Map<PartyId, Peer>()
  for (const [id, peer] of Object.entries(config.peers)) {
    const imported = importPeerKeys(peer.keys)
    peers.set(asPartyId(id), {
      party: asPartyId(id),
      url: peer.url.replace(/\/$/, ''),
      signingKey: imported.signing,
      encryptionKey: imported.encryption,
      ...(peer.link === undefined ? {} : { link: peer.link }),
    })
  }
  // Parties that are not peers: their reports reach us through a hub, signed by them (H4).
  const originators = new Map<string, KeyObject>()
  for (const [id, jwk] of Object.entries(config.originators)) {
    if (id === party || peers.has(asPartyId(id)))
      throw new EntenteError(
        'CONFIG_INVALID',
        `originators.${id}: ${id === party ? 'this node' : 'a peer'}; its key is known already`,
      )
    if (!registry.parties.has(asPartyId(id)))
      throw new EntenteError(
        'CONFIG_INVALID',
        `originators.${id}: not a party of ${config.registry.scenario}`,
      )
    originators.set(id, importPublicKey(jwk, 'ed25519', `originators.${id}`))
  }
  const store = await openStore(config.dataDir, storeLocationFor(config.dataDir, config.store))
  const events = new EventHub()
  // On PostgreSQL other processes of this party may append too: their entries are followed.
  const follower = store instanceof PostgresStore ? new AuditFollower(store, events.publish) : null
  const ctx: NodeContext = {
    party,
    config,
    store,
    content: await ContentStore.open(join(config.dataDir, 'content')),
    index: buildRegistryIndex(registry),
    keys,
    peers,
    originatorKey: originatorKeyLookup(party, keys, peers, originators),
    now: overrides.now ?? clockOf(config),
    random: overrides.random ?? Math.random,
    newId: () => randomUUID(),
    onAudit: follower?.local ?? events.publish,
    events,
    publicJwks: publicJwks(keys),
    // Without a delivery worker (the CLI), the outbox waits for the node's next scan.
    deliverSoon: overrides.deliverSoon ?? (() => undefined),
    peerStatus: overrides.peerStatus ?? (() => []),
  }
  return { ctx, registryDoc: loaded.doc, follower }
}

/** The composition root: the only place that reads the clock, randomness and the network. */
export async function createNode(
  config: NodeConfig,
  overrides: Partial<Pick<NodeContext, 'now' | 'random'>> = {},
): Promise<{
  ctx: NodeContext
  worker: DeliveryWorker
  /** Other processes' audit entries for the live streams (PostgreSQL only). */
  follower: AuditFollower | null
  linkTls: LinkTls
  app: FastifyInstance
  /** Issue 17: the images being fetched from peers, chunk by chunk. */
  transfers: ProductTransfers
}> {
  // Data directories from an older init get the certificates they lack (never overwritten),
  // dated by the real clock: an exercise clock would date them in the past.
  await ensureNodeCa(config.dataDir, config.party, Date.now())
  const linkTls = await readLinkTls(config.dataDir)
  let worker: DeliveryWorker | null = null
  const { ctx, registryDoc, follower } = await openNodeContext(config, {
    ...overrides,
    deliverSoon: (messages) => worker?.add(messages),
    peerStatus: () => worker?.peers() ?? [],
  })
  // A feed's marking the node could not ingest is a config error: refused before anything runs.
  const feed = config.cot?.ingest
  if (feed !== undefined) {
    try {
      checkCotIngestConfig(ctx, feed)
    } catch (error) {
      await ctx.store.close()
      throw error
    }
  }
  let tls: Awaited<ReturnType<typeof serverTlsOptions>>
  let post: PostEnvelope
  let chunks: ChunkSource
  try {
    tls = await serverTlsOptions(config)
    post = postEnvelopeWith(peerCas(config.peers))
    chunks = chunkSourceWith(
      { party: ctx.party, signingKey: ctx.keys.signing },
      peerCas(config.peers),
      {
        timeoutMs: Math.max(config.delivery.timeoutMs, 30_000),
        now: ctx.now,
      },
    )
  } catch (error) {
    await ctx.store.close()
    throw error
  }
  // Processes of one party sharing PostgreSQL hold each peer's link and message by lease.
  const leases =
    ctx.store instanceof PostgresStore
      ? ctx.store.leases(`${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`)
      : undefined
  worker = new DeliveryWorker(ctx, peerLinks(ctx, linkTls, post), leases)
  await recordStart(ctx, ctx.store, registryDoc)
  const transfers = new ProductTransfers(ctx, chunks)
  return { ctx, worker, linkTls, follower, transfers, app: buildHttpApp(ctx, tls) }
}

/** One link per peer: the live link where the config names one, else one POST per message. */
export function peerLinks(
  ctx: NodeContext,
  tls: LinkTls,
  post: PostEnvelope,
): Map<PartyId, PeerLink> {
  const { delivery } = ctx.config
  const self = { party: ctx.party, keys: ctx.keys, tls }
  const links = new Map<PartyId, PeerLink>()
  // Both links carry it (issue 13). A log the node refuses to sign (its store rewritten:
  // CONFLICT) sends without a checkpoint rather than not at all; its peers see them stop.
  const checkpoint = (old: number) =>
    presentCheckpoint(merkleLogOf(ctx), old).catch(() => undefined)
  for (const [party, peer] of ctx.peers) {
    const link =
      peer.link === undefined
        ? new HttpPostLink(self, peer, post, {
            window: delivery.concurrency,
            timeoutMs: delivery.timeoutMs,
            checkpoint,
          })
        : new WsPeerLink(self, peer, {
            url: peer.link.url,
            fingerprint256: peer.link.fingerprint256,
            window: delivery.window,
            timeoutMs: delivery.timeoutMs,
            heartbeatMs: delivery.heartbeatMs,
            maxBackoffMs: delivery.maxBackoffMs,
            random: ctx.random,
            now: ctx.now,
            checkpoint,
          })
    links.set(party, link)
  }
  return links
}

/** The live link's listener, when the config has one: frames in, receipts out. */
export async function listenForLinks(ctx: NodeContext, tls: LinkTls): Promise<LinkServer | null> {
  const listen = ctx.config.link
  if (listen === undefined) return null
  const pinned = new Map<PartyId, string>()
  for (const [party, peer] of ctx.peers)
    if (peer.link !== undefined) pinned.set(party, peer.link.fingerprint256)
  return startLinkServer(
    {
      self: ctx.party,
      host: listen.host,
      port: listen.port,
      tls,
      peers: pinned,
      // A frame of the largest batch of the largest messages, with room for its sealing.
      maxFrameBytes: 64 * 1024 * 1024,
      heartbeatMs: ctx.config.delivery.heartbeatMs,
    },
    {
      lastSeq: (peer) => ctx.store.lastFrameSeq(peer),
      witnessedSize: (peer) => witnessedSize(ctx, peer),
      receive: (peer, seq, body) => receiveFrame(ctx, peer, seq, body),
      refused: (remote, reason) =>
        void authFailuresOf(ctx).count({ remote, family: 'federation', route: 'link', reason }),
    },
  )
}

/**
 * Starts the HTTP server, the delivery worker and the CoT servers the config asks for; `stop`
 * closes the servers, drains the worker and closes the store.
 */
export async function startNode(config: NodeConfig): Promise<RunningNode> {
  // Whatever the node writes (database, WAL, checkpoints, config) is its owner's only.
  process.umask(0o077)
  const { ctx, worker, app, linkTls, follower, transfers } = await createNode(config)
  await app.listen({ host: config.listen.host, port: config.listen.port })
  const servers = await startServers(ctx, linkTls).catch(async (error: unknown) => {
    await app.close()
    await ctx.store.close()
    throw error
  })
  const { cot, links } = servers
  worker.start()
  await follower?.start()
  await transfers.start()
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.listen.port
  const scheme = config.listen.insecure === true ? 'http' : 'https'
  const host = isIP(config.listen.host) === 6 ? `[${config.listen.host}]` : config.listen.host
  return {
    ctx,
    app,
    url: `${scheme}://${host}:${port}`,
    cot: { stream: cot.stream, ingest: cot.ingest },
    link: links === null ? null : { host: links.host, port: links.port },
    stop: async () => {
      await cot.close()
      await links?.close()
      await app.close()
      await worker.stop()
      await transfers.stop()
      follower?.stop()
      const last = await ctx.store.lastAudit()
      if (last !== undefined) await checkpointAt(ctx, last)
      await ctx.store.close()
    },
  }
}

/** The link listener and the CoT servers; if one cannot start, none is left running. */
async function startServers(
  ctx: NodeContext,
  linkTls: LinkTls,
): Promise<{ cot: CotServers; links: LinkServer | null }> {
  const links = await listenForLinks(ctx, linkTls)
  try {
    return { cot: await startCotServers(ctx, ctx.config.cot), links }
  } catch (error) {
    await links?.close()
    throw error
  }
}

/**
 * Audits each start with the policy it runs under (release modes, answerRequests, clockSkewS,
 * the exercise clock, the hash of the whole effective config: it holds no secret), and any
 * change of the registry since the last start (by its hash).
 */
async function recordStart(ctx: NodeContext, store: Store, registryDoc: unknown): Promise<void> {
  const registryHash = createHash('sha256').update(canonicalJson(registryDoc)).digest('hex')
  const previous = await store.listAudit({ type: 'registry', limit: 1_000_000 })
  const last = previous[previous.length - 1]
  const atMs = ctx.now()
  await auditedTransaction(ctx, async (tx, audit) => {
    if (last?.data['hash'] !== registryHash) {
      const data = {
        hash: registryHash,
        whatIfs: ctx.config.registry.whatIfs,
        previousHash: last?.data['hash'] ?? null,
      }
      await audit.append(tx, {
        atMs,
        type: 'registry',
        party: null,
        subject: ctx.config.registry.scenario,
        data,
      })
    }
    await audit.append(tx, {
      atMs,
      type: 'node',
      party: null,
      subject: null,
      data: {
        event: 'start',
        peers: [...ctx.peers.keys()],
        release: {
          modes: ctx.config.release.modes,
          answerRequests: ctx.config.release.answerRequests,
        },
        clockSkewS: ctx.config.clockSkewS,
        clock: ctx.config.clock ?? null,
        configSha256: createHash('sha256').update(canonicalJson(ctx.config)).digest('hex'),
      },
    })
  })
}

/** The real clock, or the exercise clock of the config (see NodeConfig.clock). */
function clockOf(config: NodeConfig): () => number {
  const clock = config.clock
  if (clock === undefined) return () => Date.now()
  const originMs = Date.parse(clock.originAt)
  return () => Math.round(originMs + (Date.now() - clock.startedAtMs) * clock.speed)
}
