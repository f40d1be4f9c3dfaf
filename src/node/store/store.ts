/**
 * One party's durable state behind a narrow, asynchronous interface: SQLite today
 * (`sqlite/sqlite-store.ts`), PostgreSQL next. Every multi-step write goes through
 * `transaction`, which commits durably before its promise resolves.
 * Instants are epoch milliseconds; JSON columns hold plain values.
 */

export const RELEASE_STATES = [
  'denied',
  'held',
  'pending-approval',
  'rejected',
  'released',
] as const
/** denied: the engine said no · held: on-request, waiting for a request · pending-approval: manual,
 * waiting for a release officer · rejected: the officer said no · released: in the outbox. */
export type ReleaseState = (typeof RELEASE_STATES)[number]

export { MESSAGE_KINDS, type MessageKind } from '../../protocol/messages.ts'
import type { MessageKind } from '../../protocol/messages.ts'

export const INBOX_STATUSES = ['accepted', 'quarantined'] as const
export type InboxStatus = (typeof INBOX_STATUSES)[number]

/** A launch report as this node holds it (its own, or received from a peer). */
export interface ReportRow {
  readonly id: string
  readonly originator: string
  /** The originator's marking, in the originator's scheme. */
  readonly level: string
  /** The marking in this party's scheme (equal to `level` for own reports). */
  readonly localLevel: string
  readonly topic: string
  readonly releasableTo: readonly string[] | null
  /** The launch facts as ingested (time, site, heading or impact, range, apogee, ...). */
  readonly payload: Readonly<Record<string, unknown>>
  /** Null for own reports; else the peer it came from, the agreement and the full path. */
  readonly receivedFrom: string | null
  readonly agreement: string | null
  readonly path: readonly string[]
  readonly createdAtMs: number
  /**
   * The originator's compact JWS over the canonical report, as it signed it (own reports) or
   * as it arrived (verified); null for a report a partner added over TAXII, which carries none.
   */
  readonly originatorSignature: string | null
  /** Issue 12: 1 for the issued report, one more for each correction (the row is the latest held). */
  readonly version: number
  /**
   * For a correction (version ≥ 2): the originator's signed statement that it supersedes the
   * earlier versions (supersession-signature.ts), forwarded alone to whom may not receive it.
   */
  readonly supersession: string | null
  /** Set when a later version exists that this node was told of but does not hold. */
  readonly supersededBy: Supersession | null
}

/** The version fields of a report as issued (version 1, neither superseding nor superseded). */
export const ISSUED = { version: 1, supersession: null, supersededBy: null } as const

/** A content-free notice that a later version of a report exists (issue 12). */
export interface Supersession {
  /** The version that supersedes the one held. */
  readonly version: number
  /** The originator's instant of that version. */
  readonly atMs: number
  /** The originator's statement (compact JWS), as it arrived. */
  readonly signature: string
  /** The peer the notice came from. */
  readonly receivedFrom: string
}

export interface ReleaseRow {
  readonly id: string
  readonly reportId: string
  readonly recipient: string
  /** Null for a denial, or a public release that needs none. */
  readonly agreement: string | null
  readonly mode: 'auto' | 'manual' | 'on-request' | null
  readonly state: ReleaseState
  readonly levelAtRecipient: string | null
  readonly path: readonly string[]
  readonly reasons: readonly { readonly code: string; readonly message: string }[]
  readonly decidedAtMs: number
  /** Who approved or rejected it, when a release officer did. */
  readonly officer: string | null
  readonly updatedAtMs: number
  /** SHA-256 of the canonical report decided: sealing refuses any other content under its id. */
  readonly reportSha256: string
}

export interface OutboxRow {
  readonly messageId: string
  readonly recipient: string
  readonly kind: MessageKind
  /**
   * The envelope as JSON text (header and payload, unsealed): the link seals it when it
   * leaves, one frame for many messages (the database holds the reports in clear anyway).
   */
  readonly envelope: string
  /** The release, request or consent this message carries, for bookkeeping. */
  readonly subjectId: string
  readonly createdAtMs: number
  readonly attempts: number
  readonly nextAttemptAtMs: number
  readonly deliveredAtMs: number | null
  /** The recipient's signed receipt (compact JWS), once delivered. */
  readonly receipt: string | null
  readonly lastError: string | null
  /** Set when the message was withdrawn before it left (the engine no longer allowed it). */
  readonly withdrawnAtMs: number | null
}

