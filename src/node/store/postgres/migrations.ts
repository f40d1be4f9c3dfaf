import assert from 'node:assert/strict'
import type { Pool, PoolClient } from 'pg'
import { EntenteError } from '../../../lib/errors.ts'

/**
 * PostgreSQL's numbered schema changes, applied in order, each in its own transaction and
 * recorded in `schema_migrations`, as SQLite's are. The numbering is this dialect's own: its
 * version 1 is the schema SQLite reached in its 8. A migration once released is never edited.
 */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly up: string
}

/*
 * Instants are BIGINT epoch milliseconds; JSON columns are TEXT (the audit's data is the
 * canonical JSON it was hashed from, byte for byte). `ord` keeps insertion order where SQLite
 * sorts by rowid.
 */
const INITIAL = `
CREATE TABLE reports (
  ord BIGINT GENERATED ALWAYS AS IDENTITY,
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
  created_at_ms BIGINT NOT NULL,
  originator_signature TEXT
);
CREATE INDEX reports_by_created ON reports (created_at_ms, ord);
CREATE INDEX reports_by_originator ON reports (originator, created_at_ms);

CREATE TABLE releases (
  ord BIGINT GENERATED ALWAYS AS IDENTITY,
  id TEXT PRIMARY KEY,
  report_id TEXT NOT NULL REFERENCES reports (id) DEFERRABLE INITIALLY DEFERRED,
  recipient TEXT NOT NULL,
  agreement TEXT,
  mode TEXT,
  state TEXT NOT NULL,
  level_at_recipient TEXT,
  path TEXT NOT NULL,
  reasons TEXT NOT NULL,
  decided_at_ms BIGINT NOT NULL,
  officer TEXT,
  updated_at_ms BIGINT NOT NULL,
  report_sha256 TEXT NOT NULL
);
CREATE INDEX releases_by_state ON releases (state, decided_at_ms);
CREATE INDEX releases_by_report ON releases (report_id);
CREATE INDEX releases_by_recipient ON releases (recipient, decided_at_ms);

CREATE TABLE outbox (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id TEXT NOT NULL UNIQUE,
  recipient TEXT NOT NULL,
  kind TEXT NOT NULL,
  envelope TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at_ms BIGINT NOT NULL,
  delivered_at_ms BIGINT,
  receipt TEXT,
  last_error TEXT,
  withdrawn_at_ms BIGINT
);
CREATE INDEX outbox_due ON outbox (next_attempt_at_ms, created_at_ms, seq)
  WHERE delivered_at_ms IS NULL;
CREATE INDEX outbox_due_by_recipient ON outbox (recipient, next_attempt_at_ms, created_at_ms, seq)
  WHERE delivered_at_ms IS NULL;
CREATE INDEX outbox_by_recipient ON outbox (recipient, seq);

CREATE TABLE inbox (
  ord BIGINT GENERATED ALWAYS AS IDENTITY,
  message_id TEXT PRIMARY KEY,
  sender TEXT NOT NULL,
  kind TEXT NOT NULL,
  received_at_ms BIGINT NOT NULL,
  status TEXT NOT NULL,
  reasons TEXT NOT NULL,
  header TEXT NOT NULL,
  content_sha256 TEXT NOT NULL,
  receipt TEXT NOT NULL
);
CREATE INDEX inbox_by_status ON inbox (status, received_at_ms);
CREATE INDEX inbox_by_sender ON inbox (sender, received_at_ms);

CREATE TABLE requests (
  ord BIGINT GENERATED ALWAYS AS IDENTITY,
  id TEXT PRIMARY KEY,
  direction TEXT NOT NULL,
  requester TEXT NOT NULL,
  asked TEXT NOT NULL,
  topic TEXT NOT NULL,
  window_from_ms BIGINT NOT NULL,
  window_until_ms BIGINT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  status TEXT NOT NULL,
  answered_at_ms BIGINT,
  answer TEXT
);
CREATE INDEX requests_by_direction ON requests (direction, status, created_at_ms);

CREATE TABLE consents (
  ord BIGINT GENERATED ALWAYS AS IDENTITY,
  id TEXT PRIMARY KEY,
  originator TEXT NOT NULL,
  holder TEXT NOT NULL,
  recipient TEXT NOT NULL,
  report_id TEXT,
  topic TEXT,
  from_ms BIGINT NOT NULL,
  until_ms BIGINT,
  revoked_at_ms BIGINT
);
CREATE INDEX consents_by_holder ON consents (holder, from_ms);

CREATE TABLE audit (
  seq BIGINT PRIMARY KEY,
  at_ms BIGINT NOT NULL,
  type TEXT NOT NULL,
  party TEXT,
  subject TEXT,
  data TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_by_party ON audit (party, seq);
CREATE INDEX audit_by_type ON audit (type, seq);
CREATE INDEX audit_by_subject ON audit (subject, seq);
CREATE INDEX audit_by_time ON audit (at_ms);

CREATE TABLE audit_checkpoints (
  seq BIGINT PRIMARY KEY,
  hash TEXT NOT NULL,
  at_ms BIGINT NOT NULL,
  signature TEXT NOT NULL
);

CREATE TABLE tokens (
  ord BIGINT GENERATED ALWAYS AS IDENTITY,
  token_hash TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  label TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  expires_at_ms BIGINT,
  revoked_at_ms BIGINT
);

CREATE TABLE disclosures (
  report_id TEXT NOT NULL,
  party TEXT NOT NULL,
  path TEXT NOT NULL,
  first_at_ms BIGINT NOT NULL,
  PRIMARY KEY (report_id, party, path)
);

CREATE TABLE link_frames (
  peer TEXT PRIMARY KEY,
  last_seq BIGINT NOT NULL,
  at_ms BIGINT NOT NULL
);

CREATE TABLE receipts (
  sha256 TEXT PRIMARY KEY,
  jws TEXT NOT NULL
);

CREATE TABLE withdrawals (
  ord BIGINT GENERATED ALWAYS AS IDENTITY,
  report_id TEXT PRIMARY KEY REFERENCES reports (id),
  originator TEXT NOT NULL,
  reason TEXT NOT NULL,
  at_ms BIGINT NOT NULL,
  signature TEXT NOT NULL,
  received_from TEXT,
  recorded_at_ms BIGINT NOT NULL
);
`

