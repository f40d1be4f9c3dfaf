import Sqlite from 'better-sqlite3'
import type { Database } from 'better-sqlite3'
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
  ProductReleaseRow,
  ProductRow,
  TrackRow,
  TrackVersionRow,
  RequestRow,
  Store,
  StoreTx,
  TokenRow,
  WithdrawalRow,
} from '../store.ts'
import { migrate } from './migrations.ts'
import { Queries } from './queries.ts'

type Filter<M extends keyof Store> = Parameters<Store[M]>[0]

const BUSY_TIMEOUT_MS = 5000
const SYNCHRONOUS = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const

export interface ConnectionSettings {
  readonly journalMode: string
  readonly synchronous: string
  readonly foreignKeys: boolean
  readonly busyTimeoutMs: number
}

/** At most this many transactions share one COMMIT, so that reads are not held back long. */
const GROUP_LIMIT = 256

/** Transactions that have done their work and wait for one COMMIT together. */
interface CommitGroup {
  members: number
  /** The commit was put off one event-loop turn, for others to join. */
  deferred?: boolean
  readonly committed: Promise<void>
  readonly settle: (error: Error | null) => void
}

const asError = (error: unknown): Error =>
  error instanceof Error ? error : new Error('SqliteStore: the transaction failed')

/** Runs `fn` now; its result or its throw becomes the promise's. */
const settle = <T>(fn: () => T): Promise<T> => new Promise<T>((resolve) => resolve(fn()))

/**
 * Serialises transactions (first come, first served) and keeps reads from seeing a
 * transaction in flight: a read made while one holds the lock runs as soon as it ends
 * (committed or rolled back), before the next transaction begins.
 */
class Gate {
  #locked = false
  readonly #writers: (() => void)[] = []
  readonly #readers: (() => void)[] = []

  async acquire(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true
      return
    }
    await new Promise<void>((resolve) => this.#writers.push(resolve))
  }

  /** Hands the lock to a waiting writer, reads still held back; false if none waits. */
  pass(): boolean {
    const next = this.#writers.shift()
    if (next === undefined) return false
    next()
    return true
  }

