import type { KeyObject } from 'node:crypto'
import type { AuditCheckpoint, AuditEntry, Store } from '../store/store.ts'
import { bytesEqual } from '../../lib/bytes.ts'
import { MemoryHashStore, MerkleAppender } from '../../lib/merkle-appender.ts'
import { rootHash } from '../../lib/merkle.ts'
import { openNote } from '../../lib/signed-note.ts'
import { verifyCheckpointSignature } from './checkpoint.ts'
import { checkpointVerifier, merkleHasher } from './checkpoint-note.ts'
import { auditHash, GENESIS_HASH } from './hash.ts'
import { auditLeaf, readCheckpointNote } from './merkle-log.ts'

export type AuditVerification =
  | {
      readonly ok: true
      readonly entries: number
      readonly checkpoints: number
      readonly lastSeq: number
      readonly lastHash: string
    }
  | {
      readonly ok: false
      readonly entries: number
      readonly firstBrokenSeq: number
      readonly problem: string
    }

/**
 * Recomputes the chain from the first entry: continuous seqs, each prevHash linking to the
 * entry before, each hash matching its contents; then every checkpoint's signature and that
 * the entry it names still has the hash it signed.
 */
export async function verifyAuditChain(
  entries: readonly AuditEntry[],
  checkpoints: readonly AuditCheckpoint[],
  publicKey: KeyObject,
  witnessed: readonly string[] = [],
): Promise<AuditVerification> {
  const broken = (seq: number, problem: string): AuditVerification => ({
    ok: false,
    entries: entries.length,
    firstBrokenSeq: seq,
    problem,
  })
  let prevHash = GENESIS_HASH
  for (const [i, entry] of entries.entries()) {
    const expectedSeq = i + 1
    if (entry.seq !== expectedSeq)
      return broken(expectedSeq, `entry ${expectedSeq} is missing (found ${entry.seq} next)`)
    if (entry.prevHash !== prevHash)
      return broken(
        entry.seq,
        `entry ${entry.seq}: prevHash does not link to entry ${entry.seq - 1}`,
      )
    if (auditHash(entry.seq, entry.prevHash, entry) !== entry.hash)
      return broken(entry.seq, `entry ${entry.seq}: hash does not match its contents (edited?)`)
    prevHash = entry.hash
  }
  const tree = new MemoryHashStore()
  const appender = MerkleAppender.empty(merkleHasher)
  for (const entry of entries) tree.put(appender.append(auditLeaf(entry)))
  for (const checkpoint of [...checkpoints].sort((a, b) => a.seq - b.seq)) {
    const note = readCheckpointNote(checkpoint.signature)
    if (note !== undefined) {
      const problem = merkleCheckpointProblem(note, checkpoint, publicKey, tree, entries.length)
      if (problem !== undefined)
        return broken(Math.min(checkpoint.seq, entries.length + 1), problem)
      continue
    }
    if (!(await verifyCheckpointSignature(checkpoint, publicKey)))
      return broken(checkpoint.seq, `checkpoint at entry ${checkpoint.seq}: signature invalid`)
    const entry = entries[checkpoint.seq - 1]
    if (entry === undefined)
      return broken(
        checkpoint.seq,
        `checkpoint at entry ${checkpoint.seq}: the entry is gone (log truncated?)`,
      )
    if (entry.hash !== checkpoint.hash)
      return broken(
        checkpoint.seq,
        `checkpoint at entry ${checkpoint.seq}: the entry's hash differs from the signed one`,
      )
  }
  // Checkpoints peers cosigned (kept in the log) or hold (given): no own key is trusted here.
  const cosigned = entries.flatMap((e) =>
    e.type === 'witness' && e.data['event'] === 'cosigned' && typeof e.data['note'] === 'string'
      ? [e.data['note']]
      : [],
  )
  for (const note of [...cosigned, ...witnessed]) {
    const problem = witnessedProblem(note, tree, entries.length)
    if (problem !== undefined) return broken(problem.seq, problem.text)
  }
  const last = entries[entries.length - 1]
  return {
    ok: true,
    entries: entries.length,
    checkpoints: checkpoints.length,
    lastSeq: last?.seq ?? 0,
    lastHash: last?.hash ?? GENESIS_HASH,
  }
}

/**
 * A C2SP checkpoint row: its note signed by the node's key, saying the row's size and root,
 * and the Merkle tree of the stored entries having that root at that size.
 */
