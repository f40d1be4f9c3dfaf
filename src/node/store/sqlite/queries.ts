import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import type { Database, Statement } from 'better-sqlite3'
import { EntenteError } from '../../../lib/errors.ts'
import { EMPTY_AUDIT_HEAD, nextAuditEntry } from '../../audit/hash.ts'
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
  Supersession,
  RequestRow,
  Store,
  TokenRow,
  ProductReleaseRow,
  ProductRow,
  TrackRow,
  TrackVersionRow,
  WithdrawalRow,
} from '../store.ts'
import type { Params, SqlValue, Table } from './rows.ts'
import * as t from './rows.ts'

/** Applies when its value is present; binds the value to `name` unless name is null. */
type Condition = readonly [sql: string, name: string | null, value: SqlValue | undefined]
type Filter<M extends keyof Store> = Parameters<Store[M]>[0]

const DEFAULT_AUDIT_LIMIT = 1000

function where(conditions: readonly Condition[]): { sql: string; params: Params } {
  const present = conditions.filter(([, , value]) => value !== undefined)
  const params: Params = {}
  for (const [, name, value] of present) if (name !== null) params[name] = value ?? null
  const sql = present.length === 0 ? '' : `WHERE ${present.map(([s]) => s).join(' AND ')}`
  return { sql, params }
}

function limitOf(limit: number | undefined): string {
  if (limit === undefined) return ''
  assert.ok(Number.isSafeInteger(limit) && limit >= 0, `limit must be an integer >= 0: ${limit}`)
  return `LIMIT ${limit}`
}

function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE'
}

/**
 * The SQL of the store, run synchronously on one better-sqlite3 connection. Statements are
 * prepared on first use and cached by their text (filters have a few shapes each, so the
 * cache stays small). SqliteStore decides what runs inside a transaction.
 */
export class Queries {
  readonly #db: Database
  readonly #statements = new Map<string, Statement>()
  /**
   * The chain's head once read; forgotten on rollback, and when another connection (a CLI
   * import while the node runs) has committed since, so that it is read again.
   */
  #head: { seq: number; hash: string } | undefined
  /** SQLite's `data_version`: it changes when another connection commits to the file. */
  #dataVersion = -1
  /** The last receipt stored and its reference: a frame's messages come one after another. */
  #lastReceipt: { jws: string; ref: string } | null = null

  constructor(db: Database) {
    this.#db = db
  }

