import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { initNode } from '../../src/cli/node.ts'
import { asPartyId } from '../../src/domain/ids.ts'
import { reportToStixBundle } from '../../src/interop/stix.ts'
import { decidePending } from '../../src/node/app/releases.ts'
import { collectionIdOf, partyTokenRow } from '../../src/node/app/taxii-views.ts'
import { nodeConfigSchema } from '../../src/node/config.ts'
import { generatePartyKeys, publicJwks } from '../../src/node/crypto/keys.ts'
import { createNode } from '../../src/node/main.ts'
import { ROOT } from '../helpers/cli.ts'
import { koreanLaunchReport } from '../helpers/reports.ts'

const TAXII = 'application/taxii+json;version=2.1'
const AT_MS = Date.parse('2019-10-31T07:37:00Z')

/** Japan's report of the first launch, as JPN's own client adds it to the hub's collection. */
const fromJapan = koreanLaunchReport({
  id: '7d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
  originator: 'JPN',
  level: 'GOKUHI',
  localLevel: 'GOKUHI',
  releasableTo: null,
  path: ['JPN'],
  createdAtMs: AT_MS - 60_000,
})

describe('TAXII at the hub: a member’s report added over TAXII is relayed like an inbox arrival', () => {
  const peerKeys = (party: string) => {
    const [signing, encryption] = publicJwks(generatePartyKeys(party)).keys
    return { signing, encryption }
  }
  let node: Awaited<ReturnType<typeof createNode>>
  let jpnToken = ''

  before(async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'entente-taxii-hub-')), 'usa')
    await initNode('USA', dir)
    const config = nodeConfigSchema.parse({
      party: 'USA',
      dataDir: dir,
      listen: { port: 0 },
      registry: { scenario: join(ROOT, 'scenarios/korea-japan-2019.yaml') },
      peers: {
        KOR: { url: 'http://127.0.0.1:9', keys: peerKeys('KOR') },
        JPN: { url: 'http://127.0.0.1:9', keys: peerKeys('JPN') },
      },
    })
    node = await createNode(config, { now: () => AT_MS })
    const { token, row } = partyTokenRow(asPartyId('JPN'), 'secret-of-JPN', 'test', AT_MS)
    await node.ctx.store.insertToken(row)
    jpnToken = token
  })
  after(async () => {
    await node.app.close()
    await node.ctx.store.close()
  })

  it('stores it under the TISA, audits the relay and decides the release to KOR', async () => {
    const response = await node.app.inject({
      method: 'POST',
      url: `/taxii2/api/collections/${collectionIdOf('USA')}/objects/`,
      headers: { accept: TAXII, 'content-type': TAXII, authorization: `Bearer ${jpnToken}` },
      payload: JSON.stringify({ objects: reportToStixBundle(fromJapan).objects }),
    })
    assert.equal(response.statusCode, 202, response.body)
    assert.equal(response.json<{ failure_count: number }>().failure_count, 0, response.body)

    const held = await node.ctx.store.getReport(fromJapan.id)
    assert.equal(held?.agreement, 'tisa', 'taken under the mediated agreement the hub serves')
    assert.equal(held?.localLevel, 'SECRET')
    const relays = await node.ctx.store.listAudit({ type: 'relay', subject: fromJapan.id })
    assert.deepEqual(relays[0]?.data['recipients'], ['KOR'])
    const releases = await node.ctx.store.listReleases({ reportId: fromJapan.id })
    assert.deepEqual(
      releases.map((r) => [r.recipient, r.agreement]),
      [['KOR', 'tisa']],
      'relayed to Korea only, never back to Japan',
    )
  })

  it('Korea sees the relayed report over TAXII only once the officer approves; never if rejected', async () => {
    const { token, row } = partyTokenRow(asPartyId('KOR'), 'secret-of-KOR', 'test', AT_MS)
    await node.ctx.store.insertToken(row)
    const launchReportIds = async (): Promise<string[]> => {
      const response = await node.app.inject({
        method: 'GET',
        url: `/taxii2/api/collections/${collectionIdOf('USA')}/objects/?match[type]=entente-launch`,
        headers: { accept: TAXII, authorization: `Bearer ${token}` },
      })
      assert.equal(response.statusCode, 200, response.body)
      const objects = response.json<{ objects?: { report_id: string }[] }>().objects ?? []
      return objects.map((o) => o.report_id)
    }
    const [pending] = await node.ctx.store.listReleases({ reportId: fromJapan.id })
    assert.equal(pending?.state, 'pending-approval', 'the TISA relay waits for an officer')
    assert.deepEqual(await launchReportIds(), [], 'not before the officer approves')
    await decidePending(node.ctx, pending.id, true, 'duty-officer')
    assert.deepEqual(await launchReportIds(), [fromJapan.id], 'approved: KOR reads it')

    const second = { ...fromJapan, id: '8e2d3c4b-5f6a-4b7c-9d8e-0f1a2b3c4d5e' }
    await node.app.inject({
      method: 'POST',
      url: `/taxii2/api/collections/${collectionIdOf('USA')}/objects/`,
      headers: { accept: TAXII, 'content-type': TAXII, authorization: `Bearer ${jpnToken}` },
      payload: JSON.stringify({ objects: reportToStixBundle(second).objects }),
    })
    const [other] = await node.ctx.store.listReleases({ reportId: second.id })
    await decidePending(node.ctx, other?.id ?? '', false, 'duty-officer')
    assert.deepEqual(await launchReportIds(), [fromJapan.id], 'rejected: KOR never reads it')
  })
})
