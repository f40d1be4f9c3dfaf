import pg from 'pg'
import type { CustomTypesConfig, Pool, PoolClient } from 'pg'
import { EntenteError } from '../../../lib/errors.ts'
import type {
  AuditCheckpoint,
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
  StoreTx,
  Supersession,
  TokenRow,
  ProductReleaseRow,
  ProductRow,
  TrackRow,
  TrackVersionRow,
  WithdrawalRow,
} from '../store.ts'
import { PostgresLeases } from './leases.ts'
import { migrate } from './migrations.ts'
import { PgQueries } from './queries.ts'

type Filter<M extends keyof Store> = Parameters<Store[M]>[0]

/** BIGINT (OID 20) as a JS number: instants in ms and counts stay far below 2^53. */
const INT8_OID = 20
const types: CustomTypesConfig = {
  getTypeParser: ((oid: number, format: 'text' | 'binary' = 'text'): unknown =>
    oid === INT8_OID ? Number : (pg.types.getTypeParser(oid, format) as unknown)) as never,
}

/** A schema name the store may put in `search_path` unquoted. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/

export interface PostgresStoreOptions {
  /** `postgres://user@host:port/database`; a password here is refused (use `password`). */
  readonly url: string
  /** The password, read from a file or the environment by the caller; never logged. */
  readonly password?: string
  /** The schema holding this node's tables (created if absent); default: `public`. */
  readonly schema?: string
  /** Connections in the pool (one-shot reads run in parallel on them); default 10. */
  readonly maxConnections?: number
}

/** FIFO mutex: this process's transactions run one at a time, in call order. */
class Gate {
  #locked = false
  readonly #waiting: (() => void)[] = []

  async acquire(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true
      return
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve))
  }

  release(): void {
    const next = this.#waiting.shift()
    if (next === undefined) this.#locked = false
    else next()
  }
}

/** The view of one transaction; it refuses work once the transaction has ended. */
class PgTx implements StoreTx {
  readonly #q: PgQueries
  #open = true

  constructor(queries: PgQueries) {
    this.#q = queries
  }

  end(): void {
    this.#open = false
  }

