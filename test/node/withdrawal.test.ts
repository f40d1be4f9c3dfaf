import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { compactVerify } from 'jose'
import { disclosableReports } from '../../src/node/app/disclosure.ts'
import { redecideInTx } from '../../src/node/app/releases.ts'
import { generatePartyKeys } from '../../src/node/crypto/keys.ts'
import {
  isOriginatorSignatureError,
  signReport,
} from '../../src/node/crypto/originator-signature.ts'
import {
  signWithdrawal,
  verifyWithdrawalSignature,
} from '../../src/node/crypto/withdrawal-signature.ts'
import { DeliveryWorker } from '../../src/node/app/delivery.ts'
import { LinkError } from '../../src/node/link/peer-link.ts'
import type { AuditEntry, OutboxRow, ReportRow } from '../../src/node/store/store.ts'
import { scriptedLinks } from '../helpers/scripted-link.ts'
import { asPartyId } from '../../src/domain/ids.ts'
import { forward, makeHubChain, signedAs } from '../helpers/hub-chain.ts'
import { type Harness, makeNode, reportInput } from '../helpers/node-harness.ts'

/**
 * Issue 12, item 1: a false alarm is withdrawn everywhere it went. KOR's report reaches USA
 * under the TISA and JPN through the TISA's hub, USA (the reference registry without the
 * GSOMIA); KOR withdraws it, and the withdrawal, signed by KOR, follows the same path. Each
 * hop's envelope is the node's own bytes: the test only moves the signed JWS from one node's
 * outbox into the next node's inbox (as test/node/originator-signature.test.ts does).
 */

const REASON = 'false alarm: a radar artefact, no launch'

interface WithdrawalWire {
  kind: string
  payload: {
    reportId: string
    originator: string
    reason: string
    atMs: number
    originatorSignature: string
  }
}

async function queued(at: Harness, to: string, kind: string): Promise<OutboxRow[]> {
  return (await at.ctx.store.listOutbox({ recipient: to })).filter((r) => r.kind === kind)
}

async function statusAt(at: Harness, id: string) {
  const response = await at.call('GET', `/api/reports/${id}`, 'auditor')
  assert.equal(response.statusCode, 200, response.body)
  return response.json<{
    status: string
    withdrawal?: { atMs: number; at: string; reason: string }
  }>()
}

async function withdrawalEntries(at: Harness, id: string) {
  return (await at.ctx.store.listAudit({ type: 'withdrawal', subject: id })).map((e) => e.data)
}

