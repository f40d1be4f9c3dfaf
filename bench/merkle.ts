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
import { formatNote, signNote } from '../src/lib/signed-note.ts'
import { formatCheckpoint } from '../src/lib/tlog-checkpoint.ts'
import { checkTlogProof, formatTlogProof } from '../src/lib/tlog-proof.ts'
import { checkpointSigner, checkpointVerifier } from '../src/node/audit/checkpoint-note.ts'
import { MerkleLog, auditLeaf, logOrigin } from '../src/node/audit/merkle-log.ts'
import type { AuditEntry } from '../src/node/store/store.ts'
import { generateKeyPairSync } from 'node:crypto'

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

/** An audit entry as the store returns it (≈ 300 bytes of canonical JSON). */
function auditEntry(seq: number): AuditEntry {
  return {
    seq,
    atMs: 1_572_500_000_000 + seq,
    type: 'decision',
    party: 'JPN',
    subject: `report-${seq}`,
    data: { decision: 'release', level: 'MIL-II', reasons: ['AGREEMENT_IN_FORCE'], to: 'JPN' },
    prevHash: '0'.repeat(64),
    hash: 'f'.repeat(64),
  }
}

/**
 * The node's path (issue 13): MerkleLog.sync reading pages of entries from a store (here an
 * array), encoding each as its canonical leaf, appending and keeping every subtree.
 */
async function nodeAppendUs(count: number): Promise<number> {
  const entries = Array.from({ length: count }, (_, i) => auditEntry(i + 1))
  const store = {
    listAudit: (f: { afterSeq?: number; limit?: number }) =>
      Promise.resolve(entries.slice(f.afterSeq ?? 0, (f.afterSeq ?? 0) + (f.limit ?? 100))),
    listCheckpoints: () => Promise.resolve([]),
    insertCheckpoint: () => Promise.resolve(),
  }
  const { privateKey } = generateKeyPairSync('ed25519')
  const origin = logOrigin('KOR')
  const log = new MerkleLog(store, origin, checkpointSigner(origin, privateKey), () => 0)
  const start = performance.now()
  await log.sync()
  return ((performance.now() - start) * 1000) / count
}

export async function benchMerkle(): Promise<Record<string, number>> {
  appendAll(10_000) // warm up
  const leafUs = timeEach(PROOFS, (i) => auditLeaf(auditEntry(i)))
  await nodeAppendUs(10_000)
  const nodeUs = await nodeAppendUs(200_000)
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

  // A C2SP tlog-proof of one entry of the 10^6-entry log, made and checked as `audit prove`
  // and `audit check` do (the checkpoint's Ed25519 signature verified each time).
  const keys = generateKeyPairSync('ed25519')
  const origin = logOrigin('KOR')
  const text = formatCheckpoint({ origin, size, rootHash: root, extensions: [] })
  const note = formatNote({
    text,
    signatures: [signNote(text, checkpointSigner(origin, keys.privateKey))],
  })
  const verifier = checkpointVerifier(origin, keys.publicKey)
  const bundles: string[] = []
  const bundle = timeEach(PROOFS, (i) => {
    const index = indexes[i] ?? 0
    bundles.push(
      formatTlogProof({
        extra: POOL[index % POOL.length],
        index,
        proof: inclusionProof(hasher, store, index, size),
        checkpointNote: note,
      }),
    )
  })
  const check = timeEach(PROOFS, (i) => {
    const checked = checkTlogProof({
      text: bundles[i] ?? '',
      hasher,
      log: verifier,
      witnesses: [],
      minCosignatures: 0,
    })
    if (!checked.ok) throw new Error(checked.issues)
  })

  const figures = {
    leafEncodeUs: round(leafUs.meanUs),
    nodeAppendUsPerEntry2e5: round(nodeUs),
    proofBundleUs: round(bundle.meanUs),
    proofBundleP99Us: round(bundle.p99Us),
    proofCheckUs: round(check.meanUs),
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
      `node append (MerkleLog.sync: canonical leaf + append), 2·10^5   ${figures.nodeAppendUsPerEntry2e5} µs/entry   (goal ≤ 20 µs; leaf encoding alone ${figures.leafEncodeUs} µs)`,
      `tlog-proof bundle, 10^6  ${figures.proofBundleUs} µs mean, ${figures.proofBundleP99Us} µs p99   (goal ≤ 1,000 µs)`,
      `tlog-proof check (signature + inclusion)  ${figures.proofCheckUs} µs`,
    ].join('\n'),
  )
  return figures
}

if (isMain(import.meta.url)) reportFigures('merkle', await benchMerkle())
