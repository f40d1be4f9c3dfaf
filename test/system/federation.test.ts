import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import { generatePartyKeys, importPeerKeys, readPartyKeys } from '../../src/node/crypto/keys.ts'
import { type Envelope, sealEnvelope } from '../../src/node/crypto/envelope.ts'
import { publicKeysOf } from '../../src/cli/local-network.ts'
import { ROOT } from '../helpers/cli.ts'
import {
  api,
  launchReport,
  setUpNetwork,
  startProcess,
  stopProcess,
  tearDown,
  type TestNode,
  type TestParty,
  waitFor,
} from '../helpers/nodes.ts'

interface Report {
  id: string
  originator: string
  localLevel: string
  receivedFrom: string | null
  agreement: string | null
  path: string[]
}
interface Release {
  id: string
  recipient: string
  agreement: string | null
  state: string
  reasons: { code: string; message: string }[]
}

const reportsOf = async (node: TestNode) => (await api<Report[]>(node, 'GET', '/api/reports')).body

async function ingest(
  node: TestNode,
  level: string,
  text?: string,
): Promise<{ report: Report; releases: Release[] }> {
  const response = await api<{ report: Report; releases: Release[] }>(
    node,
    'POST',
    '/api/reports',
    launchReport(node.party, level, text),
    node.tokens.operator,
  )
  assert.equal(response.status, 201, JSON.stringify(response.body))
  return response.body
}

function outboxEnvelopes(
  node: TestNode,
  recipient: string,
): { messageId: string; envelope: string; receipt: string | null }[] {
  const db = new Database(join(node.dir, 'entente.db'), { readonly: true })
  try {
    return db
      .prepare(
        'SELECT message_id AS messageId, envelope, receipt FROM outbox WHERE recipient = ? ORDER BY created_at_ms',
      )
      .all(recipient) as { messageId: string; envelope: string; receipt: string | null }[]
  } finally {
    db.close()
  }
}

async function postEnvelope(
  node: TestNode,
  jwe: string,
): Promise<{
  status: number
  body: { receipt?: string; duplicate?: boolean; status?: string; title?: string }
}> {
  const response = await fetch(`${node.url}/federation/inbox`, {
    method: 'POST',
    headers: { 'content-type': 'application/jose' },
    body: jwe,
  })
  return {
    status: response.status,
    body: (await response.json()) as { receipt?: string; duplicate?: boolean; status?: string },
  }
}

