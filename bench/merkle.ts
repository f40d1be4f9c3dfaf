// `npm run bench:merkle`: the Merkle log foundation (src/lib/merkle.ts) with node:crypto's
// SHA-256. Prints the cost of an append (leaf hash, frontier merge, keeping every completed
// subtree in memory) at 10^5 and 10^6 entries, and of building and verifying inclusion and
// consistency proofs in a 10^6-entry log, beside issue 13's goals.
import { hash } from 'node:crypto'
import { seededRandom } from './prng.ts'
import { isMain, reportFigures } from './report.ts'
import { MemoryHashStore, MerkleAppender } from '../src/lib/merkle-appender.ts'
import { verifyConsistency, verifyInclusion } from '../src/lib/merkle-verify.ts'
import { consistencyProof, inclusionProof, rfc6962Hasher, rootHash } from '../src/lib/merkle.ts'

const hasher = rfc6962Hasher((data) => hash('sha256', data, 'buffer'))
const PROOFS = 10_000

/** An audit entry's canonical JSON, about as long as the node's (≈ 250 bytes). */
function entry(seq: number): Uint8Array {
  return Buffer.from(
    `{"atMs":${1_572_500_000_000 + seq},"data":{"decision":"release","level":"MIL-II",` +
      `"reasons":["AGREEMENT_IN_FORCE","LEVEL_MAPPED"],"to":"JPN"},"party":"JPN",` +
      `"prevHash":"${'0'.repeat(64)}","seq":${seq},"subject":"report-${seq}","type":"decision"}`,
  )
}

/** Entries cycle through a pool, so that making them is not timed and memory stays small. */
const POOL = Array.from({ length: 10_000 }, (_, i) => entry(i))

function appendAll(count: number): { store: MemoryHashStore; log: MerkleAppender; us: number } {
  const store = new MemoryHashStore()
  const log = MerkleAppender.empty(hasher)
  const start = performance.now()
  for (let i = 0; i < count; i++) store.put(log.append(POOL[i % POOL.length] as Uint8Array))
  return { store, log, us: ((performance.now() - start) * 1000) / count }
}

function timeEach(
  count: number,
  fn: (i: number) => void,
): { meanUs: number; p50Us: number; p99Us: number } {
  const times: number[] = []
  for (let i = 0; i < count; i++) {
    const start = performance.now()
    fn(i)
    times.push((performance.now() - start) * 1000)
  }
  times.sort((a, b) => a - b)
  const meanUs = times.reduce((a, b) => a + b, 0) / count
  const at = (p: number): number => times[Math.floor(count * p)] ?? NaN
  return { meanUs, p50Us: at(0.5), p99Us: at(0.99) }
}

const round = (us: number): number => Math.round(us * 100) / 100

export function benchMerkle(): Record<string, number> {
  appendAll(10_000) // warm up
  const small = appendAll(100_000)
  const { store, log, us: appendUs } = appendAll(1_000_000)
  const size = log.size
  const root = log.root()
  const random = seededRandom(13)
  const indexes = Array.from({ length: PROOFS }, () => Math.floor(random() * size))

  const proofs: Uint8Array[][] = []
  const inclusion = timeEach(PROOFS, (i) =>
    proofs.push(inclusionProof(hasher, store, indexes[i] ?? 0, size)),
  )
  const verifyIncl = timeEach(PROOFS, (i) => {
    const index = indexes[i] ?? 0
    const check = verifyInclusion(
      hasher,
      index,
      size,
      store.nodeHash(0, index),
      proofs[i] ?? [],
      root,
    )
    if (!check.ok) throw new Error(check.issues)
  })

  const olds = indexes.map((i) => Math.max(1, i))
  const oldRoots = olds.map((m) => rootHash(hasher, store, m))
  const consistencies: Uint8Array[][] = []
  const consistency = timeEach(PROOFS, (i) =>
    consistencies.push(consistencyProof(hasher, store, olds[i] ?? 1, size)),
  )
  const verifyCons = timeEach(PROOFS, (i) => {
    const m = olds[i] ?? 1
    const check = verifyConsistency(
      hasher,
      m,
      size,
      consistencies[i] ?? [],
      oldRoots[i] ?? root,
      root,
    )
    if (!check.ok) throw new Error(check.issues)
  })
  const rootUs = timeEach(PROOFS, () => log.root())

  const figures = {
    appendUsPerEntry1e5: round(small.us),
    appendUsPerEntry1e6: round(appendUs),
    rootUs: round(rootUs.meanUs),
    inclusionProofUs: round(inclusion.meanUs),
    inclusionProofP50Us: round(inclusion.p50Us),
    inclusionProofP99Us: round(inclusion.p99Us),
    inclusionVerifyUs: round(verifyIncl.meanUs),
    consistencyProofUs: round(consistency.meanUs),
    consistencyProofP50Us: round(consistency.p50Us),
    consistencyProofP99Us: round(consistency.p99Us),
    consistencyVerifyUs: round(verifyCons.meanUs),
  }
  console.log(
    [
      `append, 10^5 entries     ${figures.appendUsPerEntry1e5} µs/entry   (goal ≤ 20 µs)`,
      `append, 10^6 entries     ${figures.appendUsPerEntry1e6} µs/entry   (goal ≤ 20 µs)`,
      `inclusion proof, 10^6    ${figures.inclusionProofUs} µs mean, ${figures.inclusionProofP50Us} / ${figures.inclusionProofP99Us} µs p50 / p99   (goal ≤ 1,000 µs)`,
      `consistency proof, 10^6  ${figures.consistencyProofUs} µs mean, ${figures.consistencyProofP50Us} / ${figures.consistencyProofP99Us} µs p50 / p99   (goal ≤ 1,000 µs)`,
      `verify inclusion / consistency  ${figures.inclusionVerifyUs} / ${figures.consistencyVerifyUs} µs`,
    ].join('\n'),
  )
  return figures
}

if (isMain(import.meta.url)) reportFigures('merkle', benchMerkle())
