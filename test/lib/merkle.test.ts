import assert from 'node:assert/strict'
import { hash } from 'node:crypto'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { MemoryHashStore, MerkleAppender } from '../../src/lib/merkle-appender.ts'
import {
  type ProofCheck,
  checkAppendOnly,
  verifyConsistency,
  verifyInclusion,
} from '../../src/lib/merkle-verify.ts'
import {
  type MerkleHasher,
  consistencyPlan,
  consistencyProof,
  inclusionPlan,
  inclusionProof,
  planNodes,
  rfc6962Hasher,
  rootHash,
} from '../../src/lib/merkle.ts'

const hasher = rfc6962Hasher((data) => hash('sha256', data, 'buffer'))
const hex = (h: string): Uint8Array => Buffer.from(h, 'hex')
const b64 = (s: string): Uint8Array => Buffer.from(s, 'base64')
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

// Facts from transparency-dev/merkle (testonly/constants.go, cmd/proofgen/main.go and the
// testdata/ probes it writes): the RFC 6962 reference tree of eight leaves.
const LEAF_INPUTS = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(hex)

/** NodeHashes(): every complete subtree of the eight-leaf tree, by level then index. */
const NODE_HASHES = [
  [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
    '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
    '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
    'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    '4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658',
    'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
    '46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1',
  ],
  [
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
    '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
    'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
  ],
  [
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
  ],
  ['5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'],
] as const

/** RootHashes(): the root of the first n leaves, n = 0 … 8. */
const ROOT_HASHES = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
] as const

/** CompactTrees(): the frontier of the first n leaves, as [level, index] of NODE_HASHES. */
const COMPACT_TREES: readonly (readonly (readonly [number, number])[])[] = [
  [],
  [[0, 0]],
  [[1, 0]],
  [
    [1, 0],
    [0, 2],
  ],
  [[2, 0]],
  [
    [2, 0],
    [0, 4],
  ],
  [
    [2, 0],
    [1, 2],
  ],
  [
    [2, 0],
    [1, 2],
    [0, 6],
  ],
  [[3, 0]],
]

