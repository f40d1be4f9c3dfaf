import assert from 'node:assert/strict'
import type { Database } from 'better-sqlite3'
import { EntenteError } from '../../../lib/errors.ts'

/**
 * Numbered schema changes, applied in order, each in its own transaction and recorded in
 * `schema_migrations`. A migration once released is never edited: change the schema by
 * appending the next one.
 */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly up: string
}

const INITIAL = `
CREATE TABLE reports (
  id TEXT PRIMARY KEY,
  originator TEXT NOT NULL,
  level TEXT NOT NULL,
  local_level TEXT NOT NULL,
  topic TEXT NOT NULL,
  releasable_to TEXT,
  payload TEXT NOT NULL,
  received_from TEXT,
  agreement TEXT,
  path TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX reports_by_created ON reports (created_at_ms);
CREATE INDEX reports_by_originator ON reports (originator, created_at_ms);

CREATE TABLE releases (
  id TEXT PRIMARY KEY,
  report_id TEXT NOT NULL REFERENCES reports (id) DEFERRABLE INITIALLY DEFERRED,
  recipient TEXT NOT NULL,
  agreement TEXT,
  mode TEXT,
  state TEXT NOT NULL,
  level_at_recipient TEXT,
  path TEXT NOT NULL,
  reasons TEXT NOT NULL,
  decided_at_ms INTEGER NOT NULL,
  officer TEXT,
  updated_at_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX releases_by_state ON releases (state, decided_at_ms);
CREATE INDEX releases_by_report ON releases (report_id);
CREATE INDEX releases_by_recipient ON releases (recipient, decided_at_ms);

CREATE TABLE outbox (
  seq INTEGER PRIMARY KEY,
  message_id TEXT NOT NULL UNIQUE,
  recipient TEXT NOT NULL,
  kind TEXT NOT NULL,
  envelope TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at_ms INTEGER NOT NULL,
  delivered_at_ms INTEGER,
  receipt TEXT,
  last_error TEXT
) STRICT;
CREATE INDEX outbox_due ON outbox (next_attempt_at_ms, created_at_ms, seq)
  WHERE delivered_at_ms IS NULL;
CREATE INDEX outbox_by_recipient ON outbox (recipient, seq);

CREATE TABLE inbox (
  message_id TEXT PRIMARY KEY,
  sender TEXT NOT NULL,
  kind TEXT NOT NULL,
  received_at_ms INTEGER NOT NULL,
  status TEXT NOT NULL,
  reasons TEXT NOT NULL,
  body TEXT NOT NULL,
  receipt TEXT NOT NULL
) STRICT;
CREATE INDEX inbox_by_status ON inbox (status, received_at_ms);
CREATE INDEX inbox_by_sender ON inbox (sender, received_at_ms);

CREATE TABLE requests (
  id TEXT PRIMARY KEY,
  direction TEXT NOT NULL,
  requester TEXT NOT NULL,
  asked TEXT NOT NULL,
  topic TEXT NOT NULL,
  window_from_ms INTEGER NOT NULL,
  window_until_ms INTEGER NOT NULL,
  created_at_ms INTEGER NOT NULL,
  status TEXT NOT NULL,
  answered_at_ms INTEGER,
  answer TEXT
) STRICT;
CREATE INDEX requests_by_direction ON requests (direction, status, created_at_ms);

CREATE TABLE consents (
  id TEXT PRIMARY KEY,
  originator TEXT NOT NULL,
  holder TEXT NOT NULL,
  recipient TEXT NOT NULL,
  report_id TEXT,
  topic TEXT,
  from_ms INTEGER NOT NULL,
  until_ms INTEGER,
  revoked_at_ms INTEGER
) STRICT;
CREATE INDEX consents_by_holder ON consents (holder, from_ms);

CREATE TABLE audit (
  seq INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  type TEXT NOT NULL,
  party TEXT,
  subject TEXT,
  data TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;
CREATE INDEX audit_by_party ON audit (party, seq);
CREATE INDEX audit_by_type ON audit (type, seq);
CREATE INDEX audit_by_subject ON audit (subject, seq);
CREATE INDEX audit_by_time ON audit (at_ms);

CREATE TABLE audit_checkpoints (
  seq INTEGER PRIMARY KEY,
  hash TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  signature TEXT NOT NULL
) STRICT;

CREATE TABLE tokens (
  token_hash TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  label TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
) STRICT;
`

/**
 * Issue 10: a release row binds the hash of the exact report decided; the inbox keeps a
 * message's header and content hash, never a refused message's content (old quarantined
 * payloads are purged); the first disclosure of a report to a party by a path is recorded once.
 */
