import { randomUUID } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { type Envelope, sealEnvelope } from '../../src/node/crypto/envelope.ts'
import type { AuditEntry } from '../../src/node/store/store.ts'
import { makeNode as makeHarness, withOriginatorSignature } from './node-harness.ts'

export const OWN_ROLES = ['operator', 'release-officer', 'auditor', 'admin'] as const

/**
 * The review's harness (test/helpers/node-harness.ts) with the raw inbox at hand: envelopes
 * built whole, as a hostile or broken peer might, and posted as they are.
 */
export async function makeNode(
  opts: {
    party?: string
    config?: Record<string, unknown>
    startIso?: string
  } = {},
) {
  const h = await makeHarness({
    ...(opts.party === undefined ? {} : { party: opts.party }),
    ...(opts.startIso === undefined ? {} : { startIso: opts.startIso }),
    ...(opts.config === undefined ? {} : { config: opts.config }),
  })
  const tokens: Record<string, string> = h.tokens
  const call = (
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    role: string | null,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) =>
    h.app.inject({
      method,
      url,
      payload: payload as object,
      headers: {
        ...(role === null ? {} : { authorization: `Bearer ${tokens[role] ?? role}` }),
        ...headers,
      },
    })
  const postJwe = (jwe: string) =>
    h.app.inject({
      method: 'POST',
      url: '/federation/inbox',
      payload: jwe,
      headers: { 'content-type': 'application/jose' },
    })
  const envelopeFrom = (sender: string, fields: Partial<Envelope> = {}): Envelope => ({
    messageId: randomUUID(),
    sender,
    recipient: h.ctx.party,
    agreement: null,
    instantMs: h.clock.ms,
    kind: 'consent',
    payload: {},
    ...fields,
  })
  const sendAs = async (signer: string, envelope: Envelope) => {
    const payload = await withOriginatorSignature(envelope.kind, envelope.payload, h.signingKeyOf)
    const signed = { ...envelope, payload }
    return postJwe(sealEnvelope(signed, h.peers[signer]!.signing, h.ctx.keys.encryptionPublic))
  }
  return { ...h, tokens, call, postJwe, envelopeFrom, sendAs }
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