  /** Runs the waiting reads, then hands the lock to the next writer without unlocking. */
  release(): void {
    for (const read of this.#readers.splice(0)) read()
    const next = this.#writers.shift()
    if (next === undefined) this.#locked = false
    else next()
  }

  read<T>(fn: () => T): Promise<T> {
    if (!this.#locked) return settle(fn)
    // settle runs fn at once, inside release(): before the next transaction begins.
    return new Promise<T>((resolve) => this.#readers.push(() => resolve(settle(fn))))
  }
}

/** The view of one transaction; it refuses work once the transaction has ended. */
class SqliteTx implements StoreTx {
  readonly #q: Queries
  #open = true

  constructor(queries: Queries) {
    this.#q = queries
  }

  end(): void {
    this.#open = false
  }

  #run<T>(fn: (q: Queries) => T): Promise<T> {
    return settle(() => {
      if (!this.#open) throw new Error('SqliteStore: this transaction has already ended')
      return fn(this.#q)
    })
  }

  insertReport(r: ReportRow) {
    return this.#run((q) => q.insertReport(r))
  }

  getReport(id: string) {
    return this.#run((q) => q.getReport(id))
  }

  replaceReport(r: ReportRow) {
    return this.#run((q) => q.replaceReport(r))
  }

  markSuperseded(reportId: string, supersession: Supersession) {
    return this.#run((q) => q.markSuperseded(reportId, supersession))
  }

  listReportVersions(reportId: string) {
    return this.#run((q) => q.listReportVersions(reportId))
  }

  insertProduct(r: ProductRow) {
    return this.#run((q) => q.insertProduct(r))
  }

  putProduct(r: ProductRow) {
    return this.#run((q) => q.putProduct(r))
  }

  getProduct(id: string) {
    return this.#run((q) => q.getProduct(id))
  }

  insertProductRelease(r: ProductReleaseRow) {
    return this.#run((q) => q.insertProductRelease(r))
  }

  setProductProgress(id: string, verifiedChunks: number, atMs: number) {
    return this.#run((q) => q.setProductProgress(id, verifiedChunks, atMs))
  }

  getTrack(originator: string, trackNumber: number) {
    return this.#run((q) => q.getTrack(originator, trackNumber))
  }

  putTrack(track: TrackRow) {
    return this.#run((q) => q.putTrack(track))
  }

  getTracks(originator: string, trackNumbers: readonly number[]) {
    return this.#run((q) => q.getTracks(originator, trackNumbers))
  }

  insertTrackVersions(rows: readonly TrackVersionRow[]) {
    return this.#run((q) => q.insertTrackVersions(rows))
  }

  insertRelease(r: ReleaseRow) {
    return this.#run((q) => q.insertRelease(r))
  }

  updateRelease(id: string, change: Parameters<StoreTx['updateRelease']>[1]) {
    return this.#run((q) => q.updateRelease(id, change))
  }

  getRelease(id: string) {
    return this.#run((q) => q.getRelease(id))
  }

  listReleases(f: Filter<'listReleases'>) {
    return this.#run((q) => q.listReleases(f))
  }

  enqueue(m: OutboxRow) {
    return this.#run((q) => q.enqueue(m))
  }

  markDelivered(messageId: string, receipt: string, atMs: number) {
    return this.#run((q) => q.markDelivered(messageId, receipt, atMs))
  }

  markAttemptFailed(messageId: string, error: string, nextAttemptAtMs: number) {
    return this.#run((q) => q.markAttemptFailed(messageId, error, nextAttemptAtMs))
  }

  withdrawMessage(messageId: string, reason: string, atMs: number) {
    return this.#run((q) => q.withdrawMessage(messageId, reason, atMs))
  }

  getConsent(id: string) {
    return this.#run((q) => q.getConsent(id))
  }

  listConsents(f: Filter<'listConsents'>) {
    return this.#run((q) => q.listConsents(f))
  }

  getInbox(messageId: string) {
    return this.#run((q) => q.getInbox(messageId))
  }

  insertInbox(r: InboxRow) {
    return this.#run((q) => q.insertInbox(r))
  }

  lastFrameSeq(peer: string) {
    return this.#run((q) => q.lastFrameSeq(peer))
  }

  setFrameSeq(peer: string, seq: number, atMs: number) {
    return this.#run((q) => q.setFrameSeq(peer, seq, atMs))
  }

  insertRequest(r: RequestRow) {
    return this.#run((q) => q.insertRequest(r))
  }

  updateRequest(id: string, change: Parameters<StoreTx['updateRequest']>[1]) {
    return this.#run((q) => q.updateRequest(id, change))
  }

  getRequest(id: string) {
    return this.#run((q) => q.getRequest(id))
  }

  insertConsent(c: ConsentRow) {
    return this.#run((q) => q.insertConsent(c))
  }

  revokeConsent(id: string, atMs: number) {
    return this.#run((q) => q.revokeConsent(id, atMs))
  }

  insertDisclosure(row: DisclosureRow) {
    return this.#run((q) => q.insertDisclosure(row))
  }

  insertWithdrawal(row: WithdrawalRow) {
    return this.#run((q) => q.insertWithdrawal(row))
  }

  getWithdrawal(reportId: string) {
    return this.#run((q) => q.getWithdrawal(reportId))
  }

  appendAudit(entry: AuditInput) {
    return this.#run((q) => q.appendAudit(entry))
  }

  insertToken(token: TokenRow) {
    return this.#run((q) => q.insertToken(token))
  }

  revokeToken(tokenHash: string, atMs: number) {
    return this.#run((q) => q.revokeToken(tokenHash, atMs))
  }
}

/**
 * The Store on one better-sqlite3 connection: WAL, synchronous=FULL (a commit is on disk
 * when its promise resolves), foreign keys on. better-sqlite3 is synchronous, so
 * transactions are serialised by an async gate: acquire, BEGIN IMMEDIATE, await work,
 * COMMIT or ROLLBACK, release. Writes called on the store itself run as one-statement
 * transactions through the same gate. Reads on the store run at once when no transaction
 * is in flight, else right after it ends: they never see uncommitted writes.
 *
 * Inside `work`, use the `tx` it is given only: a call on the store itself (a transaction,
 * a write or a read) waits for the transaction it is made from, forever.
 */
export class SqliteStore implements Store {
  readonly #db: Database
  readonly #q: Queries
  readonly #gate = new Gate()
  readonly #version: number
  /** The open transaction whose COMMIT the transactions run meanwhile share. */
  #group: CommitGroup | null = null
  #counts = { transactions: 0, commits: 0 }
  #closed = false

  private constructor(db: Database, version: number) {
    this.#db = db
    this.#q = new Queries(db)
    this.#version = version
  }

  /** Opens (creating if needed) and migrates the database at `path`; `':memory:'` for tests. */
  static open(path: string): Promise<SqliteStore> {
    return settle(() => {
      const db = new Sqlite(path)
      try {
        db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`)
        db.pragma('journal_mode = WAL')
        db.pragma('synchronous = FULL')
        db.pragma('foreign_keys = ON')
        // Deleted content (a purged quarantine payload, a revoked row) is zeroed, not left in free pages.
        db.pragma('secure_delete = ON')
        return new SqliteStore(db, migrate(db))
      } catch (error) {
        db.close()
        throw error
      }
    })
  }

  async transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    await this.#gate.acquire()
    let group: CommitGroup
    let result: T
    try {
      if (this.#closed) throw new Error('SqliteStore: the store is closed')
      group = this.#group ?? this.#beginGroup()
      result = await this.#inSavepoint(group, work)
    } catch (error) {
      this.#endTurn()
      throw error
    }
    group.members++
    this.#endTurn()
    await group.committed
    return result
  }

  #beginGroup(): CommitGroup {
    this.#q.begin()
    let settle: CommitGroup['settle'] = () => undefined
    const committed = new Promise<void>((resolve, reject) => {
      settle = (error) => (error === null ? resolve() : reject(error))
    })
    // Each member awaits it; a group that fails is rejected to each of them, never unhandled.
    committed.catch(() => undefined)
    const group: CommitGroup = { members: 0, committed, settle }
    this.#group = group
    return group
  }

  /** Runs `work` in its own savepoint of the group's transaction: a throw undoes it alone. */
  async #inSavepoint<T>(group: CommitGroup, work: (tx: StoreTx) => Promise<T>): Promise<T> {
    const tx = new SqliteTx(this.#q)
    this.#q.savepoint()
    try {
      const result = await work(tx)
      tx.end()
      this.#q.releaseSavepoint()
      return result
    } catch (error) {
      tx.end()
      // SQLite rolls a whole transaction back on some errors (a full disk, I/O): the group is lost.
      if (!this.#q.rollbackToSavepoint()) this.#failGroup(group, error)
      throw error
    }
  }

  /**
   * A transaction's turn is over: the next waiting writer joins the open group (up to
   * GROUP_LIMIT), else the group commits, once, and its members' promises resolve. When
   * none waits, the commit waits one turn of the event loop first, so that requests that
   * arrived meanwhile join it (a lone transaction pays that turn, not another fsync).
   */
  #endTurn(): void {
    const group = this.#group
    if (group === null) return this.#gate.release()
    if (group.members < GROUP_LIMIT && this.#gate.pass()) return
    if (group.deferred === true) return this.#commitGroup(group)
    group.deferred = true
    setImmediate(() => {
      if (this.#group !== group) return
      if (group.members < GROUP_LIMIT && this.#gate.pass()) {
        group.deferred = false
        return
      }
      this.#commitGroup(group)
    })
  }

  #commitGroup(group: CommitGroup): void {
    this.#group = null
    try {
      if (group.members === 0) this.#q.rollback()
      else {
        this.#q.commit()
        this.#counts.transactions += group.members
        this.#counts.commits++
      }
      group.settle(null)
    } catch (error) {
      this.#q.rollback()
      group.settle(asError(error))
    } finally {
      this.#gate.release()
    }
  }

  #failGroup(group: CommitGroup, error: unknown): void {
    this.#group = null
    this.#q.rollback()
    group.settle(asError(error))
  }

  #write(fn: (tx: StoreTx) => Promise<void>): Promise<void> {
    return this.transaction(fn)
  }

  insertReport = (r: ReportRow) => this.#write((tx) => tx.insertReport(r))
  replaceReport = (r: ReportRow) => this.#write((tx) => tx.replaceReport(r))
  markSuperseded = (reportId: string, s: Supersession) =>
    this.#write((tx) => tx.markSuperseded(reportId, s))
  listReportVersions = (reportId: string) =>
    this.#gate.read(() => this.#q.listReportVersions(reportId))
  getTrack = (originator: string, trackNumber: number) =>
    this.#gate.read(() => this.#q.getTrack(originator, trackNumber))
  putTrack = (track: TrackRow) => this.#write((tx) => tx.putTrack(track))
  getTracks = (originator: string, trackNumbers: readonly number[]) =>
    this.#gate.read(() => this.#q.getTracks(originator, trackNumbers))
  listTracks = (f: Filter<'listTracks'>) => this.#gate.read(() => this.#q.listTracks(f))
  insertTrackVersions = (rows: readonly TrackVersionRow[]) =>
    this.#write((tx) => tx.insertTrackVersions(rows))
  listTrackVersions = (f: Filter<'listTrackVersions'>) =>
    this.#gate.read(() => this.#q.listTrackVersions(f))
  insertProduct = (r: ProductRow) => this.transaction((tx) => tx.insertProduct(r))
  putProduct = (r: ProductRow) => this.#write((tx) => tx.putProduct(r))
  getProduct = (id: string) => this.#gate.read(() => this.#q.getProduct(id))
  setProductProgress = (id: string, verifiedChunks: number, atMs: number) =>
    this.#write((tx) => tx.setProductProgress(id, verifiedChunks, atMs))
  insertProductRelease = (r: ProductReleaseRow) =>
    this.transaction((tx) => tx.insertProductRelease(r))
  listProductReleases = (f: Filter<'listProductReleases'>) =>
    this.#gate.read(() => this.#q.listProductReleases(f))
  listProducts = (f: Filter<'listProducts'>) => this.#gate.read(() => this.#q.listProducts(f))
  insertRelease = (r: ReleaseRow) => this.#write((tx) => tx.insertRelease(r))
  updateRelease = (id: string, change: Parameters<StoreTx['updateRelease']>[1]) =>
    this.#write((tx) => tx.updateRelease(id, change))
  enqueue = (m: OutboxRow) => this.#write((tx) => tx.enqueue(m))
  markDelivered = (messageId: string, receipt: string, atMs: number) =>
    this.#write((tx) => tx.markDelivered(messageId, receipt, atMs))
  markAttemptFailed = (messageId: string, error: string, nextAttemptAtMs: number) =>
    this.#write((tx) => tx.markAttemptFailed(messageId, error, nextAttemptAtMs))
  withdrawMessage = (messageId: string, reason: string, atMs: number) =>
    this.#write((tx) => tx.withdrawMessage(messageId, reason, atMs))
  getConsent = (id: string) => this.#gate.read(() => this.#q.getConsent(id))
  insertInbox = (r: InboxRow) => this.#write((tx) => tx.insertInbox(r))
  insertRequest = (r: RequestRow) => this.#write((tx) => tx.insertRequest(r))
  updateRequest = (id: string, change: Parameters<StoreTx['updateRequest']>[1]) =>
    this.#write((tx) => tx.updateRequest(id, change))
  insertConsent = (c: ConsentRow) => this.#write((tx) => tx.insertConsent(c))
  revokeConsent = (id: string, atMs: number) => this.#write((tx) => tx.revokeConsent(id, atMs))
  insertDisclosure = (row: DisclosureRow) => this.transaction((tx) => tx.insertDisclosure(row))
  insertWithdrawal = (row: WithdrawalRow) => this.transaction((tx) => tx.insertWithdrawal(row))
  getWithdrawal = (reportId: string) => this.#gate.read(() => this.#q.getWithdrawal(reportId))
  listWithdrawals = () => this.#gate.read(() => this.#q.listWithdrawals())
  appendAudit = (entry: AuditInput): Promise<AuditEntry> =>
    this.transaction((tx) => tx.appendAudit(entry))
  insertCheckpoint = (c: AuditCheckpoint) =>
    this.#write(() => settle(() => this.#q.insertCheckpoint(c)))
  insertToken = (token: TokenRow) => this.#write((tx) => tx.insertToken(token))
  revokeToken = (tokenHash: string, atMs: number) =>
    this.#write((tx) => tx.revokeToken(tokenHash, atMs))

  getReport = (id: string) => this.#gate.read(() => this.#q.getReport(id))
  listReports = (f: Filter<'listReports'>) => this.#gate.read(() => this.#q.listReports(f))
  getRelease = (id: string) => this.#gate.read(() => this.#q.getRelease(id))
  listReleases = (f: Filter<'listReleases'>) => this.#gate.read(() => this.#q.listReleases(f))
  dueMessages = (nowMs: number, limit: number, recipient?: string) =>
    this.#gate.read(() => this.#q.dueMessages(nowMs, limit, recipient))
  listOutbox = (f: Filter<'listOutbox'>) => this.#gate.read(() => this.#q.listOutbox(f))
  getInbox = (messageId: string) => this.#gate.read(() => this.#q.getInbox(messageId))
  backlogByRecipient = () => this.#gate.read(() => this.#q.backlogByRecipient())
  lastFrameSeq = (peer: string) => this.#gate.read(() => this.#q.lastFrameSeq(peer))
  setFrameSeq = (peer: string, seq: number, atMs: number) =>
    this.#write((tx) => tx.setFrameSeq(peer, seq, atMs))
  listInbox = (f: Filter<'listInbox'>) => this.#gate.read(() => this.#q.listInbox(f))
  getRequest = (id: string) => this.#gate.read(() => this.#q.getRequest(id))
  listRequests = (f: Filter<'listRequests'>) => this.#gate.read(() => this.#q.listRequests(f))
  listConsents = (f: Filter<'listConsents'>) => this.#gate.read(() => this.#q.listConsents(f))
  listAudit = (f: AuditFilter) => this.#gate.read(() => this.#q.listAudit(f))
  lastAudit = () => this.#gate.read(() => this.#q.lastAudit())
  listCheckpoints = () => this.#gate.read(() => this.#q.listCheckpoints())
  findToken = (tokenHash: string) => this.#gate.read(() => this.#q.findToken(tokenHash))
  listTokens = () => this.#gate.read(() => this.#q.listTokens())
  schemaVersion = () => Promise.resolve(this.#version)

  /** Transactions committed and the COMMITs (fsyncs) they took: the group commit's effect. */
  commitCounts(): { transactions: number; commits: number } {
    return { ...this.#counts }
  }

  /** The connection's durability settings, for diagnostics and tests. */
  settings(): Promise<ConnectionSettings> {
    return settle(() => ({
      journalMode: String(this.#db.pragma('journal_mode', { simple: true })),
      synchronous: SYNCHRONOUS[Number(this.#db.pragma('synchronous', { simple: true }))] ?? '?',
      foreignKeys: this.#db.pragma('foreign_keys', { simple: true }) === 1,
      busyTimeoutMs: Number(this.#db.pragma('busy_timeout', { simple: true })),
    }))
  }

  /** Waits for the transactions already queued, then closes the connection. */
  async close(): Promise<void> {
    await this.#gate.acquire()
    try {
      if (this.#closed) return
      this.#closed = true
      this.#db.close()
    } finally {
      this.#gate.release()
    }
  }
}