describe('issue 12: a withdrawal reaches every holder by the path its copy came (KOR → USA hub → JPN)', () => {
  let kor: Harness
  let usa: Harness
  let jpn: Harness
  let report: ReportRow
  /** KOR's withdrawal as it left for USA, and USA's as it leaves for JPN. */
  let toUsa: OutboxRow
  let toJpn: OutboxRow

  before(async () => {
    ;({ kor, usa, jpn } = await makeHubChain())
    const ingested = await kor.call(
      'POST',
      '/api/reports',
      'operator',
      reportInput('KOR', 'MIL-II'),
    )
    assert.equal(ingested.statusCode, 201, ingested.body)
    report = ingested.json<{ report: ReportRow }>().report
    const [sent] = await queued(kor, 'USA', 'report')
    assert.deepEqual(await forward(await signedAs(kor, sent!.envelope), usa), {
      status: 'accepted',
      codes: [],
    })
    const [relayed] = await queued(usa, 'JPN', 'report')
    jpn.clock.ms += 600_000 // the hub relays after its handling time
    assert.deepEqual(await forward(await signedAs(usa, relayed!.envelope), jpn), {
      status: 'accepted',
      codes: [],
    })
  })
  after(async () => {
    await Promise.all([kor, usa, jpn].map((h) => h.close()))
  })

  it('given a held report, then every node shows it current', async () => {
    for (const at of [kor, usa, jpn])
      assert.equal((await statusAt(at, report.id)).status, 'current')
  })

  it('POST /api/reports/{id}/withdraw refuses an empty reason (400 naming reason), an unknown id (404), another’s report (409), a reader (403)', async () => {
    const empty = await kor.call('POST', `/api/reports/${report.id}/withdraw`, 'operator', {
      reason: '  ',
    })
    assert.equal(empty.statusCode, 400, empty.body)
    assert.match(empty.headers['content-type'] as string, /application\/problem\+json/)
    assert.match(empty.body, /reason/)
    const unknown = await kor.call('POST', `/api/reports/${randomUUID()}/withdraw`, 'operator', {
      reason: REASON,
    })
    assert.equal(unknown.statusCode, 404, unknown.body)
    const others = await usa.call('POST', `/api/reports/${report.id}/withdraw`, 'operator', {
      reason: REASON,
    })
    assert.equal(others.statusCode, 409, others.body)
    const reader = await kor.call('POST', `/api/reports/${report.id}/withdraw`, 'auditor', {
      reason: REASON,
    })
    assert.equal(reader.statusCode, 403, reader.body)
    assert.equal((await statusAt(kor, report.id)).status, 'current', 'nothing changed')
  })

  it('when KOR withdraws it, then it shows withdrawn, audits it, queues it for USA signed by KOR, and denies the release still pending (REPORT_WITHDRAWN)', async () => {
    const pending = await kor.ctx.store.listReleases({
      reportId: report.id,
      state: 'pending-approval',
    })
    assert.equal(pending.length, 1, 'kor-usa waits for an officer')
    const response = await kor.call('POST', `/api/reports/${report.id}/withdraw`, 'operator', {
      reason: REASON,
    })
    assert.equal(response.statusCode, 200, response.body)
    assert.deepEqual(response.json<{ sentTo: string[] }>().sentTo, ['USA'])
    const shown = await statusAt(kor, report.id)
    assert.equal(shown.status, 'withdrawn')
    assert.equal(shown.withdrawal?.reason, REASON)
    assert.equal(shown.withdrawal?.at, new Date(shown.withdrawal.atMs).toISOString())

    const entries = await withdrawalEntries(kor, report.id)
    assert.equal(entries.length, 1)
    assert.deepEqual(entries[0]?.['sentTo'], ['USA'])
    assert.equal(entries[0]?.['reason'], REASON)

    const [message] = await queued(kor, 'USA', 'withdrawal')
    assert.ok(message !== undefined, 'a withdrawal is queued for USA')
    toUsa = message
    const wire = JSON.parse(message.envelope) as WithdrawalWire
    const { payload, protectedHeader } = await compactVerify(
      wire.payload.originatorSignature,
      kor.ctx.keys.signingPublic,
    )
    assert.equal(protectedHeader.typ, 'entente-withdrawal+jws')
    const signed = JSON.parse(new TextDecoder().decode(payload)) as { reason: string }
    assert.equal(signed.reason, REASON)

    const denied = await kor.ctx.store.getRelease(pending[0]!.id)
    assert.equal(denied?.state, 'denied')
    assert.deepEqual(
      denied?.reasons.map((r) => r.code),
      ['REPORT_WITHDRAWN'],
    )
    const approve = await kor.call(
      'POST',
      `/api/releases/${pending[0]!.id}/approve`,
      'release-officer',
    )
    assert.equal(approve.statusCode, 409, 'an officer can no longer let it go')
  })

  it('given it is withdrawn, when KOR withdraws it again or releases it onward, then 409', async () => {
    const again = await kor.call('POST', `/api/reports/${report.id}/withdraw`, 'operator', {
      reason: 'again',
    })
    assert.equal(again.statusCode, 409, again.body)
    assert.equal((await withdrawalEntries(kor, report.id)).length, 1)
    const onward = await kor.call('POST', `/api/reports/${report.id}/release`, 'operator', {
      to: 'USA',
    })
    assert.equal(onward.statusCode, 409, onward.body)
  })

  it('the hub verifies it, marks its copy withdrawn, audits it and passes it on to JPN, to whom it relayed the report', async () => {
    const before = await disclosableReports(usa.ctx, asPartyId('JPN'), usa.clock.ms)
    assert.ok(
      before.some((d) => d.report.id === report.id),
      'USA would show it to JPN before',
    )
    assert.deepEqual(await forward(await signedAs(kor, toUsa.envelope), usa), {
      status: 'accepted',
      codes: [],
    })
    const shown = await statusAt(usa, report.id)
    assert.equal(shown.status, 'withdrawn')
    assert.equal(shown.withdrawal?.reason, REASON)
    const entries = await withdrawalEntries(usa, report.id)
    assert.equal(entries.length, 1)
    assert.equal(entries[0]?.['receivedFrom'], 'KOR')
    assert.deepEqual(entries[0]?.['sentTo'], ['JPN'])
    const [message] = await queued(usa, 'JPN', 'withdrawal')
    assert.ok(message !== undefined, 'the hub forwards it to JPN')
    toJpn = message
    const sent = JSON.parse(toUsa.envelope) as WithdrawalWire
    const passed = JSON.parse(message.envelope) as WithdrawalWire
    assert.equal(passed.payload.originatorSignature, sent.payload.originatorSignature, 'unchanged')

    // The relay decided before, asked again at egress (a delivery attempt), may not leave.
    const [relay] = await usa.ctx.store.listReleases({ reportId: report.id, recipient: 'JPN' })
    const verdict = await usa.ctx.store.transaction((tx) =>
      redecideInTx(usa.ctx, tx, relay!, usa.clock.ms),
    )
    assert.deepEqual(verdict.ok ? [] : verdict.reasons.map((r) => r.code), ['REPORT_WITHDRAWN'])

    const after = await disclosableReports(usa.ctx, asPartyId('JPN'), usa.clock.ms)
    assert.ok(!after.some((d) => d.report.id === report.id), 'and shows it to no one any more')
  })

  it('a withdrawal the hub signed itself (not the originator) is refused at JPN: ORIGINATOR_SIGNATURE_INVALID', async () => {
    const wire = JSON.parse(toJpn.envelope) as WithdrawalWire & Record<string, unknown>
    const { originatorSignature: _kept, ...facts } = wire.payload
    const forged = { ...wire, messageId: randomUUID() }
    forged.payload = { ...facts, originatorSignature: signWithdrawal(facts, usa.ctx.keys.signing) }
    assert.deepEqual(await forward(await signedAs(usa, JSON.stringify(forged)), jpn), {
      status: 'quarantined',
      codes: ['ORIGINATOR_SIGNATURE_INVALID'],
    })
    // Nor can the hub alter the reason under KOR's signature.
    const altered = { ...wire, messageId: randomUUID() }
    altered.payload = { ...wire.payload, reason: 'confirmed launch' }
    assert.deepEqual(await forward(await signedAs(usa, JSON.stringify(altered)), jpn), {
      status: 'quarantined',
      codes: ['ORIGINATOR_SIGNATURE_INVALID'],
    })
    assert.equal((await statusAt(jpn, report.id)).status, 'current', 'JPN’s copy stands')
    assert.deepEqual(await withdrawalEntries(jpn, report.id), [])
  })

  it('the genuine withdrawal, passed on by the hub, is accepted at JPN: withdrawn there, audited, and not passed further', async () => {
    assert.deepEqual(await forward(await signedAs(usa, toJpn.envelope), jpn), {
      status: 'accepted',
      codes: [],
    })
    const shown = await statusAt(jpn, report.id)
    assert.equal(shown.status, 'withdrawn')
    assert.equal(shown.withdrawal?.reason, REASON)
    const entries = await withdrawalEntries(jpn, report.id)
    assert.equal(entries.length, 1)
    assert.equal(entries[0]?.['receivedFrom'], 'USA')
    assert.deepEqual(entries[0]?.['sentTo'], [])
    const listed = (await jpn.call('GET', '/api/reports', 'operator')).json<
      { id: string; status: string }[]
    >()
    assert.equal(listed.find((r) => r.id === report.id)?.status, 'withdrawn')
  })

  it('the same withdrawal again (another message) is accepted and changes nothing', async () => {
    const wire = { ...(JSON.parse(toJpn.envelope) as object), messageId: randomUUID() }
    assert.deepEqual(await forward(await signedAs(usa, JSON.stringify(wire)), jpn), {
      status: 'accepted',
      codes: [],
    })
    assert.equal((await withdrawalEntries(jpn, report.id)).length, 1)
  })

  it('a withdrawal of a report not held here is quarantined harmlessly (UNKNOWN_REFERENCE)', async () => {
    const facts = { reportId: randomUUID(), originator: 'KOR', reason: REASON, atMs: kor.clock.ms }
    const wire = {
      ...(JSON.parse(toJpn.envelope) as object),
      messageId: randomUUID(),
      payload: { ...facts, originatorSignature: signWithdrawal(facts, kor.ctx.keys.signing) },
    }
    assert.deepEqual(await forward(await signedAs(usa, JSON.stringify(wire)), jpn), {
      status: 'quarantined',
      codes: ['UNKNOWN_REFERENCE'],
    })
    const health = await jpn.call('GET', '/api/health', null)
    assert.equal(health.statusCode, 200)
  })

  it('every node’s audit chain stays intact', async () => {
    for (const at of [kor, usa, jpn]) {
      const verified = await at.call('GET', '/api/audit/verify', 'auditor')
      assert.equal(verified.statusCode, 200, verified.body)
      assert.equal(verified.json<{ ok: boolean }>().ok, true, at.ctx.party)
    }
  })
})

