import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import Sqlite from 'better-sqlite3'
import type { Migration } from '../../src/node/store/sqlite/migrations.ts'
import { migrate, MIGRATIONS } from '../../src/node/store/sqlite/migrations.ts'
import { SqliteStore } from '../../src/node/store/sqlite/sqlite-store.ts'
import { assertChain, report } from './store.contract.ts'

const dir = mkdtempSync(join(tmpdir(), 'entente-store-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const freshPath = (): string => join(dir, `store-${++files}.db`)

// The Store contract runs against every store from one list: store-contract.test.ts.

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

  it('given concurrent transactions, when one throws, then the others share COMMITs and it alone is undone', async () => {
    const path = freshPath()
    const store = await SqliteStore.open(path)
    const one = (i: number) =>
      store.transaction(async (tx) => {
        await tx.insertReport(report({ id: `r-${i}` }))
        await tx.appendAudit({ atMs: i, type: 'ingest', party: null, subject: `r-${i}`, data: {} })
        if (i === 7) throw new Error('undo seven')
        return i
      })
    const outcomes = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => one(i)))
    assert.deepEqual(
      outcomes.map((o) => o.status),
      Array.from({ length: 40 }, (_, i) => (i === 7 ? 'rejected' : 'fulfilled')),
    )
    const counts = store.commitCounts()
    assert.equal(counts.transactions, 39)
    assert.ok(counts.commits < 39 / 4, `39 transactions took ${counts.commits} commits`)
    // What each resolved promise promised is on disk: another connection reads it.
    const other = await SqliteStore.open(path)
    assert.equal((await other.listReports({})).length, 39)
    assert.equal(await other.getReport('r-7'), undefined)
    const chain = await other.listAudit({})
    assert.deepEqual(
      chain.map((e) => e.subject),
      Array.from({ length: 40 }, (_, i) => `r-${i}`).filter((id) => id !== 'r-7'),
    )
    assertChain(chain)
    await Promise.all([store.close(), other.close()])
  })

  it('given a lone transaction, when it resolves, then it is committed and readable at once', async () => {
    const store = await SqliteStore.open(freshPath())
    await store.transaction((tx) => tx.insertReport(report({ id: 'alone' })))
    assert.equal((await store.getReport('alone'))?.id, 'alone')
    assert.deepEqual(store.commitCounts(), { transactions: 1, commits: 1 })
    await store.close()
  })

  it("given a frame's receipt for many messages, when recorded on both sides, then it is stored once and read back whole", async () => {
    const path = freshPath()
    const store = await SqliteStore.open(path)
    const receipt = `eyJhbGciOiJFZERTQSJ9.${'x'.repeat(20_000)}.sig`
    const ids = Array.from({ length: 50 }, (_, i) => `m-${i}`)
    await store.transaction(async (tx) => {
      for (const messageId of ids)
        await tx.enqueue({
          messageId,
          recipient: 'JPN',
          kind: 'report',
          envelope: '{}',
          subjectId: messageId,
          createdAtMs: 1,
          attempts: 0,
          nextAttemptAtMs: 1,
          deliveredAtMs: null,
          receipt: null,
          lastError: null,
          withdrawnAtMs: null,
        })
    })
    await store.transaction(async (tx) => {
      for (const messageId of ids) await tx.markDelivered(messageId, receipt, 2)
      for (const messageId of ids)
        await tx.insertInbox({
          messageId: `in-${messageId}`,
          sender: 'USA',
          kind: 'report',
          receivedAtMs: 2,
          status: 'accepted',
          reasons: [],
          header: {},
          contentSha256: 'a'.repeat(64),
          receipt,
        })
    })
    const delivered = await store.listOutbox({ delivered: true })
    assert.equal(delivered.length, 50)
    assert.ok(delivered.every((m) => m.receipt === receipt))
    assert.equal((await store.getInbox('in-m-3'))?.receipt, receipt)
    assert.ok((await store.listInbox({})).every((m) => m.receipt === receipt))
    await store.close()
    const db = new Sqlite(path, { readonly: true })
    try {
      assert.equal(db.prepare('SELECT count(*) FROM receipts').pluck().get(), 1)
      const total = db.prepare('SELECT sum(length(receipt)) FROM outbox').pluck().get() as number
      assert.ok(total < 50 * 100, `the outbox holds ${total} bytes of receipts`)
    } finally {
      db.close()
    }
  })
})
