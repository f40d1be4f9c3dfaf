// RFC 9162 §2.1 Merkle trees (the RFC 6962 hashing, which C2SP checkpoints commit to): tree
// heads, inclusion and consistency proofs (merkle-verify.ts checks them). Pure: SHA-256 is
// injected, and every hash a proof needs is read through a HashReader that a store implements.
import { EntenteError } from './errors.ts'

/** SHA-256 of one byte string (node:crypto's in the node, any other elsewhere). */
export type Sha256 = (data: Uint8Array) => Uint8Array

export const HASH_BYTES = 32

/** RFC 9162 §2.1.1 hashing with domain separation: leaves and interior nodes never collide. */
export interface MerkleHasher {
  /** MTH({}) = SHA-256 of the empty string. */
  readonly emptyRoot: Uint8Array
  /** SHA-256(0x00 ‖ data). */
  hashLeaf(data: Uint8Array): Uint8Array
  /** SHA-256(0x01 ‖ left ‖ right). */
  hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array
}

/** The RFC 6962 hasher over `sha256`, which must not keep the buffer it is given. */
export function rfc6962Hasher(sha256: Sha256): MerkleHasher {
  const pair = new Uint8Array(1 + 2 * HASH_BYTES)
  pair[0] = 0x01
  return {
    emptyRoot: sha256(new Uint8Array(0)),
    hashLeaf(data) {
      const input = new Uint8Array(1 + data.length)
      input.set(data, 1)
      return sha256(input)
    },
    hashChildren(left, right) {
      if (left.length !== HASH_BYTES || right.length !== HASH_BYTES) {
        const input = new Uint8Array(1 + left.length + right.length)
        input[0] = 0x01
        input.set(left, 1)
        input.set(right, 1 + left.length)
        return sha256(input)
      }
      pair.set(left, 1)
      pair.set(right, 1 + HASH_BYTES)
      return sha256(pair)
    },
  }
}

/** A complete subtree: the 2^level leaves from index·2^level on. Level 0 is one leaf. */
export interface NodeId {
  readonly level: number
  readonly index: number
}

/** What proofs read from a log's store. */
export interface HashReader {
  /** The hash of a complete subtree of the log (level 0: the leaf hash). */
  nodeHash(level: number, index: number): Uint8Array
}

/**
 * One hash of a proof, as the complete subtrees, left to right, whose hashes fold from the
 * right into it (one subtree when the hash is a stored node; several on the tree's right edge).
 */
export type ProofStep = readonly NodeId[]

export interface TreeHead {
  readonly size: number
  readonly rootHash: Uint8Array
}

/** Is `n` a count a tree may have (an integer from 0 up to 2^53 − 1)? */
export function isTreeSize(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0
}

function requireSize(field: string, n: number): void {
  if (!isTreeSize(n))
    throw new EntenteError('INVALID_ARGUMENT', `${field} must be an integer ≥ 0, not ${n}`)
}

