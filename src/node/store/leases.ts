import type { OutboxRow, Store } from './store.ts'

/**
 * What the delivery worker needs so that several node processes of one party can share one
 * store (issue 14): a peer's link held by one process at a time, and outbox messages claimed
 * by one process before they are sent. Both are leases that lapse unless renewed, so a killed
 * process's work is taken over. PostgreSQL implements them (`PostgresLeases`); SQLite has one
 * process only, which holds everything (`soleProcessLeases`).
 */
export interface DeliveryLeases {
  /** Names this process (stable for its lifetime). */
  readonly holder: string
  /** False when the store has one process only: nothing to renew, nothing to take over. */
  readonly shared: boolean
  /** Takes or renews `peer`'s link for `leaseMs`; false when another process holds it. */
  holdPeer(peer: string, leaseMs: number): Promise<boolean>
  /** Lets go of `peer`'s link (a clean stop, or it was lost), if held here. */
  releasePeer(peer: string): Promise<void>
  /**
   * Claims up to `limit` messages for `recipient` due at `nowMs` that no process holds (a
   * shared store does not return this process's own claims again; a sole process has none).
   */
  claimDue(nowMs: number, limit: number, leaseMs: number, recipient: string): Promise<OutboxRow[]>
  /** Claims these messages (just committed here) unless another process holds them: the ids taken. */
  claim(messageIds: readonly string[], leaseMs: number): Promise<ReadonlySet<string>>
  /** Extends this process's claims on these messages (those it holds in memory) by `leaseMs`. */
  renewClaims(messageIds: readonly string[], leaseMs: number): Promise<void>
  /** Lets go of this process's claims on these messages (a failed attempt, retried later). */
  unclaim(messageIds: readonly string[]): Promise<void>
  /** Gives up this process's claims (for `recipient` only, if named), for others to take now. */
  releaseClaims(recipient?: string): Promise<void>
  /** Tells the other processes that messages for these peers wait in the outbox. */
  nudge(peers: readonly string[]): Promise<void>
  /** Calls `listener` with the peers of each nudge from any process; resolves with its stop. */
  onNudge(listener: (peers: readonly string[]) => void): Promise<() => Promise<void>>
}

/** One process on its own store (SQLite): it holds every link and every message. */
export function soleProcessLeases(store: Pick<Store, 'dueMessages'>): DeliveryLeases {
  return {
    holder: 'sole',
    shared: false,
    holdPeer: () => Promise.resolve(true),
    releasePeer: () => Promise.resolve(),
    claimDue: (nowMs, limit, _leaseMs, recipient) => store.dueMessages(nowMs, limit, recipient),
    claim: (messageIds) => Promise.resolve(new Set(messageIds)),
    renewClaims: () => Promise.resolve(),
    unclaim: () => Promise.resolve(),
    releaseClaims: () => Promise.resolve(),
    nudge: () => Promise.resolve(),
    onNudge: () => Promise.resolve(() => Promise.resolve()),
  }
}
