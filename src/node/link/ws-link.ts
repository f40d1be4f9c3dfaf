import type { TLSSocket } from 'node:tls'
import WebSocket from 'ws'
import type { PartyId } from '../../domain/ids.ts'
import { decodeControl, type FrameCheckpoint, MAX_FRAME_MESSAGES } from '../../protocol/link.ts'
import { PROTOCOL_VERSION } from '../../protocol/messages.ts'
import type { Peer } from '../app/context.ts'
import { type LinkTls, normalizeFingerprint } from '../crypto/ca.ts'
import { sealFrame, verifyFrameReceipt } from '../crypto/frame.ts'
import type { PartyKeys } from '../crypto/keys.ts'
import { readCheckpointNote } from '../audit/merkle-log.ts'
import {
  type Delivered,
  LinkError,
  type LinkState,
  type LinkStatus,
  type OutgoingMessage,
  type PeerLink,
} from './peer-link.ts'
import { presentedSizeAfter, receiptEvidence } from './receipt-evidence.ts'

export interface WsLinkOptions {
  /** wss://host:port of the peer's link listener. */
  readonly url: string
  /** The SHA-256 fingerprint of the peer's link certificate, as pinned in our config. */
  readonly fingerprint256: string
  readonly window: number
  readonly timeoutMs: number
  /** A ping this often; the peer is down after three go unanswered. */
  readonly heartbeatMs: number
  readonly maxBackoffMs: number
  readonly random: () => number
  /** The node's clock, for the frames' sentAtMs (informative: each message's instant is checked). */
  readonly now: () => number
  /** Issue 13: the node's audit checkpoint each frame carries, with a proof from `old`. */
  readonly checkpoint?: (old: number) => Promise<FrameCheckpoint | undefined>
}

interface InFlight {
  readonly seq: number
  readonly body: string
  readonly messageIds: readonly string[]
  readonly checkpoint: FrameCheckpoint | undefined
  readonly resolve: (delivered: Delivered) => void
  readonly reject: (error: Error) => void
  readonly timer: ReturnType<typeof setTimeout>
}

/**
 * The live link to one peer: one persistent WebSocket over mutually authenticated TLS, dialled
 * by this node. Both ends present their link certificate and each checks the other's SHA-256
 * fingerprint against its config, so nothing is allocated for a stranger. Once the peer's
 * hello says the last sequence it committed from us, frames follow with increasing
 * sequences; several may be in flight (the worker keeps at most `window`), receipts come back
 * in order. A broken connection fails what is in flight (the outbox keeps it) and is dialled
 * again with exponential backoff and jitter; heartbeats find a silent peer.
 */
export class WsPeerLink implements PeerLink {
  readonly transport = 'wss'
  readonly maxBatch = MAX_FRAME_MESSAGES
  readonly peer: PartyId
  readonly window: number
  readonly #self: { party: string; keys: PartyKeys; tls: LinkTls }
  readonly #remote: Peer
  readonly #options: WsLinkOptions
  readonly #inFlight = new Map<number, InFlight>()
  readonly #listeners: ((status: LinkStatus) => void)[] = []
  #socket: WebSocket | null = null
  #state: LinkState = 'connecting'
  #nextSeq = 0
  /** The size of our log the peer holds once the frames sent so far commit (its hello's, then ours). */
  #presentedSize = 0
  #lastHeardAtMs: number | null = null
  #failures = 0
  #closed = false
  /** The last reason a connection failed, for the next error the worker sees. */
  #lastError: string | null = null
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null
  #heartbeat: ReturnType<typeof setInterval> | null = null
  /** Resolved when the link comes up; deliveries made while connecting wait on it. */
  #upWaiters: { resolve: () => void; reject: (error: Error) => void }[] = []

  constructor(
    self: { party: string; keys: PartyKeys; tls: LinkTls },
    remote: Peer,
    options: WsLinkOptions,
  ) {
    this.peer = remote.party
    this.window = options.window
    this.#self = self
    this.#remote = remote
    this.#options = options
  }

