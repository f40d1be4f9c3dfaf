import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { prepareNetwork } from '../../src/cli/local-network.ts'
import type { NodeContext } from '../../src/node/app/context.ts'
import { loadNodeConfig } from '../../src/node/config.ts'
import { createNode } from '../../src/node/main.ts'
import type { ProductView } from '../../src/protocol/console-api.ts'
import { ROOT } from '../helpers/cli.ts'
import { memoryLink } from '../helpers/link-pair.ts'
import { imageryPost } from '../helpers/products.ts'

/**
 * Issue 17, item 1: a product is corrected as a report is. JPN (the originator) corrects an
 * assessment it sent KOR under the GSOMIA (auto): a correction KOR may receive reaches it as
 * the new version; one it may not (made NOFORN) reaches it as the originator's content-free
 * superseded notice, and KOR's copy is shown as superseded. Messages pass by an in-memory link
 * sealed as on the wire.
 */

interface Node {
  readonly ctx: NodeContext
  readonly app: FastifyInstance
  readonly token: string
}

const root = mkdtempSync(join(tmpdir(), 'entente-product-corrections-'))
let jpn: Node
let kor: Node

before(async () => {
  const prepared = await prepareNetwork({
    root,
    scenario: join(ROOT, 'scenarios/korea-japan-2019.yaml'),
    parties: ['KOR', 'JPN', 'USA'],
    options: { JPN: { modes: { 'kor-jpn-gsomia': 'auto' } } },
    linkPorts: false,
  })
  const open = async (i: number): Promise<Node> => {
    const local = prepared[i]
    if (local === undefined) throw new Error('no node')
    const made = await createNode(loadNodeConfig(local.configFile))
    return { ctx: made.ctx, app: made.app, token: local.tokens.operator }
  }
  ;[kor, jpn] = [await open(0), await open(1)]
})

after(async () => {
  for (const n of [kor, jpn]) {
    await n.app.close()
    await n.ctx.store.close()
  }
  rmSync(root, { recursive: true, force: true })
})

const auth = (n: Node) => ({ authorization: `Bearer ${n.token}` })

const assessment = (text: string, over: Record<string, unknown> = {}) => ({
  kind: 'assessment',
  marking: { originator: 'JPN', level: 'GOKUHI' },
  topic: 'dprk-imagery',
  releasableTo: ['KOR'],
  title: 'Sunchon launch assessment',
  assessment: { text, refs: [] },
  ...over,
})

async function post(n: Node, url: string, payload: unknown) {
  return n.app.inject({ method: 'POST', url, headers: auth(n), payload: payload as object })
}

async function correct(id: string, payload: unknown) {
  const response = await post(jpn, `/api/products/${id}/corrections`, payload)
  assert.equal(response.statusCode, 201, response.body)
  return response.json<{ product: ProductView; sentTo: string[]; supersededTo: string[] }>()
}

/** JPN's queued messages for KOR (of `kind`), handed over the in-memory link. */
async function deliverJpnToKor(id: string) {
  const queued = (await jpn.ctx.store.listOutbox({ recipient: 'KOR', delivered: false })).filter(
    (m) => m.subjectId === id,
  )
  if (queued.length === 0) return []
  const delivered = await memoryLink(jpn.ctx, kor.ctx).deliver(
    queued.map((m) => ({ messageId: m.messageId, envelope: m.envelope })),
  )
  for (const m of queued)
    await jpn.ctx.store.markDelivered(m.messageId, delivered.receipt, jpn.ctx.now())
  return queued.map((m) => m.kind)
}

async function korView(id: string): Promise<ProductView | undefined> {
  const response = await kor.app.inject({ method: 'GET', url: '/api/products', headers: auth(kor) })
  return response.json<ProductView[]>().find((p) => p.id === id)
}