export interface InboxRow {
  readonly messageId: string
  readonly sender: string
  readonly kind: MessageKind
  readonly receivedAtMs: number
  readonly status: InboxStatus
  /** Why it was quarantined; empty when accepted. */
  readonly reasons: readonly { readonly code: string; readonly message: string }[]
  /** The envelope's header (ids, parties, agreement, instant, kind): never its content. */
  readonly header: Readonly<Record<string, unknown>>
  /** SHA-256 of the exact JWE received (the receipt's envelopeSha256): evidence, not content. */
  readonly contentSha256: string
  /** The signed receipt returned to the sender; a duplicate gets the same bytes. */
  readonly receipt: string
}

export interface RequestRow {
  readonly id: string
  readonly direction: 'incoming' | 'outgoing'
  readonly requester: string
  readonly asked: string
  readonly topic: string
  readonly windowFromMs: number
  readonly windowUntilMs: number
  readonly createdAtMs: number
  readonly status: 'open' | 'answered' | 'refused'
  readonly answeredAtMs: number | null
  readonly answer: Readonly<Record<string, unknown>> | null
}

export interface ConsentRow {
  readonly id: string
  readonly originator: string
  readonly holder: string
  readonly recipient: string
  readonly reportId: string | null
  readonly topic: string | null
  readonly fromMs: number
  readonly untilMs: number | null
  readonly revokedAtMs: number | null
}

export const AUDIT_TYPES = [
  'ingest',
  'decision',
  'approval',
  'send',
  'delivery',
  'receipt',
  'arrival',
  'quarantine',
  'relay',
  'request',
  'answer',
  'consent',
  'registry',
  'auth-failure',
  'node',
  'disclosure',
  /** The live link: a peer up or down, a gap in a peer's frame sequence. */
  'link',
  /** A report withdrawn by its originator (issue 12): here, or as a copy held or relayed. */
  'withdrawal',
  /** A report corrected by its originator (issue 12), or a copy told it is superseded. */
  'correction',
  /** A batch of track messages applied here (issue 12): posted, or arrived from a peer. */
  'track',
  /** Issue 13: a peer's checkpoint witnessed, a cosignature received, a LOG_FORK. */
  'witness',
] as const
export type AuditType = (typeof AUDIT_TYPES)[number]

/** What the application appends; the store assigns `seq` and the chain hashes. */
export interface AuditInput {
  readonly atMs: number
  readonly type: AuditType
  /** The other party concerned, if any (recipient, sender, requester...). */
  readonly party: string | null
  /** The report, message, request or consent id concerned, if any. */
  readonly subject: string | null
  readonly data: Readonly<Record<string, unknown>>
}

export interface AuditEntry extends AuditInput {
  readonly seq: number
  readonly prevHash: string
  readonly hash: string
}

export interface AuditCheckpoint {
  readonly seq: number
  readonly hash: string
  readonly atMs: number
  /** Compact JWS (EdDSA) by the node's signing key over `{ seq, hash, atMs }`. */
  readonly signature: string
}

export interface AuditFilter {
  readonly type?: AuditType
  readonly party?: string
  readonly subject?: string
  readonly fromMs?: number
  readonly untilMs?: number
  readonly afterSeq?: number
  readonly limit?: number
}

/** Egress paths other than federation delivery that show a report to another party. */
export const DISCLOSURE_PATHS = ['taxii', 'export', 'cot-stream', 'product-content'] as const
export type DisclosurePath = (typeof DISCLOSURE_PATHS)[number]

/** The first time a report was shown to a party by one path. */
export interface DisclosureRow {
  readonly reportId: string
  readonly party: string
  readonly path: DisclosurePath
  readonly firstAtMs: number
}