describe('three nodes, the reference registry (GSOMIA on request at KOR, automatic at JPN; TISA automatic)', () => {
  let net: Record<TestParty, TestNode>
  before(async () => {
    net = await setUpNetwork({
      KOR: { modes: { tisa: 'auto' } },
      JPN: { modes: { 'kor-jpn-gsomia': 'auto', tisa: 'auto', 'jpn-usa-gsomia': 'manual' } },
      USA: { modes: { tisa: 'auto' } },
    })
  })
  after(async () => tearDown(net))

  it('direct delivery under the GSOMIA: JPN → KOR, marked in KOR scheme, with provenance', async () => {
    const { report, releases } = await ingest(net.JPN, 'GOKUHI', 'direct')
    const toKor = releases.find((r) => r.recipient === 'KOR' && r.agreement === 'kor-jpn-gsomia')
    assert.equal(toKor?.state, 'released')
    // The same report may reach KOR first through the TISA hub: the direct arrival is the one
    // in KOR's audit from JPN under the GSOMIA, whichever came first (a second copy is audited
    // as it arrives, without a path: it is not stored again).
    await waitFor(
      'KOR audits the direct arrival',
      async () =>
        (
          await api<{ data: { agreement: string; reportId: string } }[]>(
            net.KOR,
            'GET',
            '/api/audit?type=arrival&party=JPN',
            undefined,
            net.KOR.tokens.auditor,
          )
        ).body,
      (list) =>
        list.some((e) => e.data.reportId === report.id && e.data.agreement === 'kor-jpn-gsomia'),
    )
    const atKor = (await reportsOf(net.KOR)).find((r) => r.id === report.id)
    assert.equal(atKor?.originator, 'JPN')
    if (atKor?.receivedFrom === 'JPN') {
      assert.equal(atKor.localLevel, 'MIL-II')
      assert.deepEqual(atKor.path, ['JPN', 'KOR'])
    } else assert.deepEqual(atKor?.path, ['JPN', 'USA', 'KOR'])
  })

  it('on-request: KOR holds its report for JPN until JPN asks; the answer releases it', async () => {
    const { report, releases } = await ingest(net.KOR, 'MIL-II', 'held')
    assert.equal(
      releases.find((r) => r.recipient === 'JPN' && r.agreement === 'kor-jpn-gsomia')?.state,
      'held',
    )
    const ask = await api(
      net.JPN,
      'POST',
      '/api/requests',
      {
        to: 'KOR',
        topic: 'dprk-missile',
        from: new Date(Date.now() - 3_600_000).toISOString(),
        until: new Date(Date.now() + 60_000).toISOString(),
      },
      net.JPN.tokens.operator,
    )
    assert.equal(ask.status, 201)
    // The same report may reach JPN first through the hub; the direct arrival is in JPN's audit.
    await waitFor(
      'JPN receives KOR report directly',
      async () =>
        (
          await api<{ data: { agreement: string; reportId: string } }[]>(
            net.JPN,
            'GET',
            '/api/audit?type=arrival&party=KOR',
            undefined,
            net.JPN.tokens.auditor,
          )
        ).body,
      (list) =>
        list.some((e) => e.data.reportId === report.id && e.data.agreement === 'kor-jpn-gsomia'),
    )
    const incoming = (
      await api<{ direction: string; status: string; requester: string }[]>(
        net.KOR,
        'GET',
        '/api/requests?direction=incoming',
      )
    ).body
    assert.ok(incoming.some((r) => r.requester === 'JPN' && r.status === 'answered'))
  })

  it('the hub relays under TISA, and a report reaching JPN twice is stored once', async () => {
    const { report } = await ingest(net.KOR, 'MIL-II', 'relay')
    const atJpn = await waitFor(
      'JPN gets the relay',
      () => reportsOf(net.JPN),
      (list) => list.some((r) => r.id === report.id),
    )
    assert.equal(atJpn.filter((r) => r.id === report.id).length, 1)
    assert.deepEqual(atJpn.find((r) => r.id === report.id)?.path, ['KOR', 'USA', 'JPN'])
  })

  it('a message sent again (sealed anew, by the fallback POST) is answered as a duplicate and stored once', async () => {
    const sent = await waitFor(
      'a receipted message to JPN',
      () => Promise.resolve(outboxEnvelopes(net.KOR, 'JPN')),
      (list) => list.some((m) => m.receipt !== null),
    )
    const message = sent.find((m) => m.receipt !== null)
    assert.ok(message)
    const before = (await reportsOf(net.JPN)).length
    const kor = await readPartyKeys(net.KOR.dir)
    const jpn = publicKeysOf(net.JPN.dir)
    const jpnKeys = importPeerKeys({
      signing: jpn.signing as Record<string, unknown>,
      encryption: jpn.encryption as Record<string, unknown>,
    })
    const sealed = sealEnvelope(
      JSON.parse(message.envelope) as Envelope,
      kor.signing,
      jpnKeys.encryption,
    )
    const replay = await postEnvelope(net.JPN, sealed)
    assert.equal(replay.status, 200)
    assert.equal(replay.body.duplicate, true)
    assert.equal(replay.body.status, 'accepted')
    assert.equal((await reportsOf(net.JPN)).length, before)
  })

  it('a forged envelope and a re-signed one are rejected with 401, the same answer', async () => {
    const forger = generatePartyKeys('KOR')
    const usa = await readPartyKeys(net.USA.dir)
    const jpnPublic = JSON.parse(
      readFileSync(join(net.JPN.dir, 'keys', 'public.jwks.json'), 'utf8'),
    ) as { keys: { use: string }[] }
    const jpnKeys = importPeerKeys({
      signing: jpnPublic.keys.find((k) => k.use === 'sig') as Record<string, unknown>,
      encryption: jpnPublic.keys.find((k) => k.use === 'enc') as Record<string, unknown>,
    })
    const envelope = {
      messageId: crypto.randomUUID(),
      sender: 'KOR',
      recipient: 'JPN',
      agreement: 'kor-jpn-gsomia',
      instantMs: Date.now(),
      kind: 'report' as const,
      payload: {},
    }
    const forged = await postEnvelope(
      net.JPN,
      sealEnvelope(envelope, forger.signing, jpnKeys.encryption),
    )
    const resigned = await postEnvelope(
      net.JPN,
      sealEnvelope(
        { ...envelope, messageId: crypto.randomUUID() },
        usa.signing,
        jpnKeys.encryption,
      ),
    )
    assert.equal(forged.status, 401)
    assert.equal(resigned.status, 401)
    // One answer for both (L5); they are audited in aggregate once their minute is over (M4,
    // test/node/hygiene.test.ts).
    assert.deepEqual(forged.body, resigned.body)
  })

  it('R4 across nodes: JPN may pass on KOR report only while KOR consent is valid', async () => {
    const { report } = await ingest(net.KOR, 'MIL-II', 'consent')
    await waitFor(
      'JPN holds it',
      () => reportsOf(net.JPN),
      (list) => list.some((r) => r.id === report.id),
    )
    const onward = async () =>
      (
        await api<Release[]>(
          net.JPN,
          'POST',
          `/api/reports/${report.id}/release`,
          { to: 'USA' },
          net.JPN.tokens.operator,
        )
      ).body
    const before = await onward()
    assert.ok(before.every((r) => r.state === 'denied'))
    assert.ok(before[0]?.reasons.some((r) => r.code === 'NO_ORIGINATOR_CONSENT'))
    const granted = await api<{ id: string }>(
      net.KOR,
      'POST',
      '/api/consents',
      { holder: 'JPN', recipient: 'USA', reportId: report.id },
      net.KOR.tokens['release-officer'],
    )
    assert.equal(granted.status, 201)
    const consentsAtJpn = () =>
      api<{ id: string; revokedAtMs: number | null }[]>(net.JPN, 'GET', '/api/consents').then(
        (r) => r.body,
      )
    await waitFor('JPN learns of the consent', consentsAtJpn, (list) =>
      list.some((c) => c.id === granted.body.id),
    )
    const allowed = await onward()
    assert.ok(
      allowed.some((r) => r.state !== 'denied'),
      JSON.stringify(allowed),
    )
    assert.equal(
      (
        await api(
          net.KOR,
          'DELETE',
          `/api/consents/${granted.body.id}`,
          undefined,
          net.KOR.tokens['release-officer'],
        )
      ).status,
      204,
    )
    await waitFor('JPN learns of the revocation', consentsAtJpn, (list) =>
      list.some((c) => c.id === granted.body.id && c.revokedAtMs !== null),
    )
    assert.ok((await onward()).every((r) => r.state === 'denied'))
  })

  it('roles: no token 401, auditor cannot ingest, operator cannot approve, the officer can', async () => {
    assert.equal((await api(net.JPN, 'GET', '/api/reports', undefined, null)).status, 401)
    assert.equal(
      (
        await api(
          net.JPN,
          'POST',
          '/api/reports',
          launchReport('JPN', 'HI'),
          net.JPN.tokens.auditor,
        )
      ).status,
      403,
    )
    const { releases } = await ingest(net.JPN, 'HI', 'manual')
    const pending = releases.find((r) => r.recipient === 'USA' && r.state === 'pending-approval')
    assert.ok(pending, 'jpn-usa-gsomia is manual at JPN')
    assert.equal(
      (
        await api(
          net.JPN,
          'POST',
          `/api/releases/${pending.id}/approve`,
          {},
          net.JPN.tokens.operator,
        )
      ).status,
      403,
    )
    const approved = await api<Release>(
      net.JPN,
      'POST',
      `/api/releases/${pending.id}/approve`,
      {},
      net.JPN.tokens['release-officer'],
    )
    assert.equal(approved.status, 200)
    assert.equal(approved.body.state, 'released')
    assert.equal(
      (
        await api(
          net.JPN,
          'POST',
          `/api/releases/${pending.id}/approve`,
          {},
          net.JPN.tokens['release-officer'],
        )
      ).status,
      409,
    )
  })

  it('bad input: a schema error is a 400 problem+json naming the field, and nothing is stored', async () => {
    // KOR's own reports: a peer's may still be arriving from the tests before.
    const own = async () => (await reportsOf(net.KOR)).filter((r) => r.originator === 'KOR')
    const before = (await own()).length
    const bad = await api<{ errors: { field: string }[] }>(
      net.KOR,
      'POST',
      '/api/reports',
      { ...launchReport('KOR', 'MIL-II'), topic: 'Not A Slug' },
      net.KOR.tokens.operator,
    )
    assert.equal(bad.status, 400)
    assert.ok(bad.body.errors.some((e) => e.field === 'topic'))
    assert.equal((await own()).length, before)
  })

  it('kill -9 of the receiver during a burst: after restart every report arrives exactly once', async () => {
    const ids: string[] = []
    for (let i = 0; i < 40; i++) {
      if (i === 10) await stopProcess(net.USA, 'SIGKILL')
      ids.push((await ingest(net.KOR, 'MIL-III', `burst ${i}`)).report.id)
    }
    await startProcess(net.USA)
    const atUsa = await waitFor(
      'all 40 at USA',
      () => reportsOf(net.USA),
      (list) => ids.every((id) => list.some((r) => r.id === id)),
      30_000,
    )
    for (const id of ids)
      assert.equal(atUsa.filter((r) => r.id === id).length, 1, `report ${id} stored once`)
  })

  it('audit verify passes, and an edited audit row is detected naming the entry', async () => {
    const copy = mkdtempSync(join(tmpdir(), 'entente-audit-'))
    await stopProcess(net.KOR)
    const verify = (dir: string) =>
      spawnSync(`${ROOT}bin/entente`, ['audit', 'verify', '--dir', dir], {
        cwd: ROOT,
        encoding: 'utf8',
      })
    const intact = verify(net.KOR.dir)
    assert.equal(intact.status, 0, intact.stdout + intact.stderr)
    cpSync(net.KOR.dir, copy, { recursive: true })
    const db = new Database(join(copy, 'entente.db'))
    db.prepare('UPDATE audit SET data = \'{"edited":true}\' WHERE seq = 5').run()
    db.close()
    const broken = verify(copy)
    assert.equal(broken.status, 1)
    assert.match(broken.stdout, /entry 5/)
    const query = spawnSync(
      `${ROOT}bin/entente`,
      [
        'audit',
        'query',
        '--dir',
        net.KOR.dir,
        '--party',
        'JPN',
        '--from',
        '2000-01-01',
        '--to',
        '2100-01-01',
        '--json',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    )
    assert.equal(query.status, 0, query.stderr)
    const account = JSON.parse(query.stdout) as { askedBy: unknown[]; findings: string[] }
    assert.ok(account.askedBy.length >= 1, 'JPN asked KOR once')
  })
})

describe('three nodes whose registries disagree (JPN and USA think the GSOMIA lapsed in 2019)', () => {
  let net: Record<TestParty, TestNode>
  before(async () => {
    net = await setUpNetwork({
      KOR: { modes: { 'kor-jpn-gsomia': 'auto', tisa: 'auto' } },
      JPN: { whatIfs: ['gsomia-lapsed'], modes: { tisa: 'auto' } },
      USA: { whatIfs: ['gsomia-lapsed'], modes: { tisa: 'auto' } },
    })
  })
  after(async () => tearDown(net))

  it('JPN denies its own release to KOR with the reason, and relays go KOR → USA → JPN', async () => {
    const { releases } = await ingest(net.JPN, 'GOKUHI', 'denied')
    const denied = releases.find((r) => r.recipient === 'KOR' && r.state === 'denied')
    assert.ok(
      denied?.reasons.some(
        (r) =>
          r.code === 'AGREEMENT_NOT_IN_FORCE' &&
          /ended at 2019-11-23T00:00:00\+09:00/.test(r.message),
      ),
    )
  })

  it('KOR direct message under the GSOMIA is quarantined at JPN with the reason; the TISA relay is accepted', async () => {
    const { report } = await ingest(net.KOR, 'MIL-II', 'disagreement')
    const quarantined = await waitFor(
      'quarantine at JPN',
      async () =>
        (
          await api<{ sender: string; reasons: { code: string }[] }[]>(
            net.JPN,
            'GET',
            '/api/quarantine',
          )
        ).body,
      (list) => list.length > 0,
    )
    assert.equal(quarantined[0]?.sender, 'KOR')
    assert.ok(quarantined[0]?.reasons.some((r) => r.code === 'AGREEMENT_NOT_IN_FORCE'))
    const atJpn = await waitFor(
      'relay reaches JPN',
      () => reportsOf(net.JPN),
      (list) => list.some((r) => r.id === report.id),
    )
    assert.deepEqual(atJpn.find((r) => r.id === report.id)?.path, ['KOR', 'USA', 'JPN'])
  })
})