/** The largest power of two below n (n ≥ 2): where RFC 9162 splits a tree of n leaves. */
function splitPoint(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

export function isPowerOfTwo(n: number): boolean {
  return n >= 1 && splitPoint(n + 1) === n
}

/**
 * The complete subtrees that make up leaves [begin, end), largest first: for [0, n) the
 * frontier of a tree of n leaves (one per bit of n), for the right part of a split its MTH.
 */
export function rangeNodes(begin: number, end: number): NodeId[] {
  const nodes: NodeId[] = []
  while (begin < end) {
    let level = 0
    let width = 1
    while (begin % (width * 2) === 0 && width * 2 <= end - begin) {
      width *= 2
      level++
    }
    nodes.push({ level, index: begin / width })
    begin += width
  }
  return nodes
}

/** The subtrees whose hashes make the inclusion proof of leaf `index` in a tree of `size` (RFC 9162 §2.1.3.1). */
export function inclusionPlan(index: number, size: number): ProofStep[] {
  requireSize('size', size)
  requireSize('index', index)
  if (index >= size)
    throw new EntenteError('INVALID_ARGUMENT', `index ${index} must be below the size ${size}`)
  const steps: ProofStep[] = []
  const path = (m: number, begin: number, end: number): void => {
    if (end - begin === 1) return
    const k = splitPoint(end - begin)
    if (m < k) {
      path(m, begin, begin + k)
      steps.push(rangeNodes(begin + k, end))
    } else {
      path(m - k, begin + k, end)
      steps.push(rangeNodes(begin, begin + k))
    }
  }
  path(index, 0, size)
  return steps
}

/** The subtrees whose hashes make the consistency proof from `size1` to `size2` (RFC 9162 §2.1.4.1). */
export function consistencyPlan(size1: number, size2: number): ProofStep[] {
  requireSize('size1', size1)
  requireSize('size2', size2)
  if (size1 === 0 || size1 > size2)
    throw new EntenteError(
      'INVALID_ARGUMENT',
      `size1 must be from 1 to size2 (${size2}), not ${size1}: no proof leads from the empty tree`,
    )
  const steps: ProofStep[] = []
  const subproof = (m: number, begin: number, end: number, whole: boolean): void => {
    if (m === end - begin) {
      if (!whole) steps.push(rangeNodes(begin, end))
      return
    }
    const k = splitPoint(end - begin)
    if (m <= k) {
      subproof(m, begin, begin + k, whole)
      steps.push(rangeNodes(begin + k, end))
    } else {
      subproof(m - k, begin + k, end, false)
      steps.push(rangeNodes(begin, begin + k))
    }
  }
  subproof(size1, 0, size2, true)
  return steps
}

/** Every subtree a plan reads, once each: what a store fetches in one query. */
export function planNodes(plan: readonly ProofStep[]): NodeId[] {
  const seen = new Map<string, NodeId>()
  for (const id of plan.flat()) seen.set(`${id.level}/${id.index}`, id)
  return [...seen.values()]
}

/** Folds subtree hashes from the right, as RFC 9162's MTH does for a tree's right edge. */
export function foldRange(
  hasher: MerkleHasher,
  nodes: readonly NodeId[],
  hashOf: (level: number, index: number) => Uint8Array,
): Uint8Array {
  const last = nodes[nodes.length - 1]
  if (last === undefined) return hasher.emptyRoot
  let hash: Uint8Array = new Uint8Array(hashOf(last.level, last.index))
  for (let i = nodes.length - 2; i >= 0; i--) {
    const node = nodes[i] as NodeId
    hash = hasher.hashChildren(hashOf(node.level, node.index), hash)
  }
  return hash
}

/** The proof's hashes, once a store has read the subtrees of its plan. */
export function resolvePlan(
  hasher: MerkleHasher,
  plan: readonly ProofStep[],
  hashOf: (level: number, index: number) => Uint8Array,
): Uint8Array[] {
  return plan.map((step) => foldRange(hasher, step, hashOf))
}

/** MTH of the first `size` leaves, from at most ⌈log₂ size⌉ stored subtrees. */
export function rootHash(hasher: MerkleHasher, reader: HashReader, size: number): Uint8Array {
  requireSize('size', size)
  return foldRange(hasher, rangeNodes(0, size), (l, i) => reader.nodeHash(l, i))
}

export function inclusionProof(
  hasher: MerkleHasher,
  reader: HashReader,
  index: number,
  size: number,
): Uint8Array[] {
  return resolvePlan(hasher, inclusionPlan(index, size), (l, i) => reader.nodeHash(l, i))
}

export function consistencyProof(
  hasher: MerkleHasher,
  reader: HashReader,
  size1: number,
  size2: number,
): Uint8Array[] {
  return resolvePlan(hasher, consistencyPlan(size1, size2), (l, i) => reader.nodeHash(l, i))
}
