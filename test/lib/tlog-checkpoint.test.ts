import assert from 'node:assert/strict'
import { generateKeyPairSync, hash, sign, verify } from 'node:crypto'
import { describe, it } from 'node:test'
import { MemoryHashStore, MerkleAppender } from '../../src/lib/merkle-appender.ts'
import { rfc6962Hasher, rootHash } from '../../src/lib/merkle.ts'
import {
  SIGNATURE_TYPES,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatNote,
  keyIdHex,
  openNote,
  parseNote,
} from '../../src/lib/signed-note.ts'
import {
  cosignatureMessage,
  decodeTimestampedSignature,
  ed25519CosignatureVerifier,
  ed25519Cosigner,
  formatCheckpoint,
  parseCheckpoint,
  signCheckpoint,
} from '../../src/lib/tlog-checkpoint.ts'

const sha256 = (data: Uint8Array): Uint8Array => hash('sha256', data, 'buffer')
const hasher = rfc6962Hasher(sha256)

function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519')
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url')
  return {
    raw,
    sign: (m: Uint8Array) => sign(null, m, privateKey),
    verify: (m: Uint8Array, s: Uint8Array) => verify(null, m, publicKey, s),
  }
}

// c2sp.org/tlog-checkpoint and c2sp.org/tlog-cosignature: the examples.
const SOFA_TEXT =
  'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'
const SOFA_NOTE =
  `${SOFA_TEXT}\n` +
  '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n' +
  '— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n'

describe('C2SP tlog-checkpoint: the note text', () => {
  it('reads the specification example and writes it back unchanged', () => {
    const parsed = parseCheckpoint(SOFA_TEXT)
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.issues)
    assert.equal(parsed.value.origin, 'example.com/behind-the-sofa')
    assert.equal(parsed.value.size, 20852163)
    assert.equal(parsed.value.rootHash.length, 32)
    assert.deepEqual(parsed.value.extensions, [])
    assert.equal(formatCheckpoint(parsed.value), SOFA_TEXT)
  })

  it('keeps extension lines', () => {
    const text = `${SOFA_TEXT}ext one\next two\n`
    const parsed = parseCheckpoint(text)
    assert.ok(parsed.ok)
    assert.deepEqual(parsed.value.extensions, ['ext one', 'ext two'])
    assert.equal(formatCheckpoint(parsed.value), text)
  })

  it('refuses a bad checkpoint, naming the line and the rule', () => {
    const root = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I='
    const cases: [string, RegExp][] = [
      [
        `o\n020852163\n${root}\n`,
        /tree size '020852163' must be a decimal integer without leading zeroes/,
      ],
      [`o\n-1\n${root}\n`, /tree size '-1'/],
      [`o\n9007199254740993\n${root}\n`, /tree size '9007199254740993'/],
      [`\n5\n${root}\n`, /the origin line must not be empty/],
      ['o\n5\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxqw==\n', /must be the base64 of 32 bytes/],
      [`o\n5\n${root}\n\n`, /extension lines must not be empty/],
      [`o\n5\n${root}`, /must end in a newline/],
      ['o\n5\n', /root hash ''/],
    ]
    for (const [text, issue] of cases) {
      const parsed = parseCheckpoint(text)
      assert.equal(parsed.ok, false, JSON.stringify(text))
      if (!parsed.ok) assert.match(parsed.issues, issue)
    }
  })
})

