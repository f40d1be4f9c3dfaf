import type { PartyId } from '../../src/domain/ids.ts'
import type { NodeContext } from '../../src/node/app/context.ts'
import {
  type Delivered,
  LinkError,
  type LinkStatus,
  type OutgoingMessage,
  type PeerLink,
} from '../../src/node/link/peer-link.ts'

/** What a scripted peer does with a delivery: answer it, or refuse (throw). */
export type Script = (peer: PartyId, messages: readonly OutgoingMessage[]) => Promise<Delivered>

/**
 * A PeerLink whose far end is a function of the test: it stands in for the wire where the
 * test is about the worker (what it sends, when, and what it records), not the link.
 */
export class ScriptedLink implements PeerLink {
  readonly transport = 'memory'
  readonly maxBatch: number
  readonly window: number
  readonly peer: PartyId
  readonly #script: Script
  #inFlight = 0
  #lastHeardAtMs: number | null = null

  constructor(peer: PartyId, script: Script, options: { maxBatch?: number; window?: number } = {}) {
    this.peer = peer
    this.#script = script
    this.maxBatch = options.maxBatch ?? 64
    this.window = options.window ?? 4
  }

  async deliver(messages: readonly OutgoingMessage[]): Promise<Delivered> {
    this.#inFlight++
    try {
      const delivered = await this.#script(this.peer, messages)
      this.#lastHeardAtMs = Date.now()
      return delivered
    } finally {
      this.#inFlight--
    }
  }

  status(): LinkStatus {
    return {
      peer: this.peer,
      transport: this.transport,
      state: 'up',
      lastHeardAtMs: this.#lastHeardAtMs,
      framesInFlight: this.#inFlight,
    }
  }

  open(): void {}

  onStateChange(): void {}

  async close(): Promise<void> {}
}

export function scriptedLinks(ctx: NodeContext, script: Script): Map<PartyId, PeerLink> {
  return new Map([...ctx.peers.keys()].map((p) => [p, new ScriptedLink(p, script)]))
}

/** A peer that is down: every delivery fails as a broken link would. */
export const peerDown: Script = () => Promise.reject(new LinkError('the peer is down'))
