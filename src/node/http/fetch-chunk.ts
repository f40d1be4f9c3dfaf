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
 * authenticated by a chunk request signed with this node's key. A body longer than a chunk
 * is cut off: a holder cannot make the receiver buffer more than 1 MiB.
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
  return (holder, productId, index) => {
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
        readBody(response).then(
          (bytes) =>
            resolve({
              status: response.statusCode ?? 0,
              bytes: response.statusCode === 200 ? bytes : null,
            }),
          reject,
        )
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

function readBody(response: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const pieces: Buffer[] = []
    let bytes = 0
    response.on('data', (piece: Buffer) => {
      bytes += piece.length
      if (bytes > CHUNK_BYTES) {
        response.destroy()
        resolve(null)
      } else pieces.push(piece)
    })
    response.once('error', reject)
    response.once('close', () => {
      if (!response.complete) reject(new Error('the response ended before its body did'))
    })
    response.once('end', () => resolve(Buffer.concat(pieces)))
  })
}
