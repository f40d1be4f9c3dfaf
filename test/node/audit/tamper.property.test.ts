import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { MemoryHashStore, MerkleAppender } from '../../../src/lib/merkle-appender.ts'
import { formatNote, signNote } from '../../../src/lib/signed-note.ts'
import { formatCheckpoint } from '../../../src/lib/tlog-checkpoint.ts'
import { checkpointSigner, merkleHasher } from '../../../src/node/audit/checkpoint-note.ts'
import { GENESIS_HASH, auditHash } from '../../../src/node/audit/hash.ts'
import { auditLeaf, logOrigin } from '../../../src/node/audit/merkle-log.ts'
import { verifyAuditChain, witnessedProblem } from '../../../src/node/audit/verify.ts'
import type { AuditCheckpoint, AuditEntry, AuditInput } from '../../../src/node/store/store.ts'

// Issue 13, item 5: whatever the node's operator does to its own store — and re-signs with
// the node's own key — the checkpoints its peers hold show it. The attacker here is strong:
// after every change it recomputes the hash chain and signs fresh checkpoints of its own.

const { privateKey, publicKey } = generateKeyPairSync('ed25519')
const origin = logOrigin('KOR')
const signer = checkpointSigner(origin, privateKey)

/** Numbers the inputs and links them, as a store does: a consistent-looking chain. */
function chain(inputs: readonly AuditInput[]): AuditEntry[] {
  let prevHash = GENESIS_HASH
  return inputs.map((input, i) => {
    const hash = auditHash(i + 1, prevHash, input)
    const entry = { ...input, seq: i + 1, prevHash, hash }
    prevHash = hash
    return entry
  })
}

function treeOf(entries: readonly AuditEntry[]): { tree: MemoryHashStore; roots: Uint8Array[] } {
  const tree = new MemoryHashStore()
  const log = MerkleAppender.empty(merkleHasher)
  const roots = [log.root()]
  for (const entry of entries) {
    tree.put(log.append(auditLeaf(entry)))
    roots.push(log.root())
  }
  return { tree, roots }
}

function signedNote(size: number, rootHash: Uint8Array): string {
  const text = formatCheckpoint({ origin, size, rootHash, extensions: [] })
  return formatNote({ text, signatures: [signNote(text, signer)] })
}

/** The attacker's own checkpoint rows over what it made, re-signed with the node's key. */
function resigned(entries: readonly AuditEntry[]): AuditCheckpoint[] {
  if (entries.length === 0) return []
  const root = treeOf(entries).roots.at(-1) as Uint8Array
  return [
    {
      seq: entries.length,
      hash: Buffer.from(root).toString('hex'),
      atMs: 0,
      signature: signedNote(entries.length, root),
    },
  ]
}

const TYPES = ['request', 'answer', 'send', 'delivery', 'arrival', 'decision'] as const
const input = fc.record({
  atMs: fc.integer({ min: 1_572_566_400_000, max: 1_572_652_800_000 }),
  type: fc.constantFrom(...TYPES),
  party: fc.constantFrom('JPN', 'USA', null),
  subject: fc.option(fc.string({ minLength: 1, maxLength: 12 }), { nil: null }),
  data: fc.dictionary(
    fc.string({ minLength: 1, maxLength: 6 }),
    fc.oneof(fc.integer(), fc.string({ maxLength: 8 })),
    { maxKeys: 3 },
  ),
})

/** A history, the sizes at which peers took (and hold) its checkpoints, and tamper choices. */
const history = fc.array(input, { minLength: 2, maxLength: 40 }).chain((inputs) =>
  fc.record({
    inputs: fc.constant(inputs),
    witnessedSizes: fc.uniqueArray(fc.integer({ min: 1, max: inputs.length }), {
      minLength: 1,
      maxLength: 4,
    }),
    pick: fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat({ max: 7 })),
    extra: fc.array(input, { minLength: 0, maxLength: 5 }),
  }),
)

const TAMPERS = ['truncate', 'delete', 'reorder', 'byte', 'rewrite'] as const
type Tamper = (typeof TAMPERS)[number]

