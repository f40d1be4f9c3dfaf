import { createServer as createTcpServer, type Server, type Socket } from 'node:net'
import { createServer as createTlsServer, type TLSSocket } from 'node:tls'
import { type CertIdentity, identityOfSubjectAltName, type TlsMaterial } from '../crypto/ca.ts'

export interface SocketAddress {
  readonly host: string
  readonly port: number
  /** `tls`, or `tcp` where the config said `insecure: true` (loopback only). */
  readonly transport: 'tls' | 'tcp'
}

/** Who is on the other end: the identity of a verified client certificate, or none over plain TCP. */
export interface Client {
  /** The peer's address (no port), for the audit. */
  readonly remote: string
  /** Null on plain TCP (`insecure`, loopback): the node's own machine. */
  readonly identity: CertIdentity | null
}

export interface SocketServerOptions {
  /** TLS material (client certificates required, checked against the CA); null: plain TCP. */
  readonly tls: TlsMaterial | null
  /** A connection whose client passed the TLS handshake (or any, over plain TCP). */
  readonly onConnection: (socket: Socket, client: Client) => void
  /** A client refused before `onConnection`: no or a foreign certificate, no Entente identity. */
  readonly onRefused: (remote: string, reason: string) => void
}

/** A TLS handshake that does not finish by then is dropped (node's default is 120 s). */
const HANDSHAKE_TIMEOUT_MS = 10_000

/**
 * A CoT server: TLS with client certificates (`requestCert`, `rejectUnauthorized`, the node's
 * CA), or plain TCP. It keeps its connections, so that closing it ends them too.
 */
export class SocketServer {
  readonly #server: Server
  readonly #transport: 'tls' | 'tcp'
  /** Raw connections, from accept (a handshake under way included) to close. */
  readonly #connections = new Set<Socket>()
  /** Connections handed to `onConnection`: ended gracefully on close. */
  readonly #sockets = new Set<Socket>()

  constructor(options: SocketServerOptions) {
    const accept = (socket: Socket, client: Client): void => {
      this.#sockets.add(socket)
      socket.once('close', () => this.#sockets.delete(socket))
      options.onConnection(socket, client)
    }
    if (options.tls === null) {
      this.#transport = 'tcp'
      this.#server = createTcpServer((socket) =>
        accept(socket, { remote: addressOf(socket), identity: null }),
      )
    } else {
      this.#transport = 'tls'
      const server = createTlsServer({
        ...options.tls,
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      })
      server.on('secureConnection', (socket: TLSSocket) => {
        // A client that vanishes mid-write is its own problem, never the node's.
        socket.on('error', () => socket.destroy())
        const identity = identityOfSubjectAltName(socket.getPeerCertificate().subjectaltname)
        if (identity === null) {
          options.onRefused(addressOf(socket), 'the certificate names no urn:entente identity')
          socket.destroy()
          return
        }
        accept(socket, { remote: addressOf(socket), identity })
      })
      server.on('tlsClientError', (error: Error & { code?: string }, socket: TLSSocket) => {
        // A certificate the CA did not sign is refused by node:tls after the handshake: its
        // verdict is `authorizationError`; the error itself says only that the socket closed.
        const why = String(socket.authorizationError ?? error.code ?? error.message)
        options.onRefused(handshakeRemote(socket), `TLS handshake: ${why}`)
      })
      this.#server = server
    }
    this.#server.on('connection', (socket: Socket) => {
      // Read now, while the socket is open: net keeps it for when a handshake has failed.
      void socket.remoteAddress
      this.#connections.add(socket)
      socket.once('close', () => this.#connections.delete(socket))
      socket.on('error', () => socket.destroy())
    })
  }

  listen(host: string, port: number): Promise<SocketAddress> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject)
        const address = this.#server.address()
        resolve({
          host,
          port: typeof address === 'object' && address !== null ? address.port : port,
          transport: this.#transport,
        })
      })
    })
  }

  /**
   * Stops accepting, ends every connection, destroys what is still open after `graceMs` (a
   * handshake under way included), resolves once closed.
   */
  async close(graceMs = 1_000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    for (const socket of this.#sockets) socket.end()
    const timer = setTimeout(() => {
      for (const socket of [...this.#sockets, ...this.#connections]) socket.destroy()
    }, graceMs)
    await closed
    clearTimeout(timer)
  }
}

function addressOf(socket: Socket): string {
  return socket.remoteAddress ?? '?'
}

/**
 * The address of a client whose handshake failed. node:tls has destroyed the TLS socket by
 * the time it emits `tlsClientError`, so its `remoteAddress` is gone (nodejs/node#43963); the
 * TCP socket under it (`_parent`, not documented) still knows it, read on `connection`.
 */
function handshakeRemote(socket: TLSSocket): string {
  return (
    socket.remoteAddress ??
    (socket as TLSSocket & { readonly _parent?: Socket })._parent?.remoteAddress ??
    '?'
  )
}