/** A report's withdrawal by its originator (issue 12), as signed by it. */
export interface WithdrawalRow {
  readonly reportId: string
  readonly originator: string
  readonly reason: string
  /** The originator's instant of the withdrawal. */
  readonly atMs: number
  /** The originator's compact JWS over the withdrawal (withdrawal-signature.ts). */
  readonly signature: string
  /** The peer it came from; null when this node is the originator. */
  readonly receivedFrom: string | null
  readonly recordedAtMs: number
}

/**
 * A track as this node holds it (issue 12): its latest state, and how its life stands. An own
 * track's `receivedFrom` is null; a peer's names the peer and the path it came by.
 */
export interface TrackRow {
  readonly originator: string
  readonly trackNumber: number
  readonly reportId: string
  readonly topic: string
  /** The marking of the batch that last changed it, in the originator's scheme. */
  readonly level: string
  /** That marking in this party's scheme. */
  readonly localLevel: string
  readonly releasableTo: readonly string[] | null
  /** The latest state (greatest measurement instant) applied: `TrackState` of src/domain/track.ts. */
  readonly state: Readonly<Record<string, unknown>>
  readonly status: 'live' | 'dropped' | 'correlated'
  readonly endedAtMs: number | null
  readonly survivor: number | null
  readonly updates: number
  readonly receivedFrom: string | null
  readonly path: readonly string[]
  /** When this node last changed it. */
  readonly updatedAtMs: number
}

/**
 * One version of a track as this node applied it (issue 12: STIX/TAXII serve every version):
 * the message folded in, under the marking of the batch that carried it. `seq` is 1 for the
 * initial state and one more per state applied; a drop or correlation, the last, is one more.
 */
export interface TrackVersionRow {
  readonly originator: string
  readonly trackNumber: number
  readonly seq: number
  readonly reportId: string
  readonly topic: string
  readonly level: string
  readonly localLevel: string
  readonly releasableTo: readonly string[] | null
  /** The lifecycle message applied: `TrackMessageWire` of src/protocol/track.ts. */
  readonly message: Readonly<Record<string, unknown>>
  readonly recordedAtMs: number
}

export interface TokenRow {
  /** SHA-256 of the token (own roles), or `taxii:PARTY:sha256(secret)` (a peer's TAXII client). */
  readonly tokenHash: string
  readonly role: 'operator' | 'release-officer' | 'auditor' | 'admin'
  readonly label: string
  readonly createdAtMs: number
  /** Refused from this instant on; null: never (tokens issued before expiry existed). */
  readonly expiresAtMs: number | null
  /** Refused once revoked, whatever the clock says; null: not revoked. */
  readonly revokedAtMs: number | null
}

export const PRODUCT_STATES = ['awaiting-content', 'transferring', 'complete'] as const
/** awaiting-content: an own image posted, its file not yet uploaded · transferring: a peer's
 * image whose chunks are being fetched · complete: the whole file is held and verified. */
export type ProductState = (typeof PRODUCT_STATES)[number]

/**
 * A product as this node holds it (issue 17): an image or an assessment, its own or a peer's.
 * Its marking fields mirror a report's, so the one disclosure policy decides it as a report.
 * An image's file lives on disk under its SHA-256 (content-store.ts), never in the database.
 */
export interface ProductRow {
  readonly id: string
  readonly kind: 'imagery' | 'assessment'
  readonly originator: string
  readonly level: string
  /** The marking in this party's scheme (equal to `level` for own products). */
  readonly localLevel: string
  readonly topic: string
  readonly releasableTo: readonly string[] | null
  readonly version: number
  /** The product as its originator signed it (`Product` of src/protocol/product.ts). */
  readonly product: Readonly<Record<string, unknown>>
  /** The originator's JWS over the product; null for an own image still awaiting its file. */
  readonly originatorSignature: string | null
  /** An image's chunk manifest (`Manifest`) and the originator's JWS over it; null otherwise. */
  readonly manifest: Readonly<Record<string, unknown>> | null
  readonly manifestSignature: string | null
  readonly state: ProductState
  /** Chunks verified and written, in order: where an interrupted transfer resumes. */
  readonly verifiedChunks: number
  readonly receivedFrom: string | null
  readonly agreement: string | null
  readonly path: readonly string[]
  readonly createdAtMs: number
  readonly updatedAtMs: number
  /** Its originator's withdrawal, once withdrawn: then it is shown and sent to no one. */
  readonly withdrawal: WithdrawalRow | null
  /**
   * A peer's copy its originator said is superseded by a later version this node may not get
   * (its statement, as a report's): then it is marked so here and shown to no one outside.
   */
  readonly supersededBy: Supersession | null
}

