import type { KeyObject } from 'node:crypto'
import { z } from 'zod'
import { signCompact, verifyCompact } from './compact-jose.ts'

/**
 * A peer's request for one chunk of a product's file (issue 17), authenticated as the peer: a
 * compact JWS, EdDSA, by the requester's signing key (the one the holder pins in its config,
 * as it pins it for envelopes), naming the holder, the product, the chunk and the instant. It
 * rides in the `authorization` header of a GET over the node's TLS; the holder checks it, then
 * asks the one disclosure policy whether the requester may receive the product now.
 */
export const CHUNK_REQUEST_TYPE = 'entente-chunk-request+jws'
export const CHUNK_AUTH_SCHEME = 'Entente-Peer'

const statementSchema = z.strictObject({
  iss: z.string().regex(/^[A-Z][A-Z0-9]{1,9}$/),
  aud: z.string().regex(/^[A-Z][A-Z0-9]{1,9}$/),
  productId: z.string().max(128),
  index: z.number().int().min(0),
  iatMs: z.number().int().min(0),
})
export type ChunkRequest = z.infer<typeof statementSchema>

export function signChunkRequest(request: ChunkRequest, signingKey: KeyObject): string {
  return signCompact(
    new TextEncoder().encode(JSON.stringify(request)),
    { typ: CHUNK_REQUEST_TYPE, kid: `${request.iss}-sig` },
    signingKey,
  )
}

/**
 * The requester, if `jws` is a request by a pinned peer for exactly this chunk, made within
 * `skewMs` of `nowMs`; else the reason (never echoing the token).
 */
export function verifyChunkRequest(
  jws: string,
  keyOf: (party: string) => KeyObject | undefined,
  expected: { aud: string; productId: string; index: number; nowMs: number; skewMs: number },
): { ok: true; iss: string } | { ok: false; reason: string } {
  const body = jws.split('.')[1]
  let claimed: ChunkRequest
  try {
    claimed = statementSchema.parse(
      JSON.parse(Buffer.from(body ?? '', 'base64url').toString('utf8')),
    )
  } catch {
    return { ok: false, reason: 'not a chunk request' }
  }
  const key = keyOf(claimed.iss)
  if (key === undefined) return { ok: false, reason: `${claimed.iss} is not a pinned peer` }
  try {
    const verified = verifyCompact(jws, key)
    if (verified.protectedHeader['typ'] !== CHUNK_REQUEST_TYPE) throw new Error('typ')
  } catch {
    return { ok: false, reason: `not signed by ${claimed.iss}'s pinned key` }
  }
  if (claimed.aud !== expected.aud) return { ok: false, reason: 'for another holder' }
  if (claimed.productId !== expected.productId || claimed.index !== expected.index)
    return { ok: false, reason: 'for another chunk' }
  if (Math.abs(claimed.iatMs - expected.nowMs) > expected.skewMs)
    return { ok: false, reason: 'made too long ago or in the future' }
  return { ok: true, iss: claimed.iss }
}
