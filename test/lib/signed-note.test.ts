import assert from 'node:assert/strict'
import { createPrivateKey, createPublicKey, hash, sign, verify } from 'node:crypto'
import { describe, it } from 'node:test'
import {
  type NoteVerifier,
  SIGNATURE_TYPES,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatNote,
  formatVerifierKey,
  keyIdHex,
  keyIdOf,
  openNote,
  parseNote,
  parseVerifierKey,
  signNote,
} from '../../src/lib/signed-note.ts'

const sha256 = (data: Uint8Array): Uint8Array => hash('sha256', data, 'buffer')

/** node:crypto Ed25519 from raw RFC 8032 bytes, as the pure module expects it injected. */
function rawVerifier(name: string, publicKey: Uint8Array): NoteVerifier {
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
    format: 'jwk',
  })
  return ed25519NoteVerifier(sha256, name, publicKey, (m, s) => verify(null, m, key, s))
}

function seedSigner(name: string, seed: Uint8Array) {
  const key = createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
    format: 'der',
    type: 'pkcs8',
  })
  const x = key.export({ format: 'jwk' }).x ?? ''
  return ed25519NoteSigner(sha256, name, Buffer.from(x, 'base64url'), (m) => sign(null, m, key))
}

function vkeyVerifier(vkey: string): NoteVerifier {
  const parsed = parseVerifierKey(sha256, vkey)
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.issues)
  return rawVerifier(parsed.value.name, parsed.value.publicKey)
}

// c2sp.org/signed-note, §Verifier keys, Example.
const C2SP_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k'
const C2SP_NOTE =
  'This is an example message.\n\n— example.com/foo ' +
  'Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n'

// golang.org/x/mod/sumdb/note, note_test.go (the reference implementation's vectors).
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop'
const TEXT =
  'If you think cryptography is the answer to your problem,\n' +
  "then you don't know what your problem is.\n"
const PETER_SIG =
  '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n'
const ENOCH_SIG =
  '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n'

describe('C2SP signed-note: the specification example', () => {
  it('its verifier key parses, and its key ID is the hash of name, 0x0A, 0x01 and the key', () => {
    const parsed = parseVerifierKey(sha256, C2SP_VKEY)
    assert.ok(parsed.ok)
    assert.equal(parsed.value.name, 'example.com/foo')
    assert.equal(keyIdHex(parsed.value.keyId), '530d903a')
    assert.equal(parsed.value.type, SIGNATURE_TYPES.ed25519)
    const id = keyIdOf(sha256, 'example.com/foo', 0x01, parsed.value.publicKey)
    assert.equal(keyIdHex(id), '530d903a')
    assert.equal(
      formatVerifierKey(sha256, 'example.com/foo', 0x01, parsed.value.publicKey),
      C2SP_VKEY,
    )
  })

  it('its note verifies with that key, and fails once the text is changed', () => {
    const opened = openNote(C2SP_NOTE, [vkeyVerifier(C2SP_VKEY)])
    assert.ok(opened.ok, opened.ok ? '' : opened.issues)
    assert.equal(opened.value.text, 'This is an example message.\n')
    assert.equal(opened.value.verified.length, 1)
    const changed = openNote(C2SP_NOTE.replace('example', 'Example'), [vkeyVerifier(C2SP_VKEY)])
    assert.deepEqual(changed, {
      ok: false,
      issues: 'invalid signature for key example.com/foo+530d903a',
    })
  })
})