/**
 * A product let go to a peer by a request's answer (issue 17): the act an `on-request`
 * agreement needs, as a release row records it for a report. The policy still decides at
 * every egress; this only says the handling was done.
 */
export interface ProductReleaseRow {
  readonly productId: string
  readonly recipient: string
  /** The on-request agreement it was released under. */
  readonly agreement: string
  readonly requestId: string | null
  readonly releasedAtMs: number
}

/** The writes and reads available inside one transaction. */
export interface StoreTx {
  insertReport(report: ReportRow): Promise<void>
  getReport(id: string): Promise<ReportRow | undefined>
  /**
   * Issue 12: a later version of a held report takes the row's place; the row it replaces is
   * kept in the report's history. NOT_FOUND if the report is not held, CONFLICT unless
   * `report.version` is above the held one.
   */
  replaceReport(report: ReportRow): Promise<void>
  /** Records that a later version exists that this node does not hold (a content-free notice). */
  markSuperseded(reportId: string, supersession: Supersession): Promise<void>
  /** The versions a report had before the one held, oldest first (the history). */
  listReportVersions(reportId: string): Promise<ReportRow[]>
  insertRelease(release: ReleaseRow): Promise<void>
  updateRelease(
    id: string,
    change: Pick<ReleaseRow, 'state' | 'updatedAtMs'> & {
      officer?: string | null
      reasons?: ReleaseRow['reasons']
    },
  ): Promise<void>
  getRelease(id: string): Promise<ReleaseRow | undefined>
  listReleases(filter: {
    state?: ReleaseState
    recipient?: string
    reportId?: string
  }): Promise<ReleaseRow[]>
  enqueue(message: OutboxRow): Promise<void>
  markDelivered(messageId: string, receipt: string, atMs: number): Promise<void>
  markAttemptFailed(messageId: string, error: string, nextAttemptAtMs: number): Promise<void>
  /** Takes an undelivered message out of the outbox for good (no longer allowed to leave). */
  withdrawMessage(messageId: string, reason: string, atMs: number): Promise<void>
  getInbox(messageId: string): Promise<InboxRow | undefined>
  insertInbox(row: InboxRow): Promise<void>
  /** The last frame sequence committed from a peer on the live link (0: none yet). */
  lastFrameSeq(peer: string): Promise<number>
  /** Records a frame's sequence, in the transaction that commits its messages. */
  setFrameSeq(peer: string, seq: number, atMs: number): Promise<void>
  insertRequest(request: RequestRow): Promise<void>
  updateRequest(
    id: string,
    change: Pick<RequestRow, 'status' | 'answeredAtMs' | 'answer'>,
  ): Promise<void>
  getRequest(id: string): Promise<RequestRow | undefined>
  insertConsent(consent: ConsentRow): Promise<void>
  revokeConsent(id: string, atMs: number): Promise<void>
  getConsent(id: string): Promise<ConsentRow | undefined>
  listConsents(filter: {
    holder?: string
    recipient?: string
    activeAtMs?: number
  }): Promise<ConsentRow[]>
  /** Records a first disclosure; false (and no change) when it was recorded before. */
  insertDisclosure(row: DisclosureRow): Promise<boolean>
  /** Records a held report's withdrawal; false (and no change) when it was recorded before. */
  insertWithdrawal(row: WithdrawalRow): Promise<boolean>
  /** The withdrawal of a report, if it was withdrawn. */
  getWithdrawal(reportId: string): Promise<WithdrawalRow | undefined>
  getTrack(originator: string, trackNumber: number): Promise<TrackRow | undefined>
  /** The tracks held of `originator` among `trackNumbers` (one query for a batch), any order. */
  getTracks(originator: string, trackNumbers: readonly number[]): Promise<TrackRow[]>
  /** Inserts the track, or replaces the one held under its originator and number. */
  putTrack(track: TrackRow): Promise<void>
  /** Records versions of tracks; one held under its (originator, number, seq) is kept as it was. */
  insertTrackVersions(rows: readonly TrackVersionRow[]): Promise<void>
  /** Stores a product; false (and no change) when one is held under its id. */
  insertProduct(product: ProductRow): Promise<boolean>
  /** Replaces the product held under its id (a later version, its file uploaded, complete). */
  putProduct(product: ProductRow): Promise<void>
  getProduct(id: string): Promise<ProductRow | undefined>
  /** Records a product's release to a peer; false (and no change) when recorded before. */
  insertProductRelease(row: ProductReleaseRow): Promise<boolean>
  /** Records a transfer's progress; NOT_FOUND if no such product is held. */
  setProductProgress(id: string, verifiedChunks: number, atMs: number): Promise<void>
  /** Appends to the hash chain and returns the entry with its seq and hashes. */
  appendAudit(entry: AuditInput): Promise<AuditEntry>
  /** Stores a new token (by its hash); CONFLICT if that hash is stored. */
  insertToken(token: TokenRow): Promise<void>
  /** Marks a token revoked at `atMs`; the first revocation wins; NOT_FOUND if there is none. */
  revokeToken(tokenHash: string, atMs: number): Promise<void>
}