const DISCLOSURES = `
ALTER TABLE releases ADD COLUMN report_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN withdrawn_at_ms INTEGER;
ALTER TABLE inbox RENAME COLUMN body TO header;
ALTER TABLE inbox ADD COLUMN content_sha256 TEXT NOT NULL DEFAULT '';
UPDATE inbox SET header = json_remove(header, '$.payload');
CREATE TABLE disclosures (
  report_id TEXT NOT NULL,
  party TEXT NOT NULL,
  path TEXT NOT NULL,
  first_at_ms INTEGER NOT NULL,
  PRIMARY KEY (report_id, party, path)
) STRICT;
`

/**
 * Issue 10 (L3): tokens expire and can be revoked. Tokens issued before keep no expiry (an
 * upgrade locks nobody out); `node token list` shows them so that they can be revoked.
 */
const TOKENS_EXPIRY = `
ALTER TABLE tokens ADD COLUMN expires_at_ms INTEGER;
ALTER TABLE tokens ADD COLUMN revoked_at_ms INTEGER;
`

/**
 * Issue 11 (H4): a report keeps its originator's signature (a compact JWS over its canonical
 * JSON), so that a relay forwards it unchanged. Reports held before have none (null).
 */
const ORIGINATOR_SIGNATURE = `
ALTER TABLE reports ADD COLUMN originator_signature TEXT;
`

/**
 * Issue 11: the live link. The last frame sequence committed from each peer, written in the
 * frame's own transaction: a replayed frame is refused, a restarted sender resumes after it.
 */
const LINK_FRAMES = `
CREATE TABLE link_frames (
  peer TEXT PRIMARY KEY,
  last_seq INTEGER NOT NULL,
  at_ms INTEGER NOT NULL
) STRICT;
`

/**
 * Issue 11: a frame's receipt names every message of the frame, so it is stored once, by its
 * SHA-256; the outbox and inbox rows of its messages hold `sha256:<hex>` in `receipt` (rows
 * from before hold the JWS itself, which never contains a colon).
 */
const RECEIPTS = `
CREATE TABLE receipts (
  sha256 TEXT PRIMARY KEY,
  jws TEXT NOT NULL
) STRICT;
`

/** Issue 11: the delivery worker scans the outbox peer by peer (one peer's backlog hid another's retries). */
const OUTBOX_DUE_BY_RECIPIENT = `
CREATE INDEX outbox_due_by_recipient ON outbox (recipient, next_attempt_at_ms, created_at_ms, seq)
  WHERE delivered_at_ms IS NULL;
`

/**
 * Issue 12: the originator withdraws a report (a false alarm), with a reason, signed by it.
 * One row per withdrawn report held here: the originator's instant and reason, its signature
 * (a hub forwards it unchanged), the peer it came from (null: our own) and when it was recorded.
 */
const WITHDRAWALS = `
CREATE TABLE withdrawals (
  report_id TEXT PRIMARY KEY REFERENCES reports (id),
  originator TEXT NOT NULL,
  reason TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  signature TEXT NOT NULL,
  received_from TEXT,
  recorded_at_ms INTEGER NOT NULL
) STRICT;
`

/**
 * Issue 12: a report has versions. The row holds the latest version held here, with its
 * number, the originator's supersession statement (a correction's) and, when a notice told of
 * a later version not held, that notice; the versions it replaced are kept whole in
 * `report_versions` (the history the API shows).
 */
const REPORT_VERSIONS = `
ALTER TABLE reports ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE reports ADD COLUMN supersession TEXT;
ALTER TABLE reports ADD COLUMN superseded_by TEXT;
CREATE TABLE report_versions (
  report_id TEXT NOT NULL REFERENCES reports (id),
  version INTEGER NOT NULL,
  row TEXT NOT NULL,
  replaced_at_ms INTEGER NOT NULL,
  PRIMARY KEY (report_id, version)
) STRICT;
`

/**
 * Issue 12: tracks. One row per track (originator, number) with its latest state; the batches
 * that carried its updates to peers are in the outbox, as every message is.
 */
const TRACKS = `
CREATE TABLE tracks (
  originator TEXT NOT NULL,
  track_number INTEGER NOT NULL,
  report_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  level TEXT NOT NULL,
  local_level TEXT NOT NULL,
  releasable_to TEXT,
  state TEXT NOT NULL,
  status TEXT NOT NULL,
  ended_at_ms INTEGER,
  survivor INTEGER,
  updates INTEGER NOT NULL,
  received_from TEXT,
  path TEXT NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  PRIMARY KEY (originator, track_number)
) STRICT;
CREATE INDEX tracks_by_updated ON tracks (updated_at_ms);
CREATE INDEX tracks_by_report ON tracks (report_id);
`

/**
 * Issue 17: products (imagery, assessments). The file of an image is on disk under its SHA-256,
 * never here; `verified_chunks` is a transfer's durable progress, where it resumes.
 */
