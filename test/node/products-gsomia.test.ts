import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { after, describe, test } from 'node:test'
import { asPartyId } from '../../src/domain/ids.ts'
import { planRequestedProducts } from '../../src/node/app/product-requests.ts'
import { createProduct, uploadContent } from '../../src/node/app/products.ts'
import type { RequestRow } from '../../src/node/store/store.ts'
import { productPostSchema } from '../../src/protocol/product.ts'
import { loadScenarioFile } from '../../src/scenario/load.ts'
import { toRegistry } from '../../src/scenario/to-domain.ts'
import { ROOT } from '../helpers/cli.ts'
import { makePolicyNode, removePolicyNodeFiles } from '../helpers/policy-node.ts'
import { imageryPost } from '../helpers/products.ts'

/**
 * The demo's question (issue 17, item 4), at the node: on 25 Nov 2019 Korea asks Japan for its
 * imagery of Sunchon. Under the GSOMIA as it was (Korea suspended its notice) the answer
 * releases it; under `gsomia-lapsed` (the notice took effect on 23 Nov) it does not, and the
 * decision says why.
 */
after(removePolicyNodeFiles)

const AT_MS = Date.parse('2019-11-25T03:00:00Z')

async function japan(whatIfs: string[]) {
  const loaded = loadScenarioFile(join(ROOT, 'scenarios/korea-japan-2019.yaml'), whatIfs)
  assert.ok(loaded.ok)
  const node = await makePolicyNode(toRegistry(loaded.doc), asPartyId('JPN'), {}, AT_MS)
  const post = productPostSchema.parse(imageryPost())
  const { product } = await createProduct(node.ctx, post)
  await uploadContent(node.ctx, product.id, Readable.from([Buffer.from('a synthetic image')]))
  const request: RequestRow = {
    id: randomUUID(),
    direction: 'incoming',
    requester: 'KOR',
    asked: 'JPN',
    topic: 'dprk-imagery',
    windowFromMs: Date.parse('2019-10-30T00:00:00Z'),
    windowUntilMs: Date.parse('2019-11-02T00:00:00Z'),
    createdAtMs: AT_MS,
    status: 'open',
    answeredAtMs: null,
    answer: null,
  }
  return { node, product, request }
}

describe('Korea asks Japan for imagery (issue 17)', () => {
  test('under the GSOMIA in force, the answer releases the image under it', async () => {
    const { node, product, request } = await japan([])
    const released = await planRequestedProducts(node.ctx, request, AT_MS)
    assert.deepEqual(
      released.map((r) => [r.row.id, r.release.agreement]),
      [[product.id, 'kor-jpn-gsomia']],
    )
    await node.close()
  })

  test('under gsomia-lapsed after 23 November, nothing is released, and the offer says why', async () => {
    const { node, product, request } = await japan(['gsomia-lapsed'])
    assert.deepEqual(await planRequestedProducts(node.ctx, request, AT_MS), [])
    const decisions = await node.ctx.store.listAudit({
      subject: product.id,
      type: 'decision',
      party: 'KOR',
    })
    const reasons = decisions.at(-1)?.data['reasons'] as { code: string; message: string }[]
    assert.equal(decisions.at(-1)?.data['decision'], 'denied')
    assert.ok(reasons.length > 0, 'a denial has its reasons')
    assert.match(reasons.map((r) => `${r.code} ${r.message}`).join('; '), /gsomia/i)
    await node.close()
  })
})
