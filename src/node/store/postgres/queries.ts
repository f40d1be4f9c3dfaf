import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import type { QueryResultRow } from 'pg'
import { EntenteError } from '../../../lib/errors.ts'
import { EMPTY_AUDIT_HEAD, nextAuditEntry, type AuditHead } from '../../audit/hash.ts'
import type {
  AuditCheckpoint,
  AuditEntry,
  AuditFilter,
  AuditInput,
  ConsentRow,
  DisclosureRow,
  InboxRow,
  OutboxRow,
  ReleaseRow,
  ReportRow,
  RequestRow,
  Store,
  Supersession,
  TokenRow,
  ProductReleaseRow,
  ProductRow,
  TrackRow,
  TrackVersionRow,
  WithdrawalRow,
} from '../store.ts'
import type { SqlValue, Table } from '../sqlite/rows.ts'
import * as t from '../sqlite/rows.ts'

/** What runs SQL: the pool (one-shot reads) or the client of one transaction. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(
    text: string,
    values?: unknown[],
  ): Promise<{ rows: R[]; rowCount: number | null }>
}

/** Applies when its value is present; each `?` in the SQL binds the value. */
type Condition = readonly [sql: string, value: SqlValue | boolean | undefined]
type Filter<M extends keyof Store> = Parameters<Store[M]>[0]

const DEFAULT_AUDIT_LIMIT = 1000

/** `WHERE a = $1 AND b = $2`, numbering each `?` after the `values` already bound. */
function where(conditions: readonly Condition[], values: unknown[] = []) {
  const present = conditions.filter(([, value]) => value !== undefined)
  const parts = present.map(([sql, value]) =>
    sql.replace(/\?/g, () => {
      values.push(value)
      return `$${values.length}`
    }),
  )
  return { sql: parts.length === 0 ? '' : `WHERE ${parts.join(' AND ')}`, values }
}

function limitOf(limit: number | undefined): string {
  if (limit === undefined) return ''
  assert.ok(Number.isSafeInteger(limit) && limit >= 0, `limit must be an integer >= 0: ${limit}`)
  return `LIMIT ${limit}`
}

/** A table's statements in this dialect, built from the same fields and codecs as SQLite's. */
interface PgTable<T> {
  readonly table: Table<T>
  readonly select: string
  readonly insert: string
  readonly values: (row: T) => unknown[]
}

const pgTables = new Map<string, PgTable<unknown>>()

function pg<T>(table: Table<T>): PgTable<T> {
  let found = pgTables.get(table.name) as PgTable<T> | undefined
  if (found === undefined) {
    const columns = table.fields.map((f) => `${t.column(f)} AS "${f}"`).join(', ')
    const placeholders = table.fields.map((_, i) => `$${i + 1}`).join(', ')
    found = {
      table,
      select: `SELECT ${columns} FROM ${table.name}`,
      // ON CONFLICT DO NOTHING: a duplicate is reported without aborting the transaction.
      insert: `INSERT INTO ${table.name} (${table.fields.map(t.column).join(', ')})
        VALUES (${placeholders}) ON CONFLICT DO NOTHING`,
      values: (row) => {
        const params = table.encode(row)
        return table.fields.map((f) => params[f])
      },
    }
    pgTables.set(table.name, found as PgTable<unknown>)
  }
  return found
}

/**
 * The SQL of the store on one PostgreSQL connection (or the pool). A transaction gets its own
 * instance, which keeps the audit head it read under the audit lock and the last receipt it
 * stored; the pool's instance keeps nothing between calls.
 */
export class PgQueries {
  readonly #db: Queryable
  #head: AuditHead | undefined
  #lastReceipt: { jws: string; ref: string } | null = null

  constructor(db: Queryable) {
    this.#db = db
  }

