import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, describe, test } from 'node:test'
import { asPartyId } from '../../src/domain/ids.ts'
import { reportObjectIds } from '../../src/interop/stix.ts'
import { partyIdentityId, type StixObject } from '../../src/interop/stix-objects.ts'
import { productStixId } from '../../src/interop/stix-products.ts'
import {
  collectionIdOf,
  collectionView,
  partyTokenRow,
  recordServed,
} from '../../src/node/app/taxii-views.ts'
import { type Harness, makeNode } from '../helpers/node-harness.ts'
import { imageryPost } from '../helpers/products.ts'
import { koreanLaunchReport } from '../helpers/reports.ts'
import { stixValidator } from '../helpers/stix-schemas.ts'

/**
 * Issue 17, item 3: TAXII serves JPN's products in each client party's view, decided at the
 * instant of the request through the one disclosure policy: an image as an `artifact` (inline
 * under `products.taxiiInlineMaxBytes`, else a `url` to a download under the collection, which
 * decides again), an assessment as a `note` about only what the party may see, a withdrawn
 * product revoked and content-free. KOR may receive JPN's imagery under the GSOMIA (auto here,
 * lapsed on 23 Nov 2019 under `gsomia-lapsed`); USA is not on its releasability.
 */

const INLINE_MAX_BYTES = 64
const COLLECTION = `/taxii2/api/collections/${collectionIdOf('JPN')}`
const AFTER_LAPSE_MS = Date.parse('2019-11-24T00:00:00Z')
const valid = stixValidator()

const nodes: Harness[] = []
after(async () => {
  for (const node of nodes) await node.close()
})

async function japan() {
  const h = await makeNode({
    party: 'JPN',
    modes: { 'kor-jpn-gsomia': 'auto' },
    whatIfs: ['gsomia-lapsed'],
    config: { products: { taxiiInlineMaxBytes: INLINE_MAX_BYTES } },
  })
  nodes.push(h)
  const auth: Record<string, string> = {}
  for (const party of ['KOR', 'USA']) {
    const { token, row } = partyTokenRow(asPartyId(party), `secret-${party}`, 'test', h.clock.ms)
    await h.ctx.store.insertToken(row)
    auth[party] = `Bearer ${token}`
  }
  const taxii = (party: string, url: string) =>
    h.app.inject({
      method: 'GET',
      url,
      headers: { authorization: auth[party] ?? '', accept: 'application/taxii+json;version=2.1' },
    })
  const objects = async (party: string, query = ''): Promise<StixObject[]> => {
    const response = await taxii(party, `${COLLECTION}/objects/${query}`)
    assert.equal(response.statusCode, 200, response.body)
    return response.json<{ objects?: StixObject[] }>().objects ?? []
  }
  const postImage = async (bytes: Buffer, over: Record<string, unknown> = {}) => {
    const created = await h.call('POST', '/api/products', 'operator', imageryPost(over))
    assert.equal(created.statusCode, 201, created.body)
    const id = created.json<{ id: string }>().id
    const uploaded = await h.app.inject({
      method: 'PUT',
      url: `/api/products/${id}/content`,
      headers: {
        authorization: `Bearer ${h.tokens.operator}`,
        'content-type': 'application/octet-stream',
      },
      payload: bytes,
    })
    assert.equal(uploaded.statusCode, 200, uploaded.body)
    return id
  }
  const postAssessment = async (refs: { kind: string; id: string }[], releasableTo = ['KOR']) => {
    const { imagery: _imagery, ...common } = imageryPost({ releasableTo })
    const created = await h.call('POST', '/api/products', 'operator', {
      ...common,
      kind: 'assessment',
      title: 'continuous fire',
      assessment: { text: 'A successful test of the continuous-fire system.', refs },
    })
    assert.equal(created.statusCode, 201, created.body)
    return created.json<{ id: string }>().id
  }
  const disclosures = (party: string, subject: string) =>
    h.ctx.store.listAudit({ type: 'disclosure', party, subject })
  return { h, taxii, objects, postImage, postAssessment, disclosures }
}

const productObject = (
  objects: readonly StixObject[],
  kind: 'imagery' | 'assessment',
  id: string,
) => objects.find((o) => o.id === productStixId(kind, id))

