import type { DeliveryLeases } from '../leases.ts'
import type { OutboxRow } from '../store.ts'
import * as t from '../sqlite/rows.ts'
import type { PoolClient } from 'pg'
import type { Queryable } from './queries.ts'

/** The database server's clock in epoch ms: one clock for every process's leases. */
const DB_NOW_MS = '(extract(epoch FROM clock_timestamp()) * 1000)::bigint'

/** The channel of nudges, one per schema (several parties may share a database). */
const NUDGE_CHANNEL = `'entente_outbox_' || current_schema()`

/**
 * Leases for several node processes of one party on one PostgreSQL database (issue 14):
 * outbox messages claimed with `FOR UPDATE SKIP LOCKED`, so that concurrent scans never
 * take the same message, and a peer's link held by one process at a time. Both lapse at
 * their expiry (a killed process renews nothing), and another process takes them over.
 */
export class PostgresLeases implements DeliveryLeases {
  readonly shared = true
  readonly #db: Queryable
  readonly #holder: string
  readonly #connect: () => Promise<PoolClient>

  /**
   * `holder` names this process (e.g. host:pid:random), stable for its lifetime; `connect`
   * gives a connection of its own to LISTEN on.
   */
  constructor(db: Queryable, holder: string, connect: () => Promise<PoolClient>) {
    this.#db = db
    this.#holder = holder
    this.#connect = connect
  }

  /**
   * One NOTIFY naming the peers whose messages wait (the caller sends one at a time, so that
   * at a high commit rate many commits share one nudge; NOTIFY per commit would not scale).
   */
  async nudge(peers: readonly string[]): Promise<void> {
    if (peers.length === 0) return
    await this.#db.query(`SELECT pg_notify(${NUDGE_CHANNEL}, $1)`, [peers.join(',')])
  }

  async onNudge(listener: (peers: readonly string[]) => void): Promise<() => Promise<void>> {
    const client = await this.#connect()
    try {
      const { rows } = await client.query<{ channel: string }>(`SELECT ${NUDGE_CHANNEL} AS channel`)
      // A schema name is a plain lower-case SQL name (checked at open): safe unquoted.
      await client.query(`LISTEN ${(rows[0] as { channel: string }).channel}`)
    } catch (error) {
      client.release(true)
      throw error
    }
    client.on('notification', (n) => listener((n.payload ?? '').split(',')))
    // A lost connection ends the nudges only: the holder's periodic scan still finds the work.
    client.on('error', () => undefined)
    return async () => {
      client.removeAllListeners('notification')
      // Destroyed, not returned to the pool: it still LISTENs.
      client.release(true)
      await Promise.resolve()
    }
  }

  get holder(): string {
    return this.#holder
  }

  /**
   * Claims up to `limit` undelivered messages due at `nowMs` (the node's clock), oldest due
   * first, that no process holds an unexpired claim on, for `leaseMs` of the server's clock.
   * This process's own unexpired claims are not returned again: it holds those in memory (a
   * failed attempt lets its claim go). Rows another scan is claiming now are skipped.
   */
  async claimDue(
    nowMs: number,
    limit: number,
    leaseMs: number,
    recipient?: string,
  ): Promise<OutboxRow[]> {
    const values: unknown[] = [nowMs, this.#holder, leaseMs, limit]
    if (recipient !== undefined) values.push(recipient)
    const columns = t.OUTBOX.fields.map((f) => `o.${t.column(f)} AS "${f}"`).join(', ')
    const { rows } = await this.#db.query(
      `WITH due AS (
         SELECT seq FROM outbox
         WHERE delivered_at_ms IS NULL AND withdrawn_at_ms IS NULL AND next_attempt_at_ms <= $1
           AND (claimed_by IS NULL OR claimed_until_ms <= ${DB_NOW_MS})
           ${recipient === undefined ? '' : 'AND recipient = $5'}
         ORDER BY next_attempt_at_ms, created_at_ms, seq
         LIMIT $4
         FOR UPDATE SKIP LOCKED)
       UPDATE outbox o SET claimed_by = $2, claimed_until_ms = ${DB_NOW_MS} + $3
       FROM due WHERE o.seq = due.seq
       RETURNING o.seq AS "seq", ${columns}`,
      values,
    )
    // RETURNING keeps no order: oldest due first again.
    const ordered = (rows as (Record<string, unknown> & { seq: number })[]).sort(
      (a, b) =>
        Number(a['nextAttemptAtMs']) - Number(b['nextAttemptAtMs']) ||
        Number(a['createdAtMs']) - Number(b['createdAtMs']) ||
        a.seq - b.seq,
    )
    return ordered.map(t.OUTBOX.decode)
  }

