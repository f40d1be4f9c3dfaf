import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { bytesEqual, fromBase64, hasLoneSurrogate, toBase64, utf8 } from '../../src/lib/bytes.ts'

describe('bytes: the codecs the pure layers use in place of Buffer', () => {
  it('toBase64 agrees with Buffer, and fromBase64 inverts it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = toBase64(bytes)
        assert.equal(text, Buffer.from(bytes).toString('base64'))
        assert.ok(bytesEqual(fromBase64(text) ?? new Uint8Array(1), bytes))
      }),
    )
  })

  it('fromBase64 refuses what is not canonical standard padded base64', () => {
    for (const text of ['QR==', 'QUI=x', 'QUI', 'QU I=', 'Q===', '-_8=', 'QUJD\n', '=QUJ'])
      assert.equal(fromBase64(text), undefined, JSON.stringify(text))
    assert.deepEqual(fromBase64(''), new Uint8Array(0))
  })

  it('utf8 agrees with Buffer for well-formed strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
        assert.ok(bytesEqual(utf8(text), Buffer.from(text, 'utf8')))
      }),
    )
  })

  it('hasLoneSurrogate tells unpaired surrogates from pairs', () => {
    assert.equal(hasLoneSurrogate('a\uD83D\uDE00b'), false)
    assert.equal(hasLoneSurrogate('a\uD83Db'), true)
    assert.equal(hasLoneSurrogate('\uDE00'), true)
  })
})
