import { canonicalJson } from '../../audit/hash.ts'
import type {
  AuditCheckpoint,
  AuditEntry,
  ConsentRow,
  DisclosureRow,
  InboxRow,
  OutboxRow,
  ReleaseRow,
  ReportRow,
  RequestRow,
  TokenRow,
  ProductReleaseRow,
  ProductRow,
  TrackRow,
  TrackVersionRow,
  WithdrawalRow,
} from '../store.ts'
import {
  AUDIT_TYPES,
  DISCLOSURE_PATHS,
  INBOX_STATUSES,
  MESSAGE_KINDS,
  PRODUCT_STATES,
  RELEASE_STATES,
} from '../store.ts'

/**
 * Row ↔ object mapping. Each table lists its fields with a codec; the column of a field is
 * its snake_case name, the SELECT list aliases columns back to field names, and statements
 * bind named parameters (`@field`). JSON columns hold TEXT; closed sets are checked on read.
 */

export type SqlValue = string | number | null
export type Params = Record<string, SqlValue>

interface Codec<V> {
  readonly encode: (value: V) => SqlValue
  readonly decode: (raw: SqlValue) => V
}

/** Strings, numbers and their nulls: stored as they are. */
const same = <V extends SqlValue>(): Codec<V> => ({ encode: (v) => v, decode: (raw) => raw as V })

const json = <V>(): Codec<V> => ({
  encode: (v) => JSON.stringify(v),
  decode: (raw) => JSON.parse(raw as string) as V,
})

const jsonOrNull = <V>(): Codec<V | null> => ({
  encode: (v) => (v === null ? null : JSON.stringify(v)),
  decode: (raw) => (raw === null ? null : (JSON.parse(raw as string) as V)),
})

/** Stored as the canonical JSON it was hashed from, so the stored text re-hashes equally. */
const canonical = <V>(): Codec<V> => ({
  encode: (v) => canonicalJson(v),
  decode: (raw) => JSON.parse(raw as string) as V,
})

function oneOf<V extends string>(set: readonly V[], column: string): Codec<V> {
  return {
    encode: (v) => v,
    decode: (raw) => {
      if ((set as readonly unknown[]).includes(raw)) return raw as V
      throw new Error(`${column}: the database holds a value outside the known set`)
    },
  }
}

function orNull<V>(codec: Codec<V>): Codec<V | null> {
  return {
    encode: (v) => (v === null ? null : codec.encode(v)),
    decode: (raw) => (raw === null ? null : codec.decode(raw)),
  }
}

export interface Table<T> {
  readonly name: string
  /** The fields, in column order (another dialect builds its own statements from them). */
  readonly fields: readonly string[]
  /** `column AS field, ...` for SELECT. */
  readonly columns: string
  /** INSERT of every field from its named parameter. */
  readonly insert: string
  readonly encode: (row: T) => Params
  readonly decode: (raw: unknown) => T
}

export const column = (field: string): string =>
  field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)

function table<T>(name: string, codecs: { readonly [K in keyof T]-?: Codec<T[K]> }): Table<T> {
  const entries = Object.entries(codecs) as [string, Codec<unknown>][]
  const fields = entries.map(([field]) => field)
  return {
    name,
    fields,
    columns: fields.map((f) => (column(f) === f ? f : `${column(f)} AS ${f}`)).join(', '),
    insert: `INSERT INTO ${name} (${fields.map(column).join(', ')})
      VALUES (${fields.map((f) => `@${f}`).join(', ')})`,
    encode: (row) => {
      const params: Params = {}
      for (const [f, codec] of entries)
        params[f] = codec.encode((row as Record<string, unknown>)[f])
      return params
    },
    decode: (raw) => {
      const row: Record<string, unknown> = {}
      for (const [f, codec] of entries) row[f] = codec.decode((raw as Params)[f] ?? null)
      return row as T
    },
  }
}

type Reasons = ReleaseRow['reasons']

export const REPORTS = table<ReportRow>('reports', {
  id: same(),
  originator: same(),
  level: same(),
  localLevel: same(),
  topic: same(),
  releasableTo: jsonOrNull(),
  payload: json(),
  receivedFrom: same(),
  agreement: same(),
  path: json(),
  createdAtMs: same(),
  originatorSignature: same(),
  version: same(),
  supersession: same(),
  supersededBy: jsonOrNull(),
})

export const RELEASES = table<ReleaseRow>('releases', {
  id: same(),
  reportId: same(),
  recipient: same(),
  agreement: same(),
  mode: orNull(oneOf(['auto', 'manual', 'on-request'], 'releases.mode')),
  state: oneOf(RELEASE_STATES, 'releases.state'),
  levelAtRecipient: same(),
  path: json(),
  reasons: json<Reasons>(),
  decidedAtMs: same(),
  officer: same(),
  updatedAtMs: same(),
  reportSha256: same(),
})

