import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { productToStixBundle } from '../../src/interop/stix-products.ts'
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
})
