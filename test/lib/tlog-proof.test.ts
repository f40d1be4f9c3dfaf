import assert from 'node:assert/strict'
import { generateKeyPairSync, hash, sign, verify } from 'node:crypto'
import { describe, it } from 'node:test'
import { MemoryHashStore, MerkleAppender } from '../../src/lib/merkle-appender.ts'
import { inclusionProof, rfc6962Hasher } from '../../src/lib/merkle.ts'
import {
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatNote,
  signNote,
} from '../../src/lib/signed-note.ts'
import {
  ed25519CosignatureVerifier,
  ed25519Cosigner,
  formatCheckpoint,
} from '../../src/lib/tlog-checkpoint.ts'
import { checkTlogProof, formatTlogProof, parseTlogProof } from '../../src/lib/tlog-proof.ts'

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

// transparency-dev/merkle (testonly/constants.go): the eight RFC 6962 reference leaves and the
// root of the tree of all eight.
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((h) => Buffer.from(h, 'hex'))
const ROOT_8 = '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'

const origin = 'example.com/reference'
const log = keyPair()
const witness = keyPair()
const logVerifier = ed25519NoteVerifier(sha256, origin, log.raw, log.verify)
const witnessVerifier = ed25519CosignatureVerifier(
  sha256,
  'w1.example',
  witness.raw,
  witness.verify,
)

function referenceProof(index: number): string {
  const tree = new MemoryHashStore()
  const appender = MerkleAppender.empty(hasher)
  for (const leaf of LEAVES) tree.put(appender.append(leaf))
  assert.equal(Buffer.from(appender.root()).toString('hex'), ROOT_8)
  const text = formatCheckpoint({ origin, size: 8, rootHash: appender.root(), extensions: [] })
  const note = formatNote({
    text,
    signatures: [
      signNote(text, ed25519NoteSigner(sha256, origin, log.raw, log.sign)),
      ed25519Cosigner(sha256, 'w1.example', witness.raw, witness.sign).cosign(text, 1_700_000_000),
    ],
  })
  return formatTlogProof({
    extra: LEAVES[index],
    index,
    proof: inclusionProof(hasher, tree, index, 8),
    checkpointNote: note,
  })
}

const check = (text: string, minCosignatures = 1) =>
  checkTlogProof({ text, hasher, log: logVerifier, witnesses: [witnessVerifier], minCosignatures })

describe('C2SP tlog-proof over the transparency-dev reference tree', () => {
  it('every leaf of the eight proves, cosigned, and the text reads back as written', () => {
    for (let i = 0; i < 8; i++) {
      const text = referenceProof(i)
      assert.match(text, /^c2sp\.org\/tlog-proof@v1\n(extra .*\n)?index \d+\n/)
      const parsed = parseTlogProof(text)
      assert.ok(parsed.ok)
      assert.equal(formatTlogProof(parsed.value), text)
      const checked = check(text)
      assert.ok(checked.ok, checked.ok ? '' : checked.issues)
      assert.deepEqual(checked.value.cosignedBy, ['w1.example'])
      assert.equal(checked.value.index, i)
    }
  })

  it('fails naming why: another entry, a hash changed, the wrong index, too few cosignatures', () => {
    const text = referenceProof(3)
    const otherEntry = text.replace(/^extra .*$/m, `extra ${Buffer.from('x').toString('base64')}`)
    assert.deepEqual(check(otherEntry), {
      ok: false,
      issues: 'inclusion of entry 3: the proof leads to another root',
    })
    const lines = text.split('\n')
    lines[3] = Buffer.alloc(32, 7).toString('base64')
    assert.match((check(lines.join('\n')) as { issues: string }).issues, /another root/)
    assert.match(
      (check(text.replace('index 3', 'index 4')) as { issues: string }).issues,
      /inclusion of entry 4/,
    )
    assert.match((check(text, 2) as { issues: string }).issues, /1 cosignature\(s\).*2 needed/)
    assert.match((check(text.replace(/^extra .*\n/m, '')) as { issues: string }).issues, /no entry/)
  })
})