function merkleCheckpointProblem(
  note: NonNullable<ReturnType<typeof readCheckpointNote>>,
  row: AuditCheckpoint,
  publicKey: KeyObject,
  tree: MemoryHashStore,
  entries: number,
): string | undefined {
  const at = `checkpoint of size ${row.seq}`
  if (!openNote(note.note, [checkpointVerifier(note.origin, publicKey)]).ok)
    return `${at}: its note is not signed by this node's key`
  if (note.size !== row.seq || Buffer.from(note.rootHash).toString('hex') !== row.hash)
    return `${at}: the row and its signed note differ`
  if (note.size > entries) return `${at}: only ${entries} entries are stored (log truncated?)`
  if (!bytesEqual(rootHash(merkleHasher, tree, note.size), note.rootHash))
    return `${at}: the Merkle root of the stored entries differs from the signed one (rewritten?)`
  return undefined
}

/**
 * A checkpoint of this log that a peer witnessed: the stored tree must still have its size and
 * root, or the log was truncated or rewritten — whatever the node's own key signed since.
 */
export function witnessedProblem(
  note: string,
  tree: MemoryHashStore,
  entries: number,
): { seq: number; text: string } | undefined {
  const checkpoint = readCheckpointNote(note)
  if (checkpoint === undefined) return { seq: 0, text: 'a witnessed checkpoint does not parse' }
  const at = `checkpoint of size ${checkpoint.size} witnessed by a peer`
  if (checkpoint.size > entries)
    return { seq: entries + 1, text: `${at}: only ${entries} entries are stored (log truncated)` }
  if (!bytesEqual(rootHash(merkleHasher, tree, checkpoint.size), checkpoint.rootHash))
    return {
      seq: checkpoint.size,
      text: `${at}: the stored entries have another Merkle root (log rewritten)`,
    }
  return undefined
}

/** Entries read per query when the stored chain is verified. */
const PAGE = 10_000

/** The stored chain as far as it can be read, and what stopped the reading, if anything. */
export interface StoredChain {
  readonly entries: AuditEntry[]
  /** The entry after `afterSeq` cannot be decoded (an unknown type, data that is not JSON). */
  readonly unreadable: { readonly afterSeq: number; readonly problem: string } | null
}

/** Reads the whole chain page by page; at a page that fails, one entry at a time to find where. */
export async function readStoredChain(store: Pick<Store, 'listAudit'>): Promise<StoredChain> {
  const entries: AuditEntry[] = []
  let cursor = 0
  for (;;) {
    let page: AuditEntry[]
    try {
      page = await store.listAudit({ afterSeq: cursor, limit: PAGE })
    } catch {
      for (;;) {
        try {
          const [next] = await store.listAudit({ afterSeq: cursor, limit: 1 })
          if (next === undefined) return { entries, unreadable: null }
          entries.push(next)
          cursor = next.seq
        } catch (error) {
          return { entries, unreadable: { afterSeq: cursor, problem: unreadableProblem(error) } }
        }
      }
    }
    entries.push(...page)
    cursor = page.at(-1)?.seq ?? cursor
    if (page.length < PAGE) return { entries, unreadable: null }
  }
}

function unreadableProblem(error: unknown): string {
  if (error instanceof SyntaxError) return 'its data is not JSON'
  const message = error instanceof Error ? error.message : String(error)
  if (message.startsWith('audit.type:')) return 'its type is not one this build of entente knows'
  return message
}

/**
 * Verifies the chain as stored: an entry that cannot be read breaks it there, named by its
 * seq (the one after the last readable entry), once the entries before it have verified.
 */
export async function verifyStoredChain(
  store: Pick<Store, 'listAudit' | 'listCheckpoints'>,
  publicKey: KeyObject,
  witnessed: readonly string[] = [],
): Promise<AuditVerification> {
  const { entries, unreadable } = await readStoredChain(store)
  const checkpoints = await store.listCheckpoints()
  if (unreadable === null) return verifyAuditChain(entries, checkpoints, publicKey, witnessed)
  const before = checkpoints.filter((c) => c.seq <= unreadable.afterSeq)
  const readable = await verifyAuditChain(entries, before, publicKey)
  if (!readable.ok) return readable
  const seq = unreadable.afterSeq + 1
  return {
    ok: false,
    entries: entries.length,
    firstBrokenSeq: seq,
    problem: `entry ${seq} cannot be read: ${unreadable.problem}`,
  }
}
