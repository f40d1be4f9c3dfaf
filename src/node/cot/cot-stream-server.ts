import { once } from 'node:events'
import type { Socket } from 'node:net'
import type { NodeContext } from '../app/context.ts'
import { reportToCot } from '../app/cot-track.ts'
import { reportStoredBy } from '../app/event-hub.ts'
import type { ReportRow } from '../store/store.ts'
import { type TcpAddress, TcpServer } from './tcp-server.ts'

/**
 * CoT to TAK clients over TCP: each client that connects receives every report the node holds
 * (its site and simulated track, one XML event after another), then each report as it is
 * stored. The node's own picture, unfiltered: bind it where only the node's party can reach.
 */
export async function startCotStream(
  ctx: NodeContext,
  listen: { readonly host: string; readonly port: number },
): Promise<{ readonly address: TcpAddress; close(): Promise<void> }> {
  const server = new TcpServer((socket) => void serve(ctx, socket))
  const address = await server.listen(listen.host, listen.port)
  return { address, close: () => server.close() }
}

/** A stored report never changes, nor do its CoT events: built once per report, not per client. */
const cotCache = new WeakMap<NodeContext, Map<string, string>>()
const COT_CACHE_REPORTS = 20_000

function cotTextOf(ctx: NodeContext, report: ReportRow): string {
  let cache = cotCache.get(ctx)
  if (cache === undefined) {
    cache = new Map<string, string>()
    cotCache.set(ctx, cache)
  }
  let text = cache.get(report.id)
  if (text === undefined) {
    if (cache.size >= COT_CACHE_REPORTS) cache.clear()
    text = `${reportToCot(report).join('\n')}\n`
    cache.set(report.id, text)
  }
  return text
}

async function serve(ctx: NodeContext, socket: Socket): Promise<void> {
  const send = (report: ReportRow | undefined): boolean =>
    report === undefined || !socket.writable || socket.write(cotTextOf(ctx, report))
  // Subscribed before the backlog is read: a report stored meanwhile may come twice, never not.
  const unsubscribe = ctx.events.subscribe((entry) => {
    const reportId = reportStoredBy(entry)
    if (reportId !== null) ctx.store.getReport(reportId).then(send, () => undefined)
  })
  socket.once('close', unsubscribe)
  socket.resume() // what a client sends (pings) is read and dropped
  try {
    for (const report of await ctx.store.listReports({})) {
      if (socket.destroyed) return
      // A slow client is waited for, and the node serves others meanwhile.
      if (!send(report)) await Promise.race([once(socket, 'drain'), once(socket, 'close')])
      else await new Promise<void>((resolve) => setImmediate(resolve))
    }
  } catch {
    socket.destroy() // the store is closing (the node is stopping), or the client went away
  }
}
