// A receipt's own leaf in the receiver's log (issue 13, docs/verifiable-logs.md "Binding two
// parties" 2): the receiver appends an audit entry of type 'receipt' that commits to the
// receipt's content, and once it has committed returns its checkpoint and the inclusion proof
// of that leaf inside the signed receipt. The sender checks the proof with the receiver's
// pinned key and keeps the receipt: the receiver can no longer drop what it acknowledged
// without its own signed checkpoint showing it. Both links (live and HTTPS) use this module.
import { createHash, type KeyObject } from 'node:crypto'
import { fromBase64, toBase64 } from '../../lib/bytes.ts'
import { verifyInclusion } from '../../lib/merkle-verify.ts'
import { openNote } from '../../lib/signed-note.ts'
import type { ReceiptLog } from '../../protocol/link.ts'
import type { AuditEntry, AuditInput } from '../store/store.ts'
import { checkpointVerifier, merkleHasher } from './checkpoint-note.ts'
import { canonicalJson } from './hash.ts'
import {
  type MerkleLog,
  type SignedCheckpoint,
  auditLeaf,
  decodeHashes,
  encodeHashes,
  logOrigin,
  readCheckpointNote,
} from './merkle-log.ts'

/** SHA-256 (hex) of a receipt's content without its `log`: what the receipt's leaf commits to. */
export function receiptSha256(receipt: object): string {
  const { log: _log, ...content } = receipt as { log?: unknown }
  return createHash('sha256').update(canonicalJson(content)).digest('hex')
}

/**
 * The receiver's audit entry for a receipt it signs: of type 'receipt', naming the sender,
 * with what identifies the bytes received (`binding`) and the digest of the receipt's content.
 */
export function receiptLeafInput(
  sender: string,
  atMs: number,
  subject: string | null,
  binding: Readonly<Record<string, unknown>>,
  content: object,
): AuditInput {
  return {
    atMs,
    type: 'receipt',
    party: sender,
    subject,
    data: { ...binding, receiptSha256: receiptSha256(content) },
  }
}

/**
 * After the leaf committed: the log's checkpoint (signed now if it grew) and the leaf's
 * inclusion proof in it. Undefined when the log refuses to sign (a rewritten store: CONFLICT);
 * the receipt then goes without, and the sender sees the proofs stop.
 */
export async function proveReceipt(
  log: MerkleLog,
  leaf: AuditEntry,
): Promise<ReceiptLog | undefined> {
  const checkpoint = await log.checkpoint().catch(() => undefined)
  const index = leaf.seq - 1
  if (checkpoint === undefined || checkpoint.size <= index) return undefined
  return {
    checkpoint: checkpoint.note,
    index,
    leaf: toBase64(auditLeaf(leaf)),
    proof: encodeHashes(log.inclusion(index, checkpoint.size)),
  }
}

/** What the sender learnt from a receipt's log part, once checked. */
export interface CheckedReceiptLog {
  readonly checkpoint: SignedCheckpoint
  readonly index: number
}

/**
 * The sender's check of a receipt's `log`: a checkpoint of the receiver's log signed by its
 * pinned key, a leaf in it at `index` (the inclusion proof holds), and that leaf is the
 * receipt's own — type 'receipt', naming us, committing to this receipt's content. Throws
 * naming the first thing that fails.
 */
export function checkReceiptLog(
  receipt: { readonly log?: ReceiptLog | undefined },
  expected: { readonly receiver: string; readonly receiverKey: KeyObject; readonly sender: string },
): CheckedReceiptLog | undefined {
  const log = receipt.log
  if (log === undefined) return undefined
  const origin = logOrigin(expected.receiver)
  const checkpoint = readCheckpointNote(log.checkpoint)
  if (
    checkpoint?.origin !== origin ||
    !openNote(log.checkpoint, [checkpointVerifier(origin, expected.receiverKey)]).ok
  )
    throw new Error(`log.checkpoint: not a checkpoint of ${origin} signed by its key`)
  const leaf = fromBase64(log.leaf)
  const proof = decodeHashes(log.proof)
  if (leaf === undefined) throw new Error('log.leaf: not base64')
  if (proof === undefined) throw new Error('log.proof: not base64 hashes of 32 bytes')
  const included = verifyInclusion(
    merkleHasher,
    log.index,
    checkpoint.size,
    merkleHasher.hashLeaf(leaf),
    proof,
    checkpoint.rootHash,
  )
  if (!included.ok)
    throw new Error(`log.proof: the leaf is not in the checkpoint: ${included.issues}`)
  let entry: Record<string, unknown>
  try {
    entry = JSON.parse(Buffer.from(leaf).toString('utf8')) as Record<string, unknown>
  } catch {
    throw new Error('log.leaf: not an audit entry (JSON)')
  }
  const data = (entry['data'] ?? {}) as Record<string, unknown>
  if (entry['seq'] !== log.index + 1) throw new Error('log.leaf: its seq is not index + 1')
  if (entry['type'] !== 'receipt' || entry['party'] !== expected.sender)
    throw new Error(`log.leaf: not a receipt entry naming ${expected.sender}`)
  if (data['receiptSha256'] !== receiptSha256(receipt))
    throw new Error("log.leaf: it commits to another receipt's content")
  return { checkpoint, index: log.index }
}