  #run<T>(fn: (q: PgQueries) => Promise<T>): Promise<T> {
    if (!this.#open)
      return Promise.reject(new Error('PostgresStore: this transaction has already ended'))
    return fn(this.#q)
  }

  insertReport = (r: ReportRow) => this.#run((q) => q.insertReport(r))
  getReport = (id: string) => this.#run((q) => q.getReport(id))
  replaceReport = (r: ReportRow) => this.#run((q) => q.replaceReport(r))
  markSuperseded = (reportId: string, s: Supersession) =>
    this.#run((q) => q.markSuperseded(reportId, s))
  listReportVersions = (reportId: string) => this.#run((q) => q.listReportVersions(reportId))
  getTrack = (originator: string, trackNumber: number) =>
    this.#run((q) => q.getTrack(originator, trackNumber))
  putTrack = (track: TrackRow) => this.#run((q) => q.putTrack(track))
  getTracks = (originator: string, trackNumbers: readonly number[]) =>
    this.#run((q) => q.getTracks(originator, trackNumbers))
  insertTrackVersions = (rows: readonly TrackVersionRow[]) =>
    this.#run((q) => q.insertTrackVersions(rows))
  insertProduct = (r: ProductRow) => this.#run((q) => q.insertProduct(r))
  putProduct = (r: ProductRow) => this.#run((q) => q.putProduct(r))
  getProduct = (id: string) => this.#run((q) => q.getProduct(id))
  insertProductRelease = (r: ProductReleaseRow) => this.#run((q) => q.insertProductRelease(r))
  setProductProgress = (id: string, verifiedChunks: number, atMs: number) =>
    this.#run((q) => q.setProductProgress(id, verifiedChunks, atMs))
  insertRelease = (r: ReleaseRow) => this.#run((q) => q.insertRelease(r))
  updateRelease = (id: string, change: Parameters<StoreTx['updateRelease']>[1]) =>
    this.#run((q) => q.updateRelease(id, change))
  getRelease = (id: string) => this.#run((q) => q.getRelease(id))
  listReleases = (f: Filter<'listReleases'>) => this.#run((q) => q.listReleases(f))
  enqueue = (m: OutboxRow) => this.#run((q) => q.enqueue(m))
  markDelivered = (messageId: string, receipt: string, atMs: number) =>
    this.#run((q) => q.markDelivered(messageId, receipt, atMs))
  markAttemptFailed = (messageId: string, error: string, nextAttemptAtMs: number) =>
    this.#run((q) => q.markAttemptFailed(messageId, error, nextAttemptAtMs))
  withdrawMessage = (messageId: string, reason: string, atMs: number) =>
    this.#run((q) => q.withdrawMessage(messageId, reason, atMs))
  getInbox = (messageId: string) => this.#run((q) => q.getInbox(messageId))
  insertInbox = (r: InboxRow) => this.#run((q) => q.insertInbox(r))
  lastFrameSeq = (peer: string) => this.#run((q) => q.lastFrameSeq(peer))
  setFrameSeq = (peer: string, seq: number, atMs: number) =>
    this.#run((q) => q.setFrameSeq(peer, seq, atMs))
  insertRequest = (r: RequestRow) => this.#run((q) => q.insertRequest(r))
  updateRequest = (id: string, change: Parameters<StoreTx['updateRequest']>[1]) =>
    this.#run((q) => q.updateRequest(id, change))
  getRequest = (id: string) => this.#run((q) => q.getRequest(id))
  insertConsent = (c: ConsentRow) => this.#run((q) => q.insertConsent(c))
  revokeConsent = (id: string, atMs: number) => this.#run((q) => q.revokeConsent(id, atMs))
  getConsent = (id: string) => this.#run((q) => q.getConsent(id))
  listConsents = (f: Filter<'listConsents'>) => this.#run((q) => q.listConsents(f))
  insertDisclosure = (row: DisclosureRow) => this.#run((q) => q.insertDisclosure(row))
  insertWithdrawal = (row: WithdrawalRow) => this.#run((q) => q.insertWithdrawal(row))
  getWithdrawal = (reportId: string) => this.#run((q) => q.getWithdrawal(reportId))
  appendAudit = (entry: AuditInput) => this.#run((q) => q.appendAudit(entry))
  insertToken = (token: TokenRow) => this.#run((q) => q.insertToken(token))
  revokeToken = (tokenHash: string, atMs: number) =>
    this.#run((q) => q.revokeToken(tokenHash, atMs))
}

/**
 * The Store on PostgreSQL through node-postgres (`pg`: the most widely used client, with a
 * pool and LISTEN/NOTIFY). A transaction is BEGIN … COMMIT on one pooled client; COMMIT
 * returns once the server has made it durable (synchronous_commit, the server's default).
 * This process's transactions are serialised, in call order, as SqliteStore's are; other
 * processes on the same database run beside them under PostgreSQL's row locks, and audit
 * appends from all of them are serialised by an advisory lock (queries.ts, appendAudit).
 * One-shot reads run on the pool at once and see committed rows only (READ COMMITTED).
 *
 * Inside `work`, use the `tx` it is given only: a transaction or write on the store itself
 * waits for the transaction it is made from, forever.
 */
export class PostgresStore implements Store {
  readonly #pool: Pool
  readonly #q: PgQueries
  readonly #gate = new Gate()
  readonly #version: number
  #closed = false

  private constructor(pool: Pool, version: number) {
    this.#pool = pool
    this.#q = new PgQueries(pool)
    this.#version = version
  }

  /** Connects, creates the schema if absent, and migrates it. */
  static async open(options: PostgresStoreOptions): Promise<PostgresStore> {
    const { schema } = options
    if (schema !== undefined && !SCHEMA_NAME.test(schema))
      throw new EntenteError(
        'CONFIG_INVALID',
        `store.schema: '${schema}' is not a lower-case SQL name (letters, digits, _)`,
      )
    const pool = new pg.Pool({
      connectionString: withPassword(options.url, options.password),
      ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
      max: options.maxConnections ?? 10,
      types,
    })
    // An idle client's lost connection is reported here; the next query reconnects.
    pool.on('error', () => undefined)
    try {
      if (schema !== undefined) await createSchema(pool, schema)
      return new PostgresStore(pool, await migrate(pool))
    } catch (error) {
      await pool.end()
      throw connectionError(error)
    }
  }

