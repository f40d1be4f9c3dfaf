import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { connect, type TLSSocket } from 'node:tls'
import { cotXmlToEvent, type CotEvent } from '../../src/interop/cot.ts'
import { type CertIdentity, issueClientCert } from '../../src/node/crypto/ca.ts'

/** A client's PEM files as `node cert` writes them. */
export interface ClientFiles {
  readonly key: string
  readonly cert: string
  readonly ca: string
  readonly keyFile: string
  readonly certFile: string
  readonly caFile: string
}

/** Issues a client certificate from the CA in `dir` (a data directory made by `node init`). */
export async function clientCert(
  dir: string,
  party: string,
  identity: CertIdentity,
  outDir: string,
): Promise<ClientFiles> {
  const issued = await issueClientCert(dir, party, identity, { nowMs: Date.now(), days: 1, outDir })
  return {
    key: readFileSync(issued.keyFile, 'utf8'),
    cert: readFileSync(issued.certFile, 'utf8'),
    ca: readFileSync(issued.caFile, 'utf8'),
    ...issued,
  }
}

/** The node's CA certificate, for a client without a certificate of its own. */
export function nodeCa(dir: string): string {
  return readFileSync(join(dir, 'keys', 'ca.cert.pem'), 'utf8')
}

/**
 * A TLS client that keeps all it receives (a TAK client, or a sensor feed); it checks the
 * server's certificate against `ca` and its IP address. `from` is the loopback address it
 * connects from, so that each test's refusals are audited under their own address.
 */
export class TlsClient {
  readonly socket: TLSSocket
  text = ''
  closed = false
  error: (Error & { code?: string }) | null = null
  readonly done: Promise<void>

  constructor(
    port: number,
    options: {
      readonly ca: string
      readonly key?: string
      readonly cert?: string
      readonly from?: string
    },
  ) {
    this.socket = connect({
      host: '127.0.0.1',
      port,
      ca: options.ca,
      ...(options.key === undefined ? {} : { key: options.key, cert: options.cert }),
      ...(options.from === undefined ? {} : { localAddress: options.from }),
    })
    this.socket.setEncoding('utf8')
    this.socket.on('data', (chunk: string) => (this.text += chunk))
    this.socket.on('error', (error: Error & { code?: string }) => {
      this.error = error
    })
    this.done = new Promise((resolve) =>
      this.socket.on('close', () => {
        this.closed = true
        resolve()
      }),
    )
  }

  /** Resolves once the handshake is through (or the connection ended without one). */
  connected(): Promise<boolean> {
    return new Promise((resolve) => {
      this.socket.once('secureConnect', () => resolve(true))
      void this.done.then(() => resolve(false))
    })
  }

  write(text: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.write(text, (error) => (error ? reject(error) : resolve())),
    )
  }

  /** The CoT events received so far, read back (each one well-formed). */
  events(): CotEvent[] {
    return this.text
      .split('</event>')
      .filter((t) => t.trim() !== '')
      .map((t) => {
        const parsed = cotXmlToEvent(`${t}</event>`)
        assert.ok(parsed.ok, parsed.ok ? '' : parsed.issues)
        return parsed.value
      })
  }

  /** The report ids of the events received so far, each once, in order. */
  reportIds(): string[] {
    return [...new Set(this.events().map((e) => e.uid.split('.')[1] ?? ''))]
  }
}
