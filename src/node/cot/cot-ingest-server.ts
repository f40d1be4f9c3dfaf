import type { Socket } from 'node:net'
import type { NodeContext } from '../app/context.ts'
import { type CotIngestConfig, ingestCotEvent, reject } from '../app/cot-ingest.ts'
import { CotFramer } from './cot-framer.ts'
import { type TcpAddress, TcpServer } from './tcp-server.ts'

const MAX_EVENT_CHARS = 64 * 1024

/**
 * CoT from a sensor feed over TCP: events are cut on `</event>` and ingested one after
 * another per connection (docs/interop.md). An event that makes no report is audited with the
 * reason and the connection carries on. Closing waits for the events already received.
 */
export async function startCotIngest(
  ctx: NodeContext,
  config: CotIngestConfig,
): Promise<{ readonly address: TcpAddress; close(): Promise<void> }> {
  const pending = new Map<Socket, Promise<void>>()
  const server = new TcpServer((socket) => {
    const remote = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`
    const framer = new CotFramer(MAX_EVENT_CHARS)
    socket.setEncoding('utf8')
    socket.on('data', (text: string) => {
      const { events, dropped } = framer.push(text)
      const previous = pending.get(socket) ?? Promise.resolve()
      const next = previous.then(async () => {
        for (const xml of events) await ingestCotEvent(ctx, config, xml, remote)
        if (dropped)
          await reject(
            ctx,
            null,
            `no </event> within ${MAX_EVENT_CHARS} characters: dropped`,
            remote,
          )
      })
      pending.set(
        socket,
        next.catch(() => {
          socket.destroy() // the store failed (the node is stopping): the feed reconnects
        }),
      )
    })
    socket.once('close', () => {
      const last = pending.get(socket)
      void last?.then(() => {
        if (pending.get(socket) === last) pending.delete(socket)
      })
    })
  })
  const address = await server.listen(config.host, config.port)
  return {
    address,
    close: async () => {
      await server.close()
      await Promise.all(pending.values())
    },
  }
}