describe('issue 12: a withdrawn report never leaves, even from the outbox', () => {
  let kor: Harness
  after(async () => kor.close())

  it(
    'given a report queued for JPN, when KOR withdraws it before it leaves, then the delivery attempt denies it (REPORT_WITHDRAWN) and only the withdrawal goes',
    { timeout: 30_000 },
    async () => {
      kor = await makeNode({ party: 'KOR', modes: { 'kor-jpn-gsomia': 'auto' } })
      const ingested = await kor.call(
        'POST',
        '/api/reports',
        'operator',
        reportInput('KOR', 'MIL-II'),
      )
      assert.equal(ingested.statusCode, 201, ingested.body)
      const { id } = ingested.json<{ report: ReportRow }>().report
      assert.equal((await queued(kor, 'JPN', 'report')).length, 1, 'released and queued at ingest')
      const withdrawn = await kor.call('POST', `/api/reports/${id}/withdraw`, 'operator', {
        reason: REASON,
      })
      assert.equal(withdrawn.statusCode, 200, withdrawn.body)
      assert.ok(withdrawn.json<{ sentTo: string[] }>().sentTo.includes('JPN'))

      const posted: string[] = []
      const worker = new DeliveryWorker(
        kor.ctx,
        scriptedLinks(kor.ctx, (peer, messages) => {
          for (const m of messages)
            posted.push(`${peer} ${(JSON.parse(m.envelope) as { kind: string }).kind}`)
          return Promise.reject(new LinkError('down'))
        }),
      )
      const denial = new Promise<AuditEntry>((resolve) => {
        const stop = kor.ctx.events.subscribe((entry) => {
          if (
            entry.type === 'decision' &&
            entry.party === 'JPN' &&
            entry.data['egress'] === 'delivery'
          ) {
            stop()
            resolve(entry)
          }
        })
      })
      worker.start()
      const entry = await denial
      await waitUntil(() => posted.includes('JPN withdrawal'))
      await worker.stop()
      assert.deepEqual(
        (entry.data['reasons'] as { code: string }[]).map((r) => r.code),
        ['REPORT_WITHDRAWN'],
      )
      assert.ok(!posted.includes('JPN report'), `the report never left: ${posted.join(', ')}`)
      const stuck = await kor.ctx.store.listOutbox({ recipient: 'JPN', withdrawn: true })
      assert.deepEqual(
        stuck.map((m) => m.kind),
        ['report'],
      )
    },
  )
})