  async transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    await this.#gate.acquire()
    try {
      if (this.#closed) throw new Error('PostgresStore: the store is closed')
      const client = await this.#pool.connect()
      let broken: Error | undefined
      try {
        return await this.#inTransaction(client, work)
      } catch (error) {
        if (isConnectionLost(error)) broken = error as Error
        throw error
      } finally {
        client.release(broken)
      }
    } finally {
      this.#gate.release()
    }
  }

  async #inTransaction<T>(client: PoolClient, work: (tx: StoreTx) => Promise<T>): Promise<T> {
    await client.query('BEGIN')
    const tx = new PgTx(new PgQueries(client))
    let result: T
    try {
      result = await work(tx)
    } catch (error) {
      tx.end()
      await client.query('ROLLBACK')
      throw error
    }
    tx.end()
    // A failed COMMIT (a deferred foreign key) rolls back by itself and rejects here.
    await client.query('COMMIT')
    return result
  }

  #write = <T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> => this.transaction(fn)

  insertReport = (r: ReportRow) => this.#write((tx) => tx.insertReport(r))
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
  insertInbox = (r: InboxRow) => this.#write((tx) => tx.insertInbox(r))
  setFrameSeq = (peer: string, seq: number, atMs: number) =>
    this.#write((tx) => tx.setFrameSeq(peer, seq, atMs))
  insertRequest = (r: RequestRow) => this.#write((tx) => tx.insertRequest(r))
  updateRequest = (id: string, change: Parameters<StoreTx['updateRequest']>[1]) =>
    this.#write((tx) => tx.updateRequest(id, change))
  insertConsent = (c: ConsentRow) => this.#write((tx) => tx.insertConsent(c))
  revokeConsent = (id: string, atMs: number) => this.#write((tx) => tx.revokeConsent(id, atMs))
  insertDisclosure = (row: DisclosureRow) => this.#write((tx) => tx.insertDisclosure(row))
  insertWithdrawal = (row: WithdrawalRow) => this.#write((tx) => tx.insertWithdrawal(row))
  appendAudit = (entry: AuditInput) => this.#write((tx) => tx.appendAudit(entry))
  insertToken = (token: TokenRow) => this.#write((tx) => tx.insertToken(token))
  revokeToken = (tokenHash: string, atMs: number) =>
    this.#write((tx) => tx.revokeToken(tokenHash, atMs))
  insertCheckpoint = (c: AuditCheckpoint) => this.#write(() => this.#q.insertCheckpoint(c))
  replaceReport = (r: ReportRow) => this.#write((tx) => tx.replaceReport(r))
  markSuperseded = (reportId: string, s: Supersession) =>
    this.#write((tx) => tx.markSuperseded(reportId, s))
  putTrack = (track: TrackRow) => this.#write((tx) => tx.putTrack(track))
  insertProduct = (r: ProductRow) => this.#write((tx) => tx.insertProduct(r))
  putProduct = (r: ProductRow) => this.#write((tx) => tx.putProduct(r))
  setProductProgress = (id: string, verifiedChunks: number, atMs: number) =>
    this.#write((tx) => tx.setProductProgress(id, verifiedChunks, atMs))
  getProduct = (id: string) => this.#q.getProduct(id)
  listProducts = (f: Filter<'listProducts'>) => this.#q.listProducts(f)
  insertProductRelease = (r: ProductReleaseRow) => this.#write((tx) => tx.insertProductRelease(r))
  listProductReleases = (f: Filter<'listProductReleases'>) => this.#q.listProductReleases(f)
  listReportVersions = (reportId: string) => this.#q.listReportVersions(reportId)
  getTrack = (originator: string, trackNumber: number) => this.#q.getTrack(originator, trackNumber)
  getTracks = (originator: string, trackNumbers: readonly number[]) =>
    this.#q.getTracks(originator, trackNumbers)
  listTracks = (f: Filter<'listTracks'>) => this.#q.listTracks(f)
  insertTrackVersions = (rows: readonly TrackVersionRow[]) =>
    this.#write((tx) => tx.insertTrackVersions(rows))
  listTrackVersions = (f: Filter<'listTrackVersions'>) => this.#q.listTrackVersions(f)

