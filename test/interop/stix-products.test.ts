import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  PRODUCT_VERSION_EXTENSION,
  productStixId,
  productToStixBundle,
  productSupersessionToStixObjects,
  productWithdrawalToStixObjects,
} from '../../src/interop/stix-products.ts'
import { partyIdentityId } from '../../src/interop/stix-objects.ts'
import { reportObjectIds } from '../../src/interop/stix.ts'
import type { Product } from '../../src/protocol/product.ts'
import { thumbnailPng } from '../helpers/products.ts'
import { stixValidator } from '../helpers/stix-schemas.ts'

const image: Product = {
  id: 'p-sunchon',
  kind: 'imagery',
  originator: 'JPN',
  topic: 'dprk-imagery',
  level: 'GOKUHI',
  releasableTo: ['KOR'],
  title: 'Sunchon airbase',
  version: 1,
  createdAtMs: Date.parse('2019-10-31T02:00:00Z'),
  imagery: {
    format: 'png',
    footprint: [
      [125.9, 39.4],
      [126.0, 39.4],
      [126.0, 39.5],
      [125.9, 39.4],
    ],
    acquiredAtMs: Date.parse('2019-10-31T01:00:00Z'),
    platform: 'IGS-Optical 7',
    sensor: 'PAN',
    groundResolutionM: 0.5,
    thumbnailPng: thumbnailPng(),
    sha256: 'a'.repeat(64),
    sizeBytes: 200_000_000,
  },
}

const valid = stixValidator()
const objectOf = (bundle: ReturnType<typeof productToStixBundle>, type: string) =>
  bundle.objects.find((o) => o.type === type)