const PRODUCTS = `
CREATE TABLE products (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  originator TEXT NOT NULL,
  level TEXT NOT NULL,
  local_level TEXT NOT NULL,
  topic TEXT NOT NULL,
  releasable_to TEXT,
  version INTEGER NOT NULL,
  product TEXT NOT NULL,
  originator_signature TEXT,
  manifest TEXT,
  manifest_signature TEXT,
  state TEXT NOT NULL,
  verified_chunks INTEGER NOT NULL,
  received_from TEXT,
  agreement TEXT,
  path TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  withdrawal TEXT
) STRICT;
CREATE INDEX products_by_created ON products (created_at_ms);
CREATE TABLE product_releases (
  product_id TEXT NOT NULL REFERENCES products (id),
  recipient TEXT NOT NULL,
  agreement TEXT NOT NULL,
  request_id TEXT,
  released_at_ms INTEGER NOT NULL,
  PRIMARY KEY (product_id, recipient, agreement)
) STRICT;
`

/**
 * Issue 12: every version of a track applied here, for STIX/TAXII's `/versions/` and export.
 * One B-tree (no rowid, no second index): a row is written per update applied, at ingest rate.
 */
const TRACK_VERSIONS = `
CREATE TABLE track_versions (
  originator TEXT NOT NULL,
  track_number INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  report_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  level TEXT NOT NULL,
  local_level TEXT NOT NULL,
  releasable_to TEXT,
  message TEXT NOT NULL,
  recorded_at_ms INTEGER NOT NULL,
  PRIMARY KEY (originator, track_number, seq)
) STRICT, WITHOUT ROWID;
`

/** Issue 17: a product's copy told by its originator that a later version it may not get exists. */
const PRODUCT_SUPERSEDED = `ALTER TABLE products ADD COLUMN superseded_by TEXT;`

/** Every migration this build knows, oldest first; versions are 1, 2, 3, ... */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', up: INITIAL },
  { version: 2, name: 'disclosures', up: DISCLOSURES },
  { version: 3, name: 'tokens-expiry', up: TOKENS_EXPIRY },
  { version: 4, name: 'originator-signature', up: ORIGINATOR_SIGNATURE },
  { version: 5, name: 'link-frames', up: LINK_FRAMES },
  { version: 6, name: 'receipts', up: RECEIPTS },
  { version: 7, name: 'outbox-due-by-recipient', up: OUTBOX_DUE_BY_RECIPIENT },
  { version: 8, name: 'withdrawals', up: WITHDRAWALS },
  { version: 9, name: 'report-versions', up: REPORT_VERSIONS },
  { version: 10, name: 'tracks', up: TRACKS },
  { version: 11, name: 'products', up: PRODUCTS },
  { version: 12, name: 'track-versions', up: TRACK_VERSIONS },
  { version: 13, name: 'product-superseded', up: PRODUCT_SUPERSEDED },
]

const LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
) STRICT`

/** The highest version recorded in the database (0 when none is). */
export function appliedVersion(db: Database): number {
  db.exec(LEDGER)
  const row = db
    .prepare<[], { v: number | null }>('SELECT max(version) AS v FROM schema_migrations')
    .get()
  return row?.v ?? 0
}

/**
 * Brings the database up to the last of `migrations`, applying only those it lacks.
 * Refuses a database that is newer than this build, or whose history differs from it.
 * Returns the schema version afterwards.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  checkSequence(migrations)
  const known = migrations.at(-1)?.version ?? 0
  const current = appliedVersion(db)
  if (current > known) {
    throw new EntenteError(
      'CONFIG_INVALID',
      `database schema version ${current} is newer than this build of entente knows ` +
        `(${known}); run a newer entente or open another database file`,
      { details: { databaseVersion: current, knownVersion: known } },
    )
  }
  checkHistory(db, migrations)
  const recorded = db.prepare<[number], { name: string }>(
    'SELECT name FROM schema_migrations WHERE version = ?',
  )
  const record = db.prepare<[number, string]>(
    `INSERT INTO schema_migrations (version, name, applied_at)
     VALUES (?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`,
  )
  for (const migration of migrations) {
    const apply = db.transaction(() => {
      // Re-read inside the write lock: another process may have applied it meanwhile.
      if (recorded.get(migration.version) !== undefined) return
      db.exec(migration.up)
      record.run(migration.version, migration.name)
    })
    apply.immediate()
  }
  return appliedVersion(db)
}

function checkSequence(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    assert.equal(m.version, i + 1, `migration '${m.name}' must have version ${i + 1}`)
  })
}

function checkHistory(db: Database, migrations: readonly Migration[]): void {
  const rows = db
    .prepare<[], { version: number; name: string }>('SELECT version, name FROM schema_migrations')
    .all()
  for (const row of rows) {
    const expected = migrations[row.version - 1]?.name
    if (expected !== row.name) {
      throw new EntenteError(
        'CONFIG_INVALID',
        `database migration ${row.version} is '${row.name}' but this build calls it ` +
          `'${expected ?? '(none)'}'; the database comes from another schema history`,
      )
    }
  }
}
