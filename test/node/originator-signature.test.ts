import assert from 'node:assert/strict'
import { createPublicKey, type KeyObject, randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import canonicalizeModule from 'canonicalize'
import { CompactSign, compactVerify, decodeProtectedHeader } from 'jose'
import { sealEnvelope } from '../../src/node/crypto/envelope.ts'
import { generatePartyKeys, publicJwks } from '../../src/node/crypto/keys.ts'
import {
  isOriginatorSignatureError,
  signReport,
  verifyReportSignature,
} from '../../src/node/crypto/originator-signature.ts'
import { releaseOnward } from '../../src/node/app/releases.ts'
import { koreanLaunchReport } from '../helpers/reports.ts'
import { reportToStixBundle } from '../../src/interop/stix.ts'
import { collectionIdOf } from '../../src/node/app/taxii-views.ts'
import type { OutboxRow, ReportRow } from '../../src/node/store/store.ts'
import { PROTOCOL_VERSION, wireReportSchema } from '../../src/protocol/messages.ts'
import {
  forward,
  makeHubChain,
  peerEntry,
  postToInbox as post,
  signedAs,
  signingJwk,
} from '../helpers/hub-chain.ts'
import { type Harness, LAUNCH, makeNode, reportInput } from '../helpers/node-harness.ts'

const canonicalize = canonicalizeModule as unknown as (input: unknown) => string

/**
 * H4 (issue 11 item 5): the originator signs its report once; every hop forwards the signature
 * unchanged; the final recipient verifies it with the ORIGINATOR's key. Three in-process nodes
 * on the reference registry without the Korea–Japan GSOMIA, so that KOR's report reaches JPN
 * only through the TISA's hub, USA. Each hop's envelope is the node's own bytes: the test
 * only moves the signed JWS from one node's outbox into the next node's inbox.
 */

const WHAT_IFS = ['no-gsomia']
const TAXII = 'application/taxii+json;version=2.1'

type Wire = {
  kind: string
  agreement: string | null
  payload: {
    report: Record<string, unknown> & { payload: Record<string, unknown> }
    originatorSignature?: string
    path: string[]
    heldLevel?: string | null
    levelAtRecipient?: string | null
  }
}

/**
 * The envelope a node queued (the outbox holds it unsealed), signed with that node's key as
 * its link does when it leaves: the node's own bytes, its own signature.
 */
async function openQueued(row: OutboxRow, from: Harness): Promise<{ jws: string; wire: Wire }> {
  return { jws: await signedAs(from, row.envelope), wire: JSON.parse(row.envelope) as Wire }
}

/** The reasons of the last quarantined message, as the quarantine API lists them. */
async function lastQuarantine(at: Harness): Promise<{ code: string; message: string }[]> {
  const rows = (await at.call('GET', '/api/quarantine', 'operator')).json<
    { reasons: { code: string; message: string }[] }[]
  >()
  return rows.at(-1)?.reasons ?? []
}

describe('H4: the originator’s signature travels end to end (KOR → USA hub → JPN)', () => {
  let kor: Harness
  let usa: Harness
  let jpn: Harness
  let report: ReportRow
  /** What USA queued for JPN: its own signed JWS and the message inside. */
  let relayed: { jws: string; wire: Wire }

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
  })
  after(async () => {
    await Promise.all([kor, usa, jpn].map((h) => h.close()))
  })

  it('a report ingested at KOR carries a JWS that verifies with KOR’s public JWK, over the canonical report', async () => {
    const held = await kor.ctx.store.getReport(report.id)
    const jws = held?.originatorSignature
    assert.ok(typeof jws === 'string', 'stored with its signature')
    const key = createPublicKey({ key: signingJwk(kor.ctx.keys), format: 'jwk' })
    const { payload, protectedHeader } = await compactVerify(jws, key, { algorithms: ['EdDSA'] })
    assert.deepEqual(protectedHeader, { alg: 'EdDSA', typ: 'entente-report+jws', kid: 'KOR-sig' })
    const { id, originator, level, topic, releasableTo, payload: launch } = report
    assert.equal(
      new TextDecoder().decode(payload),
      canonicalize({ id, originator, level, topic, releasableTo, payload: launch }),
      'the payload is the RFC 8785 JSON of the report as it travels',
    )
    // Not the sender's key: the JWS is KOR's own, whoever carries it.
    await assert.rejects(compactVerify(jws, usa.ctx.keys.signingPublic))
  })

  it('the hub accepts it, and relays it to JPN with KOR’s signature unchanged', async () => {
    const toUsa = await kor.ctx.store.listOutbox({ recipient: 'USA' })
    assert.equal(toUsa.length, 1, 'one release leaves KOR: the TISA (kor-usa waits for an officer)')
    const sent = await openQueued(toUsa[0]!, kor)
    assert.equal(sent.wire.payload.originatorSignature, report.originatorSignature)
    assert.deepEqual(await forward(sent.jws, usa), { status: 'accepted', codes: [] })

    const toJpn = await usa.ctx.store.listOutbox({ recipient: 'JPN' })
    assert.equal(toJpn.length, 1, 'the hub relays it under the TISA')
    relayed = await openQueued(toJpn[0]!, usa)
    assert.equal(relayed.wire.agreement, 'tisa')
    assert.deepEqual(relayed.wire.payload.path, ['KOR', 'USA', 'JPN'])
    assert.equal(relayed.wire.payload.originatorSignature, report.originatorSignature)
    assert.equal(decodeProtectedHeader(relayed.jws).kid, 'USA-sig', "the hub's relay statement")
  })

  it('JPN accepts the relayed report, holding the signature that verifies as KOR’s', async () => {
    // The hub relays after its handling time (the TISA's relay_delay_s): JPN's clock is there.
    jpn.clock.ms += 600_000
    assert.deepEqual(await forward(relayed.jws, jpn), { status: 'accepted', codes: [] })
    const held = await jpn.ctx.store.getReport(report.id)
    assert.equal(held?.receivedFrom, 'USA')
    assert.equal(held?.originatorSignature, report.originatorSignature)
    const { payload } = await compactVerify(held.originatorSignature!, kor.ctx.keys.signingPublic)
    const signed = JSON.parse(new TextDecoder().decode(payload)) as { id: string }
    assert.equal(signed.id, report.id)
  })

  it('anyone can check: GET /api/reports/{id} returns originatorSignature (null when none), 404 when not held', async () => {
    for (const at of [kor, jpn]) {
      const response = await at.call('GET', `/api/reports/${report.id}`, 'auditor')
      assert.equal(response.statusCode, 200, response.body)
      const body = response.json<{ originatorSignature: string | null; marking: object }>()
      assert.equal(body.originatorSignature, report.originatorSignature, at.ctx.party)
      assert.ok(body.marking, 'with its marking, as the list shows it')
    }
    const missing = await jpn.call('GET', `/api/reports/${randomUUID()}`, 'auditor')
    assert.equal(missing.statusCode, 404, missing.body)
    const listed = (await jpn.call('GET', '/api/reports', 'operator')).json<ReportRow[]>()
    assert.equal(
      listed.find((r) => r.id === report.id)?.originatorSignature,
      report.originatorSignature,
    )
  })

  /** A message the hub makes up, sealed with the hub's real key to JPN's real key. */
  async function fromHub(payload: Wire['payload']): Promise<{ status: string; codes: string[] }> {
    const jwe = sealEnvelope(
      {
        v: PROTOCOL_VERSION,
        messageId: randomUUID(),
        sender: 'USA',
        recipient: 'JPN',
        agreement: 'tisa',
        instantMs: jpn.clock.ms,
        kind: 'report',
        payload,
      },
      usa.ctx.keys.signing,
      jpn.ctx.keys.encryptionPublic,
    )
    return post(jpn, jwe)
  }

  const QUARANTINED = { status: 'quarantined', codes: ['ORIGINATOR_SIGNATURE_INVALID'] }

  it('a hub that alters the launch or the level but keeps the signature is quarantined at JPN', async () => {
    const base = relayed.wire.payload
    const otherId = randomUUID()
    const altered = [
      { ...base.report, id: otherId },
      { ...base.report, payload: { ...base.report.payload, apogeeKm: 900 } },
      { ...base.report, level: 'MIL-III' },
    ]
    for (const changed of altered) {
      assert.deepEqual(await fromHub({ ...base, report: changed }), QUARANTINED)
      const [reason] = await lastQuarantine(jpn)
      assert.equal(
        reason?.message,
        'payload.originatorSignature: the report differs from what its originator signed (KOR)',
      )
    }
    assert.equal(await jpn.ctx.store.getReport(otherId), undefined, 'nothing stored')
  })

  it('a hub that invents a report in KOR’s name — signed with its own key, or unsigned — is quarantined at JPN', async () => {
    const invented = { ...relayed.wire.payload.report, id: randomUUID() }
    const hubSigned = signReport(wireReportSchema.parse(invented), usa.ctx.keys.signing)
    const cases = [
      [hubSigned, "the originator signature does not verify with the originator's key (KOR)"],
      ['not.a.jws', "the originator signature does not verify with the originator's key (KOR)"],
      [undefined, 'the report carries no originator signature (KOR)'],
    ] as const
    const { originatorSignature: _kors, ...unsigned } = relayed.wire.payload
    for (const [signature, why] of cases) {
      const payload = { ...unsigned, report: invented }
      const sent = await fromHub(
        signature === undefined ? payload : { ...payload, originatorSignature: signature },
      )
      assert.deepEqual(sent, QUARANTINED)
      const reasons = await lastQuarantine(jpn)
      assert.deepEqual(
        reasons.map((r) => r.message),
        [`payload.originatorSignature: ${why}`],
      )
      assert.ok(!JSON.stringify(reasons).includes('125.89'), "the sender's content is not echoed")
    }
    assert.equal(await jpn.ctx.store.getReport(invented.id as string), undefined)
  })

  it('an own report held from before migration 4 (no signature stored) is signed when it is released', async () => {
    const old: ReportRow = {
      ...koreanLaunchReport({ id: randomUUID(), releasableTo: null, payload: LAUNCH }),
      originatorSignature: null,
    }
    await kor.ctx.store.insertReport(old)
    const releases = await releaseOnward(kor.ctx, old.id, 'USA')
    const release = releases.find((r) => r.state === 'released')
    assert.ok(release, JSON.stringify(releases))
    const queued = (await kor.ctx.store.listOutbox({ recipient: 'USA' })).find(
      (m) => m.subjectId === release.id,
    )
    assert.ok(queued, 'queued for USA')
    const { wire } = await openQueued(queued, kor)
    const carried = wireReportSchema.parse(wire.payload.report)
    const signed = verifyReportSignature(
      wire.payload.originatorSignature,
      kor.ctx.keys.signingPublic,
      carried,
    )
    assert.equal(signed.id, old.id)
  })

  it('a report a partner added at the hub over TAXII has no originator signature: relayed on, it is quarantined', async () => {
    const fromJapan = koreanLaunchReport({
      id: randomUUID(),
      originator: 'JPN',
      level: 'GOKUHI',
      localLevel: 'GOKUHI',
      releasableTo: null,
      path: ['JPN'],
    })
    const token = await usa.partyToken('JPN')
    const added = await usa.call(
      'POST',
      `/taxii2/api/collections/${collectionIdOf('USA')}/objects/`,
      null,
      JSON.stringify({ objects: reportToStixBundle(fromJapan).objects }),
      { accept: TAXII, 'content-type': TAXII, authorization: `Bearer ${token}` },
    )
    assert.equal(added.statusCode, 202, added.body)
    assert.equal((await usa.ctx.store.getReport(fromJapan.id))?.originatorSignature, null)
    const toKor = (await usa.ctx.store.listOutbox({ recipient: 'KOR' })).at(-1)
    assert.ok(toKor, 'the hub still relays it to KOR')
    const { wire } = await openQueued(toKor, usa)
    assert.equal(wire.payload.report['id'], fromJapan.id)
    assert.equal('originatorSignature' in wire.payload, false, 'it carries none')
    // At KOR (its pinned USA key is the harness's): the same message, as USA sends it.
    kor.clock.ms += 600_000
    const sent = await kor.sendAs('USA', {
      agreement: wire.agreement,
      kind: 'report',
      payload: { ...wire.payload, originatorSignature: undefined },
    })
    assert.equal(sent.json<{ status: string }>().status, 'quarantined')
    assert.deepEqual(
      (await lastQuarantine(kor)).map((r) => r.message),
      ['payload.originatorSignature: the report carries no originator signature (JPN)'],
    )
  })

  it('a JPN node holding no key of KOR quarantines KOR’s relayed report, naming the missing key', async () => {
    const blind = await makeNode({
      party: 'JPN',
      whatIfs: WHAT_IFS,
      config: { peers: { USA: peerEntry(usa.ctx.keys) } },
    })
    try {
      assert.deepEqual(await forward(relayed.jws, blind), QUARANTINED)
      assert.deepEqual(
        (await lastQuarantine(blind)).map((r) => r.message),
        ['payload.originatorSignature: no signing key of the originator is held here (KOR)'],
      )
    } finally {
      await blind.close()
    }
  })
})

