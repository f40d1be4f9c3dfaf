// Appending to a Merkle log: the frontier (compact range [0, size)) keeps one complete
// subtree per bit of the size, so that an append costs O(log n) hashes, amortised two, and
// the root is always at hand; each append names the subtrees it completed, for a store to
// keep. MemoryHashStore keeps them all in memory (tests, benchmarks, a verifier rebuilding
// a log it was given whole).
import { EntenteError } from './errors.ts'
import {
  HASH_BYTES,
  type HashReader,
  type MerkleHasher,
  type NodeId,
  isTreeSize,
  rangeNodes,
} from './merkle.ts'

/** A complete subtree and its hash, as an append completes it. */
export interface StoredNode extends NodeId {
  readonly hash: Uint8Array
}

export class MerkleAppender {
  readonly #hasher: MerkleHasher
  #size: number
  /** Hashes of rangeNodes(0, size), largest subtree first. */
  readonly #frontier: Uint8Array[]

  private constructor(hasher: MerkleHasher, size: number, frontier: Uint8Array[]) {
    this.#hasher = hasher
    this.#size = size
    this.#frontier = frontier
  }

  static empty(hasher: MerkleHasher): MerkleAppender {
    return new MerkleAppender(hasher, 0, [])
  }

  /** Resumes a log of `size` leaves from the hashes of its frontier (see frontierIds). */
  static resume(
    hasher: MerkleHasher,
    size: number,
    frontier: readonly Uint8Array[],
  ): MerkleAppender {
    if (!isTreeSize(size))
      throw new EntenteError('INVALID_ARGUMENT', `size must be an integer ≥ 0, not ${size}`)
    const want = rangeNodes(0, size).length
    if (frontier.length !== want || frontier.some((h) => h.length !== HASH_BYTES))
      throw new EntenteError(
        'INVALID_ARGUMENT',
        `frontier must hold ${want} hashes of ${HASH_BYTES} bytes for size ${size}`,
      )
    return new MerkleAppender(
      hasher,
      size,
      frontier.map((h) => new Uint8Array(h)),
    )
  }

  /** The subtrees whose hashes resume a log of `size` leaves. */
  static frontierIds(size: number): NodeId[] {
    return rangeNodes(0, size)
  }

  get size(): number {
    return this.#size
  }

  frontier(): Uint8Array[] {
    return this.#frontier.map((h) => new Uint8Array(h))
  }

  /** Appends an entry: its leaf hash, then every subtree it completes, lowest first. */
  append(entry: Uint8Array): StoredNode[] {
    return this.appendLeafHash(this.#hasher.hashLeaf(entry))
  }

  appendLeafHash(leafHash: Uint8Array): StoredNode[] {
    if (leafHash.length !== HASH_BYTES)
      throw new EntenteError('INVALID_ARGUMENT', `leafHash must be ${HASH_BYTES} bytes`)
    const leaf = this.#size
    let hash: Uint8Array = new Uint8Array(leafHash)
    const completed: StoredNode[] = [{ level: 0, index: leaf, hash }]
    // Each trailing one bit of the old size is a subtree as high as the new one: merge them.
    for (let bits = leaf, width = 2, level = 1; bits % 2 === 1; width *= 2, level++) {
      hash = this.#hasher.hashChildren(this.#frontier.pop() as Uint8Array, hash)
      completed.push({ level, index: Math.floor(leaf / width), hash })
      bits = (bits - 1) / 2
    }
    this.#frontier.push(hash)
    this.#size++
    return completed
  }

  /** MTH of the log as it stands: ⌈log₂ size⌉ hashes at most. */
  root(): Uint8Array {
    const frontier = this.#frontier
    let hash = frontier[frontier.length - 1]
    if (hash === undefined) return this.#hasher.emptyRoot
    for (let i = frontier.length - 2; i >= 0; i--)
      hash = this.#hasher.hashChildren(frontier[i] as Uint8Array, hash)
    return new Uint8Array(hash)
  }
}

/** Every complete subtree of a log, kept in one growing buffer per level. */
export class MemoryHashStore implements HashReader {
  readonly #levels: { bytes: Uint8Array; count: number }[] = []

  /** Nodes must arrive in order within each level, as MerkleAppender gives them. */
  put(nodes: readonly StoredNode[]): void {
    for (const node of nodes) {
      const level = (this.#levels[node.level] ??= {
        bytes: new Uint8Array(1024 * HASH_BYTES),
        count: 0,
      })
      if (node.index !== level.count)
        throw new EntenteError(
          'INVALID_ARGUMENT',
          `node ${node.level}/${node.index} is out of order: the next at its level is ${level.count}`,
        )
      if ((level.count + 1) * HASH_BYTES > level.bytes.length) {
        const grown = new Uint8Array(level.bytes.length * 2)
        grown.set(level.bytes)
        level.bytes = grown
      }
      level.bytes.set(node.hash, level.count * HASH_BYTES)
      level.count++
    }
  }

  get leafCount(): number {
    return this.#levels[0]?.count ?? 0
  }

  nodeHash(level: number, index: number): Uint8Array {
    const stored = this.#levels[level]
    if (stored === undefined || !Number.isInteger(index) || index < 0 || index >= stored.count)
      throw new EntenteError('NOT_FOUND', `no subtree ${level}/${index} is stored`)
    return stored.bytes.subarray(index * HASH_BYTES, (index + 1) * HASH_BYTES)
  }
}