  /**
   * Claims these messages for `leaseMs` unless another process holds an unexpired claim on
   * one; the ids now claimed here. Rows another process is claiming at this instant are
   * skipped, not waited for (so two claimers never deadlock, whatever their order).
   */
  async claim(messageIds: readonly string[], leaseMs: number): Promise<ReadonlySet<string>> {
    if (messageIds.length === 0) return new Set()
    const { rows } = await this.#db.query<{ id: string }>(
      `WITH free AS (
         SELECT seq FROM outbox
         WHERE message_id = ANY($3::text[]) AND delivered_at_ms IS NULL
           AND withdrawn_at_ms IS NULL
           AND (claimed_by IS NULL OR claimed_by = $1 OR claimed_until_ms <= ${DB_NOW_MS})
         ORDER BY seq
         FOR UPDATE SKIP LOCKED)
       UPDATE outbox o SET claimed_by = $1, claimed_until_ms = ${DB_NOW_MS} + $2
       FROM free WHERE o.seq = free.seq
       RETURNING o.message_id AS id`,
      [this.#holder, leaseMs, messageIds],
    )
    return new Set(rows.map((r) => r.id))
  }

  /**
   * Extends this process's claims on these messages (those it holds in memory) by `leaseMs`;
   * a claim it no longer holds in memory lapses, and a scan takes the message again.
   */
  async renewClaims(messageIds: readonly string[], leaseMs: number): Promise<void> {
    if (messageIds.length === 0) return
    await this.#db.query(
      `UPDATE outbox SET claimed_until_ms = ${DB_NOW_MS} + $2
       WHERE claimed_by = $1 AND message_id = ANY($3::text[]) AND delivered_at_ms IS NULL`,
      [this.#holder, leaseMs, messageIds],
    )
  }

  /** Lets go of this process's claims on these messages (a failed attempt, to be retried). */
  async unclaim(messageIds: readonly string[]): Promise<void> {
    if (messageIds.length === 0) return
    await this.#db.query(
      `UPDATE outbox SET claimed_by = NULL, claimed_until_ms = NULL
       WHERE claimed_by = $1 AND message_id = ANY($2::text[])`,
      [this.#holder, messageIds],
    )
  }

  /**
   * Gives up this process's claims on messages (at a clean stop, or for a peer whose link
   * moved to another process), for others to take now.
   */
  async releaseClaims(recipient?: string): Promise<void> {
    await this.#db.query(
      `UPDATE outbox SET claimed_by = NULL, claimed_until_ms = NULL
       WHERE claimed_by = $1 AND delivered_at_ms IS NULL
       ${recipient === undefined ? '' : 'AND recipient = $2'}`,
      recipient === undefined ? [this.#holder] : [this.#holder, recipient],
    )
  }

  /**
   * Takes or renews the lease on `peer`'s link for `leaseMs`; false when another process
   * holds an unexpired one. The holder renews well before expiry (a third of it, say).
   */
  async holdPeer(peer: string, leaseMs: number): Promise<boolean> {
    const { rowCount } = await this.#db.query(
      `INSERT INTO peer_leases (peer, holder, until_ms) VALUES ($1, $2, ${DB_NOW_MS} + $3)
       ON CONFLICT (peer) DO UPDATE SET holder = excluded.holder, until_ms = excluded.until_ms
       WHERE peer_leases.holder = excluded.holder OR peer_leases.until_ms <= ${DB_NOW_MS}`,
      [peer, this.#holder, leaseMs],
    )
    return rowCount === 1
  }

  /** Who holds `peer`'s link now (an unexpired lease), if anyone. */
  async peerHolder(peer: string): Promise<string | undefined> {
    const { rows } = await this.#db.query<{ holder: string }>(
      `SELECT holder FROM peer_leases WHERE peer = $1 AND until_ms > ${DB_NOW_MS}`,
      [peer],
    )
    return rows[0]?.holder
  }

  /** Lets go of `peer`'s link (a clean stop), if this process holds it. */
  async releasePeer(peer: string): Promise<void> {
    await this.#db.query('DELETE FROM peer_leases WHERE peer = $1 AND holder = $2', [
      peer,
      this.#holder,
    ])
  }
}
