import { request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent, request as httpsRequest } from 'node:https'
import type { KeyObject } from 'node:crypto'
import { CHUNK_BYTES } from '../../protocol/product.ts'
import type { ChunkSource } from '../app/product-transfer.ts'
import { CHUNK_AUTH_SCHEME, signChunkRequest } from '../crypto/chunk-request.ts'
import { MIN_TLS_VERSION } from './tls.ts'

/**
 * The receiver's download of one chunk from a holder (issue 17): a GET to the holder's node
 * URL over its TLS (its certificate checked against `peers.X.ca`, as envelopes are posted),
 * authenticated by a chunk request signed with this node's key. A body without a length, or
 * longer than a chunk or than its length, is cut off: a holder cannot make the receiver buffer
 * more than 1 MiB a request.
 */
export function chunkSourceWith(
  self: { readonly party: string; readonly signingKey: KeyObject },
  casByOrigin: ReadonlyMap<string, readonly string[]>,
  options: { readonly timeoutMs: number; readonly now: () => number },
): ChunkSource {
  const agents = new Map<string, Agent>()
  for (const [origin, ca] of casByOrigin)
    agents.set(origin, new Agent({ ca: [...ca], minVersion: MIN_TLS_VERSION, keepAlive: true }))
  const systemRoots = new Agent({ minVersion: MIN_TLS_VERSION, keepAlive: true })
  return (holder, productId, index, into) => {
    const target = new URL(
      `${holder.url}/federation/products/${encodeURIComponent(productId)}/chunks/${index}`,
    )
    const token = signChunkRequest(
      { iss: self.party, aud: holder.party, productId, index, iatMs: options.now() },
      self.signingKey,
    )
    const requestOptions = {
      method: 'GET',
      headers: { authorization: `${CHUNK_AUTH_SCHEME} ${token}` },
      signal: AbortSignal.timeout(options.timeoutMs),
    }
    return new Promise((resolve, reject) => {
      const onResponse = (response: IncomingMessage): void => {
        if (response.statusCode !== 200) {
          // A refusal or a failure: its status is the answer, its body is not read.
          response.resume()
          resolve({ status: response.statusCode ?? 0, bytes: null })
          return
        }
        readBody(response, into).then((bytes) => resolve({ status: 200, bytes }), reject)
      }
      const sent =
        target.protocol === 'https:'
          ? httpsRequest(
              target,
              { ...requestOptions, agent: agents.get(target.origin) ?? systemRoots },
              onResponse,
            )
          : httpRequest(target, requestOptions, onResponse)
      sent.once('error', reject)
      sent.end()
    })
  }
}

/**
 * The body, copied as it arrives into `into` (the caller's chunk buffer, reused chunk after
 * chunk) or one buffer of the length the holder announced: at most a chunk, no list of
 * pieces, no second copy to join them. Nothing is written into it once the promise settles.
 */
function readBody(response: IncomingMessage, into: Buffer | undefined): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const announced = Number(response.headers['content-length'] ?? Number.NaN)
    if (!Number.isSafeInteger(announced) || announced < 0 || announced > CHUNK_BYTES) {
      response.destroy()
      resolve(null)
      return
    }
    const body =
      into !== undefined && into.length >= announced
        ? into.subarray(0, announced)
        : Buffer.allocUnsafe(announced)
    let bytes = 0
    let settled = false
    const settle = (result: Buffer | null | Error): void => {
      if (settled) return
      settled = true
      if (result instanceof Error) reject(result)
      else resolve(result)
    }
    response.on('data', (piece: Buffer) => {
      if (settled) return
      if (bytes + piece.length > announced) {
        response.destroy()
        settle(null)
        return
      }
      piece.copy(body, bytes)
      bytes += piece.length
    })
    response.once('error', settle)
    response.once('close', () => {
      if (!response.complete) settle(new Error('the response ended before its body did'))
    })
    response.once('end', () => settle(bytes === announced ? body : null))
  })
}