  getReport = (id: string) => this.#q.getReport(id)
  listReports = (f: Filter<'listReports'>) => this.#q.listReports(f)
  getRelease = (id: string) => this.#q.getRelease(id)
  listReleases = (f: Filter<'listReleases'>) => this.#q.listReleases(f)
  dueMessages = (nowMs: number, limit: number, recipient?: string) =>
    this.#q.dueMessages(nowMs, limit, recipient)
  listOutbox = (f: Filter<'listOutbox'>) => this.#q.listOutbox(f)
  getInbox = (messageId: string) => this.#q.getInbox(messageId)
  backlogByRecipient = () => this.#q.backlogByRecipient()
  lastFrameSeq = (peer: string) => this.#q.lastFrameSeq(peer)
  listInbox = (f: Filter<'listInbox'>) => this.#q.listInbox(f)
  getRequest = (id: string) => this.#q.getRequest(id)
  listRequests = (f: Filter<'listRequests'>) => this.#q.listRequests(f)
  getConsent = (id: string) => this.#q.getConsent(id)
  listConsents = (f: Filter<'listConsents'>) => this.#q.listConsents(f)
  getWithdrawal = (reportId: string) => this.#q.getWithdrawal(reportId)
  listWithdrawals = () => this.#q.listWithdrawals()
  listAudit = (f: AuditFilter) => this.#q.listAudit(f)
  lastAudit = () => this.#q.lastAudit()
  listCheckpoints = () => this.#q.listCheckpoints()
  findToken = (tokenHash: string) => this.#q.findToken(tokenHash)
  listTokens = () => this.#q.listTokens()
  schemaVersion = () => Promise.resolve(this.#version)

  /** The outbox claims and peer-link leases of one process (`holder`) on this database. */
  leases(holder: string): PostgresLeases {
    return new PostgresLeases(this.#pool, holder, () => this.#pool.connect())
  }

  /** Waits for the transactions already queued, then closes the pool. */
  async close(): Promise<void> {
    await this.#gate.acquire()
    try {
      if (this.#closed) return
      this.#closed = true
      await this.#pool.end()
    } finally {
      this.#gate.release()
    }
  }
}

/** IF NOT EXISTS still races when processes start together: the loser sees 23505, and that is fine. */
async function createSchema(pool: Pool, schema: string): Promise<void> {
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
  } catch (error) {
    if ((error as { code?: unknown }).code !== '23505') throw error
  }
}

/**
 * The URL node-postgres connects with: it lets a connection string's (empty) password win over
 * a `password` option, so the password goes into the string, in memory only.
 */
function withPassword(url: string, password: string | undefined): string {
  if (password === undefined) return url
  const parsed = new URL(url)
  parsed.password = encodeURIComponent(password)
  return parsed.toString()
}

/** Node's socket errors and PostgreSQL's connection-class SQLSTATEs (08xxx, 57P01…). */
function isConnectionLost(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return (
    typeof code === 'string' &&
    (code.startsWith('08') || code.startsWith('57P') || code.startsWith('E'))
  )
}

/** A server that cannot be reached, refuses us or fails the migration: said in one line. */
function connectionError(error: unknown): unknown {
  if (error instanceof EntenteError) return error
  const code = (error as { code?: unknown } | null)?.code
  const auth = code === '28P01' || code === '28000' || /SASL|password/i.test(String(error))
  const reason = auth ? 'authentication failed' : (error as Error).message
  return new EntenteError(
    'CONFIG_INVALID',
    `store.postgres: cannot open the database (${reason})`,
    {
      cause: error,
    },
  )
}