describe('C2SP tlog-cosignature: Ed25519 timestamped cosignatures', () => {
  it('decodes the example cosignature line to the example message timestamp, 1679315147', () => {
    const note = parseNote(SOFA_NOTE)
    assert.ok(note.ok)
    const witness = note.value.signatures[1]
    assert.equal(witness?.name, 'witness.example.com/w1')
    const decoded = decodeTimestampedSignature(witness?.signature ?? new Uint8Array(0))
    assert.equal(decoded?.timestampS, 1679315147)
    assert.equal(decoded?.signature.length, 64)
  })

  it('signs exactly the message of the specification example', () => {
    assert.equal(
      cosignatureMessage(1679315147, SOFA_TEXT),
      'cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n' +
        'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n',
    )
  })

  it('a log signature and a cosignature both verify; the cosigner key ID uses type 0x04', () => {
    const log = keyPair()
    const witness = keyPair()
    const signer = ed25519NoteSigner(sha256, 'log.example/KOR', log.raw, log.sign)
    const cosigner = ed25519Cosigner(sha256, 'witness.example/JPN', witness.raw, witness.sign)
    const asNoteKey = ed25519NoteSigner(sha256, 'witness.example/JPN', witness.raw, witness.sign)
    assert.notEqual(cosigner.keyId, asNoteKey.keyId, 'type 0x04 and 0x01 give different key IDs')
    const text = formatCheckpoint({
      origin: 'log.example/KOR',
      size: 3,
      rootHash: new Uint8Array(32),
      extensions: [],
    })
    const cosig = cosigner.cosign(text, 1_700_000_000)
    const message = formatNote({
      text,
      signatures: [{ ...signer, signature: signer.sign(text) }, cosig],
    })
    const verifiers = [
      ed25519NoteVerifier(sha256, 'log.example/KOR', log.raw, log.verify),
      ed25519CosignatureVerifier(sha256, 'witness.example/JPN', witness.raw, witness.verify),
    ]
    const opened = openNote(message, verifiers)
    assert.ok(opened.ok, opened.ok ? '' : opened.issues)
    assert.equal(opened.value.verified.length, 2)
    assert.equal(decodeTimestampedSignature(cosig.signature)?.timestampS, 1_700_000_000)
    assert.equal(SIGNATURE_TYPES.cosignatureEd25519, 0x04)
  })

  it('a cosignature whose timestamp was changed fails', () => {
    const witness = keyPair()
    const cosigner = ed25519Cosigner(sha256, 'w.example/1', witness.raw, witness.sign)
    const cosig = cosigner.cosign(SOFA_TEXT, 1679315147)
    const moved = Uint8Array.from(cosig.signature)
    moved[7] = (moved[7] ?? 0) ^ 1
    const verifier = ed25519CosignatureVerifier(sha256, 'w.example/1', witness.raw, witness.verify)
    assert.equal(verifier.verify(SOFA_TEXT, cosig.signature), true)
    assert.equal(verifier.verify(SOFA_TEXT, moved), false)
    assert.equal(verifier.verify(SOFA_TEXT, cosig.signature.subarray(8)), false, 'no timestamp')
  })
})

describe('signCheckpoint: never a checkpoint inconsistent with one signed before', () => {
  const key = keyPair()
  const signer = ed25519NoteSigner(sha256, 'entente.example/KOR', key.raw, key.sign)
  const verifier = ed25519NoteVerifier(sha256, 'entente.example/KOR', key.raw, key.verify)
  const build = (entries: readonly string[]) => {
    const store = new MemoryHashStore()
    const log = MerkleAppender.empty(hasher)
    for (const e of entries) store.put(log.append(Buffer.from(e)))
    return store
  }
  const entries = Array.from({ length: 12 }, (_, i) => `entry ${i}`)
  const store = build(entries)
  const checkpoint = (size: number, reader = store) => ({
    origin: 'entente.example/KOR',
    size,
    rootHash: rootHash(hasher, reader, size),
    extensions: [],
  })

  it('signs the first checkpoint and one that extends it; the note opens and reads back', () => {
    const first = signCheckpoint({
      checkpoint: checkpoint(5),
      signer,
      hasher,
      reader: store,
      previous: undefined,
    })
    const next = signCheckpoint({
      checkpoint: checkpoint(12),
      signer,
      hasher,
      reader: store,
      previous: checkpoint(5),
    })
    for (const [note, size] of [
      [first, 5],
      [next, 12],
    ] as const) {
      const opened = openNote(note, [verifier])
      assert.ok(opened.ok)
      const read = parseCheckpoint(opened.value.text)
      assert.ok(read.ok)
      assert.equal(read.value.size, size)
    }
    assert.equal(keyIdHex(signer.keyId).length, 8)
  })

  it('refuses a smaller checkpoint, one over a rewritten store, and a root the store does not hold', () => {
    assert.throws(
      () =>
        signCheckpoint({
          checkpoint: checkpoint(5),
          signer,
          hasher,
          reader: store,
          previous: checkpoint(12),
        }),
      {
        code: 'CONFLICT',
        message:
          'refusing to sign entente.example/KOR at size 5: size 5 is below the 12 signed before',
      },
    )
    const rewritten = build(entries.map((e, i) => (i === 2 ? 'rewritten' : e)))
    assert.throws(
      () =>
        signCheckpoint({
          checkpoint: checkpoint(12, rewritten),
          signer,
          hasher,
          reader: rewritten,
          previous: checkpoint(5),
        }),
      {
        code: 'CONFLICT',
        message:
          /refusing to sign entente\.example\/KOR at size 12: the proof does not lead to root1/,
      },
    )
    assert.throws(
      () =>
        signCheckpoint({
          checkpoint: { ...checkpoint(12), rootHash: new Uint8Array(32) },
          signer,
          hasher,
          reader: store,
          previous: undefined,
        }),
      { code: 'CONFLICT', message: /its root is not the stored tree/ },
    )
  })
})
