import { createServer, type Server, type Socket } from 'node:net'

export interface TcpAddress {
  readonly host: string
  readonly port: number
}

/** A TCP server that keeps its connections, so that closing it ends them too. */
export class TcpServer {
  readonly #server: Server
  readonly #sockets = new Set<Socket>()

  constructor(onConnection: (socket: Socket) => void) {
    this.#server = createServer((socket) => {
      this.#sockets.add(socket)
      socket.once('close', () => this.#sockets.delete(socket))
      // A client that vanishes mid-write is its own problem, never the node's.
      socket.on('error', () => socket.destroy())
      onConnection(socket)
    })
  }

  listen(host: string, port: number): Promise<TcpAddress> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject)
        const address = this.#server.address()
        resolve({
          host,
          port: typeof address === 'object' && address !== null ? address.port : port,
        })
      })
    })
  }

  /** Stops accepting, ends every connection (destroyed after `graceMs`), resolves once closed. */
  async close(graceMs = 1_000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    for (const socket of this.#sockets) socket.end()
    const timer = setTimeout(() => {
      for (const socket of this.#sockets) socket.destroy()
    }, graceMs)
    await closed
    clearTimeout(timer)
  }
}
