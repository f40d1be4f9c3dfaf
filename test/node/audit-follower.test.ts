import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { AuditFollower } from '../../src/node/app/audit-follower.ts'
import { PostgresStore } from '../../src/node/store/postgres/postgres-store.ts'
import type { AuditEntry, AuditInput } from '../../src/node/store/store.ts'
import { startTestPostgres } from '../helpers/postgres.ts'

const server = await startTestPostgres()
after(() => server.stop())

const entry = (atMs: number, subject: string): AuditInput => ({
  atMs,
  type: 'node',
  party: null,
  subject,
  data: {},
})

describe('AuditFollower (live events across processes on PostgreSQL)', () => {
  it("given two processes on one database, when both append, then each one's clients get every entry once", async () => {
    const schema = server.freshSchema()
    const [a, b] = await Promise.all([
      PostgresStore.open({ url: server.url, schema }),
      PostgresStore.open({ url: server.url, schema }),
    ])
    await a.appendAudit(entry(0, 'before')) // history: not a live event
    const seenByA: AuditEntry[] = []
    const follower = new AuditFollower(a, (e) => seenByA.push(e))
    await follower.start()
    follower.local(await a.appendAudit(entry(1, 'a-1')))
    await b.appendAudit(entry(2, 'b-1'))
    follower.local(await a.appendAudit(entry(3, 'a-2')))
    await b.appendAudit(entry(4, 'b-2'))
    assert.deepEqual(
      seenByA.map((e) => e.subject),
      ['a-1', 'a-2'],
      'its own at once',
    )
    assert.equal(await follower.poll(), 4, 'the poll reads the four new entries')
    assert.deepEqual(
      seenByA.map((e) => e.subject),
      ['a-1', 'a-2', 'b-1', 'b-2'],
      "the other's after the poll, none twice",
    )
    assert.equal(await follower.poll(), 0, 'nothing new')
    await b.appendAudit(entry(5, 'b-3'))
    await follower.poll()
    assert.deepEqual(seenByA.at(-1)?.subject, 'b-3')
    assert.equal(seenByA.length, 5)
    follower.stop()
    await Promise.all([a.close(), b.close()])
  })
})