describe('C2SP signed-note: the Go reference vectors (golang.org/x/mod/sumdb/note)', () => {
  const peter = vkeyVerifier(PETER_VKEY)
  const enoch = vkeyVerifier(ENOCH_VKEY)
  const seed = Buffer.from(PETER_SKEY.split('+').slice(4).join('+'), 'base64').subarray(1)

  it('signing with the published seed reproduces the published signature byte for byte', () => {
    const signer = seedSigner('PeterNeumann', seed)
    assert.equal(keyIdHex(signer.keyId), 'c74f20a3')
    assert.equal(
      formatNote({ text: TEXT, signatures: [signNote(TEXT, signer)] }),
      `${TEXT}\n${PETER_SIG}`,
    )
  })

  it('verifies the known key and sets the unknown one aside; both verify when both are known', () => {
    const one = openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter])
    assert.ok(one.ok)
    assert.deepEqual(
      [one.value.verified.map((s) => s.name), one.value.unknown.map((s) => keyIdHex(s.keyId))],
      [['PeterNeumann'], ['af0cfe78']],
    )
    const both = openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [peter, enoch])
    assert.ok(both.ok)
    assert.deepEqual(
      both.value.verified.map((s) => s.name),
      ['PeterNeumann', 'EnochRoot'],
    )
    assert.equal(both.value.unknown.length, 0)
  })

  it('rejects a note with no signature from a known key, and an ambiguous verifier set', () => {
    assert.deepEqual(openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, []), {
      ok: false,
      issues: 'the note has no signature from a known key',
    })
    assert.deepEqual(openNote(`${TEXT}\n${ENOCH_SIG}`, [enoch, peter, enoch]), {
      ok: false,
      issues: 'ambiguous key EnochRoot+af0cfe78: more than one verifier has it',
    })
    assert.ok(openNote(`${TEXT}\n${PETER_SIG}`, [enoch, peter, enoch]).ok, 'unused duplicate')
  })

  it('rejects a known key whose signature fails, and drops repeated signatures', () => {
    const bad = `${PETER_SIG.slice(0, 60)}ABCD${PETER_SIG.slice(60)}`
    assert.deepEqual(openNote(`${TEXT}\n${bad}`, [peter]), {
      ok: false,
      issues: 'invalid signature for key PeterNeumann+c74f20a3',
    })
    const badEnoch = `${ENOCH_SIG.slice(0, 60)}ABCD${ENOCH_SIG.slice(60)}`
    const repeated = openNote(
      `${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}${badEnoch}`,
      [peter],
    )
    assert.ok(repeated.ok)
    assert.equal(repeated.value.verified.length, 1)
    assert.equal(repeated.value.unknown.length, 2, 'Enoch and the different, mangled Enoch')
  })

  it('accepts 100 signatures and refuses 101', () => {
    assert.ok(openNote(`${TEXT}\n${PETER_SIG.repeat(100)}`, [peter]).ok)
    assert.deepEqual(openNote(`${TEXT}\n${PETER_SIG.repeat(101)}`, [peter]), {
      ok: false,
      issues: 'a note may carry at most 100 signatures, not 101',
    })
  })

  it('refuses every malformed message of the Go table', () => {
    for (const message of [
      TEXT,
      `${TEXT}\n`,
      `${TEXT}\n${PETER_SIG.slice(0, -1)}`,
      `\x01${TEXT}\n${PETER_SIG}`,
      `\uD800${TEXT}\n${PETER_SIG}`,
      `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
      `${TEXT}\n${PETER_SIG}Unexpected line.\n`,
    ])
      assert.equal(parseNote(message).ok, false, JSON.stringify(message))
  })

  it('refuses every mangled verifier key (each proper substring, each character bumped)', () => {
    const bad = (k: string): boolean => !parseVerifierKey(sha256, k).ok
    for (let i = 0; i <= PETER_VKEY.length; i++)
      for (let j = i + 1; j <= PETER_VKEY.length; j++)
        if (i !== 0 || j !== PETER_VKEY.length)
          assert.ok(bad(PETER_VKEY.slice(i, j)), PETER_VKEY.slice(i, j))
    for (let i = 0; i < PETER_VKEY.length; i++) {
      const bumped = String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1)
      const k = PETER_VKEY.slice(0, i) + bumped + PETER_VKEY.slice(i + 1)
      assert.ok(bad(k), k)
    }
    assert.ok(bad('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='))
  })

  it('reads a verifier key whose base64 holds plus signs', () => {
    const publicKey = new Uint8Array(32)
    publicKey.set([0xfb, 0xef, 0xbe], 2) // after the type byte: the base64 quantum '++++'
    const vkey = formatVerifierKey(sha256, 'a.example/k', 0x01, publicKey)
    assert.match(vkey, /^a\.example\/k\+[0-9a-f]{8}\+AQAA\+\+\+\+/)
    const parsed = parseVerifierKey(sha256, vkey)
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.issues)
    assert.deepEqual(Buffer.from(parsed.value.publicKey), Buffer.from(publicKey))
  })
})

describe('signed-note formatting', () => {
  it('refuses a text without a final newline and a key name with a space, naming the rule', () => {
    const signer = seedSigner('PeterNeumann', new Uint8Array(32))
    assert.throws(() => signNote('no newline', signer), {
      code: 'INVALID_ARGUMENT',
      message: 'note text must end in a newline',
    })
    assert.throws(
      () =>
        formatNote({
          text: 'x\n',
          signatures: [{ name: 'a b', keyId: 1, signature: new Uint8Array(64) }],
        }),
      {
        code: 'INVALID_ARGUMENT',
        message: /key name 'a b' must be non-empty, without spaces or '\+'/,
      },
    )
  })

  it('round-trips a note with several signatures through formatNote and parseNote', () => {
    const signers = ['a.example/1', 'b.example/2'].map((n, i) =>
      seedSigner(n, new Uint8Array(32).fill(i + 1)),
    )
    const text = 'line one\n\nline three after a blank line\n'
    const message = formatNote({ text, signatures: signers.map((s) => signNote(text, s)) })
    const parsed = parseNote(message)
    assert.ok(parsed.ok)
    assert.equal(parsed.value.text, text)
    assert.deepEqual(
      parsed.value.signatures.map((s) => [s.name, s.keyId]),
      signers.map((s) => [s.name, s.keyId]),
    )
  })

  it('refuses a signature in non-canonical base64', () => {
    const line = PETER_SIG.replace('AM=\n', 'AN=\n') // stray bits in the last quantum
    assert.equal(parseNote(`${TEXT}\n${line}`).ok, false)
  })
})
