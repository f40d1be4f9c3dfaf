import { request as httpRequest, type IncomingMessage } from 'node:http'
import { Agent, request as httpsRequest } from 'node:https'
import type { PostEnvelope } from '../link/http-link.ts'
import { JOSE_MEDIA_TYPE } from './app.ts'
import { MIN_TLS_VERSION } from './tls.ts'

/** A receipt is a few kilobytes; a peer that sends more is not answering as a node does. */
const MAX_RESPONSE_BYTES = 1024 * 1024

/**
 * Posts envelopes to peers' inboxes over node:http(s): an https peer's certificate is checked
 * against its `peers.X.ca` (by origin, from `peerCas`), else against the system's roots. fetch
 * cannot take a CA without undici's Agent, which is not a dependency.
 */
export function postEnvelopeWith(
  casByOrigin: ReadonlyMap<string, readonly string[]>,
): PostEnvelope {
  const agents = new Map<string, Agent>()
  for (const [origin, ca] of casByOrigin)
    agents.set(origin, new Agent({ ca: [...ca], minVersion: MIN_TLS_VERSION, keepAlive: true }))
  const systemRoots = new Agent({ minVersion: MIN_TLS_VERSION, keepAlive: true })
  return (url, envelope, timeoutMs, contentType = JOSE_MEDIA_TYPE) => {
    const target = new URL(url)
    const options = {
      method: 'POST',
      headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(envelope) },
      signal: AbortSignal.timeout(timeoutMs),
    }
    return new Promise((resolve, reject) => {
      const onResponse = (response: IncomingMessage): void => {
        readJson(response).then(
          (body) => resolve({ status: response.statusCode ?? 0, body }),
          reject,
        )
      }
      const sent =
        target.protocol === 'https:'
          ? httpsRequest(
              target,
              { ...options, agent: agents.get(target.origin) ?? systemRoots },
              onResponse,
            )
          : httpRequest(target, options, onResponse)
      sent.once('error', reject)
      sent.end(envelope)
    })
  }
}

/** The response's JSON body, or null when it is not JSON (the delivery worker retries). */
function readJson(response: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let bytes = 0
    response.on('data', (chunk: Buffer) => {
      bytes += chunk.length
      if (bytes > MAX_RESPONSE_BYTES) {
        response.destroy()
        resolve(null)
      } else chunks.push(chunk)
    })
    response.once('error', reject)
    response.once('close', () => {
      if (!response.complete) reject(new Error('the response ended before its body did'))
    })
    response.once('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown)
      } catch {
        resolve(null)
      }
    })
  })
}
