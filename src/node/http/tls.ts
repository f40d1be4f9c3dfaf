import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { ServerOptions } from 'node:https'
import { EntenteError } from '../../lib/errors.ts'
import { type NodeConfig, plainHttpRefusal } from '../config.ts'
import { readTlsMaterial } from '../crypto/ca.ts'

/** Older TLS versions have known weaknesses; every client the node serves speaks 1.2. */
export const MIN_TLS_VERSION = 'TLSv1.2'

/**
 * The HTTPS options of the node's API and TAXII (its server key and certificate from the keys
 * directory), or null for plain HTTP when `listen.insecure` asks for it. A data directory from
 * an older `node init` has had its CA and server certificate made by then (ensureNodeCa).
 */
export async function serverTlsOptions(config: NodeConfig): Promise<ServerOptions | null> {
  // The schema refuses this already; a config built by hand must not slip past it.
  const refusal = plainHttpRefusal(config.listen)
  if (refusal !== null) throw new EntenteError('CONFIG_INVALID', `listen.insecure: ${refusal}`)
  if (config.listen.insecure === true) return null
  // createNode has made any certificate an older data directory lacked (ensureNodeCa).
  const { key, cert } = await readTlsMaterial(config.dataDir)
  return { key, cert, minVersion: MIN_TLS_VERSION }
}

/**
 * The CA certificates each peer's https origin is trusted by (`peers.X.ca`), read once at
 * start: an origin without one is checked against the system's roots.
 */
export function peerCas(peers: NodeConfig['peers']): ReadonlyMap<string, readonly string[]> {
  const byOrigin = new Map<string, string[]>()
  for (const [id, peer] of Object.entries(peers)) {
    if (peer.ca === undefined) continue
    const pem = readCaFile(`peers.${id}.ca`, peer.ca)
    const origin = new URL(peer.url).origin
    byOrigin.set(origin, [...(byOrigin.get(origin) ?? []), pem])
  }
  return byOrigin
}

function readCaFile(field: string, file: string): string {
  let pem: string
  try {
    pem = readFileSync(file, 'utf8')
  } catch (error) {
    throw new EntenteError('FILE_NOT_READABLE', `${field}: cannot read ${file}`, { cause: error })
  }
  try {
    new X509Certificate(pem)
  } catch (error) {
    throw new EntenteError('CONFIG_INVALID', `${field}: ${file} is not a PEM certificate`, {
      cause: error,
    })
  }
  return pem
}
