import { randomUUID } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { initNode, issuePartyToken, issueToken } from '../../src/cli/node.ts'
import { nodeConfigSchema } from '../../src/node/config.ts'
import { type Envelope, sealEnvelope } from '../../src/node/crypto/envelope.ts'
import { generatePartyKeys, type PartyKeys, publicJwks } from '../../src/node/crypto/keys.ts'
import { createNode } from '../../src/node/main.ts'
import type { AuditEntry } from '../../src/node/store/store.ts'
import { ROOT } from './cli.ts'

export const OWN_ROLES = ['operator', 'release-officer', 'auditor', 'admin'] as const

/**
 * One node in-process (no port, no delivery worker) whose peers' private keys the test holds,
 * so that it can sign envelopes as those peers (the security review's harness, Appendix A).
 */
export async function makeNode(
  opts: {
    party?: string
    config?: Record<string, unknown>
    startIso?: string
  } = {},
) {
  const party = opts.party ?? 'KOR'
  const dir = join(mkdtempSync(join(tmpdir(), 'entente-hygiene-')), party.toLowerCase())
  await initNode(party, dir)
  const tokens: Record<string, string> = {}
  for (const role of OWN_ROLES) tokens[role] = await issueToken(dir, role, role)
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
    listen: { port: 0 },
    registry: { scenario: join(ROOT, 'scenarios/korea-japan-2019.yaml') },
    peers: peerConfig,
    checkpointEvery: 10,
    ...opts.config,
  })
  const clock = { ms: Date.parse(opts.startIso ?? '2019-10-31T07:36:00Z') }
  const { app, ctx } = await createNode(config, { now: () => clock.ms++ })
  const call = (
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    role: string | null,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) =>
    app.inject({
      method,
      url,
      payload: payload as object,
      headers: {
        ...(role === null ? {} : { authorization: `Bearer ${tokens[role] ?? role}` }),
        ...headers,
      },
    })
  const postJwe = (jwe: string) =>
    app.inject({
      method: 'POST',
      url: '/federation/inbox',
      payload: jwe,
      headers: { 'content-type': 'application/jose' },
    })
  const envelopeFrom = (sender: string, fields: Partial<Envelope> = {}): Envelope => ({
    messageId: randomUUID(),
    sender,
    recipient: party,
    agreement: null,
    instantMs: clock.ms,
    kind: 'consent',
    payload: {},
    ...fields,
  })
  const sendAs = async (signer: string, envelope: Envelope) =>
    postJwe(await sealEnvelope(envelope, peers[signer]!.signing, ctx.keys.encryptionPublic))
  return {
    app,
    ctx,
    dir,
    config,
    tokens,
    peers,
    clock,
    call,
    postJwe,
    envelopeFrom,
    sendAs,
    partyToken: (p: string) => issuePartyToken(dir, p, 'poc'),
    close: async () => {
      await app.close()
      await ctx.store.close()
    },
  }
}

export type OneNode = Awaited<ReturnType<typeof makeNode>>

/**
 * Reads GET /api/events over loopback until `enough` holds of the entries received, then
 * disconnects. The node must be listening (`app.listen`).
 */
export function readEventStream(
  url: string,
  token: string | null,
  enough: (entries: readonly AuditEntry[]) => boolean,
): Promise<AuditEntry[]> {
  return new Promise((resolve, reject) => {
    const entries: AuditEntry[] = []
    let buffer = ''
    const headers = token === null ? {} : { authorization: `Bearer ${token}` }
    const request = httpRequest(url, { headers }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`GET ${url}: HTTP ${res.statusCode ?? '?'}`))
        res.resume()
        return
      }
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        buffer += chunk
        let end = buffer.indexOf('\n\n')
        while (end >= 0) {
          const data = /^data: (.*)$/m.exec(buffer.slice(0, end))?.[1]
          if (data !== undefined) entries.push(JSON.parse(data) as AuditEntry)
          buffer = buffer.slice(end + 2)
          end = buffer.indexOf('\n\n')
        }
        if (enough(entries)) {
          request.destroy()
          resolve(entries)
        }
      })
      res.on('error', () => undefined)
    })
    request.on('error', (error) => {
      if (!request.destroyed || !enough(entries)) reject(error)
    })
    request.end()
  })
}
