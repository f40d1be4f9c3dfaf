// RFC 9162 §2.1.3.2 and §2.1.4.2: checking inclusion and consistency proofs, as a peer (or a
// log about to sign) does. Expected failures are values naming what does not hold.
import { bytesEqual } from './bytes.ts'
import {
  HASH_BYTES,
  type HashReader,
  type MerkleHasher,
  type TreeHead,
  consistencyProof,
  isPowerOfTwo,
  isTreeSize,
} from './merkle.ts'
import { Result } from './result.ts'

/** Why a proof fails, or that it holds. */
export type ProofCheck = Result<true, string>

const HOLDS: ProofCheck = Result.ok(true)

function badHash(field: string, hashes: readonly Uint8Array[]): ProofCheck | undefined {
  const at = hashes.findIndex((h) => h.length !== HASH_BYTES)
  return at < 0 ? undefined : Result.fail(`${field}[${at}] is not ${HASH_BYTES} bytes`)
}

/** Right-shifts fn and sn together while fn is even and not zero (RFC 9162's inner loop). */
function shiftWhileEven(fn: number, sn: number): [number, number] {
  while (fn % 2 === 0 && fn !== 0) {
    fn /= 2
    sn = Math.floor(sn / 2)
  }
  return [fn, sn]
}

/** RFC 9162 §2.1.3.2: does `proof` lead from leaf `index`'s hash to `root` in a tree of `size`? */
export function verifyInclusion(
  hasher: MerkleHasher,
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): ProofCheck {
  if (!isTreeSize(index) || !isTreeSize(size))
    return Result.fail('index and size must be integers ≥ 0')
  if (index >= size) return Result.fail(`index ${index} is not below the size ${size}`)
  const bad = badHash('leafHash', [leafHash]) ?? badHash('proof', proof)
  if (bad !== undefined) return bad
  let fn = index
  let sn = size - 1
  let r = leafHash
  for (const p of proof) {
    if (sn === 0) return Result.fail(`the proof has more than the path's hashes`)
    if (fn % 2 === 1 || fn === sn) {
      r = hasher.hashChildren(p, r)
      ;[fn, sn] = shiftWhileEven(fn, sn)
    } else {
      r = hasher.hashChildren(r, p)
    }
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  if (sn !== 0) return Result.fail(`the proof has fewer than the path's hashes`)
  return bytesEqual(r, root) ? HOLDS : Result.fail('the proof leads to another root')
}

/**
 * RFC 9162 §2.1.4.2: is the tree of `size1` leaves with `root1` a prefix of the tree of
 * `size2` with `root2`? A proof from size 0 proves nothing and fails (as in the
 * transparency-dev vectors): every tree extends the empty one, which callers decide alone.
 */
export function verifyConsistency(
  hasher: MerkleHasher,
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): ProofCheck {
  if (!isTreeSize(size1) || !isTreeSize(size2))
    return Result.fail('size1 and size2 must be integers ≥ 0')
  if (size1 > size2) return Result.fail(`size1 ${size1} is above size2 ${size2}`)
  if (size1 === 0) return Result.fail('a consistency proof from the empty tree proves nothing')
  if (size1 === size2) {
    if (proof.length > 0) return Result.fail('equal sizes need an empty proof')
    return bytesEqual(root1, root2) ? HOLDS : Result.fail('equal sizes with different roots')
  }
  if (proof.length === 0) return Result.fail('the proof is empty')
  const bad = badHash('proof', proof) ?? badHash('root', [root1, root2])
  if (bad !== undefined) return bad
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof
  let fn = size1 - 1
  let sn = size2 - 1
  while (fn % 2 === 1) {
    fn = (fn - 1) / 2
    sn = Math.floor(sn / 2)
  }
  let fr = path[0] as Uint8Array
  let sr = fr
  for (const c of path.slice(1)) {
    if (sn === 0) return Result.fail(`the proof has more than the path's hashes`)
    if (fn % 2 === 1 || fn === sn) {
      fr = hasher.hashChildren(c, fr)
      sr = hasher.hashChildren(c, sr)
      ;[fn, sn] = shiftWhileEven(fn, sn)
    } else {
      sr = hasher.hashChildren(sr, c)
    }
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  if (sn !== 0) return Result.fail(`the proof has fewer than the path's hashes`)
  if (!bytesEqual(fr, root1)) return Result.fail('the proof does not lead to root1')
  return bytesEqual(sr, root2) ? HOLDS : Result.fail('the proof does not lead to root2')
}

/**
 * May a log that signed `previous` sign `next`? Only if its own stored tree proves `next`
 * extends `previous` (C2SP tlog-checkpoint: never sign a checkpoint inconsistent with one
 * signed before). A store rewritten below `previous.size` fails here.
 */
export function checkAppendOnly(
  hasher: MerkleHasher,
  reader: HashReader,
  previous: TreeHead,
  next: TreeHead,
): ProofCheck {
  if (next.size < previous.size)
    return Result.fail(`size ${next.size} is below the ${previous.size} signed before`)
  if (previous.size === 0)
    return bytesEqual(previous.rootHash, hasher.emptyRoot)
      ? HOLDS
      : Result.fail('the empty tree signed before has a root that is not MTH({})')
  const proof = consistencyProof(hasher, reader, previous.size, next.size)
  return verifyConsistency(
    hasher,
    previous.size,
    next.size,
    proof,
    previous.rootHash,
    next.rootHash,
  )
}
