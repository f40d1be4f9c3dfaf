import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import pg from 'pg'
import type { Migration } from '../../src/node/store/postgres/migrations.ts'
import { migrate, MIGRATIONS } from '../../src/node/store/postgres/migrations.ts'
import { PostgresStore } from '../../src/node/store/postgres/postgres-store.ts'
import { SqliteStore } from '../../src/node/store/sqlite/sqlite-store.ts'
import type { AuditInput, OutboxRow } from '../../src/node/store/store.ts'
import { startTestPostgres } from '../helpers/postgres.ts'
import { assertChain, report } from './store.contract.ts'

// The Store contract runs against every store from one list: store-contract.test.ts.
const server = await startTestPostgres()
after(() => server.stop())

const open = (schema = server.freshSchema()) => PostgresStore.open({ url: server.url, schema })

/** A pool on one schema, for looking under the store. */
const poolOn = (schema: string) =>
  new pg.Pool({ connectionString: server.url, options: `-c search_path=${schema}`, max: 2 })

const entry = (atMs: number, over: Partial<AuditInput> = {}): AuditInput => ({
  atMs,
  type: 'node',
  party: null,
  subject: null,
  data: {},
  ...over,
})

describe('PostgresStore', () => {
  it('given migrations, when opened twice, then each is recorded once', async () => {
    const schema = server.freshSchema()
    await (await open(schema)).close()
    const store = await open(schema)
    assert.equal(await store.schemaVersion(), MIGRATIONS.length)
    await store.close()
    const pool = poolOn(schema)
    try {
      const { rows } = await pool.query<{ version: number; name: string; applied_at: string }>(
        'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
      )
      assert.deepEqual(
        rows.map((m) => [m.version, m.name]),
        MIGRATIONS.map((m) => [m.version, m.name]),
      )
      assert.match(rows[0]?.applied_at ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    } finally {
      await pool.end()
    }
  })

  it('given a schema at version 1, when a build knows version 2, then only 2 is applied, once', async () => {
    const schema = server.freshSchema()
    const pool = poolOn(schema)
    try {
      await pool.query(`CREATE SCHEMA ${schema}`)
      const initial = MIGRATIONS[0] as Migration
      const extra: Migration = { version: 2, name: 'notes', up: 'CREATE TABLE notes (x TEXT)' }
      assert.equal(await migrate(pool, [initial]), 1)
      assert.equal(await migrate(pool, [initial, extra]), 2)
      assert.equal(await migrate(pool, [initial, extra]), 2, 'idempotent')
      const { rows } = await pool.query('SELECT name FROM schema_migrations ORDER BY version')
      assert.deepEqual(
        rows.map((r: { name: string }) => r.name),
        ['initial', 'notes'],
      )
    } finally {
      await pool.end()
    }
  })

  it('given a failing migration, when applied, then it leaves no trace', async () => {
    const schema = server.freshSchema()
    const pool = poolOn(schema)
    try {
      await pool.query(`CREATE SCHEMA ${schema}`)
      const initial = MIGRATIONS[0] as Migration
      const bad: Migration = {
        version: 2,
        name: 'bad',
        up: 'CREATE TABLE y (x TEXT); SELECT nope()',
      }
      await assert.rejects(migrate(pool, [initial, bad]))
      const { rows } = await pool.query("SELECT to_regclass('y') AS t")
      assert.deepEqual(rows, [{ t: null }])
      assert.equal(await migrate(pool), MIGRATIONS.length)
    } finally {
      await pool.end()
    }
  })

  it('given a schema newer than this build, when opened, then it is refused clearly', async () => {
    const schema = server.freshSchema()
    await (await open(schema)).close()
    const pool = poolOn(schema)
    await pool.query("INSERT INTO schema_migrations VALUES (99, 'future', 'x')")
    await pool.end()
    await assert.rejects(open(schema), {
      code: 'CONFIG_INVALID',
      message: /schema version 99 is newer than this build of entente knows \(\d+\)/,
    })
  })

  it('given another schema history, when opened, then it is refused', async () => {
    const schema = server.freshSchema()
    const pool = poolOn(schema)
    try {
      await pool.query(`CREATE SCHEMA ${schema}`)
      await migrate(pool, [{ version: 1, name: 'elsewhere', up: 'CREATE TABLE t (x TEXT)' }])
    } finally {
      await pool.end()
    }
    await assert.rejects(open(schema), { code: 'CONFIG_INVALID', message: /'elsewhere'/ })
  })

  it('given a schema name that is not a plain SQL name, when opened, then it is refused naming the field', async () => {
    await assert.rejects(open('x; DROP TABLE audit'), {
      code: 'CONFIG_INVALID',
      message: /^store\.schema: /,
    })
  })

  it('given no server at the URL, when opened, then a one-line CONFIG_INVALID says so', async () => {
    const url = 'postgres://postgres@127.0.0.1:1/nowhere'
    await assert.rejects(PostgresStore.open({ url }), {
      code: 'CONFIG_INVALID',
      message: /^store\.postgres: cannot open the database/,
    })
  })

  it('given committed data, when closed and reopened, then it and the chain survive', async () => {
    const schema = server.freshSchema()
    const store = await open(schema)
    await store.transaction(async (tx) => {
      await tx.insertReport(report())
      await tx.appendAudit(entry(1, { type: 'ingest', subject: 'r-1' }))
    })
    await store.close()
    const reopened = await open(schema)
    assert.deepEqual(await reopened.getReport('r-1'), report())
    assert.equal((await reopened.appendAudit(entry(2))).seq, 2)
    assertChain(await reopened.listAudit({}))
    await reopened.close()
  })

  it('given two processes on one database, when both append at once, then the chain is one sequence', async () => {
    const schema = server.freshSchema()
    const [a, b] = await Promise.all([open(schema), open(schema)])
    const each = 40
    const burst = (store: PostgresStore, from: number) =>
      Array.from({ length: each }, (_, i) =>
        store.transaction(async (tx) => {
          await tx.insertReport(report({ id: `r-${from + i}` }))
          return tx.appendAudit(entry(from + i, { subject: `r-${from + i}` }))
        }),
      )
    const appended = await Promise.all([...burst(a, 0), ...burst(b, 1000)])
    const chain = await a.listAudit({})
    assert.equal(chain.length, 2 * each)
    assertChain(chain)
    assert.deepEqual(
      appended.map((e) => e.seq).sort((x, y) => x - y),
      chain.map((e) => e.seq),
      'every append got its own seq',
    )
    assert.ok(chain.some((e) => e.atMs < 1000) && chain.some((e) => e.atMs >= 1000), 'both wrote')
    await Promise.all([a.close(), b.close()])
  })

  it('given the same appends on SQLite and PostgreSQL, then the entries are byte-identical', async () => {
    const sqlite = await SqliteStore.open(':memory:')
    const postgres = await open()
    const inputs: AuditInput[] = [
      entry(1, { type: 'ingest', subject: 'r-1', data: { z: 1, a: { y: [1, null, 'ü — 火'] } } }),
      entry(2, { type: 'decision', party: 'JPN', subject: 'r-1', data: { ok: true, n: 0.5 } }),
      entry(3, { type: 'send', party: 'JPN', subject: 'm-1', data: {} }),
    ]
    for (const input of inputs) {
      await sqlite.appendAudit(input)
      await postgres.appendAudit(input)
    }
    const [left, right] = await Promise.all([sqlite.listAudit({}), postgres.listAudit({})])
    assert.equal(JSON.stringify(right), JSON.stringify(left))
    await Promise.all([sqlite.close(), postgres.close()])
  })

  it("given a frame's receipt for many messages, when recorded, then it is stored once and read back whole", async () => {
    const schema = server.freshSchema()
    const store = await open(schema)
    const receipt = `eyJhbGciOiJFZERTQSJ9.${'x'.repeat(20_000)}.sig`
    const message = (messageId: string): OutboxRow => ({
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
    const ids = Array.from({ length: 30 }, (_, i) => `m-${i}`)
    await store.transaction(async (tx) => {
      for (const id of ids) await tx.enqueue(message(id))
    })
    await store.transaction(async (tx) => {
      for (const id of ids) await tx.markDelivered(id, receipt, 2)
    })
    const delivered = await store.listOutbox({ delivered: true })
    assert.equal(delivered.length, 30)
    assert.ok(delivered.every((m) => m.receipt === receipt))
    await store.close()
    const pool = poolOn(schema)
    try {
      const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM receipts')
      assert.equal(rows[0]?.n, '1')
    } finally {
      await pool.end()
    }
  })
})

describe('PostgresLeases (several processes of one party)', () => {
  const message = (messageId: string, over: Partial<OutboxRow> = {}): OutboxRow => ({
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
    ...over,
  })

  it('given two processes scanning one outbox at once, then each message is claimed by exactly one', async () => {
    const schema = server.freshSchema()
    const [a, b] = await Promise.all([open(schema), open(schema)])
    const ids = Array.from({ length: 60 }, (_, i) => `m-${i}`)
    await a.transaction(async (tx) => {
      for (const id of ids) await tx.enqueue(message(id))
    })
    const claimer = (store: PostgresStore, holder: string) => {
      const leases = store.leases(holder)
      return async (): Promise<string[]> => {
        const claimed: string[] = []
        for (;;) {
          // Each batch is delivered before the next claim (as a holder records its receipts).
          const batch = await leases.claimDue(10, 7, 60_000)
          if (batch.length === 0) return claimed
          claimed.push(...batch.map((m) => m.messageId))
          await store.transaction(async (tx) => {
            for (const m of batch) await tx.markDelivered(m.messageId, 'receipt', 11)
          })
        }
      }
    }
    const [byA, byB] = await Promise.all([claimer(a, 'kor-1')(), claimer(b, 'kor-2')()])
    assert.deepEqual([...byA, ...byB].sort(), [...ids].sort(), 'every message claimed')
    assert.equal(new Set([...byA, ...byB]).size, ids.length, 'none claimed twice')
    await Promise.all([a.close(), b.close()])
  })

  it('given claimed messages, when the claim lapses, then another process takes them over, oldest due first', async () => {
    const store = await open()
    await store.enqueue(message('late', { nextAttemptAtMs: 5 }))
    await store.enqueue(message('early', { nextAttemptAtMs: 2 }))
    await store.enqueue(message('not-due', { nextAttemptAtMs: 50 }))
    const dead = store.leases('kor-dead')
    const alive = store.leases('kor-alive')
    // A claim of 0 ms has lapsed at once: the holder died before renewing anything.
    assert.deepEqual(
      (await dead.claimDue(10, 10, 0)).map((m) => m.messageId),
      ['early', 'late'],
    )
    assert.deepEqual(
      (await alive.claimDue(10, 10, 60_000)).map((m) => m.messageId),
      ['early', 'late'],
    )
    assert.deepEqual(await dead.claimDue(10, 10, 60_000), [], 'an unexpired claim is kept')
    assert.deepEqual(
      await alive.claimDue(10, 10, 60_000),
      [],
      'its own claims are not returned again (it holds them in memory)',
    )
    await alive.unclaim(['early'])
    assert.deepEqual(
      (await alive.claimDue(10, 10, 60_000)).map((m) => m.messageId),
      ['early'],
      'a failed attempt let its claim go: taken again for the retry',
    )
    await store.markDelivered('early', 'receipt', 11)
    await alive.releaseClaims()
    assert.deepEqual(
      (await dead.claimDue(10, 10, 60_000)).map((m) => m.messageId),
      ['late'],
      'released at a clean stop; delivered ones never come back',
    )
    await store.close()
  })

  it("given a peer's link lease, then one process holds it until it lapses or is released", async () => {
    const schema = server.freshSchema()
    const [a, b] = await Promise.all([open(schema), open(schema)])
    const first = a.leases('kor-1')
    const second = b.leases('kor-2')
    assert.equal(await first.holdPeer('JPN', 60_000), true)
    assert.equal(await second.holdPeer('JPN', 60_000), false, 'held by the other')
    assert.equal(await first.holdPeer('JPN', 60_000), true, 'renewed by its holder')
    assert.equal(await second.holdPeer('USA', 60_000), true, 'another peer is free')
    assert.equal(await second.peerHolder('JPN'), 'kor-1')
    await first.releasePeer('JPN')
    assert.equal(await second.holdPeer('JPN', 0), true, 'released: taken over')
    // A 0 ms lease has lapsed at once, as a killed holder's does: the other takes it.
    assert.equal(await first.holdPeer('JPN', 60_000), true, 'lapsed: taken over')
    assert.equal(await b.leases('kor-2').peerHolder('JPN'), 'kor-1')
    await Promise.all([a.close(), b.close()])
  })

  it('given messages just committed, when two processes claim them at once, then each is claimed by exactly one', async () => {
    const schema = server.freshSchema()
    const [a, b] = await Promise.all([open(schema), open(schema)])
    const ids = Array.from({ length: 40 }, (_, i) => `fresh-${i}`)
    await a.transaction(async (tx) => {
      for (const id of ids) await tx.enqueue(message(id))
    })
    const [byA, byB] = await Promise.all([
      a.leases('kor-1').claim(ids, 60_000),
      b.leases('kor-2').claim([...ids].reverse(), 60_000),
    ])
    assert.equal(byA.size + byB.size, ids.length, 'every message claimed')
    assert.deepEqual(
      ids.filter((id) => byA.has(id) && byB.has(id)),
      [],
      'none claimed by both',
    )
    assert.deepEqual(
      await b.leases('kor-2').claim([...byA], 60_000),
      new Set(),
      "the other's unexpired claims are kept",
    )
    await Promise.all([a.close(), b.close()])
  })

  it("given a holder's claims, when renewed they are kept, and when released for one peer only that peer's are freed", async () => {
    const store = await open()
    await store.enqueue(message('to-jpn'))
    await store.enqueue(message('to-usa', { recipient: 'USA' }))
    const holder = store.leases('kor-1')
    const other = store.leases('kor-2')
    // Claimed for 0 ms (lapsed at once), then renewed: the renewal is what keeps them.
    assert.equal((await holder.claim(['to-jpn', 'to-usa'], 0)).size, 2)
    await holder.renewClaims(['to-jpn', 'to-usa'], 60_000)
    assert.deepEqual(await other.claim(['to-jpn', 'to-usa'], 60_000), new Set(), 'renewed')
    await holder.releaseClaims('JPN')
    assert.deepEqual(
      await other.claim(['to-jpn', 'to-usa'], 60_000),
      new Set(['to-jpn']),
      "the link to JPN moved: its messages are free, USA's are not",
    )
    await store.markDelivered('to-usa', 'receipt', 11)
    assert.deepEqual(await other.claim(['to-usa'], 60_000), new Set(), 'delivered: never again')
    await store.close()
  })

  it("given a process listening, when another nudges for peers, then it hears those peers, and only its schema's", async () => {
    const schema = server.freshSchema()
    const [a, b, elsewhere] = await Promise.all([open(schema), open(schema), open()])
    const heard: (readonly string[])[] = []
    let onHeard: () => void = () => undefined
    const stop = await b.leases('kor-2').onNudge((peers) => {
      heard.push(peers)
      onHeard()
    })
    const arrived = new Promise<void>((resolve) => (onHeard = resolve))
    // Another schema's nudge first: a party sharing the database is not heard.
    await elsewhere.leases('usa-1').nudge(['KOR'])
    await a.leases('kor-1').nudge(['JPN', 'USA'])
    await arrived
    assert.deepEqual(heard, [['JPN', 'USA']])
    await stop()
    await Promise.all([a.close(), b.close(), elsewhere.close()])
  })
})
