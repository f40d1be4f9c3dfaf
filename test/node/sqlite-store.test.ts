import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import Sqlite from 'better-sqlite3'
import type { Migration } from '../../src/node/store/sqlite/migrations.ts'
import { migrate, MIGRATIONS } from '../../src/node/store/sqlite/migrations.ts'
import { SqliteStore } from '../../src/node/store/sqlite/sqlite-store.ts'
import { assertChain, report, storeContract } from './store.contract.ts'

const dir = mkdtempSync(join(tmpdir(), 'entente-store-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const freshPath = (): string => join(dir, `store-${++files}.db`)

storeContract('SqliteStore (file)', () => SqliteStore.open(freshPath()))
storeContract('SqliteStore (:memory:)', () => SqliteStore.open(':memory:'))

const ledger = (path: string): { version: number; name: string; applied_at: string }[] => {
  const db = new Sqlite(path, { readonly: true })
  try {
    return db.prepare('SELECT version, name, applied_at FROM schema_migrations').all() as never
  } finally {
    db.close()
  }
}

describe('SqliteStore on a file', () => {
  it('given a new file, when opened, then WAL, synchronous=FULL and foreign keys are on', async () => {
    const store = await SqliteStore.open(freshPath())
    assert.deepEqual(await store.settings(), {
      journalMode: 'wal',
      synchronous: 'FULL',
      foreignKeys: true,
      busyTimeoutMs: 5000,
    })
    await store.close()
  })

  it('given migrations, when opened twice, then each is recorded once', async () => {
    const path = freshPath()
    await (await SqliteStore.open(path)).close()
    const first = ledger(path)
    const store = await SqliteStore.open(path)
    assert.equal(await store.schemaVersion(), MIGRATIONS.length)
    await store.close()
    assert.deepEqual(ledger(path), first, 'reopening applies nothing')
    assert.deepEqual(
      first.map((m) => [m.version, m.name]),
      MIGRATIONS.map((m) => [m.version, m.name]),
    )
    assert.match(first[0]?.applied_at ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  })

  it('given a database at version 1, when a build knows version 2, then only 2 is applied', () => {
    const db = new Sqlite(':memory:')
    const extra: Migration = { version: 2, name: 'notes', up: 'CREATE TABLE notes (x TEXT)' }
    assert.equal(migrate(db, MIGRATIONS.slice(0, 1)), 1)
    assert.equal(migrate(db, [...MIGRATIONS.slice(0, 1), extra]), 2)
    assert.equal(migrate(db, [...MIGRATIONS.slice(0, 1), extra]), 2, 'idempotent')
    const names = db.prepare('SELECT name FROM schema_migrations ORDER BY version').pluck().all()
    assert.deepEqual(names, ['initial', 'notes'])
    db.close()
  })

  it('given a schema newer than this build, when opened, then it is refused clearly', async () => {
    const path = freshPath()
    await (await SqliteStore.open(path)).close()
    const db = new Sqlite(path)
    db.prepare("INSERT INTO schema_migrations VALUES (99, 'future', 'x')").run()
    db.close()
    await assert.rejects(SqliteStore.open(path), {
      code: 'CONFIG_INVALID',
      message: /schema version 99 is newer than this build of entente knows \(\d+\)/,
    })
  })

  it('given another schema history, when opened, then it is refused', () => {
    const db = new Sqlite(':memory:')
    migrate(db, [{ version: 1, name: 'elsewhere', up: 'CREATE TABLE t (x TEXT)' }])
    assert.throws(() => migrate(db), { code: 'CONFIG_INVALID', message: /'elsewhere'/ })
    db.close()
  })

  it('given a failing migration, when applied, then it leaves no trace', () => {
    const db = new Sqlite(':memory:')
    const bad: Migration = { version: 2, name: 'bad', up: 'CREATE TABLE y (x); SELECT nope()' }
    assert.throws(() => migrate(db, [...MIGRATIONS.slice(0, 1), bad]))
    assert.equal(migrate(db, MIGRATIONS.slice(0, 1)), 1)
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE name = 'y'").all()
    assert.deepEqual(tables, [])
    db.close()
  })

  it('given committed data, when closed and reopened, then it and the chain survive', async () => {
    const path = freshPath()
    const store = await SqliteStore.open(path)
    await store.transaction(async (tx) => {
      await tx.insertReport(report())
      await tx.appendAudit({ atMs: 1, type: 'ingest', party: null, subject: 'r-1', data: {} })
    })
    await store.close()
    const reopened = await SqliteStore.open(path)
    assert.deepEqual(await reopened.getReport('r-1'), report())
    const next = await reopened.appendAudit({
      atMs: 2,
      type: 'node',
      party: null,
      subject: null,
      data: {},
    })
    assert.equal(next.seq, 2)
    assertChain(await reopened.listAudit({}))
    await reopened.close()
  })

  it('given two connections to one file (a node and a CLI import), when both append, then the chain stays whole', async () => {
    const path = freshPath()
    const node = await SqliteStore.open(path)
    const cli = await SqliteStore.open(path)
    const entry = (atMs: number) =>
      ({ atMs, type: 'node', party: null, subject: null, data: {} }) as const
    await node.appendAudit(entry(1))
    await cli.appendAudit(entry(2))
    await node.appendAudit(entry(3))
    await cli.appendAudit(entry(4))
    const chain = await node.listAudit({})
    assert.deepEqual(
      chain.map((e) => e.atMs),
      [1, 2, 3, 4],
    )
    assertChain(chain)
    await Promise.all([node.close(), cli.close()])
  })
})
