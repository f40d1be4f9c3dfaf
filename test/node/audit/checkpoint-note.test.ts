import assert from 'node:assert/strict'
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto'
import { describe, it } from 'node:test'
import {
  checkpointSigner,
  checkpointVerifier,
  cosignatureVerifier,
  cosigner,
  ed25519PublicKeyBytes,
  merkleHasher,
} from '../../../src/node/audit/checkpoint-note.ts'
import { formatNote, keyIdHex, openNote, signNote } from '../../../src/lib/signed-note.ts'
import { formatCheckpoint } from '../../../src/lib/tlog-checkpoint.ts'

// golang.org/x/mod/sumdb/note, note_test.go: the PeterNeumann key (seed after the 0x01 type
// byte of its PRIVATE+KEY string) and the signature Go publishes for this text.
const SEED = Buffer.from('AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz', 'base64').subarray(1)
const TEXT =
  'If you think cryptography is the answer to your problem,\n' +
  "then you don't know what your problem is.\n"
const SIGNED = `${TEXT}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`

const peterKey = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), SEED]),
  format: 'der',
  type: 'pkcs8',
})

describe('checkpoint-note: node:crypto behind the pure signed notes', () => {
  it('a KeyObject signer reproduces the Go reference note and key ID', () => {
    const signer = checkpointSigner('PeterNeumann', peterKey)
    assert.equal(keyIdHex(signer.keyId), 'c74f20a3')
    assert.equal(formatNote({ text: TEXT, signatures: [signNote(TEXT, signer)] }), SIGNED)
    const verifier = checkpointVerifier('PeterNeumann', createPublicKey(peterKey))
    assert.ok(openNote(SIGNED, [verifier]).ok)
  })

  it('reads the 32 raw bytes of a public key from either half of the pair', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519')
    assert.deepEqual(ed25519PublicKeyBytes(publicKey), ed25519PublicKeyBytes(privateKey))
    assert.equal(ed25519PublicKeyBytes(publicKey).length, 32)
    assert.throws(() => ed25519PublicKeyBytes(generateKeyPairSync('x25519').publicKey), /Ed25519/)
  })

  it('a checkpoint signed by the node and cosigned by a peer opens with both keys', () => {
    const kor = generateKeyPairSync('ed25519')
    const jpn = generateKeyPairSync('ed25519')
    const text = formatCheckpoint({
      origin: 'entente/KOR',
      size: 0,
      rootHash: merkleHasher.emptyRoot,
      extensions: [],
    })
    const note = formatNote({
      text,
      signatures: [
        signNote(text, checkpointSigner('entente/KOR', kor.privateKey)),
        cosigner('entente/JPN', jpn.privateKey).cosign(text, 1_572_500_000),
      ],
    })
    const opened = openNote(note, [
      checkpointVerifier('entente/KOR', kor.publicKey),
      cosignatureVerifier('entente/JPN', jpn.publicKey),
    ])
    assert.ok(opened.ok, opened.ok ? '' : opened.issues)
    assert.deepEqual(
      opened.value.verified.map((s) => s.name),
      ['entente/KOR', 'entente/JPN'],
    )
  })
})