describe('products over TAXII (issue 17)', () => {
  test('a small image reaches an allowed peer inline: payload_bin is the file, and serving it is audited', async () => {
    const jpn = await japan()
    const bytes = randomBytes(INLINE_MAX_BYTES)
    const id = await jpn.postImage(bytes)
    const served = await jpn.objects('KOR')
    const artifact = productObject(served, 'imagery', id)
    assert.ok(artifact !== undefined, 'KOR sees the artifact')
    assert.deepEqual(valid(artifact), [])
    assert.equal(artifact['payload_bin'], bytes.toString('base64'))
    assert.equal(artifact['url'], undefined)
    for (const object of served) assert.deepEqual(valid(object), [], object.type)
    const recorded = await jpn.disclosures('KOR', id)
    assert.deepEqual(
      recorded.map((e) => e.data['path']),
      ['taxii'],
      'one disclosure by TAXII, however often KOR polls',
    )
    await jpn.objects('KOR')
    assert.equal((await jpn.disclosures('KOR', id)).length, 1)
  })

  test('a large image is a url under the collection; downloading it with the peer’s TAXII token yields the exact bytes, audited', async () => {
    const jpn = await japan()
    const bytes = randomBytes(INLINE_MAX_BYTES + 4000)
    const id = await jpn.postImage(bytes)
    const artifact = productObject(await jpn.objects('KOR'), 'imagery', id)
    assert.ok(artifact !== undefined, 'KOR sees the artifact')
    assert.deepEqual(valid(artifact), [])
    assert.equal(artifact['payload_bin'], undefined)
    const url = new URL(String(artifact['url']))
    assert.equal(
      artifact['url'],
      `http://localhost:80${COLLECTION}/products/${id}/content`,
      'absolute, as the client reached the node',
    )
    const download = await jpn.taxii('KOR', url.pathname)
    assert.equal(download.statusCode, 200, download.body)
    assert.equal(download.headers['content-type'], 'image/png')
    assert.ok(download.rawPayload.equals(bytes), 'the exact bytes of the file')
    const paths = (await jpn.disclosures('KOR', id)).map((e) => e.data['path'])
    assert.deepEqual(paths.sort(), ['product-content', 'taxii'])
    // A client fetching the url asks for the image, not for TAXII.
    const asImage = await jpn.h.app.inject({
      url: url.pathname,
      headers: { authorization: 'Bearer KOR.secret-KOR', accept: 'image/png' },
    })
    assert.equal(asImage.statusCode, 200, asImage.body)
    assert.equal(asImage.rawPayload.length, bytes.length)
  })

  test('an export for KOR links the image at the node’s configured address, and is audited as an export', async () => {
    const jpn = await japan()
    const id = await jpn.postImage(randomBytes(INLINE_MAX_BYTES + 1))
    await jpn.postImage(randomBytes(8)) // its bundle has the same definitions and identity
    const atMs = jpn.h.clock.ms
    const entries = await collectionView(jpn.h.ctx, asPartyId('KOR'), atMs)
    await recordServed(jpn.h.ctx, asPartyId('KOR'), 'export', entries, atMs)
    const artifact = entries.find((e) => e.object.id === productStixId('imagery', id))?.object
    assert.equal(artifact?.['url'], `http://127.0.0.1:0${COLLECTION}/products/${id}/content`)
    const ids = entries.map((e) => `${e.object.id} ${e.version}`)
    assert.equal(new Set(ids).size, ids.length, 'each object version once')
    const recorded = await jpn.disclosures('KOR', id)
    assert.deepEqual(
      recorded.map((e) => e.data['path']),
      ['export'],
    )
  })

  test('a peer the image is not released to sees no product object and cannot download it; nothing is disclosed to it', async () => {
    const jpn = await japan()
    const id = await jpn.postImage(randomBytes(INLINE_MAX_BYTES + 1))
    const served = await jpn.objects('USA')
    assert.equal(productObject(served, 'imagery', id), undefined)
    assert.ok(!served.some((o) => o['x_entente_product_id'] === id))
    const download = await jpn.taxii('USA', `${COLLECTION}/products/${id}/content`)
    assert.equal(download.statusCode, 404)
    assert.equal(download.rawPayload.includes(Buffer.from('PNG')), false)
    assert.deepEqual(await jpn.disclosures('USA', id), [])
    const denied = await jpn.h.ctx.store.listAudit({ type: 'decision', party: 'USA', subject: id })
    assert.ok(denied.some((d) => d.data['egress'] === 'taxii-content'))
    // No token, no download, whatever the product.
    const anonymous = await jpn.h.app.inject({ url: `${COLLECTION}/products/${id}/content` })
    assert.equal(anonymous.statusCode, 401)
  })

  test('when the GSOMIA lapses the image is gone from KOR’s view at that instant, and so is its download', async () => {
    const jpn = await japan()
    const id = await jpn.postImage(randomBytes(INLINE_MAX_BYTES + 1))
    const url = String(productObject(await jpn.objects('KOR'), 'imagery', id)?.['url'])
    jpn.h.clock.ms = AFTER_LAPSE_MS
    assert.equal(productObject(await jpn.objects('KOR'), 'imagery', id), undefined)
    const download = await jpn.taxii('KOR', new URL(url).pathname)
    assert.equal(download.statusCode, 404)
    assert.deepEqual(
      (await jpn.disclosures('KOR', id)).map((e) => e.data['path']),
      ['taxii'],
      'the listing before the lapse only',
    )
  })

  test('an assessment is a note about only what the viewer may see; about nothing visible, it is about its author', async () => {
    const jpn = await japan()
    const shared = await jpn.postImage(randomBytes(16))
    const usaOnly = await jpn.postImage(randomBytes(16), { releasableTo: ['USA'] })
    const earlier = await jpn.postAssessment([])
    // KOR's own report, and one of USA's releasable to JPN only, both held by JPN.
    await jpn.h.ctx.store.insertReport(koreanLaunchReport({ id: 'r-kor' }))
    await jpn.h.ctx.store.insertReport(
      koreanLaunchReport({
        id: 'r-usa',
        originator: 'USA',
        level: 'SECRET',
        localLevel: 'GOKUHI',
        releasableTo: ['JPN'],
        path: ['USA', 'JPN'],
        receivedFrom: 'USA',
      }),
    )
    const id = await jpn.postAssessment([
      { kind: 'product', id: shared },
      { kind: 'product', id: usaOnly },
      { kind: 'product', id: earlier },
      { kind: 'report', id: 'r-kor' },
      { kind: 'report', id: 'r-usa' },
      { kind: 'report', id: 'not-held-here' },
      { kind: 'track', id: 'JPN:7' },
    ])
    const about = await jpn.postAssessment([{ kind: 'product', id: usaOnly }])
    const served = await jpn.objects('KOR')
    const note = productObject(served, 'assessment', id)
    assert.ok(note !== undefined, 'KOR sees the note')
    assert.deepEqual(valid(note), [])
    assert.deepEqual(note['object_refs'], [
      productStixId('imagery', shared),
      productStixId('assessment', earlier),
      reportObjectIds('r-kor').launch,
    ])
    const aboutNothing = productObject(served, 'assessment', about)
    assert.deepEqual(aboutNothing?.['object_refs'], [partyIdentityId('JPN')])
    // JPN's own view keeps every reference it holds.
    const own = await collectionView(jpn.h.ctx, asPartyId('JPN'), jpn.h.clock.ms)
    const ownNote = own.find((e) => e.object.id === productStixId('assessment', id))?.object
    assert.deepEqual(ownNote?.['object_refs'], [
      productStixId('imagery', shared),
      productStixId('imagery', usaOnly),
      productStixId('assessment', earlier),
      reportObjectIds('r-kor').launch,
      reportObjectIds('r-usa').launch,
    ])
  })

  test('a withdrawn image is its artifact revoked, with no content, for a party that held it only', async () => {
    const jpn = await japan()
    const id = await jpn.postImage(randomBytes(INLINE_MAX_BYTES + 1))
    const artifactId = productStixId('imagery', id)
    const live = productObject(await jpn.objects('KOR'), 'imagery', id)
    assert.ok(live !== undefined)
    const versions = await jpn.taxii('KOR', `${COLLECTION}/objects/${artifactId}/versions/`)
    assert.deepEqual(versions.json<{ versions: string[] }>().versions, [live['modified']])
    const withdrawn = await jpn.h.call('POST', `/api/products/${id}/withdraw`, 'operator', {
      reason: 'wrong target',
    })
    assert.equal(withdrawn.statusCode, 200, withdrawn.body)
    const revoked = productObject(await jpn.objects('KOR'), 'imagery', id)
    assert.ok(revoked !== undefined, 'KOR held it: it sees the revocation')
    assert.equal(revoked['revoked'], true)
    assert.equal(revoked['x_entente_withdrawal_reason'], 'wrong target')
    for (const field of ['payload_bin', 'x_entente_footprint', 'x_entente_title'])
      assert.equal(revoked[field], undefined, field)
    // Valid STIX: the address that now answers 404 (below), and the digest KOR had.
    assert.equal(revoked['url'], live['url'])
    assert.deepEqual(revoked['hashes'], live['hashes'])
    assert.deepEqual(valid(revoked), [])
    assert.ok(String(revoked['modified']) > String(live['modified']), 'a later version')
    const latest = await jpn.taxii(
      'KOR',
      `${COLLECTION}/objects/${artifactId}/?match[version]=last`,
    )
    assert.equal(latest.json<{ objects: StixObject[] }>().objects[0]?.['revoked'], true)
    const download = await jpn.taxii('KOR', `${COLLECTION}/products/${id}/content`)
    assert.equal(download.statusCode, 404)
    assert.equal(productObject(await jpn.objects('USA'), 'imagery', id), undefined)
  })

  test('a withdrawn assessment is its note revoked, without its text', async () => {
    const jpn = await japan()
    const id = await jpn.postAssessment([])
    assert.ok(productObject(await jpn.objects('KOR'), 'assessment', id) !== undefined)
    const withdrawn = await jpn.h.call('POST', `/api/products/${id}/withdraw`, 'operator', {
      reason: 'superseded by a new analysis',
    })
    assert.equal(withdrawn.statusCode, 200, withdrawn.body)
    const note = productObject(await jpn.objects('KOR'), 'assessment', id)
    assert.ok(note !== undefined)
    assert.deepEqual(valid(note), [])
    assert.equal(note['revoked'], true)
    assert.equal(note['abstract'], undefined)
    assert.doesNotMatch(JSON.stringify(note), /continuous-fire/)
  })

  test('a holder that may not see a correction sees a content-free superseded version; one hidden by the lapse sees nothing', async () => {
    const jpn = await japan()
    const { imagery: _imagery, ...common } = imageryPost()
    const correction = (text: string, releasableTo: string[]) => ({
      ...common,
      releasableTo,
      kind: 'assessment',
      title: 'continuous fire',
      assessment: { text, refs: [] },
    })
    const correct = async (id: string, body: unknown) => {
      const response = await jpn.h.call('POST', `/api/products/${id}/corrections`, 'operator', body)
      assert.equal(response.statusCode, 201, response.body)
    }
    const id = await jpn.postAssessment([])
    const v1 = productObject(await jpn.objects('KOR'), 'assessment', id)
    assert.ok(v1 !== undefined, 'KOR read version 1')
    jpn.h.clock.ms += 1_000
    await correct(id, correction('Two launchers; the source is sensitive.', []))
    const served = await jpn.objects('KOR', '?match[version]=all')
    const notes = served.filter((o) => o.id === productStixId('assessment', id))
    assert.equal(notes.length, 1, 'in place of every version: the notice')
    const [notice] = notes
    assert.equal(notice?.['x_entente_superseded_by_version'], 2)
    assert.doesNotMatch(JSON.stringify(notice), /sensitive|continuous-fire/)
    assert.equal(notice?.['abstract'], undefined)
    assert.deepEqual(valid(notice ?? { type: 'note' }), [])
    assert.ok(String(notice?.['modified']) > String(v1['modified']), 'newer than what KOR held')
    assert.equal(productObject(await jpn.objects('USA'), 'assessment', id), undefined)
    // Released to KOR again: version 3 is newer than the notice KOR may hold.
    jpn.h.clock.ms += 1_000
    await correct(id, correction('Two launchers.', ['KOR']))
    const v3 = productObject(await jpn.objects('KOR'), 'assessment', id)
    assert.equal(v3?.['content'], 'Two launchers.')
    assert.ok(String(v3?.['modified']) > String(notice?.['modified']))
    // A version KOR could see when issued, hidden since by the GSOMIA's lapse: nothing at all.
    jpn.h.clock.ms = AFTER_LAPSE_MS
    assert.equal(productObject(await jpn.objects('KOR'), 'assessment', id), undefined)
  })
})
