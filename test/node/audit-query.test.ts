import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { accountFor } from '../../src/node/app/audit-query.ts'
import { SqliteStore } from '../../src/node/store/sqlite/sqlite-store.ts'
import type { AuditInput } from '../../src/node/store/store.ts'

const entry = (atMs: number, type: AuditInput['type'], data: Record<string, unknown>) =>
  ({ atMs, type, party: 'JPN', subject: `s-${atMs}`, data }) satisfies AuditInput

describe('audit query: the account of one party', () => {
  it('H2, L2: says in sentences what was and was not shared (delivered, disclosed by TAXII, refused), received and asked, within the window', async () => {
    const store = await SqliteStore.open(':memory:')
    for (const e of [
      entry(10, 'delivery', { kind: 'report' }),
      entry(20, 'delivery', { kind: 'report', status: 'accepted' }),
      // L2: a delivery the recipient receipted as quarantined gave it nothing.
      entry(25, 'delivery', { kind: 'report', status: 'quarantined' }),
      entry(30, 'decision', { decision: 'denied' }),
      // H2: a report JPN read over TAXII was given to JPN, as surely as a delivery.
      entry(35, 'disclosure', { kind: 'report', path: 'taxii' }),
      entry(40, 'arrival', { kind: 'report' }),
      entry(50, 'request', { direction: 'outgoing' }),
      entry(99, 'request', { direction: 'incoming' }), // outside the window
    ])
      await store.appendAudit(e)
    const account = await accountFor(store, 'JPN', 0, 90)
    assert.deepEqual(account.findings, [
      '2 reports were delivered to JPN',
      '1 report was disclosed to JPN by another path (taxii)',
      '1 delivered report was quarantined by JPN',
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
