import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import Sqlite from 'better-sqlite3'
import { runExport } from '../../src/cli/export.ts'
import { collectionIdOf } from '../../src/node/app/taxii-views.ts'
import { DeliveryWorker } from '../../src/node/app/delivery.ts'
import { LinkError } from '../../src/node/link/peer-link.ts'
import { scriptedLinks } from '../helpers/scripted-link.ts'
import type { AuditEntry } from '../../src/node/store/store.ts'
import { type Harness, LAUNCH, makeNode, reportInput, wireReport } from '../helpers/node-harness.ts'

/**
 * Regression tests for the security review of c915e8b (shared/docs/reviews/security-review.md),
 * one per finding of the egress and ingress paths, named by its id. Each failed on c915e8b.
 */

const DEC_1 = Date.parse('2019-12-01T00:00:00Z')
const OCT_31 = Date.parse('2019-10-31T00:00:00Z')
const NOV_1 = Date.parse('2019-11-01T00:00:00Z')
const TAXII = 'application/taxii+json;version=2.1'

const open: Harness[] = []
async function node(options: Parameters<typeof makeNode>[0] = {}): Promise<Harness> {
  const h = await makeNode(options)
  open.push(h)
  return h
}
after(async () => {
  for (const h of open) await h.close()
})

async function ingest(h: Harness, level: string, extra: Record<string, unknown> = {}) {
  const response = await h.call(
    'POST',
    '/api/reports',
    'operator',
    reportInput('KOR', level, extra),
  )
  assert.equal(response.statusCode, 201, response.body)
  return response.json<{
    report: { id: string }
    releases: { id: string; recipient: string; state: string; agreement: string | null }[]
  }>()
}

const audit = (h: Harness, type: AuditEntry['type']) =>
  h.ctx.store.listAudit({ type, limit: 100_000 })
const reportMessagesTo = async (h: Harness, party: string) =>
  (await h.ctx.store.listOutbox({ recipient: party, withdrawn: false })).filter(
    (m) => m.kind === 'report',
  )

/** Posts as a peer and returns the receipt status and the quarantine codes it left. */
async function arrive(h: Harness, from: string, e: Parameters<Harness['sendAs']>[1]) {
  const response = await h.sendAs(from, e)
  assert.equal(response.statusCode, 200, `${response.statusCode} ${response.body}`)
  const { status } = response.json<{ status: string }>()
  const entries = await audit(h, 'quarantine')
  const last = entries.at(-1)
  const codes =
    status === 'quarantined'
      ? ((last?.data['reasons'] as { code: string }[] | undefined) ?? []).map((r) => r.code)
      : []
  return { status, codes }
}

const taxiiLaunches = async (h: Harness, party: string): Promise<string[]> => {
  const token = party === h.ctx.party ? h.tokens.operator : await h.partyToken(party)
  const response = await h.call(
    'GET',
    `/taxii2/api/collections/${collectionIdOf(h.ctx.party)}/objects/?match[type]=entente-launch`,
    null,
    undefined,
    { accept: TAXII, authorization: `Bearer ${token}` },
  )
  assert.equal(response.statusCode, 200, response.body)
  const objects = response.json<{ objects?: { type: string; report_id?: string }[] }>().objects
  return (objects ?? []).flatMap((o) => (o.report_id === undefined ? [] : [o.report_id]))
}