export const OUTBOX = table<OutboxRow>('outbox', {
  messageId: same(),
  recipient: same(),
  kind: oneOf(MESSAGE_KINDS, 'outbox.kind'),
  envelope: same(),
  subjectId: same(),
  createdAtMs: same(),
  attempts: same(),
  nextAttemptAtMs: same(),
  deliveredAtMs: same(),
  receipt: same(),
  lastError: same(),
  withdrawnAtMs: same(),
})

export const INBOX = table<InboxRow>('inbox', {
  messageId: same(),
  sender: same(),
  kind: oneOf(MESSAGE_KINDS, 'inbox.kind'),
  receivedAtMs: same(),
  status: oneOf(INBOX_STATUSES, 'inbox.status'),
  reasons: json<Reasons>(),
  header: json(),
  contentSha256: same(),
  receipt: same(),
})

export const REQUESTS = table<RequestRow>('requests', {
  id: same(),
  direction: oneOf(['incoming', 'outgoing'], 'requests.direction'),
  requester: same(),
  asked: same(),
  topic: same(),
  windowFromMs: same(),
  windowUntilMs: same(),
  createdAtMs: same(),
  status: oneOf(['open', 'answered', 'refused'], 'requests.status'),
  answeredAtMs: same(),
  answer: jsonOrNull(),
})

export const CONSENTS = table<ConsentRow>('consents', {
  id: same(),
  originator: same(),
  holder: same(),
  recipient: same(),
  reportId: same(),
  topic: same(),
  fromMs: same(),
  untilMs: same(),
  revokedAtMs: same(),
})

export const AUDIT = table<AuditEntry>('audit', {
  seq: same(),
  atMs: same(),
  type: oneOf(AUDIT_TYPES, 'audit.type'),
  party: same(),
  subject: same(),
  data: canonical(),
  prevHash: same(),
  hash: same(),
})

export const CHECKPOINTS = table<AuditCheckpoint>('audit_checkpoints', {
  seq: same(),
  hash: same(),
  atMs: same(),
  signature: same(),
})

export const DISCLOSURES = table<DisclosureRow>('disclosures', {
  reportId: same(),
  party: same(),
  path: oneOf(DISCLOSURE_PATHS, 'disclosures.path'),
  firstAtMs: same(),
})

export const TOKENS = table<TokenRow>('tokens', {
  tokenHash: same(),
  role: oneOf(['operator', 'release-officer', 'auditor', 'admin'], 'tokens.role'),
  label: same(),
  createdAtMs: same(),
  expiresAtMs: same(),
  revokedAtMs: same(),
})

export const WITHDRAWALS = table<WithdrawalRow>('withdrawals', {
  reportId: same(),
  originator: same(),
  reason: same(),
  atMs: same(),
  signature: same(),
  receivedFrom: same(),
  recordedAtMs: same(),
})

export const TRACKS = table<TrackRow>('tracks', {
  originator: same(),
  trackNumber: same(),
  reportId: same(),
  topic: same(),
  level: same(),
  localLevel: same(),
  releasableTo: jsonOrNull(),
  state: json(),
  status: oneOf(['live', 'dropped', 'correlated'], 'tracks.status'),
  endedAtMs: same(),
  survivor: same(),
  updates: same(),
  receivedFrom: same(),
  path: json(),
  updatedAtMs: same(),
})

export const TRACK_VERSIONS = table<TrackVersionRow>('track_versions', {
  originator: same(),
  trackNumber: same(),
  seq: same(),
  reportId: same(),
  topic: same(),
  level: same(),
  localLevel: same(),
  releasableTo: jsonOrNull(),
  message: json(),
  recordedAtMs: same(),
})

export const PRODUCTS = table<ProductRow>('products', {
  id: same(),
  kind: oneOf(['imagery', 'assessment'], 'products.kind'),
  originator: same(),
  level: same(),
  localLevel: same(),
  topic: same(),
  releasableTo: jsonOrNull(),
  version: same(),
  product: json(),
  originatorSignature: same(),
  manifest: jsonOrNull(),
  manifestSignature: same(),
  state: oneOf(PRODUCT_STATES, 'products.state'),
  verifiedChunks: same(),
  receivedFrom: same(),
  agreement: same(),
  path: json(),
  createdAtMs: same(),
  updatedAtMs: same(),
  withdrawal: jsonOrNull(),
  supersededBy: jsonOrNull(),
})

export const PRODUCT_RELEASES = table<ProductReleaseRow>('product_releases', {
  productId: same(),
  recipient: same(),
  agreement: same(),
  requestId: same(),
  releasedAtMs: same(),
})
