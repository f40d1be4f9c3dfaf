import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { compactVerify } from 'jose'
import { asPartyId } from '../../src/domain/ids.ts'
import { disclosableReports } from '../../src/node/app/disclosure.ts'
import { redecideInTx } from '../../src/node/app/releases.ts'
import type { OutboxRow, ReportRow } from '../../src/node/store/store.ts'
import { forward, makeHubChain, signedAs } from '../helpers/hub-chain.ts'
import type { Harness } from '../helpers/node-harness.ts'
import { launchReport } from '../helpers/nodes.ts'

/**
 * Issue 12, item 1: corrections. KOR's report reaches USA under the TISA and JPN through the
 * TISA's hub, USA (the reference registry without the GSOMIA). KOR corrects it twice: once at
 * the same level (count 1 → 2, range corrected), which follows the report's path as a new
 * version, and once at MIL-I, which the TISA does not cover, so that USA and JPN get only a
 * content-free superseded notice. Each hop's envelope is the node's own bytes; the test moves
 * the signed JWS from one node's outbox into the next node's inbox.
 */

type Launch = Record<string, unknown>

function correction(level: string, launch: Launch): Record<string, unknown> {
  return { marking: { originator: 'KOR', level }, launch }
}

async function queued(at: Harness, to: string, kind: string): Promise<OutboxRow[]> {
  return (await at.ctx.store.listOutbox({ recipient: to })).filter((r) => r.kind === kind)
}

async function shownAt(at: Harness, id: string) {
  const response = await at.call('GET', `/api/reports/${id}`, 'auditor')
  assert.equal(response.statusCode, 200, response.body)
  return response.json<{
    status: string
    version: number
    level: string
    payload: Launch
    history: { version: number; payload: Launch }[]
  }>()
}

async function correctionEntries(at: Harness, id: string) {
  return (await at.ctx.store.listAudit({ type: 'correction', subject: id })).map((e) => e.data)
}

