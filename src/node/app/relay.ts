import { asAgreementId } from '../../domain/ids.ts'
import type { ReportRow, StoreTx } from '../store/store.ts'
import type { AuditBatch } from './audit-log.ts'
import type { NodeContext } from './context.ts'
import { commitReleases, planReleases, type PlannedRelease } from './releases.ts'

/**
 * R4 via R5: the hub passes on what a member sent it under a mediated agreement — whether it
 * came through the federation inbox or was added over TAXII.
 */
export async function planRelays(
  ctx: NodeContext,
  agreement: string | null,
  report: ReportRow,
  nowMs: number,
): Promise<PlannedRelease[]> {
  if (agreement === null) return []
  const via = ctx.index.agreements.get(asAgreementId(agreement))
  if (via === undefined || via.agreement.kind !== 'mediated' || via.agreement.hub !== ctx.party)
    return []
  const recipients = via.agreement.parties
    .filter((p) => p !== ctx.party && p !== report.originator && ctx.peers.has(p))
    .sort()
  return planReleases(ctx, report, nowMs, { recipients, via })
}

/** Is this node the hub of `agreement`, a mediated one? Then what arrives under it is relayed. */
export function isHubOf(ctx: NodeContext, agreement: string): boolean {
  const entry = ctx.index.agreements.get(asAgreementId(agreement))
  return entry?.agreement.kind === 'mediated' && entry.agreement.hub === ctx.party
}

/** Stores a received report once (a second copy, by another way, is not stored) and its relays. */
export async function storeReceived(
  tx: StoreTx,
  audit: AuditBatch,
  received: { report: ReportRow; sender: string; agreement: string | null; nowMs: number },
  relays: readonly PlannedRelease[],
): Promise<void> {
  const { report, sender, agreement, nowMs } = received
  if ((await tx.getReport(report.id)) === undefined) await tx.insertReport(report)
  if (relays.length === 0) return
  await audit.append(tx, {
    atMs: nowMs,
    type: 'relay',
    party: sender,
    subject: report.id,
    data: { agreement, recipients: relays.map((r) => r.row.recipient) },
  })
  await commitReleases(tx, audit, relays)
}
