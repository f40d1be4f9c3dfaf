import type { NodeConfig } from '../config.ts'
import { appendAudit } from '../app/audit-log.ts'
import type { NodeContext } from '../app/context.ts'
import { readTlsMaterial, type TlsMaterial } from '../crypto/ca.ts'
import { startCotIngest } from './cot-ingest-server.ts'
import { startCotStream } from './cot-stream-server.ts'
import { RefusalTally } from './refusal-tally.ts'
import type { SocketAddress } from './socket-server.ts'

export interface CotServers {
  /** Where each server listens (and whether over TLS); null when it is not configured. */
  readonly stream: SocketAddress | null
  readonly ingest: SocketAddress | null
  close(): Promise<void>
}

/**
 * Starts the Cursor-on-Target servers the config asks for (none by default; `createNode`
 * checked the feed's marking): TLS with the node's certificate and CA (`<dataDir>/keys`),
 * plain TCP only where a server says `insecure: true` (loopback, checked by the config).
 */
export async function startCotServers(
  ctx: NodeContext,
  config: NodeConfig['cot'],
): Promise<CotServers> {
  const wanted = [config?.stream, config?.ingest].filter((s) => s !== undefined)
  if (wanted.length === 0) return { stream: null, ingest: null, close: () => Promise.resolve() }
  const material = wanted.some((s) => s.insecure !== true)
    ? await readTlsMaterial(ctx.config.dataDir)
    : null
  const tlsOf = (server: { readonly insecure?: true }): TlsMaterial | null =>
    server.insecure === true ? null : material
  const tally = new RefusalTally((input) => appendAudit(ctx, input), ctx.now)
  const started: { close(): Promise<void> }[] = []
  try {
    const stream =
      config?.stream === undefined
        ? null
        : await startCotStream(ctx, config.stream, tlsOf(config.stream), tally)
    if (stream !== null) started.push(stream)
    const ingest =
      config?.ingest === undefined
        ? null
        : await startCotIngest(ctx, config.ingest, tlsOf(config.ingest), tally)
    if (ingest !== null) started.push(ingest)
    return {
      stream: stream?.address ?? null,
      ingest: ingest?.address ?? null,
      close: async () => {
        await Promise.all(started.map((s) => s.close()))
        await tally.close()
      },
    }
  } catch (error) {
    await Promise.all(started.map((s) => s.close()))
    await tally.close()
    throw error
  }
}
