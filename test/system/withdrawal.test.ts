import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { importPeerKeys, readPartyKeys } from '../../src/node/crypto/keys.ts'
import { sealEnvelope } from '../../src/node/crypto/envelope.ts'
import { signWithdrawal } from '../../src/node/crypto/withdrawal-signature.ts'
import {
  api,
  launchReport,
  setUpNetwork,
  tearDown,
  type TestNode,
  type TestParty,
  waitFor,
} from '../helpers/nodes.ts'

interface Report {
  id: string
  path: string[]
  status: string
  withdrawal?: { atMs: number; at: string; reason: string }
}
interface Entry {
  type: string
  party: string | null
  subject: string | null
  data: Record<string, unknown>
}

const REASON = 'false alarm: a radar artefact, no launch'

const reportAt = async (node: TestNode, id: string): Promise<Report | null> => {
  const response = await api<Report>(node, 'GET', `/api/reports/${id}`)
  return response.status === 200 ? response.body : null
}

const withdrawalEntries = async (node: TestNode, id: string): Promise<Entry[]> =>
  (await api<Entry[]>(node, 'GET', `/api/audit?type=withdrawal&subject=${id}`)).body

/**
 * Issue 12 across three real processes: KOR's report reaches USA under the TISA and JPN through
 * the TISA's hub (KOR holds the GSOMIA release on request); KOR withdraws it and the withdrawal,
 * signed by KOR, follows the same paths. A withdrawal the hub signs itself is refused at JPN.
 */
describe('a withdrawal across three nodes (KOR → USA, KOR → USA hub → JPN)', () => {
  let net: Record<TestParty, TestNode>
  let id: string
  before(async () => {
    net = await setUpNetwork({
      KOR: { modes: { tisa: 'auto' } },
      JPN: { modes: { tisa: 'auto' } },
      USA: { modes: { tisa: 'auto' } },
    })
    const ingested = await api<{ report: Report }>(
      net.KOR,
      'POST',
      '/api/reports',
      launchReport('KOR', 'MIL-II', 'withdrawn later'),
      net.KOR.tokens.operator,
    )
    assert.equal(ingested.status, 201, JSON.stringify(ingested.body))
    id = ingested.body.report.id
    const atJpn = await waitFor(
      'JPN holds the relayed report',
      () => reportAt(net.JPN, id),
      (r) => r !== null,
    )
    assert.deepEqual(atJpn?.path, ['KOR', 'USA', 'JPN'])
    assert.equal(atJpn?.status, 'current')
    assert.equal((await reportAt(net.USA, id))?.status, 'current')
  })
  after(async () => tearDown(net))

  it('a withdrawal signed by the hub, not the originator, is refused at JPN (ORIGINATOR_SIGNATURE_INVALID)', async () => {
    const usa = await readPartyKeys(net.USA.dir)
    const jpnPublic = JSON.parse(
      readFileSync(join(net.JPN.dir, 'keys', 'public.jwks.json'), 'utf8'),
    ) as { keys: { use: string }[] }
    const jpnKeys = importPeerKeys({
      signing: jpnPublic.keys.find((k) => k.use === 'sig') as Record<string, unknown>,
      encryption: jpnPublic.keys.find((k) => k.use === 'enc') as Record<string, unknown>,
    })
    const facts = { reportId: id, originator: 'KOR', reason: 'forged', atMs: Date.now() }
    const jwe = sealEnvelope(
      {
        v: 1,
        messageId: crypto.randomUUID(),
        sender: 'USA',
        recipient: 'JPN',
        agreement: 'tisa',
        instantMs: Date.now(),
        kind: 'withdrawal',
        payload: { ...facts, originatorSignature: signWithdrawal(facts, usa.signing) },
      },
      usa.signing,
      jpnKeys.encryption,
    )
    const response = await fetch(`${net.JPN.url}/federation/inbox`, {
      method: 'POST',
      headers: { 'content-type': 'application/jose' },
      body: jwe,
    })
    assert.equal(response.status, 200)
    assert.equal(((await response.json()) as { status: string }).status, 'quarantined')
    // The quarantine keeps the reasons and names the report, never the content.
    const entries = (await api<Entry[]>(net.JPN, 'GET', '/api/audit?type=quarantine')).body
    const refused = entries.find((e) => e.data['reportId'] === id)
    assert.equal(refused?.party, 'USA')
    const reasons = refused?.data['reasons'] as { code: string }[] | undefined
    assert.deepEqual(
      reasons?.map((r) => r.code),
      ['ORIGINATOR_SIGNATURE_INVALID'],
    )
    assert.equal((await reportAt(net.JPN, id))?.status, 'current', 'JPN’s copy stands')
  })

  it('when KOR withdraws it, then USA and JPN show it withdrawn, and every node audits the withdrawal', async () => {
    const withdrawn = await api<{ sentTo: string[] }>(
      net.KOR,
      'POST',
      `/api/reports/${id}/withdraw`,
      { reason: REASON },
      net.KOR.tokens.operator,
    )
    assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.body))
    assert.deepEqual(withdrawn.body.sentTo, ['USA'])
    for (const node of [net.USA, net.JPN]) {
      const held = await waitFor(
        `${node.party} shows it withdrawn`,
        () => reportAt(node, id),
        (r) => r?.status === 'withdrawn',
      )
      assert.equal(held?.withdrawal?.reason, REASON, node.party)
    }
    const expected = { KOR: null, USA: 'KOR', JPN: 'USA' } as const
    for (const party of ['KOR', 'USA', 'JPN'] as const) {
      const entries = await withdrawalEntries(net[party], id)
      assert.equal(entries.length, 1, party)
      assert.equal(entries[0]?.data['receivedFrom'], expected[party], party)
      assert.equal(entries[0]?.data['reason'], REASON, party)
    }
    assert.deepEqual((await withdrawalEntries(net.USA, id))[0]?.data['sentTo'], ['JPN'])
  })
})
