import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { prepareNetwork } from '../../src/cli/local-network.ts'
import { asPartyId } from '../../src/domain/ids.ts'
import type { NodeContext } from '../../src/node/app/context.ts'
import { type ChunkSource, ProductTransfers } from '../../src/node/app/product-transfer.ts'
import { loadNodeConfig } from '../../src/node/config.ts'
import { signChunkRequest } from '../../src/node/crypto/chunk-request.ts'
import { signManifest } from '../../src/node/crypto/product-signature.ts'
import { chunkSourceWith } from '../../src/node/http/fetch-chunk.ts'
import { createNode } from '../../src/node/main.ts'
import { CHUNK_BYTES } from '../../src/protocol/product.ts'
import type { Manifest } from '../../src/protocol/product.ts'
import type { FastifyInstance } from 'fastify'
import { ROOT } from '../helpers/cli.ts'
import { memoryLink } from '../helpers/link-pair.ts'
import { waitFor } from '../helpers/nodes.ts'
import { imageryPost } from '../helpers/products.ts'

/**
 * Issue 17, in one process: JPN (the originator and holder, listening) offers an image to KOR
 * under the GSOMIA (auto here), KOR fetches its chunks over HTTP from JPN; USA, to whom it is
 * not releasable, gets nothing. Messages pass by an in-memory link sealed as on the wire.
 */

interface Node {
  readonly ctx: NodeContext
  readonly app: FastifyInstance
  readonly token: string
  readonly url: string
}

const root = mkdtempSync(join(tmpdir(), 'entente-products-'))
let jpn: Node
let kor: Node
let usa: Node

before(async () => {
  const scenario = join(root, 'registry.yaml')
  writeFileSync(scenario, readFileSync(join(ROOT, 'scenarios/korea-japan-2019.yaml'), 'utf8'))
  const prepared = await prepareNetwork({
    root,
    scenario,
    parties: ['KOR', 'JPN', 'USA'],
    options: { JPN: { modes: { 'kor-jpn-gsomia': 'auto' } } },
    linkPorts: false,
  })
  const open = async (i: number): Promise<Node> => {
    const local = prepared[i]
    if (local === undefined) throw new Error('no node')
    // A limit below the API's body limit, so that the product's own limit is the one refused.
    const config = JSON.parse(readFileSync(local.configFile, 'utf8')) as Record<string, unknown>
    writeFileSync(
      local.configFile,
      JSON.stringify({ ...config, products: { assessmentMaxBytes: 100_000 } }),
    )
    const made = await createNode(loadNodeConfig(local.configFile))
    const port = Number(new URL(local.url).port)
    await made.app.listen({ host: '127.0.0.1', port })
    return { ctx: made.ctx, app: made.app, token: local.tokens.operator, url: local.url }
  }
  ;[kor, jpn, usa] = [await open(0), await open(1), await open(2)]
})

after(async () => {
  for (const n of [kor, jpn, usa]) {
    await n.app.close()
    await n.ctx.store.close()
  }
  rmSync(root, { recursive: true, force: true })
})

const auth = (n: Node) => ({ authorization: `Bearer ${n.token}` })

async function postImage(bytes: Buffer, over: Record<string, unknown> = {}) {
  const created = await jpn.app.inject({
    method: 'POST',
    url: '/api/products',
    headers: auth(jpn),
    payload: imageryPost(over),
  })
  assert.equal(created.statusCode, 201, created.body)
  const id = created.json<{ id: string }>().id
  const uploaded = await jpn.app.inject({
    method: 'PUT',
    url: `/api/products/${id}/content`,
    headers: { ...auth(jpn), 'content-type': 'application/octet-stream' },
    payload: bytes,
  })
  assert.equal(uploaded.statusCode, 200, uploaded.body)
  return { id, view: uploaded.json<Record<string, unknown>>() }
}

