import type { NodeConfig } from '../config.ts'
import type { NodeContext } from '../app/context.ts'
import { startCotIngest } from './cot-ingest-server.ts'
import { startCotStream } from './cot-stream-server.ts'
import type { TcpAddress } from './tcp-server.ts'

export interface CotServers {
  /** Where each server listens; null when it is not configured. */
  readonly stream: TcpAddress | null
  readonly ingest: TcpAddress | null
  close(): Promise<void>
}

/** Starts the Cursor-on-Target servers the config asks for (none by default; `createNode` checked the feed's marking). */
export async function startCotServers(
  ctx: NodeContext,
  config: NodeConfig['cot'],
): Promise<CotServers> {
  const stream = config?.stream === undefined ? null : await startCotStream(ctx, config.stream)
  const ingest =
    config?.ingest === undefined
      ? null
      : await startCotIngest(ctx, config.ingest).catch(async (error: unknown) => {
          await stream?.close()
          throw error
        })
  return {
    stream: stream?.address ?? null,
    ingest: ingest?.address ?? null,
    close: async () => {
      await Promise.all([stream?.close(), ingest?.close()])
    },
  }
}