describe('decide at every egress (C1, H1)', () => {
  it('C1: an approval after the agreement ended is a denial with its reasons, and nothing leaves', async () => {
    const h = await node({ whatIfs: ['gsomia-lapsed'], modes: { 'kor-jpn-gsomia': 'manual' } })
    const { releases } = await ingest(h, 'MIL-II')
    const pending = releases.find((r) => r.recipient === 'JPN' && r.state === 'pending-approval')
    assert.ok(pending, JSON.stringify(releases))
    h.clock.ms = DEC_1
    const approved = await h.call('POST', `/api/releases/${pending.id}/approve`, 'release-officer')
    assert.equal(approved.statusCode, 200, approved.body)
    const row = approved.json<{ state: string; reasons: { code: string }[] }>()
    assert.equal(row.state, 'denied')
    assert.ok(
      row.reasons.some((r) => r.code === 'AGREEMENT_NOT_IN_FORCE'),
      approved.body,
    )
    assert.deepEqual(await reportMessagesTo(h, 'JPN'), [])
    const denial = (await audit(h, 'decision')).find((e) => e.data['egress'] === 'approval')
    assert.equal(denial?.data['decision'], 'denied')
  })

  it("C1: a request's answer after the agreement ended releases nothing, and says why", async () => {
    const h = await node({ whatIfs: ['gsomia-lapsed'] })
    const { releases } = await ingest(h, 'MIL-II')
    assert.ok(releases.some((r) => r.recipient === 'JPN' && r.state === 'held'))
    h.clock.ms = DEC_1
    const asked = await arrive(h, 'JPN', {
      kind: 'request',
      payload: {
        requestId: 'req-c1',
        topic: 'dprk-missile',
        windowFromMs: OCT_31,
        windowUntilMs: NOV_1,
      },
    })
    assert.equal(asked.status, 'accepted')
    assert.equal((await h.ctx.store.getRequest('req-c1'))?.status, 'answered')
    assert.deepEqual(await reportMessagesTo(h, 'JPN'), [])
    const denial = (await audit(h, 'decision')).find((e) => e.data['egress'] === 'answer')
    assert.ok(denial, 'a denial at the answer is on the record')
  })

  it('H1: a message that waited out an outage is decided again before it leaves, and withdrawn', async () => {
    const h = await node({ whatIfs: ['gsomia-lapsed'], modes: { 'kor-jpn-gsomia': 'auto' } })
    await ingest(h, 'MIL-II')
    assert.equal((await reportMessagesTo(h, 'JPN')).length, 1, 'released and queued at ingest')
    h.clock.ms = DEC_1 // the peer was down for a month; the GSOMIA has ended meanwhile
    const posted: string[] = []
    const worker = new DeliveryWorker(
      h.ctx,
      scriptedLinks(h.ctx, (peer) => {
        posted.push(peer)
        return Promise.reject(new LinkError('down'))
      }),
    )
    const withdrawn = new Promise<AuditEntry>((resolve) => {
      const stop = h.ctx.events.subscribe((entry) => {
        if (entry.type === 'decision' && entry.data['egress'] === 'delivery') {
          stop()
          resolve(entry)
        }
      })
    })
    worker.start()
    const entry = await withdrawn
    await worker.stop()
    assert.equal(entry.party, 'JPN')
    assert.ok(
      (entry.data['reasons'] as { code: string }[]).some(
        (r) => r.code === 'AGREEMENT_NOT_IN_FORCE',
      ),
    )
    assert.equal(posted.filter((p) => p === 'JPN').length, 0, 'never sent to JPN')
    assert.deepEqual(await reportMessagesTo(h, 'JPN'), [])
    assert.equal((await h.ctx.store.listOutbox({ recipient: 'JPN', withdrawn: true })).length, 1)
  })

  it('H1: a quarantined message leaves its sender, reasons and content hash, never its content', async () => {
    const h = await node()
    const secretText = 'the content a quarantine must not keep'
    const sent = await arrive(h, 'JPN', {
      kind: 'report',
      agreement: 'kor-jpn-gsomia',
      payload: {
        report: wireReport('JPN', 'GOKUHI', {
          releasableTo: ['USA'],
          payload: { ...LAUNCH, text: secretText },
        }),
        path: ['JPN', 'KOR'],
      },
    })
    assert.equal(sent.status, 'quarantined')
    assert.ok(sent.codes.includes('NOT_RELEASABLE_TO'), sent.codes.join())
    const quarantine = await h.call('GET', '/api/quarantine', 'operator')
    assert.ok(!quarantine.body.includes(secretText), 'no content in the quarantine')
    assert.ok(!quarantine.body.includes('125.89'), 'not even the site')
    const [row] = quarantine.json<{ sender: string; contentSha256: string }[]>()
    assert.equal(row?.sender, 'JPN')
    assert.match(row?.contentSha256 ?? '', /^[0-9a-f]{64}$/)
  })
})

