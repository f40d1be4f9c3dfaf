import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type Refusal, RefusalTally } from '../../src/node/cot/refusal-tally.ts'
import type { AuditInput } from '../../src/node/store/store.ts'

const refusal = (over: Partial<Refusal> = {}): Refusal => ({
  type: 'quarantine',
  route: 'cot.ingest',
  remote: '127.0.0.1',
  reason: 'CoT: not XML',
  ...over,
})

/** A tally whose writes are kept, on a clock the test moves; flushed by hand. */
function tally() {
  const written: AuditInput[] = []
  let nowMs = 1_000
  const t = new RefusalTally(
    (input) => {
      written.push(input)
      return Promise.resolve()
    },
    () => nowMs,
    3_600_000,
  )
  return { t, written, advance: (ms: number) => (nowMs += ms) }
}

describe('refusals audited in aggregate (M4)', () => {
  it('M4: given 1,000 bad events from one address, the chain gets one entry at once and one per flush', async () => {
    const { t, written, advance } = tally()
    t.note(refusal({ uid: 'a' }))
    assert.equal(written.length, 1, 'the first is written at once')
    assert.deepEqual(
      [written[0]?.subject, written[0]?.data['reason'], written[0]?.data['count']],
      ['a', 'CoT: not XML', 1],
    )
    for (let i = 0; i < 999; i++) {
      advance(1)
      t.note(refusal({ reason: `reason ${i % 7}`, uid: `u${i}` }))
    }
    assert.equal(written.length, 1, 'the rest are counted')
    t.flush()
    assert.equal(written.length, 2)
    const aggregate = written[1]?.data ?? {}
    assert.equal(aggregate['count'], 999)
    assert.deepEqual([aggregate['sinceMs'], aggregate['untilMs']], [1_001, 1_999])
    assert.equal((aggregate['reasons'] as unknown[]).length, 5, 'a few reasons, not all')
    assert.deepEqual(aggregate['uids'], ['u0', 'u1', 'u2', 'u3', 'u4'])
    assert.equal(written[1]?.subject, null)
    await t.close()
    assert.equal(written.length, 2, 'nothing new: nothing written at close')
  })

  it('a quiet window closes: the next refusal from there is written at once again', async () => {
    const { t, written } = tally()
    t.note(refusal())
    t.flush() // nothing counted since the first: the window ends
    assert.equal(written.length, 1)
    t.note(refusal())
    assert.equal(written.length, 2)
    await t.close()
  })

  it('kinds, routes and addresses are counted apart; close writes what is counted', async () => {
    const { t, written } = tally()
    t.note(refusal())
    t.note(refusal({ remote: '127.0.0.2' }))
    t.note(refusal({ type: 'auth-failure', reason: 'TLS handshake: X' }))
    t.note(refusal({ route: 'cot.stream', type: 'auth-failure', reason: 'no party' }))
    assert.equal(written.length, 4)
    assert.deepEqual(written[2]?.data, {
      route: 'cot.ingest',
      remote: '127.0.0.1',
      reason: 'TLS handshake: X',
      count: 1,
    })
    t.note(refusal({ remote: '127.0.0.2' }))
    await t.close()
    assert.equal(written.length, 5)
    assert.deepEqual([written[4]?.data['remote'], written[4]?.data['count']], ['127.0.0.2', 1])
  })

  it('past 1,000 addresses in a window, the others share one entry', async () => {
    const { t, written } = tally()
    for (let i = 0; i < 1_500; i++) t.note(refusal({ remote: `127.1.${i >> 8}.${i & 255}` }))
    assert.equal(written.length, 1_001, 'one per address up to the cap, then one for the rest')
    await t.close()
    assert.equal(written.at(-1)?.data['remote'], '*')
    assert.equal(written.at(-1)?.data['count'], 499)
  })

  it('a write that fails is dropped, never thrown', async () => {
    const t = new RefusalTally(
      () => Promise.reject(new Error('store closed')),
      () => 0,
    )
    t.note(refusal())
    await t.close()
  })
})
