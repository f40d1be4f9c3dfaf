import type { KeyObject } from 'node:crypto'
import type { PartyId } from '../../domain/ids.ts'
import type { RegistryIndex } from '../../domain/registry-index.ts'
import type { NodeConfig } from '../config.ts'
import type { PartyKeys } from '../crypto/keys.ts'
import type { ContentStore } from '../store/content-store.ts'
import type { AuditEntry, OutboxRow, Store } from '../store/store.ts'
import type { PeerDelivery } from './delivery.ts'
import type { EventHub } from './event-hub.ts'

/** A peer as configured: where it listens and its pinned public keys. */
export interface Peer {
  readonly party: PartyId
  readonly url: string
  readonly signingKey: KeyObject
  readonly encryptionKey: KeyObject
  /** Its live link, when configured: the wss URL and its pinned certificate fingerprint. */
  readonly link?: { readonly url: string; readonly fingerprint256: string }
}

/**
 * Every node holds the signing keys of every party of its registry, peers or not: its own,
 * its peers' (pinned with their URLs) and the others' (config `originators`). One lookup.
 */
export function originatorKeyLookup(
  self: PartyId,
  keys: Pick<PartyKeys, 'signingPublic'>,
  peers: ReadonlyMap<PartyId, Pick<Peer, 'signingKey'>>,
  others: ReadonlyMap<string, KeyObject>,
): (party: string) => KeyObject | undefined {
  return (party) =>
    party === self
      ? keys.signingPublic
      : (peers.get(party as PartyId)?.signingKey ?? others.get(party))
}

/** Everything a use case needs; built once by the composition root (node/main.ts). */
export interface NodeContext {
  readonly party: PartyId
  readonly config: NodeConfig
  readonly store: Store
  /** Product files (issue 17), on disk by SHA-256, beside the store. */
  readonly content: ContentStore
  readonly index: RegistryIndex
  readonly keys: PartyKeys
  readonly peers: ReadonlyMap<PartyId, Peer>
  /**
   * The signing key of a report's originator, for its end-to-end signature (H4): this node's
   * own, a peer's pinned one, or one configured under `originators`; undefined when none.
   */
  readonly originatorKey: (party: string) => KeyObject | undefined
  /** The only clock the application reads; tests pass their own. */
  readonly now: () => number
  /** Live feed for the dashboard: every audit entry as it is committed. */
  readonly onAudit: (entry: AuditEntry) => void
  readonly events: EventHub
  /** This node's public keys (JWKs), for peers' configs. */
  readonly publicJwks: unknown
  /** Each peer's link as the delivery worker sees it (GET /api/peers). */
  readonly peerStatus: () => readonly PeerDelivery[]
  /** Hands messages just committed to the outbox to the delivery worker. */
  readonly deliverSoon: (messages: readonly OutboxRow[]) => void
  /** Fresh unique ids (UUIDs) for reports, releases and messages. */
  readonly newId: () => string
  /** Uniform in [0, 1): the jitter of retries. */
  readonly random: () => number
}
