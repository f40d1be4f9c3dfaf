import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { LABEL_EXTENSION_ID } from '../../src/interop/stix-objects.ts'
import { asPartyId } from '../../src/domain/ids.ts'
import { disclosableReports } from '../../src/node/app/disclosure.ts'
import { collectionView, disclosedReportId } from '../../src/node/app/taxii-views.ts'
import { reportToCot } from '../../src/node/app/cot-track.ts'
import { type Harness, makeNode, reportInput } from '../helpers/node-harness.ts'

const KOR_SCHEME = { name: 'KOR', uri: 'urn:entente:scheme:KOR' }
const JPN_SCHEME = { name: 'JPN', uri: 'urn:entente:scheme:JPN' }

/** Issue 16: every report a node releases carries the originator's and the recipient's label. */
describe('STANAG 4774 labels on what a node releases (KOR node, reference scenario)', () => {
  let h: Harness
  let reportId = ''

  before(async () => {
    h = await makeNode({ modes: { 'kor-jpn-gsomia': 'auto' } })
    const response = await h.call(
      'POST',
      '/api/reports',
      'operator',
      reportInput('KOR', 'MIL-II', { releasableTo: ['JPN', 'USA'] }),
    )
    assert.equal(response.statusCode, 201, response.body)
    reportId = response.json<{ report: { id: string } }>().report.id
  })
  after(() => h.close())

  it('the federated report message to JPN carries both labels, at the GSOMIA level', async () => {
    const [row] = await h.ctx.store.listOutbox({ recipient: 'JPN' })
    assert.ok(row, 'a message to JPN is in the outbox')
    const envelope = JSON.parse(row.envelope) as { payload: { labels?: unknown } }
    const categories = [{ tagName: 'Releasable To', type: 'PERMISSIVE', values: ['JPN', 'USA'] }]
    assert.deepEqual(envelope.payload.labels, {
      originator: { policyIdentifier: KOR_SCHEME, classification: 'MIL-II', categories },
      // KOR MIL-II is GOKUHI and TOKUTEI-HIMITSU in the GSOMIA's rows: the higher is kept.
      alternative: { policyIdentifier: JPN_SCHEME, classification: 'TOKUTEI-HIMITSU', categories },
    })
  })

  it("JPN's TAXII view marks the report with both labels; the node's own view with none", async () => {
    const marking = async (viewer: string) => {
      const entries = await collectionView(h.ctx, asPartyId(viewer), h.clock.ms)
      const found = entries.find(
        (e) =>
          e.object.type === 'marking-definition' && disclosedReportId(e.disclosure) === reportId,
      )
      return found?.object['extensions'] as Record<string, Record<string, unknown>> | undefined
    }
    const label = (await marking('JPN'))?.[LABEL_EXTENSION_ID]
    assert.equal(label?.['recipient'], 'JPN')
    assert.equal(
      (label?.['alternative_label'] as { classification?: string }).classification,
      'TOKUTEI-HIMITSU',
    )
    assert.equal((await marking('KOR'))?.[LABEL_EXTENSION_ID], undefined)
  })

  it("JPN's CoT carries both labels in its remarks", async () => {
    const [shown] = (await disclosableReports(h.ctx, asPartyId('JPN'), h.clock.ms)).filter(
      (d) => d.report.id === reportId,
    )
    assert.ok(shown?.labels, 'the disclosure to JPN has labels')
    const [xml] = reportToCot(shown.report, shown.labels)
    assert.match(
      xml ?? '',
      /\[4774 originator KOR MIL-II REL TO JPN, USA \(urn:entente:scheme:KOR\); alternative JPN TOKUTEI-HIMITSU REL TO JPN, USA \(urn:entente:scheme:JPN\)\]/,
    )
  })
})