/** JPN's queued messages for KOR, handed over the in-memory link. */
async function deliverJpnToKor(kind: string): Promise<Record<string, unknown>> {
  const queued = (await jpn.ctx.store.listOutbox({ recipient: 'KOR', delivered: false })).filter(
    (m) => m.kind === kind,
  )
  assert.ok(queued.length > 0, `JPN has a ${kind} message for KOR`)
  const delivered = await memoryLink(jpn.ctx, kor.ctx).deliver(
    queued.map((m) => ({ messageId: m.messageId, envelope: m.envelope })),
  )
  for (const m of queued)
    await jpn.ctx.store.markDelivered(m.messageId, delivered.receipt, jpn.ctx.now())
  return Object.fromEntries([...delivered.verdicts].map(([k, v]) => [k, v]))
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

function korSource(): ChunkSource {
  return chunkSourceWith({ party: 'KOR', signingKey: kor.ctx.keys.signing }, new Map(), {
    timeoutMs: 5_000,
    now: () => Date.now(),
  })
}

describe('products (issue 17)', () => {
  test('an image posted in two steps is signed, decided for each peer, and offered to KOR only', async () => {
    const bytes = randomBytes(2 * CHUNK_BYTES + 12_345)
    const { id, view } = await postImage(bytes)
    assert.equal(view['state'], 'complete')
    const imagery = view['imagery'] as Record<string, unknown>
    assert.equal(imagery['sha256'], sha256(bytes))
    assert.equal(imagery['sizeBytes'], bytes.length)
    const held = await jpn.ctx.store.getProduct(id)
    assert.equal((held?.manifest as Manifest).chunks.length, 3, 'three chunks of 1 MiB at most')
    const decisions = await jpn.ctx.store.listAudit({ subject: id, type: 'decision' })
    const decisionOf = (p: string) => decisions.find((e) => e.party === p)?.data
    assert.equal(decisionOf('KOR')?.['decision'], 'allowed')
    assert.equal(decisionOf('KOR')?.['agreement'], 'kor-jpn-gsomia')
    assert.equal(decisionOf('USA')?.['decision'], 'denied', 'not releasable to USA')
    assert.equal(
      (decisionOf('USA')?.['reasons'] as { code: string }[])[0]?.code,
      'NOT_RELEASABLE_TO',
    )
    const toUsa = await jpn.ctx.store.listOutbox({ recipient: 'USA' })
    assert.equal(toUsa.filter((m) => m.kind === 'product').length, 0, 'nothing queued for USA')
    const download = await jpn.app.inject({
      method: 'GET',
      url: `/api/products/${id}/content`,
      headers: auth(jpn),
    })
    assert.equal(download.statusCode, 200)
    assert.equal(sha256(download.rawPayload), sha256(bytes), 'the file as uploaded')
  })

  test('a chunk altered in transit is refused and fetched again; the image shows only when whole', async () => {
    const bytes = randomBytes(3 * CHUNK_BYTES)
    const { id } = await postImage(bytes)
    const verdicts = await deliverJpnToKor('product')
    assert.ok(Object.values(verdicts).every((v) => (v as { status: string }).status === 'accepted'))
    const listed = async () =>
      (await kor.app.inject({ method: 'GET', url: '/api/products', headers: auth(kor) })).json<
        {
          id: string
        }[]
      >()
    assert.equal((await listed()).filter((p) => p.id === id).length, 0, 'invisible before its file')
    const real = korSource()
    let altered = 0
    let fetchedOfThis = 0
    const tampering: ChunkSource = async (holder, productId, index) => {
      const got = await real(holder, productId, index)
      if (productId === id) fetchedOfThis++
      if (productId === id && index === 1 && altered === 0 && got.bytes !== null) {
        altered++
        const copy = Buffer.from(got.bytes)
        copy[1000] = (copy[1000] ?? 0) ^ 0xff
        return { status: got.status, bytes: copy }
      }
      return got
    }
    const transfers = new ProductTransfers(kor.ctx, tampering)
    await transfers.scan()
    await transfers.settled()
    await transfers.stop()
    assert.equal(altered, 1)
    assert.equal(transfers.counts.refused, 1, 'the altered chunk was refused')
    assert.equal(fetchedOfThis, 4, 'three chunks, one of them twice')
    assert.equal((await kor.ctx.store.getProduct(id))?.state, 'complete')
    assert.equal((await listed()).filter((p) => p.id === id).length, 1, 'visible once whole')
    const download = await kor.app.inject({
      method: 'GET',
      url: `/api/products/${id}/content`,
      headers: auth(kor),
    })
    assert.equal(sha256(download.rawPayload), sha256(bytes), 'the file verified whole at KOR')
    const refusals = await kor.ctx.store.listAudit({ subject: id, type: 'arrival' })
    assert.ok(
      refusals.some((e) => e.data['event'] === 'chunk-refused'),
      'the refusal is audited',
    )
  })

  test('a restarted transfer fetches only the chunks its partial file does not hold as signed', async () => {
    const bytes = randomBytes(4 * CHUNK_BYTES + 321)
    const { id } = await postImage(bytes)
    await deliverJpnToKor('product')
    const chunk = (i: number) => bytes.subarray(i * CHUNK_BYTES, (i + 1) * CHUNK_BYTES)
    // As a node killed mid-transfer leaves it: chunk 0 counted in the store, 1 and 3 written
    // since but not counted, 2 torn by the kill, 4 never written.
    const left = await kor.ctx.content.openPartial(sha256(bytes), bytes.length)
    for (const i of [0, 1, 3]) await left.write(i, chunk(i))
    await left.write(2, Buffer.alloc(CHUNK_BYTES, 7))
    await left.close()
    await kor.ctx.store.setProductProgress(id, 1, kor.ctx.now())
    const real = korSource()
    const fetched: number[] = []
    const counting: ChunkSource = (holder, productId, index, into) => {
      if (productId === id) fetched.push(index)
      return real(holder, productId, index, into)
    }
    const transfers = new ProductTransfers(kor.ctx, counting)
    await transfers.scan()
    await transfers.settled()
    await transfers.stop()
    assert.deepEqual(
      fetched.sort((a, b) => a - b),
      [2, 4],
      'only the torn and the missing chunk',
    )
    assert.equal((await kor.ctx.store.getProduct(id))?.state, 'complete')
    const download = await kor.app.inject({
      method: 'GET',
      url: `/api/products/${id}/content`,
      headers: auth(kor),
    })
    assert.equal(sha256(download.rawPayload), sha256(bytes), 'the file verified whole at KOR')
    const done = (await kor.ctx.store.listAudit({ subject: id, type: 'arrival' })).find(
      (e) => e.data['event'] === 'content-verified',
    )
    assert.equal(done?.data['resumedAtChunk'], 2, 'resumed at the first chunk not held')
    assert.equal(done?.data['heldAtStart'], 3, 'three chunks held at the start')
    assert.equal(done?.data['fetchedThisRun'], 2)
  })

  test('a correction that arrives during the transfer is whole when the file is: it keeps the file', async () => {
    const bytes = randomBytes(2 * CHUNK_BYTES + 5)
    const { id } = await postImage(bytes)
    await deliverJpnToKor('product')
    const real = korSource()
    let corrected = false
    const correcting: ChunkSource = async (holder, productId, index, into) => {
      if (productId === id && !corrected) {
        corrected = true
        const response = await jpn.app.inject({
          method: 'POST',
          url: `/api/products/${id}/corrections`,
          headers: auth(jpn),
          payload: imageryPost({ title: 'Sunchon airbase, corrected' }),
        })
        assert.equal(response.statusCode, 201, response.body)
        await deliverJpnToKor('product')
      }
      return real(holder, productId, index, into)
    }
    const transfers = new ProductTransfers(kor.ctx, correcting, { retryMs: 60_000 })
    await transfers.scan()
    await transfers.settled()
    await transfers.stop()
    const held = await kor.ctx.store.getProduct(id)
    assert.equal(held?.version, 2, 'the correction is held')
    assert.equal(held.state, 'complete', 'and whole, with the file fetched once')
  })

  test('a transfer the disk fails is noted and tried again, never a crash', async () => {
    const bytes = randomBytes(CHUNK_BYTES + 99)
    const { id } = await postImage(bytes)
    await deliverJpnToKor('product')
    // A directory where the partial file must go: opening it fails (EISDIR), as a disk would.
    const partialPath = join(kor.ctx.config.dataDir, 'content', 'partial', sha256(bytes))
    mkdirSync(partialPath, { recursive: true })
    const transfers = new ProductTransfers(kor.ctx, korSource(), { retryMs: 60_000 })
    await transfers.scan()
    await transfers.settled()
    const failed = (await kor.ctx.store.listAudit({ subject: id, type: 'arrival' })).filter(
      (e) => e.data['event'] === 'transfer-failed',
    )
    assert.equal(failed.length, 1, 'the failure is on the record')
    assert.match(String(failed[0]?.data['rule']), /EISDIR|directory/)
    assert.equal((await kor.ctx.store.getProduct(id))?.state, 'transferring', 'not shown')
    rmSync(partialPath, { recursive: true })
    await transfers.scan()
    await transfers.settled()
    await transfers.stop()
    assert.equal((await kor.ctx.store.getProduct(id))?.state, 'complete', 'the next try completes')
  })

  test('a manifest not signed by the originator is refused (quarantined), nothing is fetched', async () => {
    const bytes = randomBytes(CHUNK_BYTES + 1)
    const { id } = await postImage(bytes)
    const queued = (await jpn.ctx.store.listOutbox({ recipient: 'KOR', delivered: false })).filter(
      (m) => m.kind === 'product' && m.subjectId === id,
    )
    const message = queued[0]
    assert.ok(message !== undefined)
    const envelope = JSON.parse(message.envelope) as {
      messageId: string
      payload: { manifest: Manifest; manifestSignature: string }
    }
    // USA's key signs JPN's manifest: a valid JWS, but not by the originator.
    envelope.payload.manifestSignature = signManifest(
      envelope.payload.manifest,
      'JPN',
      usa.ctx.keys.signing,
    )
    envelope.messageId = `${envelope.messageId}-forged`
    const delivered = await memoryLink(jpn.ctx, kor.ctx).deliver([
      { messageId: envelope.messageId, envelope: JSON.stringify(envelope) },
    ])
    const verdict = delivered.verdicts.get(envelope.messageId)
    assert.equal(verdict?.status, 'quarantined')
    assert.deepEqual(verdict?.codes, ['ORIGINATOR_SIGNATURE_INVALID'])
    assert.equal(await kor.ctx.store.getProduct(id), undefined, 'nothing stored')
    await jpn.ctx.store.withdrawMessage(message.messageId, 'test: not delivered', jpn.ctx.now())
  })

  test('a peer that may not receive an image never receives a chunk of it', async () => {
    const bytes = randomBytes(CHUNK_BYTES)
    const { id } = await postImage(bytes)
    const jpnPeer = usa.ctx.peers.get(asPartyId('JPN'))
    assert.ok(jpnPeer !== undefined)
    const usaSource = chunkSourceWith(
      { party: 'USA', signingKey: usa.ctx.keys.signing },
      new Map(),
      { timeoutMs: 5_000, now: () => Date.now() },
    )
    const got = await usaSource(jpnPeer, id, 0)
    assert.equal(got.status, 403, 'refused by the policy')
    assert.equal(got.bytes, null, 'no byte of it')
    // Signed by USA but claiming KOR: refused as unauthenticated, no chunk either.
    const forged = signChunkRequest(
      { iss: 'KOR', aud: 'JPN', productId: id, index: 0, iatMs: Date.now() },
      usa.ctx.keys.signing,
    )
    const response = await fetch(`${jpn.url}/federation/products/${id}/chunks/0`, {
      headers: { authorization: `Entente-Peer ${forged}` },
    })
    assert.equal(response.status, 401)
    assert.equal(response.headers.get('content-type')?.startsWith('application/problem+json'), true)
    const denials = await jpn.ctx.store.listAudit({ subject: id, type: 'decision', party: 'USA' })
    assert.ok(
      denials.some((e) => e.data['egress'] === 'chunk'),
      'the refusal at egress is audited',
    )
  })

  test('a withdrawn image disappears from every holder, its file removed', async () => {
    const bytes = randomBytes(CHUNK_BYTES + 7)
    const { id } = await postImage(bytes)
    await deliverJpnToKor('product')
    const transfers = new ProductTransfers(kor.ctx, korSource())
    await transfers.start()
    await transfers.settled()
    const digest = sha256(bytes)
    assert.equal(await kor.ctx.content.has(digest), true, 'KOR holds the file')
    const withdrawn = await jpn.app.inject({
      method: 'POST',
      url: `/api/products/${id}/withdraw`,
      headers: auth(jpn),
      payload: { reason: 'mislabelled site' },
    })
    assert.equal(withdrawn.statusCode, 200, withdrawn.body)
    assert.deepEqual(withdrawn.json<{ sentTo: string[] }>().sentTo, ['KOR'])
    await deliverJpnToKor('withdrawal')
    for (const n of [jpn, kor]) {
      const list = (
        await n.app.inject({ method: 'GET', url: '/api/products', headers: auth(n) })
      ).json<{ id: string }[]>()
      assert.equal(list.filter((p) => p.id === id).length, 0, `gone from ${n.ctx.party}'s list`)
      const one = await n.app.inject({
        method: 'GET',
        url: `/api/products/${id}`,
        headers: auth(n),
      })
      assert.equal(one.statusCode, 404)
    }
    await waitFor(
      'KOR to remove the file',
      () => kor.ctx.content.has(digest),
      (has) => !has,
    )
    await transfers.stop()
  })

  test('size limits per kind are refused naming the field and the rule', async () => {
    const text = 'x'.repeat(150_000)
    const response = await jpn.app.inject({
      method: 'POST',
      url: '/api/products',
      headers: auth(jpn),
      payload: {
        kind: 'assessment',
        marking: { originator: 'JPN', level: 'GOKUHI' },
        topic: 'dprk-imagery',
        title: 'too long',
        assessment: { text, refs: [] },
      },
    })
    assert.equal(response.statusCode, 413)
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/)
    const problem = response.json<{ title: string; errors: { field: string; rule: string }[] }>()
    assert.equal(problem.title, 'CONTENT_TOO_LARGE')
    assert.equal(problem.errors[0]?.field, 'assessment.text')
    assert.match(problem.errors[0]?.rule ?? '', /at most 100000 bytes/)
    const bad = await jpn.app.inject({
      method: 'POST',
      url: '/api/products',
      headers: auth(jpn),
      payload: imageryPost({ imagery: { ...imageryPost().imagery, footprint: [[1, 2]] } }),
    })
    assert.equal(bad.statusCode, 400)
    assert.match(bad.body, /imagery\.footprint/)
  })

  test('an assessment is signed and offered at once, with its references', async () => {
    const response = await jpn.app.inject({
      method: 'POST',
      url: '/api/products',
      headers: auth(jpn),
      payload: {
        kind: 'assessment',
        marking: { originator: 'JPN', level: 'GOKUHI' },
        topic: 'dprk-imagery',
        title: 'continuous-fire test',
        assessment: {
          text: 'A successful test of the continuous-fire system.',
          refs: [{ kind: 'report', id: 'r-2019-10-31-a' }],
        },
      },
    })
    assert.equal(response.statusCode, 201, response.body)
    const id = response.json<{ id: string }>().id
    await deliverJpnToKor('product')
    const one = await kor.app.inject({
      method: 'GET',
      url: `/api/products/${id}`,
      headers: auth(kor),
    })
    assert.equal(one.statusCode, 200, one.body)
    const view = one.json<{ assessment: { text: string }; localLevel: string }>()
    assert.equal(view.assessment.text, 'A successful test of the continuous-fire system.')
    assert.equal(view.localLevel, 'MIL-II', "held at KOR's equivalent level")
  })

  test('under an on-request GSOMIA, KOR asks for imagery of the window and receives it', async () => {
    // JPN's national policy for this test only: the GSOMIA's own handling, on request.
    const modes = jpn.ctx.config.release.modes as Record<string, string>
    modes['kor-jpn-gsomia'] = 'on-request'
    try {
      const bytes = randomBytes(CHUNK_BYTES + 99)
      const { id } = await postImage(bytes)
      const offered = await jpn.ctx.store.listAudit({ subject: id, type: 'decision', party: 'KOR' })
      assert.equal(offered[0]?.data['decision'], 'denied', 'not offered before a request')
      assert.equal((offered[0]?.data['reasons'] as { code: string }[])[0]?.code, 'NOT_RELEASED')
      const jpnPeer = kor.ctx.peers.get(asPartyId('JPN'))
      assert.ok(jpnPeer !== undefined)
      assert.equal((await korSource()(jpnPeer, id, 0)).status, 403, 'no chunk before a request')
      const asked = await kor.app.inject({
        method: 'POST',
        url: '/api/requests',
        headers: auth(kor),
        payload: {
          to: 'JPN',
          topic: 'dprk-imagery',
          from: '2019-10-30T00:00:00Z',
          until: '2019-11-02T00:00:00Z',
        },
      })
      assert.equal(asked.statusCode, 201, asked.body)
      const requests = (
        await kor.ctx.store.listOutbox({ recipient: 'JPN', delivered: false })
      ).filter((m) => m.kind === 'request')
      await memoryLink(kor.ctx, jpn.ctx).deliver(
        requests.map((m) => ({ messageId: m.messageId, envelope: m.envelope })),
      )
      for (const m of requests)
        await kor.ctx.store.markDelivered(m.messageId, 'test', kor.ctx.now())
      const answered = await jpn.ctx.store.listAudit({
        subject: id,
        type: 'decision',
        party: 'KOR',
      })
      assert.ok(
        answered.some((e) => e.data['egress'] === 'answer' && e.data['decision'] === 'allowed'),
        'the answer released it, audited',
      )
      await deliverJpnToKor('product')
      const transfers = new ProductTransfers(kor.ctx, korSource())
      await transfers.scan()
      await transfers.settled()
      await transfers.stop()
      assert.equal((await kor.ctx.store.getProduct(id))?.state, 'complete', 'KOR holds it whole')
    } finally {
      modes['kor-jpn-gsomia'] = 'auto'
    }
  })
})
