import type { AuditEntry, AuditInput, OutboxRow, StoreTx } from '../store/store.ts'
import { signCheckpoint } from '../audit/checkpoint.ts'
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

export async function checkpointAt(ctx: NodeContext, entry: AuditEntry): Promise<void> {
  const checkpoint = await signCheckpoint(
    { seq: entry.seq, hash: entry.hash, atMs: ctx.now() },
    ctx.keys.signing,
  )
  await ctx.store.insertCheckpoint(checkpoint)
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
