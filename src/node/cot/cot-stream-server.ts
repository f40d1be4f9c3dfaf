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

async function serve(ctx: NodeContext, socket: Socket): Promise<void> {
  const send = (report: ReportRow | undefined): void => {
    if (report !== undefined && socket.writable) socket.write(`${reportToCot(report).join('\n')}\n`)
  }
  // Subscribed before the backlog is read: a report stored meanwhile may come twice, never not.
  const unsubscribe = ctx.events.subscribe((entry) => {
    const reportId = reportStoredBy(entry)
    if (reportId !== null) ctx.store.getReport(reportId).then(send, () => undefined)
  })
  socket.once('close', unsubscribe)
  socket.resume() // what a client sends (pings) is read and dropped
  try {
    for (const report of await ctx.store.listReports({})) send(report)
  } catch {
    socket.destroy() // the store is closing: the node is stopping
  }
}