  /** Dials the peer; after close() too (a link lease that came back to this process, issue 14). */
  open(): void {
    if (this.#closed && this.#socket === null) {
      this.#closed = false
      this.#failures = 0
    }
    if (this.#socket === null && this.#reconnectTimer === null && !this.#closed) this.#connect()
  }

  async deliver(messages: readonly OutgoingMessage[]): Promise<Delivered> {
    if (messages.length === 0 || messages.length > this.maxBatch)
      throw new LinkError(`a frame carries 1 to ${this.maxBatch} messages`)
    if (this.#closed) throw new LinkError(`the link to ${this.peer} is closed`)
    this.open()
    if (this.#state !== 'up') await this.#whenUp()
    const checkpoint = await this.#options.checkpoint?.(this.#presentedSize)
    const socket = this.#socket
    if (socket === null || this.#state !== 'up') throw new LinkError(`${this.peer} is down`)
    const seq = this.#nextSeq++
    if (checkpoint !== undefined)
      this.#presentedSize = readCheckpointNote(checkpoint.note)?.size ?? this.#presentedSize
    const envelopes = messages.map((m) => JSON.parse(m.envelope) as unknown)
    const body = sealFrame(
      {
        v: PROTOCOL_VERSION,
        seq,
        sender: this.#self.party,
        recipient: this.peer,
        sentAtMs: this.#options.now(),
        messages: envelopes,
        ...(checkpoint === undefined ? {} : { checkpoint }),
      },
      this.#self.keys.signing,
      this.#remote.encryptionKey,
    )
    if (this.#socket !== socket || this.#state !== 'up')
      throw new LinkError(`${this.peer} went down while the frame was sealed`)
    return new Promise<Delivered>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Receipts come in order: one that never comes means the link is not working.
        this.#drop(`no receipt for frame ${seq} within ${this.#options.timeoutMs} ms`)
      }, this.#options.timeoutMs)
      this.#inFlight.set(seq, {
        seq,
        body,
        messageIds: messages.map((m) => m.messageId),
        checkpoint,
        resolve,
        reject,
        timer,
      })
      socket.send(JSON.stringify({ t: 'frame', seq, body }), (error) => {
        if (error !== undefined && error !== null) this.#fail(seq, new LinkError(error.message))
      })
    })
  }

  status(): LinkStatus {
    return {
      peer: this.peer,
      transport: this.transport,
      state: this.#state,
      lastHeardAtMs: this.#lastHeardAtMs,
      framesInFlight: this.#inFlight.size,
    }
  }

  onStateChange(listener: (status: LinkStatus) => void): void {
    this.#listeners.push(listener)
  }