/** proofgen's inclusionProofs (leaf index made 0-based). */
const INCLUSION_PROOFS = [
  { index: 0, size: 1, proof: [] },
  {
    index: 0,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    index: 2,
    size: 3,
    proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125'],
  },
  {
    index: 1,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
] as const

/** proofgen's consistencyProofs. */
const CONSISTENCY_PROOFS = [
  { size1: 1, size2: 1, proof: [] },
  {
    size1: 1,
    size2: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
] as const

/** proofgen's sha256SomeHash and the empty tree's root. */
const SOME_HASH = hex('abacaba000000000000000000000000000000000000000000060061e00123456')
const EMPTY_ROOT = hex(ROOT_HASHES[0])

function buildLog(leaves: readonly Uint8Array[]): { store: MemoryHashStore; log: MerkleAppender } {
  const store = new MemoryHashStore()
  const log = MerkleAppender.empty(hasher)
  for (const leaf of leaves) store.put(log.append(leaf))
  return { store, log }
}

/** RFC 9162 §2.1.1 MTH, straight from the definition: the reference for the fast paths. */
function referenceRoot(h: MerkleHasher, leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return h.emptyRoot
  if (leaves.length === 1) return h.hashLeaf(leaves[0] as Uint8Array)
  let k = 1
  while (k * 2 < leaves.length) k *= 2
  return h.hashChildren(referenceRoot(h, leaves.slice(0, k)), referenceRoot(h, leaves.slice(k)))
}

function holds(check: ProofCheck, what: string): void {
  assert.ok(check.ok, `${what}: ${check.ok ? '' : check.issues}`)
}

function fails(check: ProofCheck, what: string): void {
  assert.equal(check.ok, false, `${what} should fail`)
}

const flip = (proof: readonly Uint8Array[], at: number, mask: number): Uint8Array[] =>
  proof.map((p, i) => (i === at ? Uint8Array.from(p, (b, j) => (j === 0 ? b ^ mask : b)) : p))

describe('RFC 6962 hashing against the transparency-dev/merkle reference tree', () => {
  const { store, log } = buildLog(LEAF_INPUTS)

  it('hashes each leaf input to its level-0 node hash', () => {
    assert.deepEqual(
      LEAF_INPUTS.map((l) => toHex(hasher.hashLeaf(l))),
      NODE_HASHES[0],
    )
  })

  it('stores every complete subtree the appends complete, with its reference hash', () => {
    NODE_HASHES.forEach((level, l) =>
      level.forEach((h, i) => assert.equal(toHex(store.nodeHash(l, i)), h, `node ${l}/${i}`)),
    )
  })

  it('gives the reference root for every size 0 … 8, from the appender and from the store', () => {
    const growing = MerkleAppender.empty(hasher)
    ROOT_HASHES.forEach((root, size) => {
      assert.equal(toHex(growing.root()), root, `appender root at size ${size}`)
      assert.equal(toHex(rootHash(hasher, store, size)), root, `stored root at size ${size}`)
      if (size < LEAF_INPUTS.length) growing.append(LEAF_INPUTS[size] as Uint8Array)
    })
    assert.equal(toHex(log.root()), ROOT_HASHES[8])
  })

  it('keeps the reference compact range (frontier) for every size, and resumes from it', () => {
    COMPACT_TREES.forEach((ids, size) => {
      const frontier = ids.map(([l, i]) => hex(NODE_HASHES[l]?.[i] ?? ''))
      assert.deepEqual(
        MerkleAppender.frontierIds(size).map((n) => [n.level, n.index]),
        ids,
        `frontier ids at size ${size}`,
      )
      const resumed = MerkleAppender.resume(hasher, size, frontier)
      assert.equal(toHex(resumed.root()), ROOT_HASHES[size], `resumed root at size ${size}`)
      const rest = MerkleAppender.resume(hasher, size, frontier)
      for (const leaf of LEAF_INPUTS.slice(size)) rest.append(leaf)
      assert.equal(toHex(rest.root()), ROOT_HASHES[8], `resumed at ${size} and grown to 8`)
    })
  })

  it('refuses to resume from a frontier of the wrong length, naming the rule', () => {
    assert.throws(() => MerkleAppender.resume(hasher, 3, [hex(NODE_HASHES[1][0])]), {
      code: 'INVALID_ARGUMENT',
      message: /frontier must hold 2 hashes of 32 bytes for size 3/,
    })
  })
})

describe('inclusion proofs against the transparency-dev/merkle vectors', () => {
  const { store } = buildLog(LEAF_INPUTS)

  for (const v of INCLUSION_PROOFS) {
    const leafHash = hasher.hashLeaf(LEAF_INPUTS[v.index] as Uint8Array)
    const root = hex(ROOT_HASHES[v.size])
    const proof = v.proof.map(hex)

    it(`builds and verifies the proof of leaf ${v.index} in a tree of ${v.size}`, () => {
      assert.deepEqual(inclusionProof(hasher, store, v.index, v.size).map(toHex), v.proof)
      holds(verifyInclusion(hasher, v.index, v.size, leafHash, proof, root), 'happy path')
    })

    it(`rejects every corrupted probe of leaf ${v.index} in a tree of ${v.size}`, () => {
      const probes: [string, number, number, Uint8Array, Uint8Array[], Uint8Array][] = [
        ['leafIdx sub @1', v.index - 1, v.size, leafHash, proof, root],
        ['leafIdx plus @1', v.index + 1, v.size, leafHash, proof, root],
        ['leafIdx XOR @2', v.index ^ 2, v.size, leafHash, proof, root],
        ['treeSize mul @2', v.index, v.size * 2, leafHash, proof, root],
        ['treeSize div @2', v.index, Math.floor(v.size / 2), leafHash, proof, root],
        ['wrong leaf', v.index, v.size, Buffer.from('WrongLeaf'), proof, root],
        ['empty root', v.index, v.size, leafHash, proof, EMPTY_ROOT],
        ['random root', v.index, v.size, leafHash, proof, SOME_HASH],
        ['trailing garbage', v.index, v.size, leafHash, [...proof, new Uint8Array(0)], root],
        ['trailing root', v.index, v.size, leafHash, [...proof, root], root],
        ['preceding garbage', v.index, v.size, leafHash, [new Uint8Array(0), ...proof], root],
        ['preceding root', v.index, v.size, leafHash, [root, ...proof], root],
        ...proof.map(
          (_, i) =>
            [`modified proof[${i}] bit @3`, v.index, v.size, leafHash, flip(proof, i, 8), root] as [
              string,
              number,
              number,
              Uint8Array,
              Uint8Array[],
              Uint8Array,
            ],
        ),
      ]
      if (proof.length > 0)
        probes.push(['removed component', v.index, v.size, leafHash, proof.slice(0, -1), root])
      if (proof.length > 1)
        probes.push([
          'inserted component',
          v.index,
          v.size,
          leafHash,
          [proof[0] as Uint8Array, SOME_HASH, ...proof.slice(1)],
          root,
        ])
      for (const [desc, index, size, leaf, p, r] of probes)
        fails(verifyInclusion(hasher, index, size, leaf, p, r), desc)
    })
  }

  it('passes the static and single-entry probes (testdata/inclusion/additional, single-entry)', () => {
    for (const [index, size] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [2, 1],
    ] as const) {
      fails(verifyInclusion(hasher, index, size, SOME_HASH, [], new Uint8Array(0)), 'random leaf')
      fails(verifyInclusion(hasher, index, size, new Uint8Array(0), [], EMPTY_ROOT), 'empty root')
      fails(
        verifyInclusion(hasher, index, size, SOME_HASH, [], EMPTY_ROOT),
        'empty root, random leaf',
      )
    }
    const data = hasher.hashLeaf(Buffer.from('data'))
    assert.equal(toHex(data), toHex(b64('DTrtAjFI/9KiWfvQzcf7PPl1ZYdg03dbgq9vkKrMLfw=')))
    const empty = new Uint8Array(0)
    holds(verifyInclusion(hasher, 0, 1, data, [], data), 'matching root and leaf')
    fails(verifyInclusion(hasher, 0, 1, empty, [], data), 'empty leaf')
    fails(verifyInclusion(hasher, 0, 1, data, [], empty), 'empty root')
    fails(verifyInclusion(hasher, 0, 1, empty, [], empty), 'empty root and leaf')
  })

  it('refuses to build a proof for a leaf beyond the tree, naming the fields', () => {
    assert.throws(() => inclusionPlan(8, 8), {
      code: 'INVALID_ARGUMENT',
      message: 'index 8 must be below the size 8',
    })
  })
})

describe('consistency proofs against the transparency-dev/merkle vectors', () => {
  const { store } = buildLog(LEAF_INPUTS)

  for (const v of CONSISTENCY_PROOFS) {
    const root1 = hex(ROOT_HASHES[v.size1])
    const root2 = hex(ROOT_HASHES[v.size2])
    const proof = v.proof.map(hex)

    it(`builds and verifies the proof from ${v.size1} to ${v.size2}`, () => {
      assert.deepEqual(consistencyProof(hasher, store, v.size1, v.size2).map(toHex), v.proof)
      holds(verifyConsistency(hasher, v.size1, v.size2, proof, root1, root2), 'happy path')
    })

    if (proof.length === 0) continue
    it(`rejects every corrupted probe from ${v.size1} to ${v.size2}`, () => {
      const wrong = Buffer.from('WrongRoot')
      const { size1: m, size2: n } = v
      const probes: [string, number, number, Uint8Array[], Uint8Array, Uint8Array][] = [
        ['size1 sub @1', m - 1, n, proof, root1, root2],
        ['size1 plus @1', m + 1, n, proof, root1, root2],
        ['size1 XOR @2', m ^ 2, n, proof, root1, root2],
        ['size2 mul @2', m, n * 2, proof, root1, root2],
        ['size2 div @2', m, Math.floor(n / 2), proof, root1, root2],
        ['wrong root1', m, n, proof, wrong, root2],
        ['wrong root2', m, n, proof, root1, wrong],
        ['swapped roots', m, n, proof, root2, root1],
        ['empty proof', m, n, [], root1, root2],
        ['trailing garbage', m, n, [...proof, new Uint8Array(0)], root1, root2],
        ['trailing root1', m, n, [...proof, root1], root1, root2],
        ['trailing root2', m, n, [...proof, root2], root1, root2],
        ['preceding garbage', m, n, [new Uint8Array(0), ...proof], root1, root2],
        ['preceding root1', m, n, [root1, ...proof], root1, root2],
        ['preceding root2', m, n, [root2, ...proof], root1, root2],
        ['preceding proof @0', m, n, [proof[0] as Uint8Array, ...proof], root1, root2],
        ['truncated proof', m, n, proof.slice(0, -1), root1, root2],
        ...proof.map(
          (_, i) =>
            [`modified proof@${i} bit @4`, m, n, flip(proof, i, 16), root1, root2] as [
              string,
              number,
              number,
              Uint8Array[],
              Uint8Array,
              Uint8Array,
            ],
        ),
      ]
      for (const [desc, size1, size2, p, r1, r2] of probes)
        fails(verifyConsistency(hasher, size1, size2, p, r1, r2), desc)
    })
  }

  it('passes the static probes (testdata/consistency/additional)', () => {
    const care1 = Buffer.from("don't care 1")
    const care2 = Buffer.from("don't care 2")
    const some = [EMPTY_ROOT]
    const probes: [string, number, number, Uint8Array, Uint8Array, Uint8Array[], boolean][] = [
      ['sizes are equal (zero) but roots are not', 0, 0, care1, care2, [], false],
      ['sizes are equal (one) but roots are not', 1, 1, care1, care2, [], false],
      ['sizes are equal (zero) and proof is empty', 0, 0, care1, care1, [], false],
      ['size1 is zero and does not equal size2', 0, 1, care1, care2, [], false],
      ['sizes are equal (one) and proof is empty', 1, 1, care2, care2, [], true],
      ['size1 is greater than size2', 1, 0, care1, care2, [], false],
      ['size1 is greater than size2 again', 2, 1, care1, care2, [], false],
      ['sizes do not match and proof is empty', 1, 2, care1, care2, [], false],
      ['roots do not match and sizes are zero', 0, 0, EMPTY_ROOT, care2, [], false],
      ['roots do not match and sizes are one', 1, 1, EMPTY_ROOT, care2, [], false],
      ['sizes match, proof not empty, sizes zero', 0, 0, EMPTY_ROOT, EMPTY_ROOT, some, false],
      ['sizes match, proof not empty, sizes one', 1, 1, EMPTY_ROOT, EMPTY_ROOT, some, false],
      ['size1 is zero and size2 is not zero', 0, 1, EMPTY_ROOT, care2, [], false],
      ['consistency from the empty tree is useless', 0, 1, EMPTY_ROOT, EMPTY_ROOT, some, false],
    ]
    for (const [desc, size1, size2, root1, root2, proof, ok] of probes)
      assert.equal(verifyConsistency(hasher, size1, size2, proof, root1, root2).ok, ok, desc)
  })

  it('refuses to build a proof from the empty tree, naming the rule', () => {
    assert.throws(() => consistencyPlan(0, 5), {
      code: 'INVALID_ARGUMENT',
      message: /size1 must be from 1 to size2 \(5\), not 0/,
    })
  })
})

/** A log of `size` distinct entries (entry i is the bytes of "entry i"). */
function entries(size: number, tag = 'entry'): Uint8Array[] {
  return Array.from({ length: size }, (_, i) => Buffer.from(`${tag} ${i}`))
}

describe('Merkle properties (fast-check)', () => {
  const sizeArb = fc.integer({ min: 1, max: 300 })

  it('the appender root equals RFC 9162 MTH computed from the definition, for every size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), (size) => {
        const leaves = entries(size)
        const { store, log } = buildLog(leaves)
        const reference = referenceRoot(hasher, leaves)
        assert.equal(toHex(log.root()), toHex(reference), 'appender root')
        assert.equal(toHex(rootHash(hasher, store, size)), toHex(reference), 'stored root')
      }),
    )
  })

  it('every inclusion proof verifies, has at most ⌈log₂ n⌉ hashes, and fails for a changed leaf', () => {
    fc.assert(
      fc.property(
        sizeArb.chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n - 1 }))),
        ([size, index]) => {
          const leaves = entries(size)
          const { store, log } = buildLog(leaves)
          const proof = inclusionProof(hasher, store, index, size)
          assert.ok(proof.length <= Math.ceil(Math.log2(size)), `${proof.length} hashes`)
          const leaf = hasher.hashLeaf(leaves[index] as Uint8Array)
          holds(verifyInclusion(hasher, index, size, leaf, proof, log.root()), 'the proof')
          const changed = hasher.hashLeaf(Buffer.from(`changed ${index}`))
          fails(verifyInclusion(hasher, index, size, changed, proof, log.root()), 'changed leaf')
        },
      ),
    )
  })

  it('consistency between any m ≤ n verifies, and fails for a tree forked below m', () => {
    fc.assert(
      fc.property(
        fc
          .tuple(sizeArb, sizeArb)
          .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const)
          .chain(([m, n]) =>
            fc.tuple(fc.constant(m), fc.constant(n), fc.integer({ min: 0, max: m - 1 })),
          ),
        ([m, n, forkAt]) => {
          const leaves = entries(n)
          const { store } = buildLog(leaves)
          const root1 = rootHash(hasher, store, m)
          const root2 = rootHash(hasher, store, n)
          const proof = consistencyProof(hasher, store, m, n)
          holds(verifyConsistency(hasher, m, n, proof, root1, root2), `${m} → ${n}`)
          // A log that rewrote entry forkAt < m and grew to n: its proof cannot bridge.
          const forked = buildLog(leaves.map((l, i) => (i === forkAt ? Buffer.from('forged') : l)))
          const forkedRoot = forked.log.root()
          const forkedProof = consistencyProof(hasher, forked.store, m, n)
          fails(verifyConsistency(hasher, m, n, forkedProof, root1, forkedRoot), 'forked')
          fails(
            verifyConsistency(hasher, m, n, proof, root1, forkedRoot),
            'honest proof, forked root',
          )
          assert.equal(
            checkAppendOnly(
              hasher,
              forked.store,
              { size: m, rootHash: root1 },
              { size: n, rootHash: forkedRoot },
            ).ok,
            false,
          )
        },
      ),
    )
  })

  it('a proof plan names each stored subtree once, and only subtrees inside the tree', () => {
    fc.assert(
      fc.property(
        sizeArb.chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 1, max: n }))),
        ([size, m]) => {
          for (const plan of [inclusionPlan(m - 1, size), consistencyPlan(m, size)]) {
            const nodes = planNodes(plan)
            assert.equal(new Set(nodes.map((x) => `${x.level}/${x.index}`)).size, nodes.length)
            for (const { level, index } of nodes)
              assert.ok((index + 1) * 2 ** level <= size, `node ${level}/${index} in ${size}`)
          }
        },
      ),
    )
  })
})

describe('checkAppendOnly: a node never signs a checkpoint inconsistent with one before', () => {
  const leaves = entries(20)
  const { store } = buildLog(leaves)
  const head = (size: number): { size: number; rootHash: Uint8Array } => ({
    size,
    rootHash: rootHash(hasher, store, size),
  })

  it('allows a head that extends the one signed before, and the same head again', () => {
    holds(checkAppendOnly(hasher, store, head(7), head(20)), '7 → 20')
    holds(checkAppendOnly(hasher, store, head(20), head(20)), '20 → 20')
    holds(checkAppendOnly(hasher, store, { size: 0, rootHash: hasher.emptyRoot }, head(3)), '0 → 3')
  })

  it('refuses a smaller head, and a head whose store was rewritten below the signed size', () => {
    const smaller = checkAppendOnly(hasher, store, head(20), head(7))
    assert.deepEqual(smaller, { ok: false, issues: 'size 7 is below the 20 signed before' })
    const rewritten = buildLog(leaves.map((l, i) => (i === 3 ? Buffer.from('rewritten') : l)))
    const next = { size: 20, rootHash: rewritten.log.root() }
    fails(checkAppendOnly(hasher, rewritten.store, head(7), next), 'rewritten below 7')
  })
})