describe('issue 12: a correction follows the report as a new version, or as a superseded notice without content', () => {
  let kor: Harness
  let usa: Harness
  let jpn: Harness
  let report: ReportRow
  let issued: Launch
  /** USA's relay of version 1 to JPN, held back to arrive after version 2. */
  let lateV1: OutboxRow

  before(async () => {
    ;({ kor, usa, jpn } = await makeHubChain())
    const input = launchReport('KOR', 'MIL-II', 'first detection')
    issued = input['launch'] as Launch
    const ingested = await kor.call('POST', '/api/reports', 'operator', input)
    assert.equal(ingested.statusCode, 201, ingested.body)
    report = ingested.json<{ report: ReportRow }>().report
    const [sent] = await queued(kor, 'USA', 'report')
    assert.deepEqual(await forward(await signedAs(kor, sent!.envelope), usa), {
      status: 'accepted',
      codes: [],
    })
    const [relayed] = await queued(usa, 'JPN', 'report')
    lateV1 = relayed!
    jpn.clock.ms += 600_000 // the hub relays after its handling time
  })
  after(async () => {
    await Promise.all([kor, usa, jpn].map((h) => h.close()))
  })

  it('POST /api/reports/{id}/corrections refuses another topic (400 naming topic), a level not of KOR (400), an unknown id (404), another’s report (409), a reader (403)', async () => {
    const launch = { ...issued, count: 2 }
    const topic = await kor.call('POST', `/api/reports/${report.id}/corrections`, 'operator', {
      ...correction('MIL-II', launch),
      topic: 'other-topic',
    })
    assert.equal(topic.statusCode, 400, topic.body)
    assert.match(topic.headers['content-type'] as string, /application\/problem\+json/)
    assert.match(topic.body, /topic/)
    const level = await kor.call(
      'POST',
      `/api/reports/${report.id}/corrections`,
      'operator',
      correction('GOKUHI', launch),
    )
    assert.equal(level.statusCode, 400, level.body)
    assert.match(level.body, /marking\.level/)
    const unknown = await kor.call(
      'POST',
      `/api/reports/${randomUUID()}/corrections`,
      'operator',
      correction('MIL-II', launch),
    )
    assert.equal(unknown.statusCode, 404, unknown.body)
    const others = await usa.call(
      'POST',
      `/api/reports/${report.id}/corrections`,
      'operator',
      correction('MIL-II', launch),
    )
    assert.equal(others.statusCode, 409, others.body)
    const reader = await kor.call(
      'POST',
      `/api/reports/${report.id}/corrections`,
      'auditor',
      correction('MIL-II', launch),
    )
    assert.equal(reader.statusCode, 403, reader.body)
    assert.equal((await shownAt(kor, report.id)).version, 1, 'nothing changed')
  })

  it('when KOR corrects the count and range at the same level, then it holds v2 with v1 in its history, signs v2 as originator, and denies v1’s pending release (REPORT_SUPERSEDED)', async () => {
    const pending = await kor.ctx.store.listReleases({
      reportId: report.id,
      state: 'pending-approval',
    })
    assert.equal(pending.length, 1, 'kor-usa waits for an officer')
    const response = await kor.call(
      'POST',
      `/api/reports/${report.id}/corrections`,
      'operator',
      correction('MIL-II', { ...issued, count: 2, rangeKm: 380 }),
    )
    assert.equal(response.statusCode, 201, response.body)
    const body = response.json<{ report: ReportRow; supersededTo: string[] }>()
    assert.equal(body.report.version, 2)
    assert.deepEqual(body.supersededTo, [], 'USA receives v2 itself')
    const shown = await shownAt(kor, report.id)
    assert.equal(shown.status, 'current')
    assert.equal(shown.payload['count'], 2)
    assert.deepEqual(
      shown.history.map((h) => [h.version, h.payload['count']]),
      [[1, 1]],
    )
    const { payload, protectedHeader } = await compactVerify(
      body.report.originatorSignature ?? '',
      kor.ctx.keys.signingPublic,
    )
    assert.equal(protectedHeader.typ, 'entente-report+jws')
    assert.equal((JSON.parse(new TextDecoder().decode(payload)) as { version: number }).version, 2)
    const denied = await kor.ctx.store.getRelease(pending[0]!.id)
    assert.equal(denied?.state, 'denied')
    assert.deepEqual(
      denied?.reasons.map((r) => r.code),
      ['REPORT_SUPERSEDED'],
    )
    const entries = await correctionEntries(kor, report.id)
    assert.equal(entries.length, 1)
    assert.equal(entries[0]?.['version'], 2)
  })

  it('the hub verifies v2, takes it in place of v1 (v1 in its history) and relays it to JPN; v1’s relay, if it still left, is refused at egress', async () => {
    const v2 = (await queued(kor, 'USA', 'report')).at(-1)
    assert.ok(v2 !== undefined)
    assert.deepEqual(await forward(await signedAs(kor, v2.envelope), usa), {
      status: 'accepted',
      codes: [],
    })
    const shown = await shownAt(usa, report.id)
    assert.equal(shown.version, 2)
    assert.equal(shown.payload['rangeKm'], 380)
    assert.deepEqual(
      shown.history.map((h) => h.version),
      [1],
    )
    assert.equal((await correctionEntries(usa, report.id))[0]?.['receivedFrom'], 'KOR')
    const v1Release = (await usa.ctx.store.listReleases({ reportId: report.id })).find(
      (r) => r.recipient === 'JPN' && r.state === 'released',
    )
    assert.ok(v1Release !== undefined)
    const verdict = await usa.ctx.store.transaction((tx) =>
      redecideInTx(usa.ctx, tx, v1Release, usa.clock.ms),
    )
    assert.equal(verdict.ok, false)
    assert.deepEqual(verdict.ok ? [] : verdict.reasons.map((r) => r.code), ['REPORT_SUPERSEDED'])
  })

  it('JPN gets v2 before the late v1: it holds v2, and v1 arriving after it is accepted but never moves it back', async () => {
    const v2 = (await queued(usa, 'JPN', 'report')).at(-1)
    assert.ok(v2 !== undefined && v2.messageId !== lateV1.messageId)
    assert.deepEqual(await forward(await signedAs(usa, v2.envelope), jpn), {
      status: 'accepted',
      codes: [],
    })
    assert.equal((await shownAt(jpn, report.id)).version, 2)
    assert.deepEqual(await forward(await signedAs(usa, lateV1.envelope), jpn), {
      status: 'accepted',
      codes: [],
    })
    const shown = await shownAt(jpn, report.id)
    assert.equal(shown.version, 2, 'still v2')
    assert.equal(shown.payload['count'], 2)
    assert.deepEqual(shown.history, [], 'JPN never stored v1')
  })

  it('a hub cannot forge a version: v3 re-signed by USA instead of KOR is quarantined at JPN (ORIGINATOR_SIGNATURE_INVALID)', async () => {
    const v2 = (await queued(usa, 'JPN', 'report')).at(-1)!
    const wire = JSON.parse(v2.envelope) as {
      messageId: string
      payload: { report: { version: number; payload: Launch } }
    }
    wire.messageId = randomUUID()
    wire.payload.report.version = 3
    wire.payload.report.payload = { ...wire.payload.report.payload, count: 9 }
    const result = await forward(await signedAs(usa, JSON.stringify(wire)), jpn)
    assert.equal(result.status, 'quarantined')
    assert.deepEqual(result.codes, ['ORIGINATOR_SIGNATURE_INVALID'])
    assert.equal((await shownAt(jpn, report.id)).version, 2)
  })

  it('when KOR raises the level to MIL-I, which the TISA does not cover, then USA gets a superseded notice signed by KOR, with no content', async () => {
    const response = await kor.call(
      'POST',
      `/api/reports/${report.id}/corrections`,
      'operator',
      correction('MIL-I', { ...issued, count: 2, rangeKm: 777, text: 'SECRET-V3-CONTENT' }),
    )
    assert.equal(response.statusCode, 201, response.body)
    const body = response.json<{ report: ReportRow; supersededTo: string[] }>()
    assert.equal(body.report.version, 3)
    assert.deepEqual(body.supersededTo, ['USA'])
    const [notice] = await queued(kor, 'USA', 'superseded')
    assert.ok(notice !== undefined)
    assert.doesNotMatch(notice.envelope, /SECRET-V3-CONTENT|777|MIL-I"/)
    const wire = JSON.parse(notice.envelope) as { payload: { originatorSignature: string } }
    const { protectedHeader } = await compactVerify(
      wire.payload.originatorSignature,
      kor.ctx.keys.signingPublic,
    )
    assert.equal(protectedHeader.typ, 'entente-supersession+jws')
    assert.deepEqual(await forward(await signedAs(kor, notice.envelope), usa), {
      status: 'accepted',
      codes: [],
    })
    const shown = await shownAt(usa, report.id)
    assert.equal(shown.status, 'superseded')
    assert.equal(shown.version, 2, 'USA still holds v2, now known to be wrong')
    const before = await disclosableReports(usa.ctx, asPartyId('JPN'), usa.clock.ms)
    assert.ok(!before.some((d) => d.report.id === report.id), 'shown to JPN no more')
  })

  it('the hub passes the notice on to JPN, which shows its copy superseded; a notice forged by the hub is quarantined', async () => {
    const [notice] = await queued(usa, 'JPN', 'superseded')
    assert.ok(notice !== undefined, 'USA forwards the notice to JPN, to whom it relayed v2')
    assert.doesNotMatch(notice.envelope, /SECRET-V3-CONTENT|777/)
    const forged = JSON.parse(notice.envelope) as {
      messageId: string
      payload: { version: number }
    }
    forged.messageId = randomUUID()
    forged.payload.version = 4
    const refused = await forward(await signedAs(usa, JSON.stringify(forged)), jpn)
    assert.equal(refused.status, 'quarantined')
    assert.deepEqual(refused.codes, ['ORIGINATOR_SIGNATURE_INVALID'])
    assert.equal((await shownAt(jpn, report.id)).status, 'current')

    assert.deepEqual(await forward(await signedAs(usa, notice.envelope), jpn), {
      status: 'accepted',
      codes: [],
    })
    const shown = await shownAt(jpn, report.id)
    assert.equal(shown.status, 'superseded')
    assert.equal(shown.payload['count'], 2)
    const entries = await correctionEntries(jpn, report.id)
    assert.equal(entries.at(-1)?.['notice'], 'superseded')
    assert.equal(entries.at(-1)?.['version'], 3)
  })

  it('a withdrawal after corrections still reaches every holder of any version', async () => {
    const response = await kor.call('POST', `/api/reports/${report.id}/withdraw`, 'operator', {
      reason: 'false alarm after all',
    })
    assert.equal(response.statusCode, 200, response.body)
    assert.deepEqual(response.json<{ sentTo: string[] }>().sentTo, ['USA'])
    const again = await kor.call(
      'POST',
      `/api/reports/${report.id}/corrections`,
      'operator',
      correction('MIL-II', issued),
    )
    assert.equal(again.statusCode, 409, 'nothing follows a withdrawal')
  })
})