/** What the attacker makes of the inputs; each change lands below the largest witnessed size. */
function tamper(
  kind: Tamper,
  inputs: readonly AuditInput[],
  witnessed: number,
  pick: readonly [number, number, number, number],
  extra: readonly AuditInput[],
): AuditInput[] | undefined {
  const [a, b, c, d] = pick
  const i = a % witnessed
  switch (kind) {
    case 'truncate':
      return inputs.slice(0, i)
    case 'delete':
      return [...inputs.slice(0, i), ...inputs.slice(i + 1)]
    case 'reorder': {
      const j = (i + 1 + (b % (inputs.length - 1))) % inputs.length
      const swapped = [...inputs]
      ;[swapped[i], swapped[j]] = [swapped[j] as AuditInput, swapped[i] as AuditInput]
      // Two equal entries swapped change nothing: no tampering to detect.
      return JSON.stringify(swapped) === JSON.stringify(inputs) ? undefined : swapped
    }
    case 'byte': {
      const target = inputs[i] as AuditInput
      const json = JSON.stringify(target.data)
      const at = c % json.length
      // One character of the entry's canonical form changed: its instant's last digit, or data.
      const changed =
        d % 2 === 0
          ? { ...target, atMs: target.atMs ^ 1 }
          : {
              ...target,
              data: { ...target.data, [`k${json.charCodeAt(at) % 10}`]: `v${d}` },
            }
      if (JSON.stringify(changed) === JSON.stringify(target)) return undefined
      return inputs.map((x, k) => (k === i ? changed : x))
    }
    case 'rewrite':
      // The whole log made again: one entry replaced (the one that embarrasses), then more.
      return [
        ...inputs.slice(0, i),
        { ...(inputs[i] as AuditInput), party: 'USA', type: 'answer', subject: `rewritten-${b}` },
        ...inputs.slice(i + 1),
        ...extra,
      ]
  }
}

describe('a node cannot rewrite its audit without its peers’ checkpoints showing it (property)', () => {
  it('over ≥ 1,000 random histories × 5 tamperings: 0 undetected from the checkpoints peers hold', async () => {
    let cases = 0
    let checked = 0
    const undetected: string[] = []
    await fc.assert(
      fc.asyncProperty(history, async ({ inputs, witnessedSizes, pick, extra }) => {
        cases++
        const original = chain(inputs)
        const { roots } = treeOf(original)
        const held = witnessedSizes.map((size) => signedNote(size, roots[size] as Uint8Array))
        const witnessed = Math.max(...witnessedSizes)
        for (const kind of TAMPERS) {
          const made = tamper(kind, inputs, witnessed, pick, extra)
          if (made === undefined) continue
          checked++
          const forged = chain(made)
          const { tree } = treeOf(forged)
          const fromPeers = held.map((note) => witnessedProblem(note, tree, forged.length))
          if (fromPeers.every((p) => p === undefined)) undetected.push(`${kind}: ${cases}`)
          // The own key is no help: the forged chain and its re-signed checkpoint verify alone…
          const alone = await verifyAuditChain(forged, resigned(forged), publicKey)
          assert.equal(alone.ok, true, `${kind}: the attacker's own chain verifies without peers`)
          // …and `audit verify --witnessed` with what the peers hold names the break.
          const withPeers = await verifyAuditChain(forged, resigned(forged), publicKey, held)
          assert.equal(withPeers.ok, false, `${kind}: audit verify --witnessed detects it`)
        }
      }),
      { numRuns: 1_000, seed: 13 },
    )
    assert.equal(cases, 1_000)
    assert.ok(checked >= 4_500, `${checked} tampered logs checked`)
    assert.deepEqual(undetected, [], 'every tampering detected from the peers’ checkpoints')
  })

  it('the untouched log passes against the same peers’ checkpoints (no false alarm)', async () => {
    await fc.assert(
      fc.asyncProperty(history, async ({ inputs, witnessedSizes }) => {
        const entries = chain(inputs)
        const { roots } = treeOf(entries)
        const held = witnessedSizes.map((size) => signedNote(size, roots[size] as Uint8Array))
        const result = await verifyAuditChain(entries, resigned(entries), publicKey, held)
        assert.equal(result.ok, true)
      }),
      { numRuns: 200, seed: 13 },
    )
  })
})
