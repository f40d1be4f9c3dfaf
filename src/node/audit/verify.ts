import type { KeyObject } from 'node:crypto'
import type { AuditCheckpoint, AuditEntry } from '../store/store.ts'
import { verifyCheckpointSignature } from './checkpoint.ts'
import { auditHash, GENESIS_HASH } from './hash.ts'

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
  for (const checkpoint of [...checkpoints].sort((a, b) => a.seq - b.seq)) {
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
  const last = entries[entries.length - 1]
  return {
    ok: true,
    entries: entries.length,
    checkpoints: checkpoints.length,
    lastSeq: last?.seq ?? 0,
    lastHash: last?.hash ?? GENESIS_HASH,
  }
}
