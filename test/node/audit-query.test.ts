import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { accountFor } from '../../src/node/app/audit-query.ts'
import { SqliteStore } from '../../src/node/store/sqlite/sqlite-store.ts'
import type { AuditInput } from '../../src/node/store/store.ts'

const entry = (atMs: number, type: AuditInput['type'], data: Record<string, unknown>) =>
  ({ atMs, type, party: 'JPN', subject: `s-${atMs}`, data }) satisfies AuditInput

describe('audit query: the account of one party', () => {
  it('says in sentences what was and was not shared, received and asked, within the window', async () => {
    const store = await SqliteStore.open(':memory:')
    for (const e of [
      entry(10, 'delivery', { kind: 'report' }),
      entry(20, 'delivery', { kind: 'report' }),
      entry(30, 'decision', { decision: 'denied' }),
      entry(40, 'arrival', { kind: 'report' }),
      entry(50, 'request', { direction: 'outgoing' }),
      entry(99, 'request', { direction: 'incoming' }), // outside the window
    ])
      await store.appendAudit(e)
    const account = await accountFor(store, 'JPN', 0, 90)
    assert.deepEqual(account.findings, [
      '2 reports were delivered to JPN',
      '1 release to JPN was denied',
      '1 report was received from JPN',
      'no message from JPN was quarantined',
      'no request was received from JPN',
      '1 request was made to JPN',
    ])
    assert.deepEqual(
      account.sharedWith.map((e) => e.atMs),
      [10, 20],
    )
    await store.close()
  })
})