  async #one<T>(table: Table<T>, key: string, value: string): Promise<T | undefined> {
    const { rows } = await this.#db.query(`${pg(table).select} WHERE ${key} = $1`, [value])
    return rows[0] === undefined ? undefined : table.decode(rows[0])
  }

  async #list<T>(table: Table<T>, w: ReturnType<typeof where>, tail: string): Promise<T[]> {
    const { rows } = await this.#db.query(`${pg(table).select} ${w.sql} ${tail}`, w.values)
    return rows.map(table.decode)
  }

  /** Inserts a row; false when its key (or another unique column) is taken. */
  async #tryInsert<T>(table: Table<T>, row: T): Promise<boolean> {
    const p = pg(table)
    return (await this.#db.query(p.insert, p.values(row))).rowCount === 1
  }

  async #insert<T>(table: Table<T>, row: T, what: string): Promise<void> {
    if (!(await this.#tryInsert(table, row)))
      throw new EntenteError('CONFLICT', `${what} is already stored`)
  }

  async #update(sql: string, values: unknown[], what: string): Promise<void> {
    if ((await this.#db.query(sql, values)).rowCount === 0)
      throw new EntenteError('NOT_FOUND', `${what} does not exist`)
  }

  insertReport(r: ReportRow) {
    return this.#insert(t.REPORTS, r, `report ${r.id}`)
  }

  getReport(id: string) {
    return this.#one(t.REPORTS, 'id', id)
  }

  /** Issue 12: the held row goes to the history, the later version takes its place. */
  async replaceReport(r: ReportRow): Promise<void> {
    const { rows } = await this.#db.query(`${pg(t.REPORTS).select} WHERE id = $1 FOR UPDATE`, [
      r.id,
    ])
    const held = rows[0] === undefined ? undefined : t.REPORTS.decode(rows[0])
    if (held === undefined) throw new EntenteError('NOT_FOUND', `report ${r.id} does not exist`)
    if (r.version <= held.version)
      throw new EntenteError(
        'CONFLICT',
        `report ${r.id}: version ${r.version} does not follow the held version ${held.version}`,
      )
    await this.#db.query(
      `INSERT INTO report_versions (report_id, version, row, replaced_at_ms)
       VALUES ($1, $2, $3, $4)`,
      [held.id, held.version, JSON.stringify(held), r.createdAtMs],
    )
    const fields = t.REPORTS.fields.filter((f) => f !== 'id')
    const params = t.REPORTS.encode(r)
    const set = fields.map((f, i) => `${t.column(f)} = $${i + 2}`)
    await this.#db.query(`UPDATE reports SET ${set.join(', ')} WHERE id = $1`, [
      r.id,
      ...fields.map((f) => params[f]),
    ])
  }

  markSuperseded(reportId: string, s: Supersession) {
    return this.#update(
      'UPDATE reports SET superseded_by = $2 WHERE id = $1',
      [reportId, JSON.stringify(s)],
      `report ${reportId}`,
    )
  }

  async listReportVersions(reportId: string): Promise<ReportRow[]> {
    const { rows } = await this.#db.query<{ row: string }>(
      'SELECT row FROM report_versions WHERE report_id = $1 ORDER BY version',
      [reportId],
    )
    return rows.map((r) => JSON.parse(r.row) as ReportRow)
  }

  async getTrack(originator: string, trackNumber: number): Promise<TrackRow | undefined> {
    const { rows } = await this.#db.query(
      `${pg(t.TRACKS).select} WHERE originator = $1 AND track_number = $2`,
      [originator, trackNumber],
    )
    return rows[0] === undefined ? undefined : t.TRACKS.decode(rows[0])
  }

  async getTracks(originator: string, trackNumbers: readonly number[]): Promise<TrackRow[]> {
    const { rows } = await this.#db.query(
      `${pg(t.TRACKS).select} WHERE originator = $1 AND track_number = ANY($2::integer[])`,
      [originator, [...trackNumbers]],
    )
    return rows.map(t.TRACKS.decode)
  }

  async putTrack(track: TrackRow): Promise<void> {
    const p = pg(t.TRACKS)
    const set = t.TRACKS.fields
      .filter((f) => f !== 'originator' && f !== 'trackNumber')
      .map((f) => `${t.column(f)} = excluded.${t.column(f)}`)
    await this.#db.query(
      p.insert.replace(
        'ON CONFLICT DO NOTHING',
        `ON CONFLICT (originator, track_number) DO UPDATE SET ${set.join(', ')}`,
      ),
      p.values(track),
    )
  }

  async insertTrackVersions(rows: readonly TrackVersionRow[]): Promise<void> {
    const p = pg(t.TRACK_VERSIONS)
    for (const row of rows) await this.#db.query(p.insert, p.values(row))
  }

  listTrackVersions(f: Filter<'listTrackVersions'>) {
    const w = where([
      ['originator = ?', f.originator],
      ['track_number = ?', f.trackNumber],
      ['report_id = ?', f.reportId],
    ])
    return this.#list(t.TRACK_VERSIONS, w, 'ORDER BY recorded_at_ms, originator, track_number, seq')
  }

  listTracks(f: Filter<'listTracks'>) {
    const w = where([
      ['originator = ?', f.originator],
      ['report_id = ?', f.reportId],
      ['status = ?', f.status],
      ['updated_at_ms >= ?', f.sinceMs],
    ])
    return this.#list(
      t.TRACKS,
      w,
      `ORDER BY updated_at_ms, originator, track_number ${limitOf(f.limit)}`,
    )
  }

  listReports(f: Filter<'listReports'>) {
    const w = where([
      ['originator = ?', f.originator],
      ['created_at_ms >= ?', f.sinceMs],
    ])
    return this.#list(t.REPORTS, w, `ORDER BY created_at_ms, ord ${limitOf(f.limit)}`)
  }

  insertRelease(r: ReleaseRow) {
    return this.#insert(t.RELEASES, r, `release ${r.id}`)
  }

  /** An absent `officer` keeps the one stored; null clears it. */
  updateRelease(id: string, change: Parameters<Store['updateRelease']>[1]) {
    const reasons = change.reasons === undefined ? null : JSON.stringify(change.reasons)
    return this.#update(
      `UPDATE releases SET state = $2, updated_at_ms = $3,
         officer = CASE WHEN $4::boolean THEN officer ELSE $5 END,
         reasons = coalesce($6, reasons)
       WHERE id = $1`,
      [
        id,
        change.state,
        change.updatedAtMs,
        change.officer === undefined,
        change.officer ?? null,
        reasons,
      ],
      `release ${id}`,
    )
  }

  getRelease(id: string) {
    return this.#one(t.RELEASES, 'id', id)
  }

  listReleases(f: Filter<'listReleases'>) {
    const w = where([
      ['state = ?', f.state],
      ['recipient = ?', f.recipient],
      ['report_id = ?', f.reportId],
    ])
    return this.#list(t.RELEASES, w, 'ORDER BY decided_at_ms, ord')
  }

  enqueue(m: OutboxRow) {
    return this.#insert(t.OUTBOX, m, `outbox message ${m.messageId}`)
  }

  /** The first receipt wins: a repeated delivery keeps the original time and bytes. */
  async markDelivered(messageId: string, receipt: string, atMs: number) {
    await this.#update(
      `UPDATE outbox SET delivered_at_ms = coalesce(delivered_at_ms, $3),
         receipt = coalesce(receipt, $2) WHERE message_id = $1`,
      [messageId, await this.#receiptRef(receipt), atMs],
      `outbox message ${messageId}`,
    )
  }

  /** Stores a receipt once (a frame's serves all its messages); returns `sha256:<hex>`. */
  async #receiptRef(jws: string): Promise<string> {
    // The same receipt as this transaction's last row: stored already, in this transaction.
    if (this.#lastReceipt?.jws === jws) return this.#lastReceipt.ref
    const sha256 = createHash('sha256').update(jws).digest('hex')
    await this.#db.query(
      'INSERT INTO receipts (sha256, jws) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [sha256, jws],
    )
    this.#lastReceipt = { jws, ref: `sha256:${sha256}` }
    return this.#lastReceipt.ref
  }

  /** Rows' receipts as signed: references are looked up (once each), inline JWSs stay. */
  async #withReceipts<R extends { receipt: string | null }>(rows: R[]): Promise<R[]> {
    const refs = [
      ...new Set(
        rows.flatMap((r) => (r.receipt?.startsWith('sha256:') === true ? [r.receipt] : [])),
      ),
    ]
    if (refs.length === 0) return rows
    const { rows: found } = await this.#db.query<{ sha256: string; jws: string }>(
      'SELECT sha256, jws FROM receipts WHERE sha256 = ANY($1)',
      [refs.map((ref) => ref.slice(7))],
    )
    const bySha = new Map(found.map((r) => [`sha256:${r.sha256}`, r.jws]))
    return rows.map((row) => {
      if (row.receipt === null || !row.receipt.startsWith('sha256:')) return row
      const jws = bySha.get(row.receipt)
      if (jws === undefined) throw new Error(`receipts: ${row.receipt} is missing`)
      return { ...row, receipt: jws }
    })
  }

  markAttemptFailed(messageId: string, error: string, nextAttemptAtMs: number) {
    return this.#update(
      `UPDATE outbox SET attempts = attempts + 1, last_error = $2,
         next_attempt_at_ms = $3 WHERE message_id = $1`,
      [messageId, error, nextAttemptAtMs],
      `outbox message ${messageId}`,
    )
  }

  withdrawMessage(messageId: string, error: string, atMs: number) {
    return this.#update(
      `UPDATE outbox SET withdrawn_at_ms = $3, last_error = $2
         WHERE message_id = $1 AND delivered_at_ms IS NULL`,
      [messageId, error, atMs],
      `undelivered outbox message ${messageId}`,
    )
  }

  async dueMessages(nowMs: number, limit: number, recipient?: string) {
    const w = where([
      ['delivered_at_ms IS NULL AND withdrawn_at_ms IS NULL AND next_attempt_at_ms <= ?', nowMs],
      ['recipient = ?', recipient],
    ])
    const order = 'ORDER BY next_attempt_at_ms, created_at_ms, seq'
    return this.#withReceipts(await this.#list(t.OUTBOX, w, `${order} ${limitOf(limit)}`))
  }

  async backlogByRecipient(): Promise<Map<string, number>> {
    const { rows } = await this.#db.query<{ recipient: string; n: number }>(
      `SELECT recipient, count(*) AS n FROM outbox
       WHERE delivered_at_ms IS NULL AND withdrawn_at_ms IS NULL GROUP BY recipient`,
    )
    return new Map(rows.map((r) => [r.recipient, r.n]))
  }

  async listOutbox(f: Filter<'listOutbox'>) {
    const w = where([
      ['recipient = ?', f.recipient],
      ['delivered_at_ms IS NOT NULL', f.delivered === true ? true : undefined],
      ['delivered_at_ms IS NULL', f.delivered === false ? true : undefined],
      ['withdrawn_at_ms IS NOT NULL', f.withdrawn === true ? true : undefined],
      ['withdrawn_at_ms IS NULL', f.withdrawn === false ? true : undefined],
    ])
    return this.#withReceipts(await this.#list(t.OUTBOX, w, `ORDER BY seq ${limitOf(f.limit)}`))
  }

  async getInbox(messageId: string) {
    const row = await this.#one(t.INBOX, 'message_id', messageId)
    return row === undefined ? undefined : (await this.#withReceipts([row]))[0]
  }

  async insertInbox(r: InboxRow) {
    const row = { ...r, receipt: await this.#receiptRef(r.receipt) }
    await this.#insert(t.INBOX, row, `inbox message ${r.messageId}`)
  }

  async lastFrameSeq(peer: string): Promise<number> {
    const { rows } = await this.#db.query<{ last_seq: number }>(
      'SELECT last_seq FROM link_frames WHERE peer = $1',
      [peer],
    )
    return rows[0]?.last_seq ?? 0
  }

  async setFrameSeq(peer: string, seq: number, atMs: number): Promise<void> {
    await this.#db.query(
      `INSERT INTO link_frames (peer, last_seq, at_ms) VALUES ($1, $2, $3)
       ON CONFLICT (peer) DO UPDATE SET last_seq = excluded.last_seq, at_ms = excluded.at_ms`,
      [peer, seq, atMs],
    )
  }

  async listInbox(f: Filter<'listInbox'>) {
    const w = where([
      ['status = ?', f.status],
      ['sender = ?', f.sender],
    ])
    const tail = `ORDER BY received_at_ms, ord ${limitOf(f.limit)}`
    return this.#withReceipts(await this.#list(t.INBOX, w, tail))
  }

  insertRequest(r: RequestRow) {
    return this.#insert(t.REQUESTS, r, `request ${r.id}`)
  }

  updateRequest(id: string, change: Parameters<Store['updateRequest']>[1]) {
    const answer = change.answer === null ? null : JSON.stringify(change.answer)
    return this.#update(
      'UPDATE requests SET status = $2, answered_at_ms = $3, answer = $4 WHERE id = $1',
      [id, change.status, change.answeredAtMs, answer],
      `request ${id}`,
    )
  }

  getRequest(id: string) {
    return this.#one(t.REQUESTS, 'id', id)
  }

  listRequests(f: Filter<'listRequests'>) {
    const w = where([
      ['direction = ?', f.direction],
      ['status = ?', f.status],
    ])
    return this.#list(t.REQUESTS, w, 'ORDER BY created_at_ms, ord')
  }

  insertConsent(c: ConsentRow) {
    return this.#insert(t.CONSENTS, c, `consent ${c.id}`)
  }

  /** The first revocation wins. */
  revokeConsent(id: string, atMs: number) {
    return this.#update(
      'UPDATE consents SET revoked_at_ms = coalesce(revoked_at_ms, $2) WHERE id = $1',
      [id, atMs],
      `consent ${id}`,
    )
  }

  getConsent(id: string) {
    return this.#one(t.CONSENTS, 'id', id)
  }

  /** In force at `activeAtMs`: from <= at < until (none: open), and not revoked by then. */
  listConsents(f: Filter<'listConsents'>) {
    const active = `from_ms <= ? AND (until_ms IS NULL OR ? < until_ms)
      AND (revoked_at_ms IS NULL OR revoked_at_ms > ?)`
    const w = where([
      ['holder = ?', f.holder],
      ['recipient = ?', f.recipient],
      [active, f.activeAtMs],
    ])
    return this.#list(t.CONSENTS, w, 'ORDER BY from_ms, ord')
  }

  insertDisclosure(r: DisclosureRow) {
    return this.#tryInsert(t.DISCLOSURES, r)
  }

  insertProduct(r: ProductRow) {
    return this.#tryInsert(t.PRODUCTS, r)
  }

  async putProduct(r: ProductRow): Promise<void> {
    const p = pg(t.PRODUCTS)
    const set = t.PRODUCTS.fields
      .filter((f) => f !== 'id')
      .map((f) => `${t.column(f)} = excluded.${t.column(f)}`)
    await this.#db.query(
      p.insert.replace(
        'ON CONFLICT DO NOTHING',
        `ON CONFLICT (id) DO UPDATE SET ${set.join(', ')}`,
      ),
      p.values(r),
    )
  }

  getProduct(id: string) {
    return this.#one(t.PRODUCTS, 'id', id)
  }

  insertProductRelease(r: ProductReleaseRow) {
    return this.#tryInsert(t.PRODUCT_RELEASES, r)
  }

  listProductReleases(f: Filter<'listProductReleases'>) {
    const w = where([
      ['recipient = ?', f.recipient],
      ['product_id = ?', f.productId],
    ])
    return this.#list(t.PRODUCT_RELEASES, w, 'ORDER BY released_at_ms, ord')
  }

  setProductProgress(id: string, verifiedChunks: number, atMs: number) {
    return this.#update(
      'UPDATE products SET verified_chunks = $2, updated_at_ms = $3 WHERE id = $1',
      [id, verifiedChunks, atMs],
      `product ${id}`,
    )
  }

  listProducts(f: Filter<'listProducts'>) {
    const w = where([
      ['originator = ?', f.originator],
      ['kind = ?', f.kind],
      ['state = ?', f.state],
    ])
    return this.#list(t.PRODUCTS, w, 'ORDER BY created_at_ms, ord')
  }

  insertWithdrawal(r: WithdrawalRow) {
    return this.#tryInsert(t.WITHDRAWALS, r)
  }

  getWithdrawal(reportId: string) {
    return this.#one(t.WITHDRAWALS, 'report_id', reportId)
  }

  listWithdrawals() {
    return this.#list(t.WITHDRAWALS, where([]), 'ORDER BY recorded_at_ms, ord')
  }

  /**
   * Appends under a transaction-scoped advisory lock, taken at the transaction's first append
   * and held to its end: writers in every process append one after another, each reading the
   * head the last one committed. Only in a transaction (the store routes one-shot appends so).
   */
  async appendAudit(input: AuditInput): Promise<AuditEntry> {
    if (this.#head === undefined) {
      await this.#db.query("SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.audit'))")
      const last = await this.lastAudit()
      this.#head = last ?? EMPTY_AUDIT_HEAD
    }
    const entry = nextAuditEntry(this.#head, input)
    const p = pg(t.AUDIT)
    await this.#db.query(p.insert.replace('ON CONFLICT DO NOTHING', ''), p.values(entry))
    this.#head = entry
    return entry
  }

  async lastAudit(): Promise<AuditEntry | undefined> {
    return (await this.#list(t.AUDIT, where([]), 'ORDER BY seq DESC LIMIT 1'))[0]
  }

  /** The window is fromMs <= atMs < untilMs; entries come in seq order. */
  listAudit(f: AuditFilter) {
    const w = where([
      ['type = ?', f.type],
      ['party = ?', f.party],
      ['subject = ?', f.subject],
      ['at_ms >= ?', f.fromMs],
      ['at_ms < ?', f.untilMs],
      ['seq > ?', f.afterSeq],
    ])
    return this.#list(t.AUDIT, w, `ORDER BY seq ${limitOf(f.limit ?? DEFAULT_AUDIT_LIMIT)}`)
  }

  insertCheckpoint(c: AuditCheckpoint) {
    return this.#insert(t.CHECKPOINTS, c, `checkpoint at seq ${c.seq}`)
  }

  listCheckpoints() {
    return this.#list(t.CHECKPOINTS, where([]), 'ORDER BY seq')
  }

  insertToken(token: TokenRow) {
    return this.#insert(t.TOKENS, token, 'token')
  }

  findToken(tokenHash: string) {
    return this.#one(t.TOKENS, 'token_hash', tokenHash)
  }

  listTokens() {
    return this.#list(t.TOKENS, where([]), 'ORDER BY created_at_ms, ord')
  }

  /** The first revocation wins. */
  revokeToken(tokenHash: string, atMs: number) {
    return this.#update(
      'UPDATE tokens SET revoked_at_ms = coalesce(revoked_at_ms, $2) WHERE token_hash = $1',
      [tokenHash, atMs],
      'token',
    )
  }
}
