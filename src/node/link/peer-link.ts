import type { PartyId } from '../../domain/ids.ts'
import type { MessageVerdict, ReceiptWitness } from '../../protocol/link.ts'

/**
 * The seam between the delivery worker and the wire. The worker hands a link messages (the
 * envelopes as the outbox holds them, JSON text) and gets back, per message, the verdict of the
 * peer's signed receipt — already verified against the peer's pinned key and the bytes sent.
 * It never sees a URL, a socket or a status code. Links: the live WebSocket (ws-link.ts), the
 * one-POST-per-message fallback (http-link.ts), and the in-memory fake of the tests.
 */
export interface PeerLink {
  readonly peer: PartyId
  readonly transport: 'wss' | 'https-post' | 'memory'
  /** Messages one delivery may carry (1 for the per-message POST). */
  readonly maxBatch: number
  /** Deliveries the worker may have in flight at once on this link. */
  readonly window: number
  /** Starts connecting (a persistent link), so that its state is known before there is work. */
  open(): void
  /** Resolves once the peer's receipt for every message is verified; rejects if not. */
  deliver(messages: readonly OutgoingMessage[]): Promise<Delivered>
  status(): LinkStatus
  /** Called with the new state when it changes (up, down). */
  onStateChange(listener: (status: LinkStatus) => void): void
  close(): Promise<void>
}

/** One outbox message as the link needs it: its id and its envelope (JSON text). */
export interface OutgoingMessage {
  readonly messageId: string
  readonly envelope: string
}

export interface Delivered {
  /** The receipt as signed by the peer (a compact JWS), stored with each message. */
  readonly receipt: string
  readonly receivedAtMs: number
  readonly verdicts: ReadonlyMap<string, MessageVerdict>
  /** Issue 13: the checkpoint the delivery carried and the peer's answer to it. */
  readonly witness?: { readonly presented: string; readonly answer: ReceiptWitness }
  /** Issue 13: the receipt's own leaf in the peer's log, its proof checked (receipt-evidence.ts). */
  readonly receiverLog?: { readonly checkpoint: string; readonly index: number }
}

/** `connecting`: not yet up since the link opened; `down`: lost (or never reached), redialled. */
export type LinkState = 'connecting' | 'up' | 'down'

export interface LinkStatus {
  readonly peer: string
  readonly transport: PeerLink['transport']
  readonly state: LinkState
  /** Real time (epoch ms) the peer was last heard from: a receipt, a pong, a hello. */
  readonly lastHeardAtMs: number | null
  readonly framesInFlight: number
}

/** A link refused or broken: the worker retries the messages later with backoff. */
export class LinkError extends Error {
  override readonly name = 'LinkError'
}