describe('binding identities and content (C2, M8, M2)', () => {
  it("C2: at the hub, a member's report under a held id is quarantined (ID_CONFLICT), never relayed as the hub's own", async () => {
    const h = await node({ party: 'USA' })
    const own = await h.call(
      'POST',
      '/api/reports',
      'operator',
      reportInput('USA', 'SECRET', { releasableTo: ['JPN'] }),
    )
    assert.equal(own.statusCode, 201, own.body)
    const x = own.json<{ report: { id: string } }>().report.id
    const sent = await arrive(h, 'JPN', {
      kind: 'report',
      agreement: 'tisa',
      payload: { report: wireReport('JPN', 'GOKUHI', { id: x }), path: ['JPN', 'USA'] },
    })
    assert.deepEqual(sent, { status: 'quarantined', codes: ['ID_CONFLICT'] })
    assert.equal((await h.ctx.store.getReport(x))?.originator, 'USA')
    const toKor = await h.ctx.store.listReleases({ recipient: 'KOR', reportId: x })
    assert.ok(
      toKor.every((r) => r.state === 'denied'),
      'nothing of X may reach KOR',
    )
  })

  it('C2: a release seals only the report it decided: other content under its id is refused (REPORT_CHANGED)', async () => {
    const h = await node({ modes: { 'kor-jpn-gsomia': 'manual' } })
    const { report, releases } = await ingest(h, 'MIL-II')
    const pending = releases.find((r) => r.recipient === 'JPN' && r.state === 'pending-approval')
    assert.ok(pending)
    // Whoever holds the database rewrites the report after the decision.
    const db = new Sqlite(join(h.dir, 'entente.db'))
    db.prepare('UPDATE reports SET payload = ? WHERE id = ?').run(
      JSON.stringify({ ...LAUNCH, text: 'not what was decided' }),
      report.id,
    )
    db.close()
    const approved = await h.call('POST', `/api/releases/${pending.id}/approve`, 'release-officer')
    const row = approved.json<{ state: string; reasons: { code: string }[] }>()
    assert.equal(row.state, 'denied', approved.body)
    assert.deepEqual(
      row.reasons.map((r) => r.code),
      ['REPORT_CHANGED'],
    )
    assert.deepEqual(await reportMessagesTo(h, 'JPN'), [])
  })

  it('M8: a peer cannot squat an id held here; own ingest of an id held from another originator is a 409', async () => {
    const h = await node()
    const { report } = await ingest(h, 'MIL-II')
    const sent = await arrive(h, 'JPN', {
      kind: 'report',
      agreement: 'kor-jpn-gsomia',
      payload: { report: wireReport('JPN', 'GOKUHI', { id: report.id }), path: ['JPN', 'KOR'] },
    })
    assert.deepEqual(sent, { status: 'quarantined', codes: ['ID_CONFLICT'] })
    const peerId = crypto.randomUUID()
    const first = await arrive(h, 'JPN', {
      kind: 'report',
      agreement: 'kor-jpn-gsomia',
      payload: { report: wireReport('JPN', 'GOKUHI', { id: peerId }), path: ['JPN', 'KOR'] },
    })
    assert.equal(first.status, 'accepted')
    const squat = await h.call(
      'POST',
      '/api/reports',
      'operator',
      reportInput('KOR', 'MIL-II', { id: peerId }),
    )
    assert.equal(squat.statusCode, 409, squat.body)
    assert.equal((await h.ctx.store.getReport(peerId))?.originator, 'JPN')
  })

  it("M2: the level in our scheme comes from our registry, not from the sender's claim", async () => {
    const h = await node()
    const id = crypto.randomUUID()
    const sent = await arrive(h, 'JPN', {
      kind: 'report',
      agreement: 'kor-jpn-gsomia',
      payload: {
        report: wireReport('JPN', 'GOKUHI', { id }),
        path: ['JPN', 'KOR'],
        levelAtRecipient: 'PUBLIC',
      },
    })
    assert.equal(sent.status, 'accepted')
    assert.equal((await h.ctx.store.getReport(id))?.localLevel, 'MIL-II', 'the GSOMIA maps GOKUHI')
  })
})

