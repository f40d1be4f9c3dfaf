import { asPartyId } from '../../domain/ids.ts'
import { EntenteError } from '../../lib/errors.ts'
import { signWithdrawal } from '../crypto/withdrawal-signature.ts'
import type { ProductRow, StoreTx, WithdrawalRow } from '../store/store.ts'
import { type AuditBatch, auditedTransaction } from './audit-log.ts'
import type { NodeContext } from './context.ts'
import { enqueueWithdrawal, type WithdrawalView, withdrawalOf } from './withdrawals.ts'

/**
 * Issue 17: a product is withdrawn as a report is (withdrawals.ts): its originator signs the
 * same `withdrawal` message, sends it to every peer the product went to, and each holder checks
 * the originator's signature, keeps the withdrawal on its copy and shows and sends it to no one
 * again; its file is removed (product-transfer.ts). A product message not yet gone is withdrawn
 * from the outbox, unsent.
 */
export async function withdrawProduct(
  ctx: NodeContext,
  id: string,
  reason: string,
): Promise<WithdrawalView> {
  const product = await ctx.store.getProduct(id)
  if (product === undefined) throw new EntenteError('NOT_FOUND', `product '${id}' is not held here`)
  if (product.originator !== ctx.party)
    throw new EntenteError(
      'CONFLICT',
      `product '${id}' is ${product.originator}'s: only its originator withdraws it`,
    )
  const atMs = ctx.now()
  const facts = { reportId: id, originator: ctx.party, reason, atMs }
  const signature = signWithdrawal(facts, ctx.keys.signing)
  const row: WithdrawalRow = { ...facts, signature, receivedFrom: null, recordedAtMs: atMs }
  const sent = await productMessagesSent(ctx, id)
  const to = await auditedTransaction(ctx, async (tx, audit) => {
    const held = await tx.getProduct(id)
    if (held?.withdrawal !== null)
      throw new EntenteError('CONFLICT', `product '${id}' is withdrawn already`)
    return recordAndPassOn(ctx, tx, audit, held, row, sent)
  })
  return { reportId: id, status: 'withdrawn', withdrawal: withdrawalOf(row), sentTo: to }
}

/** A peer's withdrawal of a product held here (already checked: the originator's signature). */
export async function applyProductWithdrawal(
  ctx: NodeContext,
  tx: StoreTx,
  audit: AuditBatch,
  product: ProductRow,
  row: WithdrawalRow,
): Promise<void> {
  if (product.withdrawal !== null) return
  await recordAndPassOn(ctx, tx, audit, product, row, { holders: new Map(), unsent: [] })
}

/** The peers a product's messages went to or wait for, and those messages not yet gone. */
export interface ProductMessagesSent {
  /** Each recipient, with the agreement its message went under. */
  readonly holders: ReadonlyMap<string, string | null>
  /** The ids of its messages still in the outbox, undelivered. */
  readonly unsent: readonly string[]
}

export async function productMessagesSent(
  ctx: NodeContext,
  id: string,
): Promise<ProductMessagesSent> {
  const holders = new Map<string, string | null>()
  const unsent: string[] = []
  for (const m of await ctx.store.listOutbox({ withdrawn: false }))
    if (m.kind === 'product' && m.subjectId === id) {
      holders.set(m.recipient, (JSON.parse(m.envelope) as { agreement: string | null }).agreement)
      if (m.deliveredAtMs === null) unsent.push(m.messageId)
    }
  return { holders, unsent }
}

async function recordAndPassOn(
  ctx: NodeContext,
  tx: StoreTx,
  audit: AuditBatch,
  product: ProductRow,
  row: WithdrawalRow,
  sent: ProductMessagesSent,
): Promise<string[]> {
  await tx.putProduct({ ...product, withdrawal: row, updatedAtMs: row.recordedAtMs })
  // Not gone yet: it never leaves; the peer gets the withdrawal all the same (it may have it).
  for (const messageId of sent.unsent)
    await tx.withdrawMessage(messageId, 'withdrawn: withdrawal', row.recordedAtMs)
  const recipients: string[] = []
  for (const [to, agreement] of sent.holders) {
    if (to === row.originator || to === row.receivedFrom || !ctx.peers.has(asPartyId(to))) continue
    recipients.push(to)
    await enqueueWithdrawal(ctx, tx, audit, row, to, agreement)
  }
  recipients.sort()
  await audit.append(tx, {
    atMs: row.recordedAtMs,
    type: 'withdrawal',
    party: row.receivedFrom,
    subject: row.reportId,
    data: {
      productId: row.reportId,
      originator: row.originator,
      reason: row.reason,
      withdrawnAtMs: row.atMs,
      receivedFrom: row.receivedFrom,
      sentTo: recipients,
    },
  })
  return recipients
}
