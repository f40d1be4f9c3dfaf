import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { type Correlation, liveEventOf, uncorrelated } from '../../src/cli/demo/live.ts'
import type { AuditEntry } from '../../src/node/store/store.ts'

function correlation(): Correlation & {
  launchOfReport: Map<string, string>
  launchOfRequest: Map<string, string>
} {
  return {
    launchOfReport: new Map(),
    launchOfRequest: new Map(),
    reportOfRelease: new Map(),
    agreementOfRelease: new Map(),
    launchMs: new Map([['2019-10-31-a', 1_572_482_000_000]]),
  }
}

function entry(fields: Pick<AuditEntry, 'type' | 'subject'> & Partial<AuditEntry>): AuditEntry {
  return {
    seq: 1,
    prevHash: '0',
    hash: '1',
    atMs: 1_572_482_030_000,
    party: null,
    data: {},
    ...fields,
  }
}

describe("the demo's live events: an audit stream that outruns the POST's answer", () => {
  it('an ingest of a report the demo has not yet placed under a launch waits for it', () => {
    const c = correlation()
    const ingest = entry({ type: 'ingest', subject: 'r-1' })
    // Shown now, it would belong to no launch and the timeline would never draw it.
    assert.equal(liveEventOf('run', 'KOR', ingest, c, String)?.launch, null)
    assert.equal(uncorrelated(ingest, c), 'report:r-1')
    c.launchOfReport.set('r-1', '2019-10-31-a')
    assert.equal(uncorrelated(ingest, c), null)
    const shown = liveEventOf('run', 'KOR', ingest, c, String)
    assert.equal(shown?.launch, '2019-10-31-a')
    assert.equal(shown?.t, 30)
  })

  it('a request the demo has not yet placed under a launch waits; bookkeeping entries never wait', () => {
    const c = correlation()
    const request = entry({
      type: 'request',
      subject: 'q-1',
      party: 'KOR',
      data: { direction: 'outgoing' },
    })
    assert.equal(uncorrelated(request, c), 'request:q-1')
    c.launchOfRequest.set('q-1', '2019-10-31-a')
    assert.equal(uncorrelated(request, c), null)
    assert.equal(uncorrelated(entry({ type: 'link', subject: 'JPN' }), c), null)
  })
})