describe('disclosures on the record, officer mode kept (H2, H3)', () => {
  it('H2: a TAXII read and export --party are disclosures in the account, each recorded once', async () => {
    const h = await node({ modes: { 'kor-jpn-gsomia': 'auto' } })
    const { report } = await ingest(h, 'MIL-II')
    assert.deepEqual(await taxiiLaunches(h, 'JPN'), [report.id])
    assert.deepEqual(await taxiiLaunches(h, 'JPN'), [report.id])
    writeFileSync(join(h.dir, 'config.json'), JSON.stringify(h.config))
    // The CLI reads the real clock (the config has no exercise clock): the account spans both.
    await runExport({ dir: h.dir, format: 'stix', party: 'JPN' })
    const disclosures = await audit(h, 'disclosure')
    assert.deepEqual(
      disclosures.map((e) => [e.party, e.subject, e.data['path']]),
      [
        ['JPN', report.id, 'taxii'],
        ['JPN', report.id, 'export'],
      ],
    )
    const account = await h.call(
      'GET',
      `/api/audit/account?party=JPN&from=2019-10-01T00:00:00Z&to=2100-01-01T00:00:00Z`,
      'auditor',
    )
    assert.equal(account.statusCode, 200, account.body)
    assert.ok(
      account
        .json<{ findings: string[] }>()
        .findings.includes('2 reports were disclosed to JPN by another path (export, taxii)'),
      account.body,
    )
  })

  it("H2: a TAXII page of a report's other objects (its site) is a disclosure of the report too", async () => {
    const h = await node({ modes: { 'kor-jpn-gsomia': 'auto' } })
    const { report } = await ingest(h, 'MIL-II')
    const token = await h.partyToken('JPN')
    const response = await h.call(
      'GET',
      `/taxii2/api/collections/${collectionIdOf('KOR')}/objects/?match[type]=location`,
      null,
      undefined,
      { accept: TAXII, authorization: `Bearer ${token}` },
    )
    assert.equal(response.statusCode, 200, response.body)
    assert.ok((response.json<{ objects?: unknown[] }>().objects ?? []).length > 0)
    const disclosures = await audit(h, 'disclosure')
    assert.deepEqual(
      disclosures.map((e) => [e.party, e.subject, e.data['path']]),
      [['JPN', report.id, 'taxii']],
    )
  })

  it('H3: under answerRequests officer, neither an open request nor a TAXII read releases anything until an officer answers', async () => {
    const h = await node({ answerRequests: 'officer' })
    const asked = await arrive(h, 'JPN', {
      kind: 'request',
      payload: {
        requestId: 'req-h3',
        topic: 'dprk-missile',
        windowFromMs: OCT_31,
        windowUntilMs: NOV_1,
      },
    })
    assert.equal(asked.status, 'accepted')
    const { report, releases } = await ingest(h, 'MIL-II')
    assert.equal(releases.find((r) => r.recipient === 'JPN')?.state, 'held')
    assert.deepEqual(await taxiiLaunches(h, 'JPN'), [], 'a TAXII read is not an answer')
    assert.deepEqual(await reportMessagesTo(h, 'JPN'), [])
    const answer = await h.call('POST', '/api/requests/req-h3/answer', 'release-officer', {
      release: true,
    })
    assert.equal(answer.statusCode, 200, answer.body)
    assert.equal((await reportMessagesTo(h, 'JPN')).length, 1)
    assert.deepEqual(await taxiiLaunches(h, 'JPN'), [report.id], 'shown once answered')
  })

  it('L8, H3: request windows are bounded: an unbounded peer request is quarantined, an own one is a 400', async () => {
    const h = await node({ answerRequests: 'officer' })
    const unbounded = await arrive(h, 'JPN', {
      kind: 'request',
      payload: {
        requestId: 'req-forever',
        topic: 'dprk-missile',
        windowFromMs: 0,
        windowUntilMs: Date.parse('2100-01-01T00:00:00Z'),
      },
    })
    assert.deepEqual(unbounded, { status: 'quarantined', codes: ['WINDOW_INVALID'] })
    for (const [from, until] of [
      ['2019-10-31T00:00:00Z', '2020-10-31T00:00:00Z'],
      ['2019-11-01T00:00:00Z', '2019-10-31T00:00:00Z'],
    ]) {
      const own = await h.call('POST', '/api/requests', 'operator', {
        to: 'JPN',
        topic: 'dprk-missile',
        from,
        until,
      })
      assert.equal(own.statusCode, 400, own.body)
      assert.match(own.json<{ detail: string }>().detail, /until/)
    }
  })
})