  close(): Promise<void> {
    this.#closed = true
    if (this.#reconnectTimer !== null) clearTimeout(this.#reconnectTimer)
    this.#reconnectTimer = null
    this.#drop('the link is closing')
    for (const waiter of this.#upWaiters.splice(0))
      waiter.reject(new LinkError('the link is closing'))
    return Promise.resolve()
  }

  #whenUp(): Promise<void> {
    // Waiting for a connection is bounded like a receipt: the worker retries later.
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => {
          clearTimeout(timer)
          resolve()
        },
        reject: (error: Error) => {
          clearTimeout(timer)
          reject(error)
        },
      }
      const timer = setTimeout(() => {
        this.#upWaiters = this.#upWaiters.filter((w) => w !== waiter)
        reject(new LinkError(`${this.peer} is ${this.#state}`))
      }, this.#options.timeoutMs)
      this.#upWaiters.push(waiter)
    })
  }

  #connect(): void {
    if (this.#closed) return
    const pinned = normalizeFingerprint(this.#options.fingerprint256)
    const socket = new WebSocket(this.#options.url, {
      cert: this.#self.tls.cert,
      key: this.#self.tls.key,
      // The chain is not what we trust: the pinned fingerprint is, checked at the upgrade.
      rejectUnauthorized: false,
      minVersion: 'TLSv1.3',
      perMessageDeflate: false,
      handshakeTimeout: this.#options.timeoutMs,
      maxPayload: 1024 * 1024,
      // A zero masking key, so ws skips XOR-ing every frame: masking guards plaintext
      // intermediaries against a browser's scripts (RFC 6455 §10.3); this runs inside TLS to a
      // pinned peer, and the key is still sent, as the RFC requires of a client.
      generateMask: (mask) => mask.fill(0),
    })
    this.#socket = socket
    socket.on('upgrade', (response) => {
      const presented = (response.socket as TLSSocket).getPeerCertificate?.()?.fingerprint256
      if (presented === undefined || normalizeFingerprint(presented) !== pinned) {
        socket.terminate()
        this.#lastError = `${this.peer}'s link certificate is not the one pinned in our config`
      }
    })
    socket.on('message', (data, isBinary) => {
      if (isBinary) return this.#drop('a binary message is not of this protocol')
      this.#heard()
      this.#onControl(socket, textOf(data))
    })
    socket.on('pong', () => this.#heard())
    socket.on('error', (error) => {
      this.#lastError ??= error.message
    })
    socket.on('close', () => {
      if (this.#socket !== socket) return
      this.#socket = null
      this.#stopHeartbeat()
      this.#failAll(new LinkError(this.#lastError ?? `the connection to ${this.peer} closed`))
      this.#setState('down')
      this.#scheduleReconnect()
    })
  }

  #onControl(socket: WebSocket, text: string): void {
    const control = decodeControl(text)
    if (control === null) return this.#drop(`${this.peer} sent a message not of this protocol`)
    switch (control.t) {
      case 'hello': {
        if (control.party !== this.peer || control.v !== PROTOCOL_VERSION)
          return this.#drop(`the hello names ${control.party} v${control.v}`)
        this.#nextSeq = control.lastSeq + 1
        this.#presentedSize = control.witnessedSize ?? 0
        this.#failures = 0
        this.#lastError = null
        this.#startHeartbeat(socket)
        this.#setState('up')
        for (const waiter of this.#upWaiters.splice(0)) waiter.resolve()
        return
      }
      case 'receipt':
        return this.#onReceipt(control.seq, control.jws)
      case 'refused':
        return this.#fail(
          control.seq,
          new LinkError(`${this.peer} refused frame ${control.seq}: ${control.code}`),
        )
      case 'frame':
        return this.#drop('a listener does not send frames')
    }
  }

  #onReceipt(seq: number, jws: string): void {
    const pending = this.#inFlight.get(seq)
    if (pending === undefined) return
    try {
      const receipt = verifyFrameReceipt(jws, this.#remote.signingKey, {
        seq,
        sender: this.#self.party,
        receiver: this.peer,
        body: pending.body,
        messageIds: pending.messageIds,
      })
      const evidence = receiptEvidence(receipt, pending.checkpoint, this.#self.party, this.#remote)
      this.#settle(seq)
      this.#presentedSize = presentedSizeAfter(this.#presentedSize, receipt.witness)
      pending.resolve({
        receipt: jws,
        receivedAtMs: receipt.receivedAtMs,
        verdicts: new Map(receipt.verdicts.map((v) => [v.messageId, v])),
        ...evidence,
      })
    } catch (error) {
      this.#fail(
        seq,
        new LinkError(`receipt for frame ${seq} refused: ${(error as Error).message}`),
      )
    }
  }

  #settle(seq: number): void {
    const pending = this.#inFlight.get(seq)
    if (pending !== undefined) clearTimeout(pending.timer)
    this.#inFlight.delete(seq)
  }

  #fail(seq: number, error: Error): void {
    const pending = this.#inFlight.get(seq)
    if (pending === undefined) return
    this.#settle(seq)
    pending.reject(error)
  }

  #failAll(error: Error): void {
    for (const seq of [...this.#inFlight.keys()]) this.#fail(seq, error)
  }

  #drop(reason: string): void {
    this.#lastError = reason
    const socket = this.#socket
    this.#failAll(new LinkError(reason))
    socket?.terminate()
  }

  #heard(): void {
    this.#lastHeardAtMs = Date.now()
  }

  #startHeartbeat(socket: WebSocket): void {
    this.#stopHeartbeat()
    const every = this.#options.heartbeatMs
    this.#heartbeat = setInterval(() => {
      // Three beats without a word: the peer is down, whatever TCP believes.
      if (Date.now() - (this.#lastHeardAtMs ?? 0) > 3 * every)
        return this.#drop(`${this.peer} missed three heartbeats`)
      socket.ping()
    }, every)
    this.#heartbeat.unref()
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat !== null) clearInterval(this.#heartbeat)
    this.#heartbeat = null
  }

  #scheduleReconnect(): void {
    if (this.#closed) return
    // Exponential backoff with equal jitter, from 100 ms to maxBackoffMs.
    const base = Math.min(this.#options.maxBackoffMs, 100 * 2 ** Math.min(this.#failures, 16))
    this.#failures++
    const delay = base / 2 + (this.#options.random() * base) / 2
    // The peer stays down while it is redialled: a silent peer's TCP port may still accept
    // (a stopped process, a black hole), and 'connecting' would hide it for a handshake timeout.
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null
      this.#connect()
    }, delay)
    this.#reconnectTimer.unref()
  }

  #setState(state: LinkState): void {
    if (state === this.#state) return
    this.#state = state
    const status = this.status()
    for (const listener of this.#listeners) listener(status)
  }
}

/** A text message's content (ws hands it over as a Buffer, or chunks of one). */
function textOf(data: WebSocket.RawData): string {
  return Array.isArray(data)
    ? Buffer.concat(data).toString('utf8')
    : Buffer.from(data as ArrayBuffer).toString('utf8')
}