describe('products in STIX 2.1 (issue 17)', () => {
  test('a large image is an artifact with the url of its download and its SHA-256', () => {
    const bundle = productToStixBundle({
      product: image,
      localLevel: 'MIL-II',
      content: { url: 'https://jpn.example/api/products/p-sunchon/content' },
    })
    for (const object of bundle.objects) assert.deepEqual(valid(object), [], object.type)
    const artifact = objectOf(bundle, 'artifact')
    assert.equal(artifact?.['url'], 'https://jpn.example/api/products/p-sunchon/content')
    assert.deepEqual(artifact?.['hashes'], { 'SHA-256': 'a'.repeat(64) })
    assert.equal(artifact?.['payload_bin'], undefined)
    assert.equal(artifact?.['mime_type'], 'image/png')
    const marking = objectOf(bundle, 'marking-definition')
    assert.equal(marking?.['name'], 'JPN GOKUHI REL TO KOR')
    assert.deepEqual(artifact?.['object_marking_refs'], [marking?.id])
  })

  test('a small image carries its bytes as payload_bin', () => {
    const bundle = productToStixBundle({
      product: image,
      localLevel: 'GOKUHI',
      content: { payloadBase64: thumbnailPng() },
    })
    const artifact = objectOf(bundle, 'artifact')
    assert.deepEqual(valid(artifact ?? { type: 'artifact' }), [])
    assert.equal(artifact?.['payload_bin'], thumbnailPng())
    assert.equal(artifact?.['url'], undefined)
  })

  test('an assessment is a note about the reports it names', () => {
    const { imagery: _imagery, ...common } = image
    const note: Product = {
      ...common,
      kind: 'assessment',
      id: 'a-1',
      title: 'continuous fire',
      assessment: {
        text: 'A successful test of the continuous-fire system.',
        refs: [{ kind: 'report', id: 'r-1' }],
      },
    }
    const bundle = productToStixBundle({ product: note, localLevel: 'GOKUHI' })
    const object = objectOf(bundle, 'note')
    assert.deepEqual(valid(object ?? { type: 'note' }), [])
    assert.equal(object?.['content'], 'A successful test of the continuous-fire system.')
    assert.deepEqual(object?.['object_refs'], [reportObjectIds('r-1').launch])
  })

  test('a product keeps its object id across versions; each version is a later `modified`', () => {
    const v1 = objectOf(productToStixBundle({ product: image, localLevel: 'GOKUHI' }), 'artifact')
    const corrected = { ...image, version: 2, createdAtMs: image.createdAtMs + 60_000 }
    const bundle = productToStixBundle({ product: corrected, localLevel: 'GOKUHI' })
    const v2 = objectOf(bundle, 'artifact')
    assert.equal(v2?.id, v1?.id)
    assert.equal(v1?.id, productStixId('imagery', image.id))
    assert.ok(String(v2?.['modified']) > String(v1?.['modified']))
    assert.ok(bundle.objects.some((o) => o.id === PRODUCT_VERSION_EXTENSION.id))
    assert.deepEqual(valid(PRODUCT_VERSION_EXTENSION), [])
  })

  test('a reference to an assessment names its note, not an artifact', () => {
    const { imagery: _imagery, ...common } = image
    const note: Product = {
      ...common,
      kind: 'assessment',
      id: 'a-2',
      assessment: {
        text: 'see a-1 and the image',
        refs: [
          { kind: 'product', id: 'a-1' },
          { kind: 'product', id: 'p-sunchon' },
        ],
      },
    }
    const bundle = productToStixBundle({
      product: note,
      localLevel: 'GOKUHI',
      assessmentRefs: new Set(['a-1']),
    })
    assert.deepEqual(objectOf(bundle, 'note')?.['object_refs'], [
      productStixId('assessment', 'a-1'),
      productStixId('imagery', 'p-sunchon'),
    ])
  })

  test('a withdrawn product is its object revoked, with nothing of its content', () => {
    const withdrawal = {
      productId: 'p-sunchon',
      originator: 'JPN',
      reason: 'wrong target',
      createdAtMs: image.createdAtMs,
      withdrawnAtMs: image.createdAtMs + 1,
    }
    const file = { url: 'https://jpn.example/taxii2/api/x/content', sha256: 'a'.repeat(64) }
    const [artifact] = productWithdrawalToStixObjects({
      ...withdrawal,
      kind: 'imagery',
      file,
    }).filter((o) => o.type === 'artifact')
    assert.equal(artifact?.id, productStixId('imagery', 'p-sunchon'))
    assert.equal(artifact?.['revoked'], true)
    for (const field of ['payload_bin', 'mime_type', 'object_marking_refs', 'x_entente_footprint'])
      assert.equal(artifact?.[field], undefined, field)
    // STIX needs payload_bin, or url with hashes: the address that now refuses it, and its digest.
    assert.equal(artifact?.['url'], file.url)
    assert.deepEqual(artifact?.['hashes'], { 'SHA-256': file.sha256 })
    assert.deepEqual(valid(artifact ?? { type: 'artifact' }), [])
    const objects = productWithdrawalToStixObjects({ ...withdrawal, kind: 'assessment' })
    const note = objects.find((o) => o.type === 'note')
    assert.deepEqual(valid(note ?? { type: 'note' }), [])
    assert.deepEqual(note?.['object_refs'], [partyIdentityId('JPN')])
    assert.equal(note?.['modified'], '2019-10-31T02:00:00.001Z')
  })

  test('a superseded product is a content-free version of its object, valid STIX', () => {
    const notice = {
      productId: 'p-sunchon',
      originator: 'JPN',
      supersededByVersion: 2,
      createdAtMs: image.createdAtMs + 5,
      supersededAtMs: image.createdAtMs + 5,
    }
    const file = { url: 'https://jpn.example/taxii2/api/x/content', sha256: 'b'.repeat(64) }
    const artifact = productSupersessionToStixObjects({ ...notice, kind: 'imagery', file }).find(
      (o) => o.type === 'artifact',
    )
    assert.equal(artifact?.id, productStixId('imagery', 'p-sunchon'))
    assert.equal(artifact?.['x_entente_superseded_by_version'], 2)
    for (const field of ['payload_bin', 'mime_type', 'object_marking_refs', 'x_entente_footprint'])
      assert.equal(artifact?.[field], undefined, field)
    assert.deepEqual(valid(artifact ?? { type: 'artifact' }), [])
    const note = productSupersessionToStixObjects({ ...notice, kind: 'assessment' }).find(
      (o) => o.type === 'note',
    )
    assert.deepEqual(valid(note ?? { type: 'note' }), [])
    assert.deepEqual(note?.['object_refs'], [partyIdentityId('JPN')])
  })
})
