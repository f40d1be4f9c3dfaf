import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { PNG } from 'pngjs'
import {
  holdsProduct,
  offerSunchonImagery,
  sunchonImage,
  sunchonPost,
} from '../../src/cli/demo/imagery.ts'
import { productPostSchema } from '../../src/protocol/product.ts'
import { api, setUpNetwork, tearDown, type TestNode, type TestParty } from '../helpers/nodes.ts'

/** Issue 17, item 4: the demo's synthetic image of Sunchon, and Korea asking Japan for it. */
describe("the demo's imagery of Sunchon", { timeout: 180_000 }, () => {
  test('a real PNG, the same every run, with a thumbnail the product schema accepts', () => {
    const { png, thumbnailPng } = sunchonImage()
    const image = PNG.sync.read(png)
    assert.equal(image.width, 768)
    assert.equal(image.height, 768)
    assert.equal(PNG.sync.read(thumbnailPng).width, 64)
    assert.deepEqual(sunchonImage().png, png, 'deterministic: no randomness in the drawing')
    const grey = new Set<number>()
    for (let i = 0; i < image.data.length; i += 4 * 97) grey.add(image.data[i] ?? 0)
    assert.ok(grey.size > 50, `a picture, not a flat fill (${grey.size} grey levels sampled)`)
    const parsed = productPostSchema.safeParse(sunchonPost(thumbnailPng))
    assert.ok(parsed.success, parsed.error?.message)
  })

  describe('against three real nodes', () => {
    let net: Record<TestParty, TestNode>
    before(async () => {
      net = await setUpNetwork()
    })
    after(async () => {
      if (net !== undefined) await tearDown(net)
    })

    test('Japan holds the image; Korea asks for imagery under the GSOMIA and receives it; USA does not', async () => {
      const id = await offerSunchonImagery(net.JPN, net.KOR)
      assert.equal(await holdsProduct(net.KOR, id, 60_000), true, 'KOR holds the image whole')
      const content = await fetch(`${net.KOR.url}/api/products/${id}/content`, {
        headers: { authorization: `Bearer ${net.KOR.tokens.operator}` },
      })
      assert.equal(content.status, 200)
      assert.deepEqual(Buffer.from(await content.arrayBuffer()), sunchonImage().png)
      const kor = await api<{ id: string; marking: { level: string } }[]>(
        net.KOR,
        'GET',
        '/api/products',
      )
      assert.deepEqual(
        kor.body.map((p) => p.id),
        [id],
      )
      const usa = await api<unknown[]>(net.USA, 'GET', '/api/products')
      assert.deepEqual(usa.body, [], 'not releasable to USA: USA holds nothing')
    })
  })
})
