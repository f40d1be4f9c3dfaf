import { asAgreementId, asPartyId } from '../../domain/ids.ts'
import { EntenteError } from '../../lib/errors.ts'
import type { QuarantineReason } from '../../protocol/codes.ts'
import type { Message } from '../../protocol/messages.ts'
import { isOriginatorSignatureError } from '../crypto/originator-signature.ts'
import type { SupersessionFacts } from '../crypto/supersession-signature.ts'
import { signWithdrawal, verifyWithdrawalSignature } from '../crypto/withdrawal-signature.ts'
import type { StoreTx, WithdrawalRow } from '../store/store.ts'
import { type AuditBatch, auditedTransaction } from './audit-log.ts'
import type { NodeContext } from './context.ts'
import { composeForPeer, enqueue } from './outbox.ts'
import { applyProductWithdrawal } from './product-withdrawals.ts'
import { denyAtEgress } from './releases.ts'

/**
 * Issue 12: a false alarm is withdrawn everywhere it went. The originator signs the withdrawal
 * and sends it to every peer it released the report to; each holder verifies the originator's
 * signature, marks its copy withdrawn, and a hub forwards it to the peers it relayed the report
 * to: the same paths the report came by. A withdrawal carries no content, so it asks the
 * engine nothing (the rule planDisclosure states, src/domain/report-disclosure.ts, applied here
 * hop by hop without calling it). Every hop audits it, and
 * a release of the report not yet gone (held, pending approval) is denied: it never leaves.
 */

/** What the API shows of a withdrawn report. */
export interface WithdrawalView {
  readonly reportId: string
  readonly status: 'withdrawn'
  readonly withdrawal: { readonly atMs: number; readonly at: string; readonly reason: string }
  /** The peers the withdrawal was queued for. */
  readonly sentTo: readonly string[]
}

export function withdrawalOf(row: WithdrawalRow): WithdrawalView['withdrawal'] {
  return { atMs: row.atMs, at: new Date(row.atMs).toISOString(), reason: row.reason }
}

/** The originator withdraws its own report, with a reason: recorded, audited, sent on. */
export async function withdrawReport(
  ctx: NodeContext,
  reportId: string,
  reason: string,
): Promise<WithdrawalView> {
  const report = await ctx.store.getReport(reportId)
  if (report === undefined)
    throw new EntenteError('NOT_FOUND', `report '${reportId}' is not held here`)
  if (report.originator !== ctx.party)
    throw new EntenteError(
      'CONFLICT',
      `report '${reportId}' is ${report.originator}'s: only its originator withdraws it`,
    )
  const atMs = ctx.now()
  const facts = { reportId, originator: ctx.party, reason, atMs }
  // Signed before the transaction: crypto never holds the store's lock.
  const signature = signWithdrawal(facts, ctx.keys.signing)
  const row: WithdrawalRow = { ...facts, signature, receivedFrom: null, recordedAtMs: atMs }
  const sentTo = await auditedTransaction(ctx, async (tx, audit) => {
    if (!(await tx.insertWithdrawal(row)))
      throw new EntenteError('CONFLICT', `report '${reportId}' is withdrawn already`)
    return recordAndPassOn(ctx, tx, audit, row, atMs)
  })
  return { reportId, status: 'withdrawn', withdrawal: withdrawalOf(row), sentTo }
}

/**
 * A peer's withdrawal, before the transaction: the originator's signature (verified with the
 * ORIGINATOR's key, never the sender's: a hub cannot invent one), the report held here under
 * that originator, and an instant not in our future.
 */
export function checkWithdrawal(
  ctx: NodeContext,
  message: Message<'withdrawal'>,
  nowMs: number,
): Promise<QuarantineReason[]> {
  const p = message.payload
  return checkOriginatorNotice(ctx, p, nowMs, 'the withdrawal', (key) =>
    verifyWithdrawalSignature(p.originatorSignature, key, p),
  )
}

/**
 * What a content-free notice of an originator about one of its reports (a withdrawal, a
 * superseded notice) must be, whoever relayed it: from a party of our registry, signed by it
 * (`verify` throws an OriginatorSignatureError otherwise), not dated in our future, and about
 * a report held here under that originator. Every rule it breaks, with its quarantine code.
 */
export async function checkOriginatorNotice(
  ctx: NodeContext,
  notice: { readonly reportId: string; readonly originator: string; readonly atMs: number },
  nowMs: number,
  what: string,
  verify: (originatorKey: ReturnType<NodeContext['originatorKey']>) => unknown,
): Promise<QuarantineReason[]> {
  if (!ctx.index.registry.parties.has(asPartyId(notice.originator)))
    return [
      {
        code: 'UNKNOWN_REFERENCE',
        message: `payload.originator: '${notice.originator}' is not a party of our registry`,
      },
    ]
  try {
    verify(ctx.originatorKey(notice.originator))
  } catch (error) {
    if (!isOriginatorSignatureError(error)) throw error
    return [
      {
        code: 'ORIGINATOR_SIGNATURE_INVALID',
        message: `payload.originatorSignature: ${error.message}`,
      },
    ]
  }
  const skewMs = ctx.config.clockSkewS * 1000
  if (notice.atMs - nowMs > skewMs)
    return [
      {
        code: 'CLOCK_SKEW',
        message: `payload.atMs: ${what} is dated ${Math.round((notice.atMs - nowMs) / 1000)} s ahead of our clock, beyond the allowed ${ctx.config.clockSkewS} s`,
      },
    ]
  const report =
    (await ctx.store.getReport(notice.reportId)) ?? (await ctx.store.getProduct(notice.reportId))
  if (report === undefined)
    return [
      {
        code: 'UNKNOWN_REFERENCE',
        message: `payload.reportId: report ${notice.reportId} is not held here`,
      },
    ]
  if (report.originator !== notice.originator)
    return [
      {
        code: 'NOT_OWNER',
        message: `payload.originator: report ${notice.reportId} is ${report.originator}'s, not ${notice.originator}'s`,
      },
    ]
  return []
}

