import type { PartyId } from '../../domain/ids.ts'
import type { FrameCheckpoint, InboxPost, MessageVerdict } from '../../protocol/link.ts'
import { readCheckpointNote } from '../audit/merkle-log.ts'
import type { Peer } from '../app/context.ts'
import { type Envelope, sealEnvelope } from '../crypto/envelope.ts'
import type { PartyKeys } from '../crypto/keys.ts'
import { type Receipt, verifyReceipt } from '../crypto/receipt.ts'
import {
  type Delivered,
  LinkError,
  type LinkStatus,
  type OutgoingMessage,
  type PeerLink,
} from './peer-link.ts'
import { presentedSizeAfter, receiptEvidence } from './receipt-evidence.ts'

/** How a request body is posted; the composition root supplies fetch (or https). */
export type PostEnvelope = (
  url: string,
  body: string,
  timeoutMs: number,
  /** application/jose when not given (a bare envelope). */
  contentType?: string,
) => Promise<{ status: number; body: unknown }>

export interface HttpLinkOptions {
  readonly window: number
  readonly timeoutMs: number
  /** Issue 13: the node's audit checkpoint each POST carries, as a frame does (ws-link.ts). */
  readonly checkpoint?: (old: number) => Promise<FrameCheckpoint | undefined>
}

/**
 * The fallback link: one HTTP POST per message to the peer's `/federation/inbox`, each sealed
 * on its own (JWS inside JWE) and answered with its own signed receipt. For peers without a
 * live link in the config; slower, but the same seam and the same guarantees.
 */
export class HttpPostLink implements PeerLink {
  readonly transport = 'https-post'
  readonly maxBatch = 1
  readonly window: number
  readonly peer: PartyId
  readonly #self: { party: string; keys: PartyKeys }
  readonly #remote: Peer
  readonly #post: PostEnvelope
  readonly #timeoutMs: number
  readonly #checkpoint: HttpLinkOptions['checkpoint']
  /** The size of our log the peer holds once the posts so far commit (0, then its answers). */
  #presentedSize = 0
  #inFlight = 0
  #lastHeardAtMs: number | null = null

  constructor(
    self: { party: string; keys: PartyKeys },
    remote: Peer,
    post: PostEnvelope,
    options: HttpLinkOptions,
  ) {
    this.peer = remote.party
    this.#self = self
    this.#remote = remote
    this.#post = post
    this.window = options.window
    this.#timeoutMs = options.timeoutMs
    this.#checkpoint = options.checkpoint
  }

  async deliver(messages: readonly OutgoingMessage[]): Promise<Delivered> {
    const [message, ...more] = messages
    if (message === undefined || more.length > 0)
      throw new LinkError('the HTTP link carries one message per delivery')
    this.#inFlight++
    try {
      const envelope = JSON.parse(message.envelope) as Envelope
      const sealed = sealEnvelope(envelope, this.#self.keys.signing, this.#remote.encryptionKey)
      const checkpoint = await this.#checkpoint?.(this.#presentedSize)
      if (checkpoint !== undefined)
        this.#presentedSize = readCheckpointNote(checkpoint.note)?.size ?? this.#presentedSize
      const post: InboxPost = {
        envelope: sealed,
        ...(checkpoint === undefined ? {} : { checkpoint }),
      }
      const response = await this.#post(
        `${this.#remote.url}/federation/inbox`,
        JSON.stringify(post),
        this.#timeoutMs,
        'application/json',
      ).catch((error: unknown) => {
        throw new LinkError(`cannot reach ${this.peer}: ${(error as Error).message}`)
      })
      const jws = (response.body as { receipt?: unknown } | null)?.receipt
      const duplicate = (response.body as { duplicate?: unknown } | null)?.duplicate === true
      if (response.status !== 200 || typeof jws !== 'string')
        throw new LinkError(`peer answered HTTP ${response.status}`)
      let receipt: Receipt
      let evidence: ReturnType<typeof receiptEvidence>
      try {
        receipt = verifyReceipt(jws, this.#remote.signingKey, {
          messageId: message.messageId,
          sender: this.#self.party,
          receiver: this.peer,
          envelope: sealed,
        })
        evidence = receiptEvidence(receipt, checkpoint, this.#self.party, this.#remote)
      } catch (error) {
        throw new LinkError(`receipt refused: ${(error as Error).message}`)
      }
      this.#presentedSize = presentedSizeAfter(this.#presentedSize, receipt.witness)
      this.#lastHeardAtMs = Date.now()
      const verdict: MessageVerdict = {
        messageId: message.messageId,
        verdict: duplicate ? 'duplicate' : receipt.status === 'accepted' ? 'stored' : 'quarantined',
        status: receipt.status,
        codes: [],
      }
      return {
        receipt: jws,
        receivedAtMs: receipt.receivedAtMs,
        verdicts: new Map([[message.messageId, verdict]]),
        ...evidence,
      }
    } finally {
      this.#inFlight--
    }
  }

  status(): LinkStatus {
    return {
      peer: this.peer,
      transport: this.transport,
      // Connectionless: a peer is known up only by its last answer.
      state: this.#lastHeardAtMs === null ? 'connecting' : 'up',
      lastHeardAtMs: this.#lastHeardAtMs,
      framesInFlight: this.#inFlight,
    }
  }

  open(): void {}

  onStateChange(): void {
    // No connection to watch: the worker learns of failures from deliver().
  }

  async close(): Promise<void> {
    // Nothing held open.
  }
}