/**
 * Issue 14: several node processes of one party share the database. An outbox message is
 * claimed by one process until `claimed_until_ms` (a dead process's claims lapse); a peer's
 * link is held by one process at a time, by a lease it renews. Instants of leases are the
 * database server's clock, so that the processes' machines need not agree on the time.
 */
const LEASES = `
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until_ms BIGINT;
CREATE TABLE peer_leases (
  peer TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  until_ms BIGINT NOT NULL
);
`

/**
 * Issue 12, as SQLite's 9 and 10: a report's versions (the row holds the latest; replaced
 * versions are kept whole in `report_versions`) and tracks (one row per originator's track).
 * Their queries are in queries.ts (replaceReport, markSuperseded, getTrack, putTrack, ...).
 */
const REPORT_VERSIONS_AND_TRACKS = `
ALTER TABLE reports ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE reports ADD COLUMN supersession TEXT;
ALTER TABLE reports ADD COLUMN superseded_by TEXT;
CREATE TABLE report_versions (
  report_id TEXT NOT NULL REFERENCES reports (id),
  version INTEGER NOT NULL,
  row TEXT NOT NULL,
  replaced_at_ms BIGINT NOT NULL,
  PRIMARY KEY (report_id, version)
);
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
  ended_at_ms BIGINT,
  survivor INTEGER,
  updates INTEGER NOT NULL,
  received_from TEXT,
  path TEXT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  PRIMARY KEY (originator, track_number)
);
CREATE INDEX tracks_by_updated ON tracks (updated_at_ms);
CREATE INDEX tracks_by_report ON tracks (report_id);
`

