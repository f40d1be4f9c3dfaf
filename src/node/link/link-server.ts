import { createServer, type Server } from 'node:https'
import type { TLSSocket } from 'node:tls'
import type { WebSocket } from 'ws'
import { WebSocketServer } from 'ws'
import type { PartyId } from '../../domain/ids.ts'
import { decodeControl, type LinkCode } from '../../protocol/link.ts'
import { PROTOCOL_VERSION } from '../../protocol/messages.ts'
import { type LinkTls, normalizeFingerprint } from '../crypto/ca.ts'

/** What the node does with a frame; the server only moves bytes and keeps order. */
export interface FrameHandler {
  /** The last sequence committed from this peer (0 if none): sent in the hello. */
  lastSeq(peer: PartyId): Promise<number>
  /** The size of the peer's audit log last witnessed here (issue 13), sent in the hello. */
  witnessedSize?(peer: PartyId): Promise<number>
  /** Opens, checks and commits a frame; resolves with the receipt to send, or a refusal. */
  receive(
    peer: PartyId,
    seq: number,
    body: string,
  ): Promise<{ ok: true; receipt: string } | { ok: false; code: LinkCode; message: string }>
  /** A connection that presented no pinned certificate (counted, never answered). */
  refused(remote: string, reason: string): void
}

export interface LinkServer {
  readonly port: number
  readonly host: string
  close(): Promise<void>
}

/**
 * The listening end of the live link: TLS 1.3 with mutual authentication by pinned
 * certificate — a connection whose client certificate is not one of our peers' pinned link
 * certificates is cut at the handshake, before HTTP or WebSocket state exists for it. One
 * connection per peer (a new one replaces the old); frames from it are handled one after the
 * other, so their sequences and commits keep order.
 */
export async function startLinkServer(
  options: {
    /** This node's party, named in the hello. */
    readonly self: PartyId
    readonly host: string
    readonly port: number
    readonly tls: LinkTls
    /** Pinned link-certificate fingerprints of the peers. */
    readonly peers: ReadonlyMap<PartyId, string>
    readonly maxFrameBytes: number
    readonly heartbeatMs: number
  },
  handler: FrameHandler,
): Promise<LinkServer> {
  const byFingerprint = new Map(
    [...options.peers].map(([party, fp]) => [normalizeFingerprint(fp), party]),
  )
  const partyOf = (socket: TLSSocket): PartyId | undefined => {
    const fp = socket.getPeerCertificate()?.fingerprint256
    return fp === undefined ? undefined : byFingerprint.get(normalizeFingerprint(fp))
  }
  const server: Server = createServer({
    key: options.tls.key,
    cert: options.tls.cert,
    requestCert: true,
    // Any chain is accepted by TLS itself; the fingerprint decides, just below.
    rejectUnauthorized: false,
    minVersion: 'TLSv1.3',
  })
  server.on('secureConnection', (socket: TLSSocket) => {
    if (partyOf(socket) === undefined) {
      handler.refused(socket.remoteAddress ?? '?', 'no pinned link certificate')
      socket.destroy()
    }
  })
  server.on('request', (_request, response) => {
    response.writeHead(426, { 'content-type': 'text/plain' }).end('WebSocket only\n')
  })
  const wss = new WebSocketServer({
    server,
    maxPayload: options.maxFrameBytes,
    perMessageDeflate: false,
  })
  // The server's own errors (a port in use) reject the listen below; ws repeats them here, and
  // an 'error' nobody listens to would end the process instead of failing the start.
  wss.on('error', () => undefined)
  const connections = new Map<PartyId, { socket: WebSocket; lastHeardAtMs: number }>()

  wss.on('connection', (socket, request) => {
    const party = partyOf(request.socket as TLSSocket)
    if (party === undefined) return socket.terminate()
    connections.get(party)?.socket.terminate()
    const entry = { socket, lastHeardAtMs: Date.now() }
    connections.set(party, entry)
    const heard = () => (entry.lastHeardAtMs = Date.now())
    let chain: Promise<void> = Promise.resolve()
    const send = (value: unknown) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(value))
    }
    socket.on('pong', heard)
    socket.on('ping', heard)
    socket.on('message', (data, isBinary) => {
      heard()
      const control = isBinary ? null : decodeControl(textOf(data))
      if (control === null || control.t !== 'frame') {
        send({ t: 'refused', seq: 0, code: 'CONTROL_MALFORMED', message: 'expected a frame' })
        return socket.close(1008, 'not of this protocol')
      }
      // One frame at a time, in order: the sequence check and the commit must not interleave.
      chain = chain.then(async () => {
        const outcome = await handler.receive(party, control.seq, control.body).catch(() => ({
          ok: false as const,
          code: 'FRAME_NOT_COMMITTED' as const,
          message: 'the frame could not be committed; send it again',
        }))
        if (outcome.ok) send({ t: 'receipt', seq: control.seq, jws: outcome.receipt })
        else send({ t: 'refused', seq: control.seq, code: outcome.code, message: outcome.message })
      })
    })
    socket.on('close', () => {
      if (connections.get(party)?.socket === socket) connections.delete(party)
    })
    const beat = setInterval(() => {
      if (Date.now() - entry.lastHeardAtMs > 3 * options.heartbeatMs) return socket.terminate()
      socket.ping()
    }, options.heartbeatMs)
    beat.unref()
    socket.on('close', () => clearInterval(beat))
    void Promise.all([handler.lastSeq(party), handler.witnessedSize?.(party)]).then(
      ([lastSeq, witnessedSize]) =>
        send({
          t: 'hello',
          v: PROTOCOL_VERSION,
          party: options.self,
          lastSeq,
          ...(witnessedSize === undefined ? {} : { witnessedSize }),
        }),
    )
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port, options.host, () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : options.port
  return {
    port,
    host: options.host,
    close: async () => {
      for (const { socket } of connections.values()) socket.terminate()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

/** A text message's content (ws hands it over as a Buffer, or chunks of one). */
function textOf(data: WebSocket.RawData): string {
  return Array.isArray(data)
    ? Buffer.concat(data).toString('utf8')
    : Buffer.from(data as ArrayBuffer).toString('utf8')
}
