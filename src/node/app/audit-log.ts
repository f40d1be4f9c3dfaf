import type { AuditEntry, AuditInput, OutboxRow, StoreTx } from '../store/store.ts'
import { checkpointSigner } from '../audit/checkpoint-note.ts'
import { MerkleLog, logOrigin } from '../audit/merkle-log.ts'
import type { NodeContext } from './context.ts'

/**
 * Collects what one transaction appended to the audit chain and queued in the outbox, to
 * publish (live feed, checkpoints) and hand to the delivery worker once it has committed.
 */
export class AuditBatch {
  readonly entries: AuditEntry[] = []
  readonly queued: OutboxRow[] = []

  async append(tx: StoreTx, input: AuditInput): Promise<AuditEntry> {
    const entry = await tx.appendAudit(input)
    this.entries.push(entry)
    return entry
  }
}

/**
 * After commit: feed the live stream, and sign a checkpoint whenever the chain crosses a
 * multiple of `checkpointEvery` entries.
 */
export async function publishAudit(ctx: NodeContext, batch: AuditBatch): Promise<void> {
  const every = ctx.config.checkpointEvery
  for (const entry of batch.entries) {
    ctx.onAudit(entry)
    if (entry.seq % every === 0) await checkpointAt(ctx, entry)
  }
}

/** Signs a C2SP checkpoint of the Merkle log as it stands (at or after `entry`). */
export async function checkpointAt(ctx: NodeContext, entry: AuditEntry): Promise<void> {
  const log = merkleLogOf(ctx)
  if (log.lastSigned() === undefined || (log.lastSigned()?.size ?? 0) < entry.seq)
    await log.checkpoint()
  await log.flush()
}

const logs = new WeakMap<object, MerkleLog>()

/** The node's Merkle log (one per store, built from it at first use, kept in memory). */
export function merkleLogOf(ctx: Pick<NodeContext, 'store' | 'party' | 'keys' | 'now'>): MerkleLog {
  let log = logs.get(ctx.store)
  if (log === undefined) {
    const origin = logOrigin(ctx.party)
    log = new MerkleLog(ctx.store, origin, checkpointSigner(origin, ctx.keys.signing), ctx.now)
    logs.set(ctx.store, log)
  }
  return log
}

/** Runs `work` in one transaction with an audit batch, then publishes what it appended. */
export async function auditedTransaction<T>(
  ctx: NodeContext,
  work: (tx: StoreTx, audit: AuditBatch) => Promise<T>,
): Promise<T> {
  const batch = new AuditBatch()
  const result = await ctx.store.transaction((tx) => work(tx, batch))
  if (batch.queued.length > 0) ctx.deliverSoon(batch.queued)
  await publishAudit(ctx, batch)
  return result
}

/** Appends one entry in its own transaction (failed authentication, node start). */
export async function appendAudit(ctx: NodeContext, input: AuditInput): Promise<AuditEntry> {
  return auditedTransaction(ctx, (tx, audit) => audit.append(tx, input))
}