describe('config `originators`: the signing keys of parties that are not peers', () => {
  const korKeys = generatePartyKeys('KOR')
  const usaPeer = { USA: peerEntry(generatePartyKeys('USA')) }
  const cases: [string, Record<string, unknown>, Record<string, unknown>, RegExp][] = [
    [
      'an X25519 key',
      usaPeer,
      { KOR: publicJwks(korKeys).keys[1] },
      /originators\.KOR: not an Ed25519 public JWK/,
    ],
    [
      'a private key',
      usaPeer,
      { KOR: korKeys.signing.export({ format: 'jwk' }) },
      /originators\.KOR: a private key/,
    ],
    [
      'a peer',
      { ...usaPeer, KOR: peerEntry(korKeys) },
      { KOR: signingJwk(korKeys) },
      /originators\.KOR: a peer/,
    ],
    [
      'no party of the registry',
      usaPeer,
      { GBR: signingJwk(korKeys) },
      /originators\.GBR: not a party/,
    ],
  ]
  for (const [what, peers, originators, message] of cases)
    it(`refuses ${what} (CONFIG_INVALID, naming the entry)`, async () => {
      await assert.rejects(makeNode({ party: 'JPN', config: { peers, originators } }), {
        code: 'CONFIG_INVALID',
        message,
      })
    })
})