/** Inside the arrival's transaction: the copy is marked withdrawn, audited and passed on. */
export async function applyWithdrawal(
  ctx: NodeContext,
  tx: StoreTx,
  audit: AuditBatch,
  message: Message<'withdrawal'>,
  nowMs: number,
): Promise<void> {
  const { originatorSignature: signature, ...facts } = message.payload
  const row: WithdrawalRow = {
    ...facts,
    signature,
    receivedFrom: message.sender,
    recordedAtMs: nowMs,
  }
  // The same withdrawal again (by another path): the first one recorded is kept, and passed on.
  if ((await tx.getReport(row.reportId)) === undefined) {
    // Issue 17: a product's withdrawal travels as a report's, and is kept on the product.
    const product = await tx.getProduct(row.reportId)
    if (product !== undefined) await applyProductWithdrawal(ctx, tx, audit, product, row)
    return
  }
  if (!(await tx.insertWithdrawal(row))) return
  await recordAndPassOn(ctx, tx, audit, row, nowMs)
}

/**
 * Denies the report's releases that have not left (held, pending approval), queues the
 * withdrawal for every peer a release let it go to (but the one it came from and the
 * originator), and appends one `withdrawal` entry naming them. Returns those peers.
 */
async function recordAndPassOn(
  ctx: NodeContext,
  tx: StoreTx,
  audit: AuditBatch,
  row: WithdrawalRow,
  nowMs: number,
): Promise<string[]> {
  const releases = await tx.listReleases({ reportId: row.reportId })
  const reasons = [
    {
      code: 'REPORT_WITHDRAWN',
      message: `${row.originator} withdrew report ${row.reportId}: ${row.reason.slice(0, 200)}`,
    },
  ]
  const holders = new Map<string, string | null>()
  for (const release of releases) {
    if (release.state === 'held' || release.state === 'pending-approval')
      await denyAtEgress(tx, audit, release, reasons, nowMs, 'withdrawal')
    const to = release.recipient
    const passOn =
      release.state === 'released' &&
      to !== row.receivedFrom &&
      to !== row.originator &&
      ctx.peers.has(asPartyId(to))
    if (passOn && !holders.has(to)) holders.set(to, release.agreement)
  }
  const sentTo = [...holders.keys()].sort()
  await audit.append(tx, {
    atMs: nowMs,
    type: 'withdrawal',
    party: row.receivedFrom,
    subject: row.reportId,
    data: {
      reportId: row.reportId,
      originator: row.originator,
      reason: row.reason,
      withdrawnAtMs: row.atMs,
      receivedFrom: row.receivedFrom,
      sentTo,
    },
  })
  for (const to of sentTo) await enqueueWithdrawal(ctx, tx, audit, row, to, holders.get(to) ?? null)
  return sentTo
}

/** The originator's signed withdrawal, queued for one holder (of a report or a product). */
export async function enqueueWithdrawal(
  ctx: NodeContext,
  tx: StoreTx,
  audit: AuditBatch,
  row: WithdrawalRow,
  to: string,
  agreement: string | null,
): Promise<void> {
  const message = composeForPeer(ctx, {
    recipient: asPartyId(to),
    kind: 'withdrawal',
    agreement: agreement === null ? null : asAgreementId(agreement),
    subjectId: row.reportId,
    payload: {
      reportId: row.reportId,
      originator: row.originator,
      reason: row.reason,
      atMs: row.atMs,
      originatorSignature: row.signature,
    },
  })
  await enqueue(tx, audit, message)
}

/**
 * The originator's statement alone, as a `superseded` message, to each holder (a peer, with
 * the agreement its copy went under) but those skipped; a report's or a product's (issue 17).
 * Returns the peers it is queued for, sorted.
 */
export async function enqueueSupersession(
  ctx: NodeContext,
  tx: StoreTx,
  audit: AuditBatch,
  holders: ReadonlyMap<string, string | null>,
  notice: {
    facts: SupersessionFacts
    signature: string
    skip: ReadonlySet<string>
  },
): Promise<string[]> {
  const sentTo = [...holders.keys()]
    .filter((to) => !notice.skip.has(to) && ctx.peers.has(asPartyId(to)))
    .sort()
  for (const to of sentTo) {
    const agreement = holders.get(to) ?? null
    const message = composeForPeer(ctx, {
      recipient: asPartyId(to),
      kind: 'superseded',
      agreement: agreement === null ? null : asAgreementId(agreement),
      subjectId: notice.facts.reportId,
      payload: { ...notice.facts, originatorSignature: notice.signature },
    })
    await enqueue(tx, audit, message)
  }
  return sentTo
}