/** Polls a condition the worker reaches on its own (its retries), with a deadline. */
async function waitUntil(test: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!test()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

describe('the withdrawal signature (entente-withdrawal+jws)', () => {
  const kor = generatePartyKeys('KOR')
  const facts = { reportId: 'r-1', originator: 'KOR', reason: REASON, atMs: 1_000 }
  const failure = (fn: () => unknown): string | undefined => {
    try {
      fn()
      return undefined
    } catch (error) {
      assert.ok(isOriginatorSignatureError(error), String(error))
      return error.failure
    }
  }

  it('verifies with the originator’s key over exactly the facts signed', () => {
    const jws = signWithdrawal(facts, kor.signing)
    assert.deepEqual(verifyWithdrawalSignature(jws, kor.signingPublic, facts), facts)
    assert.equal(
      failure(() => verifyWithdrawalSignature(jws, kor.signingPublic, { ...facts, atMs: 2_000 })),
      'CONTENT_DIFFERS',
    )
    assert.equal(
      failure(() => verifyWithdrawalSignature(jws, undefined, facts)),
      'UNKNOWN_ORIGINATOR_KEY',
    )
    assert.equal(
      failure(() => verifyWithdrawalSignature('', kor.signingPublic, facts)),
      'NO_SIGNATURE',
    )
  })

  it('a JWS of the originator of another type (its report signature) is not a withdrawal: BAD_SIGNATURE', () => {
    const report = {
      id: 'r-1',
      originator: 'KOR',
      level: 'MIL-II',
      topic: 'dprk-missile',
      releasableTo: null,
      payload: {},
    }
    const reportJws = signReport(report, kor.signing)
    assert.equal(
      failure(() => verifyWithdrawalSignature(reportJws, kor.signingPublic, facts)),
      'BAD_SIGNATURE',
    )
  })
})