/** Issue 17: a product's copy told by its originator that a later version it may not get exists. */
const PRODUCT_SUPERSEDED = `ALTER TABLE products ADD COLUMN superseded_by TEXT;`

/** Issue 17: products (as SQLite's migration 11); `ord` keeps insertion order. */
const PRODUCTS = `
CREATE TABLE products (
  id TEXT PRIMARY KEY,
  ord BIGINT GENERATED ALWAYS AS IDENTITY,
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
  created_at_ms BIGINT NOT NULL,
  updated_at_ms BIGINT NOT NULL,
  withdrawal TEXT
);
CREATE INDEX products_by_created ON products (created_at_ms, ord);
CREATE TABLE product_releases (
  product_id TEXT NOT NULL REFERENCES products (id),
  ord BIGINT GENERATED ALWAYS AS IDENTITY,
  recipient TEXT NOT NULL,
  agreement TEXT NOT NULL,
  request_id TEXT,
  released_at_ms BIGINT NOT NULL,
  PRIMARY KEY (product_id, recipient, agreement)
);
`

/** Issue 12: every version of a track applied here (as SQLite's migration 12). */
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
  recorded_at_ms BIGINT NOT NULL,
  PRIMARY KEY (originator, track_number, seq)
);
`

/** Every migration this build knows, oldest first; versions are 1, 2, 3, ... */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', up: INITIAL },
  { version: 2, name: 'leases', up: LEASES },
  { version: 3, name: 'report-versions-and-tracks', up: REPORT_VERSIONS_AND_TRACKS },
  { version: 4, name: 'products', up: PRODUCTS },
  { version: 5, name: 'track-versions', up: TRACK_VERSIONS },
  { version: 6, name: 'product-superseded', up: PRODUCT_SUPERSEDED },
]

const LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`

/**
 * Brings the schema up to the last of `migrations`, under a session advisory lock so that
 * node processes starting together migrate once. Refuses a schema newer than this build, or
 * whose history differs from it. Returns the schema version afterwards.
 */
export async function migrate(
  pool: Pool,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number> {
  checkSequence(migrations)
  const client = await pool.connect()
  try {
    await client.query("SELECT pg_advisory_lock(hashtext(current_schema() || '.migrations'))")
    try {
      return await migrateLocked(client, migrations)
    } finally {
      await client.query("SELECT pg_advisory_unlock(hashtext(current_schema() || '.migrations'))")
    }
  } finally {
    client.release()
  }
}

async function migrateLocked(client: PoolClient, migrations: readonly Migration[]) {
  await client.query(LEDGER)
  const rows = (
    await client.query<{ version: number; name: string }>(
      'SELECT version, name FROM schema_migrations ORDER BY version',
    )
  ).rows
  const known = migrations.at(-1)?.version ?? 0
  const current = rows.at(-1)?.version ?? 0
  if (current > known) {
    throw new EntenteError(
      'CONFIG_INVALID',
      `database schema version ${current} is newer than this build of entente knows ` +
        `(${known}); run a newer entente or use another database`,
      { details: { databaseVersion: current, knownVersion: known } },
    )
  }
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
  for (const migration of migrations.slice(current)) {
    await client.query('BEGIN')
    try {
      await client.query(migration.up)
      await client.query(
        `INSERT INTO schema_migrations (version, name, applied_at)
         VALUES ($1, $2, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`,
        [migration.version, migration.name],
      )
      await client.query('COMMIT')
    } catch (error) {
      await client.query('ROLLBACK')
      throw error
    }
  }
  return known
}

function checkSequence(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    assert.equal(m.version, i + 1, `migration '${m.name}' must have version ${i + 1}`)
  })
}