  #sql(text: string): Statement {
    let statement = this.#statements.get(text)
    if (statement === undefined) {
      statement = this.#db.prepare(text)
      this.#statements.set(text, statement)
    }
    return statement
  }

  #one<T>(table: Table<T>, key: string, value: string): T | undefined {
    const raw: unknown = this.#sql(
      `SELECT ${table.columns} FROM ${table.name} WHERE ${key} = ?`,
    ).get(value)
    return raw === undefined ? undefined : table.decode(raw)
  }

  #list<T>(table: Table<T>, w: { sql: string; params: Params }, tail: string): T[] {
    const sql = `SELECT ${table.columns} FROM ${table.name} ${w.sql} ${tail}`
    return this.#sql(sql).all(w.params).map(table.decode)
  }

  #insert<T>(table: Table<T>, row: T, what: string): void {
    try {
      this.#sql(table.insert).run(table.encode(row))
    } catch (error) {
      if (!isUniqueViolation(error)) throw error
      throw new EntenteError('CONFLICT', `${what} is already stored`, { cause: error })
    }
  }

  #update(sql: string, params: Params, what: string): void {
    if (this.#sql(sql).run(params).changes === 0) {
      throw new EntenteError('NOT_FOUND', `${what} does not exist`)
    }
  }

  begin(): void {
    this.#sql('BEGIN IMMEDIATE').run()
    const version = Number(this.#sql('PRAGMA data_version').pluck().get())
    if (version !== this.#dataVersion) this.#head = undefined
    this.#dataVersion = version
  }

  commit(): void {
    this.#sql('COMMIT').run()
  }

  rollback(): void {
    this.#head = undefined
    if (this.#db.inTransaction) this.#sql('ROLLBACK').run()
  }

  /** One transaction of a group that shares a COMMIT runs inside its own savepoint. */
  savepoint(): void {
    this.#sql('SAVEPOINT tx').run()
  }

  releaseSavepoint(): void {
    this.#sql('RELEASE tx').run()
  }

  /** Undoes the savepoint's work only; false if SQLite rolled the whole transaction back. */
  rollbackToSavepoint(): boolean {
    this.#head = undefined
    if (!this.#db.inTransaction) return false
    this.#sql('ROLLBACK TO tx').run()
    this.#sql('RELEASE tx').run()
    return true
  }

  insertReport(r: ReportRow): void {
    this.#insert(t.REPORTS, r, `report ${r.id}`)
  }

  getReport(id: string): ReportRow | undefined {
    return this.#one(t.REPORTS, 'id', id)
  }

  replaceReport(r: ReportRow): void {
    const held = this.getReport(r.id)
    if (held === undefined) throw new EntenteError('NOT_FOUND', `report ${r.id} does not exist`)
    if (r.version <= held.version)
      throw new EntenteError(
        'CONFLICT',
        `report ${r.id}: version ${r.version} does not follow the held version ${held.version}`,
      )
    this.#sql(
      `INSERT INTO report_versions (report_id, version, row, replaced_at_ms)
       VALUES (@id, @version, @row, @atMs)`,
    ).run({ id: held.id, version: held.version, row: JSON.stringify(held), atMs: r.createdAtMs })
    const fields = Object.keys(t.REPORTS.encode(r)).filter((f) => f !== 'id')
    const set = fields.map((f) => `${f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)} = @${f}`)
    this.#sql(`UPDATE reports SET ${set.join(', ')} WHERE id = @id`).run(t.REPORTS.encode(r))
  }

  markSuperseded(reportId: string, s: Supersession): void {
    this.#update(
      'UPDATE reports SET superseded_by = @s WHERE id = @reportId',
      { reportId, s: JSON.stringify(s) },
      `report ${reportId}`,
    )
  }

  listReportVersions(reportId: string): ReportRow[] {
    const rows = this.#sql(
      'SELECT row FROM report_versions WHERE report_id = ? ORDER BY version',
    ).all(reportId) as { row: string }[]
    return rows.map((r) => JSON.parse(r.row) as ReportRow)
  }

  getTrack(originator: string, trackNumber: number): TrackRow | undefined {
    const raw: unknown = this.#sql(
      `SELECT ${t.TRACKS.columns} FROM tracks WHERE originator = ? AND track_number = ?`,
    ).get(originator, trackNumber)
    return raw === undefined ? undefined : t.TRACKS.decode(raw)
  }

  getTracks(originator: string, trackNumbers: readonly number[]): TrackRow[] {
    const out: TrackRow[] = []
    // In chunks: SQLite binds at most 32,766 parameters per statement.
    for (let i = 0; i < trackNumbers.length; i += 1_000) {
      const chunk = trackNumbers.slice(i, i + 1_000)
      const marks = chunk.map(() => '?').join(', ')
      const rows = this.#sql(
        `SELECT ${t.TRACKS.columns} FROM tracks WHERE originator = ? AND track_number IN (${marks})`,
      ).all(originator, ...chunk)
      for (const raw of rows) out.push(t.TRACKS.decode(raw))
    }
    return out
  }

  putTrack(track: TrackRow): void {
    const sql = t.TRACKS.insert.replace('INSERT INTO', 'INSERT OR REPLACE INTO')
    this.#sql(sql).run(t.TRACKS.encode(track))
  }

  insertTrackVersions(rows: readonly TrackVersionRow[]): void {
    // A version held already is skipped; any other constraint still fails (as PostgreSQL's).
    const sql = `${t.TRACK_VERSIONS.insert} ON CONFLICT DO NOTHING`
    const statement = this.#sql(sql)
    for (const row of rows) statement.run(t.TRACK_VERSIONS.encode(row))
  }

  listTrackVersions(f: Filter<'listTrackVersions'>): TrackVersionRow[] {
    const w = where([
      ['originator = @originator', 'originator', f.originator],
      ['track_number = @trackNumber', 'trackNumber', f.trackNumber],
      ['report_id = @reportId', 'reportId', f.reportId],
    ])
    return this.#list(t.TRACK_VERSIONS, w, 'ORDER BY recorded_at_ms, originator, track_number, seq')
  }

  listTracks(f: Filter<'listTracks'>): TrackRow[] {
    const w = where([
      ['originator = @originator', 'originator', f.originator],
      ['report_id = @reportId', 'reportId', f.reportId],
      ['status = @status', 'status', f.status],
      ['updated_at_ms >= @sinceMs', 'sinceMs', f.sinceMs],
    ])
    // Ties by originator and number, as in PostgreSQL (an upsert keeps no insertion order there).
    return this.#list(
      t.TRACKS,
      w,
      `ORDER BY updated_at_ms, originator, track_number ${limitOf(f.limit)}`,
    )
  }

  listReports(f: Filter<'listReports'>): ReportRow[] {
    const w = where([
      ['originator = @originator', 'originator', f.originator],
      ['created_at_ms >= @sinceMs', 'sinceMs', f.sinceMs],
    ])
    return this.#list(t.REPORTS, w, `ORDER BY created_at_ms, rowid ${limitOf(f.limit)}`)
  }

  insertRelease(r: ReleaseRow): void {
    this.#insert(t.RELEASES, r, `release ${r.id}`)
  }

  /** An absent `officer` keeps the one stored; null clears it. */
  updateRelease(id: string, change: Parameters<Store['updateRelease']>[1]): void {
    const { state, updatedAtMs } = change
    const keepOfficer = change.officer === undefined ? 1 : 0
    const reasons = change.reasons === undefined ? null : JSON.stringify(change.reasons)
    this.#update(
      `UPDATE releases SET state = @state, updated_at_ms = @updatedAtMs,
         officer = CASE WHEN @keepOfficer = 1 THEN officer ELSE @officer END,
         reasons = coalesce(@reasons, reasons)
       WHERE id = @id`,
      { id, state, updatedAtMs, keepOfficer, officer: change.officer ?? null, reasons },
      `release ${id}`,
    )
  }

  getRelease(id: string): ReleaseRow | undefined {
    return this.#one(t.RELEASES, 'id', id)
  }

  listReleases(f: Filter<'listReleases'>): ReleaseRow[] {
    const w = where([
      ['state = @state', 'state', f.state],
      ['recipient = @recipient', 'recipient', f.recipient],
      ['report_id = @reportId', 'reportId', f.reportId],
    ])
    return this.#list(t.RELEASES, w, 'ORDER BY decided_at_ms, rowid')
  }

  enqueue(m: OutboxRow): void {
    this.#insert(t.OUTBOX, m, `outbox message ${m.messageId}`)
  }

  /** The first receipt wins: a repeated delivery keeps the original time and bytes. */
  markDelivered(messageId: string, receipt: string, atMs: number): void {
    this.#update(
      `UPDATE outbox SET delivered_at_ms = coalesce(delivered_at_ms, @atMs),
         receipt = coalesce(receipt, @receipt) WHERE message_id = @messageId`,
      { messageId, receipt: this.#receiptRef(receipt), atMs },
      `outbox message ${messageId}`,
    )
  }

  /** Stores a receipt once (a frame's serves all its messages); returns `sha256:<hex>`. */
  #receiptRef(jws: string): string {
    if (this.#lastReceipt?.jws === jws) {
      // The same receipt as the last row's; stored already unless that transaction rolled back.
      this.#sql('INSERT OR IGNORE INTO receipts (sha256, jws) VALUES (?, ?)').run(
        this.#lastReceipt.ref.slice(7),
        jws,
      )
      return this.#lastReceipt.ref
    }
    const sha256 = createHash('sha256').update(jws).digest('hex')
    this.#sql('INSERT OR IGNORE INTO receipts (sha256, jws) VALUES (?, ?)').run(sha256, jws)
    this.#lastReceipt = { jws, ref: `sha256:${sha256}` }
    return this.#lastReceipt.ref
  }

  /** A row's receipt as signed: a reference is looked up, a JWS stored inline is as it is. */
  #withReceipt<R extends { receipt: string | null }>(row: R): R {
    if (row.receipt === null || !row.receipt.startsWith('sha256:')) return row
    const jws = this.#sql('SELECT jws FROM receipts WHERE sha256 = ?')
      .pluck()
      .get(row.receipt.slice(7)) as string | undefined
    if (jws === undefined) throw new Error(`receipts: ${row.receipt} is missing`)
    return { ...row, receipt: jws }
  }

  markAttemptFailed(messageId: string, error: string, nextAttemptAtMs: number): void {
    this.#update(
      `UPDATE outbox SET attempts = attempts + 1, last_error = @error,
         next_attempt_at_ms = @nextAttemptAtMs WHERE message_id = @messageId`,
      { messageId, error, nextAttemptAtMs },
      `outbox message ${messageId}`,
    )
  }

  withdrawMessage(messageId: string, error: string, atMs: number): void {
    this.#update(
      `UPDATE outbox SET withdrawn_at_ms = @atMs, last_error = @error
         WHERE message_id = @messageId AND delivered_at_ms IS NULL`,
      { messageId, error, atMs },
      `undelivered outbox message ${messageId}`,
    )
  }

  dueMessages(nowMs: number, limit: number, recipient?: string): OutboxRow[] {
    const w = {
      sql: `WHERE delivered_at_ms IS NULL AND withdrawn_at_ms IS NULL
        AND next_attempt_at_ms <= @nowMs${recipient === undefined ? '' : ' AND recipient = @recipient'}`,
      params: (recipient === undefined ? { nowMs } : { nowMs, recipient }) as Params,
    }
    const order = 'ORDER BY next_attempt_at_ms, created_at_ms, seq'
    return this.#list(t.OUTBOX, w, `${order} ${limitOf(limit)}`).map((r) => this.#withReceipt(r))
  }

  backlogByRecipient(): Map<string, number> {
    const rows = this.#sql(
      `SELECT recipient, count(*) AS n FROM outbox
       WHERE delivered_at_ms IS NULL AND withdrawn_at_ms IS NULL GROUP BY recipient`,
    ).all() as { recipient: string; n: number }[]
    return new Map(rows.map((r) => [r.recipient, r.n]))
  }

  listOutbox(f: Filter<'listOutbox'>): OutboxRow[] {
    const w = where([
      ['recipient = @recipient', 'recipient', f.recipient],
      ['delivered_at_ms IS NOT NULL', null, f.delivered === true ? 1 : undefined],
      ['delivered_at_ms IS NULL', null, f.delivered === false ? 1 : undefined],
      ['withdrawn_at_ms IS NOT NULL', null, f.withdrawn === true ? 1 : undefined],
      ['withdrawn_at_ms IS NULL', null, f.withdrawn === false ? 1 : undefined],
    ])
    return this.#list(t.OUTBOX, w, `ORDER BY seq ${limitOf(f.limit)}`).map((r) =>
      this.#withReceipt(r),
    )
  }

  getInbox(messageId: string): InboxRow | undefined {
    const row = this.#one(t.INBOX, 'message_id', messageId)
    return row === undefined ? undefined : this.#withReceipt(row)
  }

  insertInbox(r: InboxRow): void {
    this.#insert(
      t.INBOX,
      { ...r, receipt: this.#receiptRef(r.receipt) },
      `inbox message ${r.messageId}`,
    )
  }

  lastFrameSeq(peer: string): number {
    const row = this.#sql('SELECT last_seq FROM link_frames WHERE peer = ?').get(peer) as
      { last_seq: number } | undefined
    return row?.last_seq ?? 0
  }

  setFrameSeq(peer: string, seq: number, atMs: number): void {
    this.#sql(
      `INSERT INTO link_frames (peer, last_seq, at_ms) VALUES (?, ?, ?)
       ON CONFLICT (peer) DO UPDATE SET last_seq = excluded.last_seq, at_ms = excluded.at_ms`,
    ).run(peer, seq, atMs)
  }

  listInbox(f: Filter<'listInbox'>): InboxRow[] {
    const w = where([
      ['status = @status', 'status', f.status],
      ['sender = @sender', 'sender', f.sender],
    ])
    return this.#list(t.INBOX, w, `ORDER BY received_at_ms, rowid ${limitOf(f.limit)}`).map((r) =>
      this.#withReceipt(r),
    )
  }

  insertRequest(r: RequestRow): void {
    this.#insert(t.REQUESTS, r, `request ${r.id}`)
  }

  updateRequest(id: string, change: Parameters<Store['updateRequest']>[1]): void {
    const { status, answeredAtMs } = change
    const answer = change.answer === null ? null : JSON.stringify(change.answer)
    this.#update(
      `UPDATE requests SET status = @status, answered_at_ms = @answeredAtMs, answer = @answer
       WHERE id = @id`,
      { id, status, answeredAtMs, answer },
      `request ${id}`,
    )
  }

  getRequest(id: string): RequestRow | undefined {
    return this.#one(t.REQUESTS, 'id', id)
  }

  listRequests(f: Filter<'listRequests'>): RequestRow[] {
    const w = where([
      ['direction = @direction', 'direction', f.direction],
      ['status = @status', 'status', f.status],
    ])
    return this.#list(t.REQUESTS, w, 'ORDER BY created_at_ms, rowid')
  }

  insertConsent(c: ConsentRow): void {
    this.#insert(t.CONSENTS, c, `consent ${c.id}`)
  }

  /** The first revocation wins. */
  revokeConsent(id: string, atMs: number): void {
    this.#update(
      'UPDATE consents SET revoked_at_ms = coalesce(revoked_at_ms, @atMs) WHERE id = @id',
      { id, atMs },
      `consent ${id}`,
    )
  }

  getConsent(id: string): ConsentRow | undefined {
    return this.#one(t.CONSENTS, 'id', id)
  }

  /** In force at `activeAtMs`: from <= at < until (none: open), and not revoked by then. */
  listConsents(f: Filter<'listConsents'>): ConsentRow[] {
    const active = `from_ms <= @activeAtMs AND (until_ms IS NULL OR @activeAtMs < until_ms)
      AND (revoked_at_ms IS NULL OR revoked_at_ms > @activeAtMs)`
    const w = where([
      ['holder = @holder', 'holder', f.holder],
      ['recipient = @recipient', 'recipient', f.recipient],
      [active, 'activeAtMs', f.activeAtMs],
    ])
    return this.#list(t.CONSENTS, w, 'ORDER BY from_ms, rowid')
  }

  insertDisclosure(r: DisclosureRow): boolean {
    const sql = t.DISCLOSURES.insert.replace('INSERT INTO', 'INSERT OR IGNORE INTO')
    return this.#sql(sql).run(t.DISCLOSURES.encode(r)).changes === 1
  }

  insertProduct(r: ProductRow): boolean {
    const sql = t.PRODUCTS.insert.replace('INSERT INTO', 'INSERT OR IGNORE INTO')
    return this.#sql(sql).run(t.PRODUCTS.encode(r)).changes === 1
  }

  putProduct(r: ProductRow): void {
    const set = t.PRODUCTS.fields
      .filter((f) => f !== 'id')
      .map((f) => `${t.column(f)} = excluded.${t.column(f)}`)
    this.#sql(`${t.PRODUCTS.insert} ON CONFLICT (id) DO UPDATE SET ${set.join(', ')}`).run(
      t.PRODUCTS.encode(r),
    )
  }

  getProduct(id: string): ProductRow | undefined {
    return this.#one(t.PRODUCTS, 'id', id)
  }

  insertProductRelease(r: ProductReleaseRow): boolean {
    const sql = t.PRODUCT_RELEASES.insert.replace('INSERT INTO', 'INSERT OR IGNORE INTO')
    return this.#sql(sql).run(t.PRODUCT_RELEASES.encode(r)).changes === 1
  }

  listProductReleases(f: Filter<'listProductReleases'>): ProductReleaseRow[] {
    const w = where([
      ['recipient = @recipient', 'recipient', f.recipient],
      ['product_id = @productId', 'productId', f.productId],
    ])
    return this.#list(t.PRODUCT_RELEASES, w, 'ORDER BY released_at_ms, rowid')
  }

  setProductProgress(id: string, verifiedChunks: number, atMs: number): void {
    this.#update(
      'UPDATE products SET verified_chunks = @verifiedChunks, updated_at_ms = @atMs WHERE id = @id',
      { id, verifiedChunks, atMs },
      `product ${id}`,
    )
  }

  listProducts(f: Filter<'listProducts'>): ProductRow[] {
    const w = where([
      ['originator = @originator', 'originator', f.originator],
      ['kind = @kind', 'kind', f.kind],
      ['state = @state', 'state', f.state],
    ])
    return this.#list(t.PRODUCTS, w, 'ORDER BY created_at_ms, rowid')
  }

  insertWithdrawal(r: WithdrawalRow): boolean {
    const sql = t.WITHDRAWALS.insert.replace('INSERT INTO', 'INSERT OR IGNORE INTO')
    return this.#sql(sql).run(t.WITHDRAWALS.encode(r)).changes === 1
  }

  getWithdrawal(reportId: string): WithdrawalRow | undefined {
    return this.#one(t.WITHDRAWALS, 'report_id', reportId)
  }

  listWithdrawals(): WithdrawalRow[] {
    return this.#list(t.WITHDRAWALS, where([]), 'ORDER BY recorded_at_ms, rowid')
  }

  appendAudit(input: AuditInput): AuditEntry {
    const entry = nextAuditEntry((this.#head ??= this.#readHead()), input)
    this.#sql(t.AUDIT.insert).run(t.AUDIT.encode(entry))
    this.#head = { seq: entry.seq, hash: entry.hash }
    return entry
  }

  #readHead(): { seq: number; hash: string } {
    const last = this.lastAudit()
    return last === undefined ? EMPTY_AUDIT_HEAD : { seq: last.seq, hash: last.hash }
  }

  lastAudit(): AuditEntry | undefined {
    return this.#list(t.AUDIT, where([]), 'ORDER BY seq DESC LIMIT 1')[0]
  }

  /** The window is fromMs <= atMs < untilMs; entries come in seq order. */
  listAudit(f: AuditFilter): AuditEntry[] {
    const w = where([
      ['type = @type', 'type', f.type],
      ['party = @party', 'party', f.party],
      ['subject = @subject', 'subject', f.subject],
      ['at_ms >= @fromMs', 'fromMs', f.fromMs],
      ['at_ms < @untilMs', 'untilMs', f.untilMs],
      ['seq > @afterSeq', 'afterSeq', f.afterSeq],
    ])
    return this.#list(t.AUDIT, w, `ORDER BY seq ${limitOf(f.limit ?? DEFAULT_AUDIT_LIMIT)}`)
  }

  insertCheckpoint(c: AuditCheckpoint): void {
    this.#insert(t.CHECKPOINTS, c, `checkpoint at seq ${c.seq}`)
  }

  listCheckpoints(): AuditCheckpoint[] {
    return this.#list(t.CHECKPOINTS, where([]), 'ORDER BY seq')
  }

  insertToken(token: TokenRow): void {
    this.#insert(t.TOKENS, token, 'token')
  }

  findToken(tokenHash: string): TokenRow | undefined {
    return this.#one(t.TOKENS, 'token_hash', tokenHash)
  }

  listTokens(): TokenRow[] {
    return this.#list(t.TOKENS, where([]), 'ORDER BY created_at_ms, rowid')
  }

  /** The first revocation wins. */
  revokeToken(tokenHash: string, atMs: number): void {
    this.#update(
      `UPDATE tokens SET revoked_at_ms = coalesce(revoked_at_ms, @atMs)
       WHERE token_hash = @tokenHash`,
      { tokenHash, atMs },
      'token',
    )
  }
}