describe('product corrections (issue 17)', () => {
  test('a correction KOR may receive replaces its copy; one it may not leaves it a superseded notice', async () => {
    const created = await post(jpn, '/api/products', assessment('One missile.'))
    assert.equal(created.statusCode, 201, created.body)
    const id = created.json<ProductView>().id
    assert.deepEqual(await deliverJpnToKor(id), ['product'])
    assert.equal((await korView(id))?.assessment?.text, 'One missile.')

    const second = await correct(id, assessment('Two missiles, 370 km.'))
    assert.equal(second.product.version, 2)
    assert.deepEqual(second.sentTo, ['KOR'])
    assert.deepEqual(second.supersededTo, [], 'KOR gets the version itself')
    assert.deepEqual(await deliverJpnToKor(id), ['product'])
    const v2 = await korView(id)
    assert.equal(v2?.version, 2)
    assert.equal(v2?.assessment?.text, 'Two missiles, 370 km.')
    assert.equal(v2?.status, 'current')

    // NOFORN: the GSOMIA lets it go to no one; KOR, which holds version 2, is told only that
    // version 3 exists.
    const third = await correct(id, assessment('Sensitive: the source.', { releasableTo: [] }))
    assert.deepEqual(third.sentTo, [])
    assert.deepEqual(third.supersededTo, ['KOR'])
    const decision = (
      await jpn.ctx.store.listAudit({ subject: id, type: 'decision', party: 'KOR' })
    ).at(-1)
    assert.equal(decision?.data['decision'], 'denied')
    assert.deepEqual(await deliverJpnToKor(id), ['superseded'])
    const superseded = await korView(id)
    assert.equal(superseded?.status, 'superseded')
    assert.equal(superseded.supersededByVersion, 3)
    assert.equal(superseded.version, 2, 'its copy stays version 2')
    assert.ok(!JSON.stringify(superseded).includes('Sensitive'), 'nothing of version 3')
    const noted = await kor.ctx.store.listAudit({ subject: id, type: 'correction' })
    assert.deepEqual(
      noted.map((e) => [e.data['notice'], e.data['version'], e.data['holds']]),
      [['superseded', 3, 2]],
    )
    // JPN holds version 3 and says whom it told.
    const own = await jpn.ctx.store.listAudit({ subject: id, type: 'correction' })
    assert.deepEqual(
      own.map((e) => [e.data['version'], e.data['supersededTo']]),
      [
        [2, []],
        [3, ['KOR']],
      ],
    )
  })

  test('a version not yet gone never leaves: the correction goes in its place', async () => {
    const created = await post(jpn, '/api/products', assessment('First draft.'))
    const id = created.json<ProductView>().id
    await correct(id, assessment('Final.'))
    const withdrawn = (
      await jpn.ctx.store.listOutbox({ recipient: 'KOR', withdrawn: true })
    ).filter((m) => m.subjectId === id)
    assert.equal(withdrawn.length, 1, 'version 1 withdrawn from the outbox, unsent')
    const kinds = await deliverJpnToKor(id)
    assert.ok(kinds.includes('product'), kinds.join())
    const view = await korView(id)
    assert.equal(view?.version, 2)
    assert.equal(view?.assessment?.text, 'Final.')
  })

  test('an image keeps its file; bad corrections are refused naming the field, and change nothing', async () => {
    const created = await post(jpn, '/api/products', imageryPost())
    const id = created.json<ProductView>().id
    const early = await post(jpn, `/api/products/${id}/corrections`, imageryPost())
    assert.equal(early.statusCode, 409, 'no correction before its file')
    const upload = await jpn.app.inject({
      method: 'PUT',
      url: `/api/products/${id}/content`,
      headers: { ...auth(jpn), 'content-type': 'application/octet-stream' },
      payload: randomBytes(4_096),
    })
    assert.equal(upload.statusCode, 200, upload.body)
    const sha256 = upload.json<ProductView>().imagery?.sha256
    const footprint = [
      [125.8, 39.3],
      [126.1, 39.3],
      [126.1, 39.6],
      [125.8, 39.6],
      [125.8, 39.3],
    ]
    const fixed = await correct(
      id,
      imageryPost({ imagery: { ...imageryPost().imagery, footprint } }),
    )
    assert.equal(fixed.product.version, 2)
    assert.equal(fixed.product.imagery?.sha256, sha256, 'the same file')
    assert.deepEqual(fixed.product.imagery?.footprint, footprint)
    assert.equal(fixed.product.state, 'complete')

    const cases: [unknown, number, RegExp][] = [
      [
        imageryPost({ imagery: { ...imageryPost().imagery, sha256: 'a'.repeat(64) } }),
        400,
        /imagery\.sha256: a correction keeps the image’s file/,
      ],
      [assessment('not an image'), 400, /kind: product '.*' is an image/],
      [{ ...assessment('x'), kind: 'map' }, 400, /kind/],
    ]
    for (const [payload, status, rule] of cases) {
      const response = await post(jpn, `/api/products/${id}/corrections`, payload)
      assert.equal(response.statusCode, status, response.body)
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/)
      assert.match(response.body, rule)
    }
    const other = await post(kor, `/api/products/${id}/corrections`, assessment('x'))
    assert.equal(other.statusCode, 404, 'KOR does not hold it')
    const held = await jpn.ctx.store.getProduct(id)
    assert.equal(held?.version, 2, 'nothing changed')
  })

  test("a peer's product is corrected by its originator only", async () => {
    const created = await post(jpn, '/api/products', assessment('For KOR.'))
    const id = created.json<ProductView>().id
    await deliverJpnToKor(id)
    const response = await post(kor, `/api/products/${id}/corrections`, assessment('Mine now.'))
    assert.equal(response.statusCode, 409, response.body)
    assert.match(response.body, /only its originator corrects it/)
  })
})