describe('what a peer sends is validated and owned (H5, M1, M5, L8)', () => {
  const bad: [string, string, unknown][] = [
    ['path is a number', 'PAYLOAD_INVALID', { report: wireReport('JPN', 'GOKUHI'), path: 123 }],
    [
      'apogee of 10^12 km',
      'PAYLOAD_INVALID',
      {
        report: wireReport('JPN', 'GOKUHI', { payload: { ...LAUNCH, apogeeKm: 1e12 } }),
        path: ['JPN', 'KOR'],
      },
    ],
    [
      'a count of -5',
      'PAYLOAD_INVALID',
      {
        report: wireReport('JPN', 'GOKUHI', { payload: { ...LAUNCH, count: -5 } }),
        path: ['JPN', 'KOR'],
      },
    ],
    [
      'a latitude of 999',
      'PAYLOAD_INVALID',
      {
        report: wireReport('JPN', 'GOKUHI', { payload: { ...LAUNCH, site: { lat: 999, lon: 1 } } }),
        path: ['JPN', 'KOR'],
      },
    ],
    ['the payload is an array', 'PAYLOAD_INVALID', [1, 2, 3]],
    [
      'an id of markup',
      'PAYLOAD_INVALID',
      {
        report: wireReport('JPN', 'GOKUHI', { id: '"/></event><event uid="FAKE' }),
        path: ['JPN', 'KOR'],
      },
    ],
    [
      'an originator the registry does not know',
      'UNKNOWN_REFERENCE',
      { report: wireReport('XYZ', 'GOKUHI'), path: ['XYZ', 'JPN', 'KOR'] },
    ],
  ]
  for (const [what, code, payload] of bad) {
    it(`H5: a signed report whose ${what} is quarantined (${code}), and the collection still answers`, async () => {
      const h = await node()
      const sent = await arrive(h, 'JPN', { kind: 'report', agreement: 'kor-jpn-gsomia', payload })
      assert.equal(sent.status, 'quarantined')
      assert.ok(sent.codes.includes(code), sent.codes.join())
      assert.deepEqual(await taxiiLaunches(h, 'KOR'), [])
      assert.deepEqual(await h.ctx.store.listReports({}), [])
    })
  }

  it('H5: a consent whose fromMs is a string, an unknown kind and another version are receipted as quarantined, not a 500', async () => {
    const h = await node()
    const consent = await arrive(h, 'USA', {
      kind: 'consent',
      payload: {
        action: 'grant',
        consentId: 'c-1',
        recipient: 'JPN',
        reportId: null,
        topic: 'dprk-missile',
        fromMs: 'yesterday',
        untilMs: null,
      },
    })
    assert.deepEqual(consent, { status: 'quarantined', codes: ['PAYLOAD_INVALID'] })
    const kind = await arrive(h, 'USA', { kind: 'teleport', payload: {} })
    assert.deepEqual(kind, { status: 'quarantined', codes: ['UNKNOWN_KIND'] })
    const version = await arrive(h, 'USA', { v: 2, kind: 'request', payload: {} })
    assert.deepEqual(version, { status: 'quarantined', codes: ['PROTOCOL_VERSION'] })
  })

  it("M1: a peer cannot revoke another's consent, answer a request it was not asked, or write the audit's own fields", async () => {
    const h = await node()
    const grant = {
      action: 'grant',
      consentId: 'consent-usa',
      recipient: 'JPN',
      reportId: null,
      topic: 'dprk-missile',
      fromMs: OCT_31,
      untilMs: null,
    }
    assert.equal((await arrive(h, 'USA', { kind: 'consent', payload: grant })).status, 'accepted')
    const revoked = await arrive(h, 'JPN', {
      kind: 'consent',
      payload: { action: 'revoke', consentId: 'consent-usa', atMs: 0 },
    })
    assert.deepEqual(revoked, { status: 'quarantined', codes: ['NOT_OWNER'] })
    assert.equal((await h.ctx.store.getConsent('consent-usa'))?.revokedAtMs, null)

    const request = await h.call('POST', '/api/requests', 'operator', {
      to: 'USA',
      topic: 'dprk-missile',
      from: '2019-10-31T00:00:00Z',
      until: '2019-11-01T00:00:00Z',
    })
    assert.equal(request.statusCode, 201, request.body)
    const requestId = request.json<{ id: string }>().id
    const answered = await arrive(h, 'JPN', {
      kind: 'answer',
      payload: { requestId, refused: true, released: [], officer: null },
    })
    assert.deepEqual(answered, { status: 'quarantined', codes: ['NOT_OWNER'] })
    assert.equal((await h.ctx.store.getRequest(requestId))?.status, 'open')

    const spread = await arrive(h, 'USA', {
      kind: 'consent',
      payload: { ...grant, consentId: 'consent-2', direction: 'outgoing' },
    })
    assert.deepEqual(spread, { status: 'quarantined', codes: ['PAYLOAD_INVALID'] })
    const entry = (await audit(h, 'consent')).find((e) => e.subject === 'consent-usa')
    assert.equal(entry?.data['direction'], 'incoming')

    // A backdated revocation by the originator takes effect at receipt, not at its claim.
    h.clock.ms = NOV_1
    const own = await arrive(h, 'USA', {
      kind: 'consent',
      payload: { action: 'revoke', consentId: 'consent-usa', atMs: 0 },
    })
    assert.equal(own.status, 'accepted')
    assert.ok(((await h.ctx.store.getConsent('consent-usa'))?.revokedAtMs ?? 0) >= NOV_1)
  })

  it("M5: an onward release under the originator's consent is accepted once the originator told us of it", async () => {
    const h = await node()
    const onward = () =>
      arrive(h, 'JPN', {
        kind: 'report',
        agreement: 'kor-jpn-gsomia',
        payload: { report: wireReport('USA', 'SECRET'), path: ['USA', 'JPN', 'KOR'] },
      })
    const before = await onward()
    assert.equal(before.status, 'quarantined')
    assert.ok(before.codes.includes('NO_ORIGINATOR_CONSENT'), before.codes.join())
    const told = await arrive(h, 'USA', {
      kind: 'consent',
      payload: {
        action: 'grant',
        consentId: 'usa-lets-jpn-tell-kor',
        holder: 'JPN',
        recipient: 'KOR',
        reportId: null,
        topic: 'dprk-missile',
        fromMs: OCT_31,
        untilMs: null,
      },
    })
    assert.equal(told.status, 'accepted')
    const afterConsent = await onward()
    assert.deepEqual(afterConsent, { status: 'accepted', codes: [] })
    const held = (await h.ctx.store.listReports({})).find((r) => r.originator === 'USA')
    assert.equal(held?.localLevel, 'MIL-II', 'SECRET → GOKUHI (JPN–USA) → MIL-II (GSOMIA)')
  })

  it('L7: a public-level report with a releasability list is refused (R0 would ignore it), from an analyst or a peer', async () => {
    const h = await node()
    const own = await h.call(
      'POST',
      '/api/reports',
      'operator',
      reportInput('KOR', 'PUBLIC', { releasableTo: [] }),
    )
    assert.equal(own.statusCode, 400, own.body)
    assert.match(own.json<{ detail: string }>().detail, /^releasableTo/)
    const sent = await arrive(h, 'JPN', {
      kind: 'report',
      agreement: null,
      payload: {
        report: wireReport('USA', 'UNCLASSIFIED', { releasableTo: [] }),
        path: ['USA', 'JPN', 'KOR'],
      },
    })
    assert.equal(sent.status, 'quarantined')
    assert.ok(sent.codes.includes('PAYLOAD_INVALID'), sent.codes.join())
  })

  it('L8: a consent names a party of the registry and a report held here; a bidi control in text is refused', async () => {
    const h = await node()
    const unknown = await h.call('POST', '/api/consents', 'release-officer', {
      holder: 'USA',
      recipient: 'NOBODY',
      topic: 'dprk-missile',
    })
    assert.equal(unknown.statusCode, 400, unknown.body)
    assert.match(unknown.json<{ detail: string }>().detail, /^recipient/)
    const missing = await h.call('POST', '/api/consents', 'release-officer', {
      holder: 'USA',
      recipient: 'JPN',
      reportId: 'not-held',
    })
    assert.equal(missing.statusCode, 400, missing.body)
    const bidi = await h.call(
      'POST',
      '/api/reports',
      'operator',
      reportInput('KOR', 'MIL-II', { launch: { ...LAUNCH, text: 'abc\u202Edcb' } }),
    )
    assert.equal(bidi.statusCode, 400, bidi.body)
  })
})
