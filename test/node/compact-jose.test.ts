import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { describe, it } from 'node:test'
import { CompactEncrypt, CompactSign, compactDecrypt, compactVerify } from 'jose'
import {
  CompactJoseError,
  decryptCompact,
  encryptCompact,
  signCompact,
  verifyCompact,
} from '../../src/node/crypto/compact-jose.ts'

const ed = generateKeyPairSync('ed25519')
const x = generateKeyPairSync('x25519')
const text = new TextEncoder().encode(JSON.stringify({ report: 'KN-25 boost phase ✓' }))
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

/** Replaces one base64url segment of a compact serialization. */
function withSegment(compact: string, index: number, value: string): string {
  const parts = compact.split('.')
  parts[index] = value
  return parts.join('.')
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

function kindOf(f: () => unknown): string {
  try {
    f()
    return 'accepted'
  } catch (error) {
    assert.ok(error instanceof CompactJoseError, String(error))
    return error.kind
  }
}

describe('compact JWS (EdDSA) and JWE (ECDH-ES, X25519, A256GCM) on node:crypto', () => {
  it('what it signs verifies with jose, and what jose signs verifies here', async () => {
    const ours = signCompact(text, { typ: 't+jws', kid: 'KOR-sig' }, ed.privateKey)
    const verified = await compactVerify(ours, ed.publicKey, { algorithms: ['EdDSA'] })
    assert.equal(decode(verified.payload), decode(text))
    assert.equal(verified.protectedHeader.typ, 't+jws')
    const theirs = await new CompactSign(text)
      .setProtectedHeader({ alg: 'EdDSA', typ: 't+jws' })
      .sign(ed.privateKey)
    const mine = verifyCompact(theirs, ed.publicKey)
    assert.equal(decode(mine.payload), decode(text))
    assert.equal(mine.protectedHeader['typ'], 't+jws')
  })

  it('what it encrypts decrypts with jose, and what jose encrypts decrypts here', async () => {
    const ours = encryptCompact(text, { cty: 't+jws', kid: 'JPN-enc' }, x.publicKey)
    const opened = await compactDecrypt(ours, x.privateKey, {
      keyManagementAlgorithms: ['ECDH-ES'],
      contentEncryptionAlgorithms: ['A256GCM'],
    })
    assert.equal(decode(opened.plaintext), decode(text))
    assert.equal(opened.protectedHeader.cty, 't+jws')
    for (const extra of [{}, { apu: 'S09S', apv: 'SlBO' }]) {
      const theirs = await new CompactEncrypt(text)
        .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', cty: 't+jws', ...extra })
        .encrypt(x.publicKey)
      assert.equal(decode(decryptCompact(theirs, x.privateKey).plaintext), decode(text))
    }
  })

  it('a signature by another key, or over other bytes, does not verify', () => {
    const jws = signCompact(text, {}, ed.privateKey)
    const other = generateKeyPairSync('ed25519')
    assert.equal(
      kindOf(() => verifyCompact(jws, other.publicKey)),
      'invalid',
    )
    assert.equal(
      kindOf(() => verifyCompact(withSegment(jws, 2, 'AAAA'), ed.publicKey)),
      'invalid',
    )
    assert.equal(
      kindOf(() => verifyCompact(jws, x.publicKey)),
      'invalid',
    )
    const altered = withSegment(jws, 1, Buffer.from('{"report":"x"}').toString('base64url'))
    assert.equal(
      kindOf(() => verifyCompact(altered, ed.publicKey)),
      'invalid',
    )
  })

  it('another alg is disallowed; crit, b64 and an embedded jwk are refused', async () => {
    const hs = await new CompactSign(text)
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new Uint8Array(32))
    assert.equal(
      kindOf(() => verifyCompact(hs, ed.publicKey)),
      'disallowed',
    )
    const jws = signCompact(text, {}, ed.privateKey)
    for (const header of [
      { alg: 'EdDSA', crit: ['exp'], exp: 1 },
      { alg: 'EdDSA', b64: false, crit: ['b64'] },
      { alg: 'EdDSA', jwk: ed.publicKey.export({ format: 'jwk' }) },
    ])
      assert.equal(
        kindOf(() => verifyCompact(withSegment(jws, 0, b64(header)), ed.publicKey)),
        'invalid',
      )
  })

  it('a JWE with another key, a changed header, ciphertext or tag, or a low-order epk is refused', () => {
    const jwe = encryptCompact(text, { cty: 't' }, x.publicKey)
    const other = generateKeyPairSync('x25519')
    assert.equal(
      kindOf(() => decryptCompact(jwe, other.privateKey)),
      'invalid',
    )
    const header = JSON.parse(Buffer.from(jwe.split('.')[0] ?? '', 'base64url').toString()) as {
      epk: Record<string, string>
    }
    const flip = (segment: string) => {
      const bytes = Buffer.from(segment, 'base64url')
      bytes[0] = (bytes[0] ?? 0) ^ 1
      return bytes.toString('base64url')
    }
    const parts = jwe.split('.')
    const cases = [
      withSegment(jwe, 0, b64({ ...header, cty: 'other' })),
      withSegment(jwe, 3, flip(parts[3] ?? '')),
      withSegment(jwe, 4, flip(parts[4] ?? '')),
      withSegment(jwe, 0, b64({ ...header, epk: { ...header.epk, x: 'A'.repeat(43) } })),
      withSegment(jwe, 1, 'AAAA'),
      withSegment(jwe, 2, 'AAAA'),
    ]
    for (const altered of cases)
      assert.equal(
        kindOf(() => decryptCompact(altered, x.privateKey)),
        'invalid',
        altered.slice(0, 40),
      )
    assert.equal(
      kindOf(() =>
        decryptCompact(withSegment(jwe, 0, b64({ ...header, enc: 'A128GCM' })), x.privateKey),
      ),
      'disallowed',
    )
  })
})
