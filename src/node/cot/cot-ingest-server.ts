import type { Socket } from 'node:net'
import type { NodeContext } from '../app/context.ts'
import { COT_INGEST_ROLES, type CotIngestConfig, ingestCotEvent } from '../app/cot-ingest.ts'
import type { TlsMaterial } from '../crypto/ca.ts'
import { CotFramer } from './cot-framer.ts'
import type { RefusalTally } from './refusal-tally.ts'
import { type Client, type SocketAddress, SocketServer } from './socket-server.ts'

const MAX_EVENT_CHARS = 64 * 1024
const ROUTE = 'cot.ingest'

/**
 * CoT from a sensor feed (docs/interop.md): over TLS, a client whose certificate names a role
 * that may ingest (operator, admin); over plain TCP (`insecure`, loopback), any. Events are
 * cut on `</event>` and ingested one after another, the socket paused meanwhile, so that a
 * feed writing faster than the node stores waits in TCP, not in the node's memory. What makes
 * no report, and every client refused, is audited in aggregate. Closing waits for the events
 * already received.
 */
export async function startCotIngest(
  ctx: NodeContext,
  config: CotIngestConfig,
  tls: TlsMaterial | null,
  tally: RefusalTally,
): Promise<{ readonly address: SocketAddress; close(): Promise<void> }> {
  const pending = new Set<Promise<void>>()
  const refuse = (remote: string, reason: string): void =>
    tally.note({ type: 'auth-failure', route: ROUTE, remote, reason })
  const server = new SocketServer({
    tls,
    onRefused: refuse,
    onConnection: (socket, client) => {
      const refusal = refusalOf(client)
      if (refusal !== null) {
        refuse(client.remote, refusal)
        socket.destroy()
        return
      }
      feed(ctx, config, socket, client, tally, pending)
    },
  })
  const address = await server.listen(config.host, config.port)
  return {
    address,
    close: async () => {
      await server.close()
      await Promise.all(pending)
    },
  }
}

/** Why this client may not feed the node, or null. */
function refusalOf(client: Client): string | null {
  const identity = client.identity
  if (identity === null) return null // plain TCP on loopback: the node's own machine
  if (identity.kind === 'role' && (COT_INGEST_ROLES as readonly string[]).includes(identity.role))
    return null
  const named = identity.kind === 'role' ? `role ${identity.role}` : `party ${identity.party}`
  return `the certificate names ${named}; a feed needs a role that may ingest (${COT_INGEST_ROLES.join(', ')})`
}

function feed(
  ctx: NodeContext,
  config: CotIngestConfig,
  socket: Socket,
  client: Client,
  tally: RefusalTally,
  pending: Set<Promise<void>>,
): void {
  const framer = new CotFramer(MAX_EVENT_CHARS)
  const note = (uid: string | null, reason: string): void =>
    tally.note({ type: 'quarantine', route: ROUTE, remote: client.remote, reason, uid })
  socket.setEncoding('utf8')
  socket.on('data', (text: string) => {
    const { events, dropped } = framer.push(text)
    if (dropped) note(null, `no </event> within ${MAX_EVENT_CHARS} characters: dropped`)
    if (events.length === 0) return
    socket.pause() // resumed once these events are stored
    const work = (async () => {
      for (const xml of events) {
        const outcome = await ingestCotEvent(ctx, config, xml)
        if (outcome.status === 'rejected') note(outcome.uid, outcome.reason)
      }
    })().then(
      () => {
        if (!socket.destroyed) socket.resume()
      },
      () => {
        socket.destroy() // the store failed (the node is stopping): the feed reconnects
      },
    )
    pending.add(work)
    void work.then(() => pending.delete(work))
  })
}