export interface Store extends StoreTx {
  /** Runs `work` atomically; serialised with other transactions; durable when it resolves. */
  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T>
  listReports(filter: {
    originator?: string
    sinceMs?: number
    limit?: number
  }): Promise<ReportRow[]>
  /** Undelivered messages (not withdrawn) per recipient. */
  backlogByRecipient(): Promise<Map<string, number>>
  /** Undelivered messages due at `nowMs` (to `recipient` only, if given), oldest first. */
  dueMessages(nowMs: number, limit: number, recipient?: string): Promise<OutboxRow[]>
  listOutbox(filter: {
    recipient?: string
    delivered?: boolean
    withdrawn?: boolean
    limit?: number
  }): Promise<OutboxRow[]>
  listInbox(filter: { status?: InboxStatus; sender?: string; limit?: number }): Promise<InboxRow[]>
  listRequests(filter: {
    direction?: 'incoming' | 'outgoing'
    status?: RequestRow['status']
  }): Promise<RequestRow[]>
  listAudit(filter: AuditFilter): Promise<AuditEntry[]>
  /** Tracks, most recently changed last; `sinceMs` on `updatedAtMs`. */
  listTracks(filter: {
    originator?: string
    reportId?: string
    status?: TrackRow['status']
    sinceMs?: number
    limit?: number
  }): Promise<TrackRow[]>
  /** Versions of tracks, in the order recorded (then originator, number, seq). */
  listTrackVersions(filter: {
    originator?: string
    trackNumber?: number
    reportId?: string
  }): Promise<TrackVersionRow[]>
  /** Products released by a request's answer, oldest first. */
  listProductReleases(filter: {
    recipient?: string
    productId?: string
  }): Promise<ProductReleaseRow[]>
  /** Products held, oldest first. */
  listProducts(filter: {
    originator?: string
    kind?: ProductRow['kind']
    state?: ProductState
  }): Promise<ProductRow[]>
  /** Every withdrawal recorded, oldest first. */
  listWithdrawals(): Promise<WithdrawalRow[]>
  lastAudit(): Promise<AuditEntry | undefined>
  insertCheckpoint(checkpoint: AuditCheckpoint): Promise<void>
  listCheckpoints(): Promise<AuditCheckpoint[]>
  /** The row of a token, usable or not (the caller checks expiry and revocation). */
  findToken(tokenHash: string): Promise<TokenRow | undefined>
  /** Every token, oldest first (hashes only: the store never holds a token). */
  listTokens(): Promise<TokenRow[]>
  /** The schema version after migrations. */
  schemaVersion(): Promise<number>
  close(): Promise<void>
}
