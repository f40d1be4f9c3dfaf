import { randomUUID } from 'node:crypto'
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { PartyId } from '../../src/domain/ids.ts'
import { buildRegistryIndex } from '../../src/domain/registry-index.ts'
import type { Registry } from '../../src/domain/registry.ts'
import { type NodeContext, originatorKeyLookup, type Peer } from '../../src/node/app/context.ts'
import { EventHub } from '../../src/node/app/event-hub.ts'
import { partyTokenRow } from '../../src/node/app/taxii-views.ts'
import { nodeConfigSchema } from '../../src/node/config.ts'
import { generatePartyKeys, type PartyKeys, publicJwks } from '../../src/node/crypto/keys.ts'
import { tokenHash } from '../../src/node/http/auth.ts'
import { buildHttpApp } from '../../src/node/http/app.ts'
import { ContentStore } from '../../src/node/store/content-store.ts'
import { SqliteStore } from '../../src/node/store/sqlite/sqlite-store.ts'

/**
 * One party's node in-process on any registry (a generated one, typically): the node's real
 * store (a migrated SQLite file, copied from a template so that a case does not pay for the
 * migrations), its keys and every other party of the registry as a peer whose private keys
 * the test holds. No scenario file, no port, no delivery worker running: the test moves the
 * clock and runs the worker itself.
 */

export interface PolicyNodeOptions {
  readonly modes?: Record<string, 'auto' | 'manual' | 'on-request'>
  readonly answerRequests?: 'rule' | 'officer'
}

export interface PolicyNode {
  readonly ctx: NodeContext
  readonly clock: { ms: number }
  /** Every party's keys, this node's included: the test signs receipts as the peers. */
  readonly keys: ReadonlyMap<string, PartyKeys>
  /** The node's HTTP app (built on first use) and a TAXII token for a party. */
  http(): FastifyInstance
  taxiiToken(party: PartyId): Promise<string>
  close(): Promise<void>
}

const keyCache = new Map<string, PartyKeys>()
const keysOf = (party: string): PartyKeys => {
  let keys = keyCache.get(party)
  if (keys === undefined) {
    keys = generatePartyKeys(party)
    keyCache.set(party, keys)
  }
  return keys
}

let workDir: string | null = null
let template: string | null = null
let counter = 0

/** A migrated, empty database to copy; in memory-backed /dev/shm when there is one. */
async function templateDb(): Promise<{ dir: string; file: string }> {
  if (workDir === null || template === null) {
    const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir()
    workDir = mkdtempSync(join(base, 'entente-policy-'))
    template = join(workDir, 'template.db')
    const store = await SqliteStore.open(template)
    await store.close()
  }
  return { dir: workDir, file: template }
}

/** Removes every database the policy nodes of this process made. */
export function removePolicyNodeFiles(): void {
  if (workDir !== null) rmSync(workDir, { recursive: true, force: true })
  workDir = null
  template = null
}

export async function makePolicyNode(
  registry: Registry,
  party: PartyId,
  options: PolicyNodeOptions = {},
  startMs = 0,
): Promise<PolicyNode> {
  const { dir, file } = await templateDb()
  const dbFile = join(dir, `node-${++counter}.db`)
  copyFileSync(file, dbFile)
  const store = await SqliteStore.open(dbFile)
  const config = nodeConfigSchema.parse({
    party,
    dataDir: dir,
    listen: { port: 0 },
    registry: { scenario: '(generated registry)' },
    release: { modes: options.modes ?? {}, answerRequests: options.answerRequests ?? 'rule' },
    checkpointEvery: 1_000_000,
  })
  const keys = new Map([...registry.parties.keys()].map((p) => [p as string, keysOf(p)]))
  const peers = new Map<PartyId, Peer>()
  for (const p of registry.parties.keys()) {
    if (p === party) continue
    const k = keysOf(p)
    const peer = { party: p, url: 'http://127.0.0.1:9', signingKey: k.signingPublic }
    peers.set(p, { ...peer, encryptionKey: k.encryptionPublic })
  }
  const clock = { ms: startMs }
  const events = new EventHub()
  const own = keysOf(party)
  const ctx: NodeContext = {
    party,
    config,
    store,
    content: await ContentStore.open(join(dir, `content-${counter}`)),
    index: buildRegistryIndex(registry),
    keys: own,
    peers,
    originatorKey: originatorKeyLookup(party, own, peers, new Map()),
    now: () => clock.ms,
    onAudit: events.publish,
    events,
    publicJwks: publicJwks(own),
    peerStatus: () => [],
    deliverSoon: () => undefined,
    newId: () => randomUUID(),
    random: () => 0.5,
  }
  let app: FastifyInstance | null = null
  return {
    ctx,
    clock,
    keys,
    http: () => (app ??= buildHttpApp(ctx)),
    taxiiToken: async (viewer) => {
      const secret = randomUUID()
      if (viewer === party) {
        const row = { tokenHash: tokenHash(secret), role: 'operator' as const }
        await store.insertToken({
          ...row,
          label: 'own',
          createdAtMs: clock.ms,
          expiresAtMs: null,
          revokedAtMs: null,
        })
        return secret
      }
      const { token, row } = partyTokenRow(viewer, secret, 'property', clock.ms)
      await store.insertToken(row)
      return token
    },
    close: async () => {
      await app?.close()
      await store.close()
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${dbFile}${suffix}`, { force: true })
    },
  }
}