describe('verifyReportSignature: alg, typ, key and canonical bytes', () => {
  const keys = generatePartyKeys('KOR')
  const report = wireReportSchema.parse({
    id: randomUUID(),
    originator: 'KOR',
    level: 'MIL-II',
    topic: 'dprk-missile',
    releasableTo: ['JPN'],
    payload: LAUNCH,
  })
  const signAs = (payload: string, typ: string) =>
    new CompactSign(new TextEncoder().encode(payload))
      .setProtectedHeader({ alg: 'EdDSA', typ, kid: 'KOR-sig' })
      .sign(keys.signing)
  const failureOf = (jws: string | undefined, key: KeyObject | undefined): string => {
    try {
      verifyReportSignature(jws, key, report)
      return 'verified'
    } catch (error) {
      assert.ok(isOriginatorSignatureError(error), String(error))
      return error.failure
    }
  }

  it('verifies its own signature and returns the report as signed', () => {
    const jws = signReport(report, keys.signing)
    const { createdAtMs: _unsigned, ...signed } = report
    assert.deepEqual(verifyReportSignature(jws, keys.signingPublic, report), signed)
  })

  it('refuses another typ, another key, non-canonical bytes and a missing key or signature', async () => {
    const canonical = canonicalize(report)
    const cases: [string, string][] = [
      [
        'typ of a receipt',
        failureOf(await signAs(canonical, 'entente-receipt+jws'), keys.signingPublic),
      ],
      [
        'another party’s key',
        failureOf(signReport(report, keys.signing), generatePartyKeys().signingPublic),
      ],
      [
        'the same JSON, not canonical',
        failureOf(
          await signAs(JSON.stringify(report, null, 1), 'entente-report+jws'),
          keys.signingPublic,
        ),
      ],
      ['no key held', failureOf(signReport(report, keys.signing), undefined)],
      ['no signature', failureOf(undefined, keys.signingPublic)],
    ]
    assert.deepEqual(cases, [
      ['typ of a receipt', 'BAD_SIGNATURE'],
      ['another party’s key', 'BAD_SIGNATURE'],
      ['the same JSON, not canonical', 'CONTENT_DIFFERS'],
      ['no key held', 'UNKNOWN_ORIGINATOR_KEY'],
      ['no signature', 'NO_SIGNATURE'],
    ])
  })
})
