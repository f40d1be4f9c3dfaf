import { type KeyObject, randomUUID } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { LightMyRequestResponse } from 'fastify'
import { initNode, issuePartyToken, issueToken } from '../../src/cli/node.ts'
import { nodeConfigSchema } from '../../src/node/config.ts'
import { sealEnvelope } from '../../src/node/crypto/envelope.ts'
import { generatePartyKeys, type PartyKeys, publicJwks } from '../../src/node/crypto/keys.ts'
import { signReport } from '../../src/node/crypto/originator-signature.ts'
import { createNode } from '../../src/node/main.ts'
import { PROTOCOL_VERSION, wireReportSchema } from '../../src/protocol/messages.ts'
import { ROOT } from './cli.ts'

/** The launch of 31 October 2019 as an analyst submits it. */
export const LAUNCH = {
  time: '2019-10-31T16:35:00+09:00',
  site: { lat: 39.41, lon: 125.89 },
  headingDeg: 68,
  rangeKm: 370,
  apogeeKm: 90,
  count: 1,
  confidence: 'high',
} as const

export const reportInput = (
  originator: string,
  level: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({
  marking: { originator, level },
  topic: 'dprk-missile',
  launch: LAUNCH,
  ...extra,
})

/** A report as it travels in a `report` message. */
export const wireReport = (
  originator: string,
  level: string,
  over: Record<string, unknown> = {},
): Record<string, unknown> => ({
  id: randomUUID(),
  originator,
  level,
  topic: 'dprk-missile',
  releasableTo: null,
  payload: LAUNCH,
  ...over,
})

/**
 * A report message as the originator's node would send it: signed by the originator (H4),
 * when the test holds the originator's key and gave no `originatorSignature` of its own. A
 * test that forges or omits one says so with the key (`originatorSignature: undefined` sends
 * none). A report the schema refuses is left unsigned: it never gets as far as the signature.
 */
export function withOriginatorSignature(
  kind: string,
  payload: unknown,
  keyOf: (party: string) => KeyObject | undefined,
): unknown {
  if (kind !== 'report' || typeof payload !== 'object' || payload === null) return payload
  if ('originatorSignature' in payload) return payload
  const report = wireReportSchema.safeParse((payload as { report?: unknown }).report)
  const key = report.success ? keyOf(report.data.originator) : undefined
  if (!report.success || key === undefined) return payload
  return { ...payload, originatorSignature: signReport(report.data, key) }
}

export interface HarnessOptions {
  readonly party?: string
  readonly whatIfs?: readonly string[]
  readonly modes?: Record<string, string>
  readonly answerRequests?: 'rule' | 'officer'
  readonly startIso?: string
  /** Any other config fields, over the ones above. */
  readonly config?: Record<string, unknown>
  /** Where the node's data directory is made (default: the system's temp directory). */
  readonly root?: string
}

export type Role = 'operator' | 'release-officer' | 'auditor' | 'admin'

export interface Envelope {
  readonly messageId?: string
  readonly agreement?: string | null
  readonly instantMs?: number
  readonly kind: string
  readonly payload: unknown
  readonly v?: number
}

/**
 * One node in-process (no port, no delivery worker running) on the reference registry,
 * whose peers' private keys the test holds, so that it can sign envelopes as those peers —
 * the harness of the security review's Appendix A.
 */
export async function makeNode(options: HarnessOptions = {}) {
  const party = options.party ?? 'KOR'
  const root = options.root ?? tmpdir()
  const dir = join(mkdtempSync(join(root, 'entente-harness-')), party.toLowerCase())
  await initNode(party, dir)
  const tokens = {} as Record<Role, string>
  for (const role of ['operator', 'release-officer', 'auditor', 'admin'] as const)
    tokens[role] = await issueToken(dir, role, role)
  const peers: Record<string, PartyKeys> = {}
  const peerConfig: Record<string, unknown> = {}
  for (const p of ['KOR', 'JPN', 'USA'].filter((x) => x !== party)) {
    const keys = generatePartyKeys(p)
    peers[p] = keys
    const [signing, encryption] = publicJwks(keys).keys
    peerConfig[p] = { url: 'http://127.0.0.1:9', keys: { signing, encryption } }
  }
  const config = nodeConfigSchema.parse({
    party,
    dataDir: dir,
    // Plain HTTP on loopback: tests that listen read the event stream with fetch (no CA option).
    listen: { port: 0, insecure: true },
    registry: {
      scenario: join(ROOT, 'scenarios/korea-japan-2019.yaml'),
      whatIfs: options.whatIfs ?? [],
    },
    peers: peerConfig,
    release: { modes: options.modes ?? {}, answerRequests: options.answerRequests ?? 'rule' },
    checkpointEvery: 10,
    ...options.config,
  })
  const clock = { ms: Date.parse(options.startIso ?? '2019-10-31T07:36:00Z') }
  const { app, ctx, worker } = await createNode(config, { now: () => clock.ms++ })

  const call = (
    method: string,
    url: string,
    role: Role | null,
    payload?: unknown,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> =>
    app.inject({
      method: method as 'GET',
      url,
      ...(payload === undefined ? {} : { payload: payload as object }),
      headers: {
        ...(role === null ? {} : { authorization: `Bearer ${tokens[role]}` }),
        ...headers,
      },
    })

  /** The private signing key of a party, as the test holds it (its own node's, or a peer's). */
  const signingKeyOf = (p: string): KeyObject | undefined =>
    p === party ? ctx.keys.signing : peers[p]?.signing

  /** Seals and posts an envelope as peer `from`, exactly as its node would (or not). */
  const sendAs = async (from: string, e: Envelope): Promise<LightMyRequestResponse> => {
    const keys = peers[from]
    if (keys === undefined) throw new Error(`no peer ${from}`)
    const jwe = sealEnvelope(
      {
        v: e.v ?? PROTOCOL_VERSION,
        messageId: e.messageId ?? randomUUID(),
        sender: from,
        recipient: party,
        agreement: e.agreement ?? null,
        instantMs: e.instantMs ?? clock.ms,
        kind: e.kind,
        payload: await withOriginatorSignature(e.kind, e.payload, signingKeyOf),
      },
      keys.signing,
      ctx.keys.encryptionPublic,
    )
    return app.inject({
      method: 'POST',
      url: '/federation/inbox',
      payload: jwe,
      headers: { 'content-type': 'application/jose' },
    })
  }

  return {
    app,
    ctx,
    config,
    worker,
    dir,
    tokens,
    peers,
    clock,
    call,
    sendAs,
    signingKeyOf,
    partyToken: (p: string) => issuePartyToken(dir, p, 'poc'),
    close: async () => {
      await app.close()
      await ctx.store.close()
    },
  }
}

export type Harness = Awaited<ReturnType<typeof makeNode>>
