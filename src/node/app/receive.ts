import { asLevel, asPartyId, type PartyId } from '../../domain/ids.ts'
import type { Reason } from '../../domain/decision.ts'
import { isDenied, releaseOptions } from '../../domain/release.ts'
import { openEnvelope, type Envelope } from '../crypto/envelope.ts'
import { sha256Hex, signReceipt } from '../crypto/receipt.ts'
import { canonicalJson } from '../audit/hash.ts'
import type { InboxRow, ReportRow, StoreTx } from '../store/store.ts'
import { type AuditBatch, auditedTransaction } from './audit-log.ts'
import type { NodeContext } from './context.ts'
import { type PlannedRelease, reportFacts } from './releases.ts'
import { planRelays, storeReceived } from './relay.ts'
import { answerRequest, applyIncomingMessage } from './requests.ts'

export interface Arrival {
  readonly receipt: string
  readonly status: InboxRow['status']
  readonly duplicate: boolean
}

type SimpleReason = { readonly code: string; readonly message: string }

/**
 * The federation inbox: verify and decrypt, re-check the release against this node's own
 * registry at the sender's instant and now, store durably, relay if this node is the hub,
 * and answer with a signed receipt. A duplicate gets the receipt it got the first time.
 */
export async function receiveEnvelope(ctx: NodeContext, jwe: string): Promise<Arrival> {
  const envelope = await openEnvelope(
    jwe,
    ctx.keys.encryption,
    (sender) => ctx.peers.get(sender as PartyId)?.signingKey,
    { recipient: ctx.party },
  )
  const known = await ctx.store.getInbox(envelope.messageId)
  if (known !== undefined) return { receipt: known.receipt, status: known.status, duplicate: true }

  const nowMs = ctx.now()
  const reasons = envelope.kind === 'report' ? recheckRelease(ctx, envelope, nowMs) : []
  const status = reasons.length === 0 ? 'accepted' : 'quarantined'
  const receipt = await signReceipt(
    {
      messageId: envelope.messageId,
      sender: envelope.sender,
      receiver: ctx.party,
      receivedAtMs: nowMs,
      status,
      envelopeSha256: sha256Hex(jwe),
    },
    ctx.keys.signing,
  )
  const report =
    envelope.kind === 'report' && status === 'accepted' ? receivedReport(envelope, nowMs) : null
  const relays = report === null ? [] : await planRelays(ctx, envelope.agreement, report, nowMs)
  const row: InboxRow = {
    messageId: envelope.messageId,
    sender: envelope.sender,
    kind: envelope.kind,
    receivedAtMs: nowMs,
    status,
    reasons,
    header: {
      sender: envelope.sender,
      recipient: envelope.recipient,
      agreement: envelope.agreement,
      instantMs: envelope.instantMs,
      kind: envelope.kind,
    },
    contentSha256: sha256Hex(canonicalJson(envelope.payload)),
    receipt,
  }

  const duplicate = await auditedTransaction(ctx, async (tx, audit) => {
    if ((await tx.getInbox(envelope.messageId)) !== undefined) return true
    await tx.insertInbox(row)
    await audit.append(tx, {
      atMs: nowMs,
      type: status === 'accepted' ? 'arrival' : 'quarantine',
      party: envelope.sender,
      subject: envelope.messageId,
      data: {
        kind: envelope.kind,
        agreement: envelope.agreement,
        sentAtMs: envelope.instantMs,
        reportId: report?.id ?? reportIdOf(envelope),
        path: report?.path ?? null,
        reasons,
      },
    })
    if (status === 'accepted') await store(ctx, tx, audit, envelope, report, relays, nowMs)
    return false
  })
  if (duplicate) return receiveEnvelope(ctx, jwe)
  if (
    envelope.kind === 'request' &&
    status === 'accepted' &&
    ctx.config.release.answerRequests === 'rule'
  ) {
    // Answered by standing rule, after the request is stored: a crash in between leaves it open.
    await answerRequest(ctx, String(envelope.payload['requestId']), true, null)
  }
  return { receipt, status, duplicate: false }
}

async function store(
  ctx: NodeContext,
  tx: StoreTx,
  audit: AuditBatch,
  envelope: Envelope,
  report: ReportRow | null,
  relays: readonly PlannedRelease[],
  nowMs: number,
): Promise<void> {
  if (report === null) return applyIncomingMessage(ctx, tx, audit, envelope, nowMs)
  const received = { report, sender: envelope.sender, agreement: envelope.agreement, nowMs }
  await storeReceived(tx, audit, received, relays)
}

function reportIdOf(envelope: Envelope): string | null {
  const report = envelope.payload['report'] as { id?: unknown } | undefined
  return typeof report?.id === 'string' ? report.id : null
}

function receivedReport(envelope: Envelope, nowMs: number): ReportRow {
  const body = envelope.payload['report'] as Record<string, unknown>
  return {
    id: String(body['id']),
    originator: String(body['originator']),
    level: String(body['level']),
    localLevel: String(envelope.payload['levelAtRecipient'] ?? body['level']),
    topic: String(body['topic']),
    releasableTo: (body['releasableTo'] as string[] | null) ?? null,
    payload: (body['payload'] as Record<string, unknown>) ?? {},
    receivedFrom: envelope.sender,
    agreement: envelope.agreement,
    path: (envelope.payload['path'] as string[]) ?? [envelope.sender, envelope.recipient],
    createdAtMs: nowMs,
  }
}

/**
 * Both sides check: the release must be allowed by this node's own registry, under the
 * agreement the sender named, at the sender's instant and at receipt, and the sender's
 * clock may differ from ours by at most the configured skew.
 */
function recheckRelease(ctx: NodeContext, envelope: Envelope, nowMs: number): SimpleReason[] {
  const report = receivedReport(envelope, nowMs)
  const skewMs = ctx.config.clockSkewS * 1000
  const reasons: SimpleReason[] = []
  // A message may arrive long after it was sent (retries, a peer down), but never from the future.
  if (envelope.instantMs - nowMs > skewMs) {
    reasons.push({
      code: 'CLOCK_SKEW',
      message: `the sender's instant is ${Math.round((envelope.instantMs - nowMs) / 1000)} s ahead of ours, beyond the allowed ${ctx.config.clockSkewS} s`,
    })
  }
  for (const [label, atMs] of [
    ["at the sender's instant", envelope.instantMs],
    ['at receipt', nowMs],
  ] as const) {
    const why = denialAt(ctx, envelope, report, atMs)
    if (why.length > 0)
      reasons.push(...why.map((r) => ({ code: r.code, message: `${label}: ${r.message}` })))
  }
  return dedupe(reasons)
}

function denialAt(
  ctx: NodeContext,
  envelope: Envelope,
  report: ReportRow,
  atMs: number,
): SimpleReason[] {
  const sender = asPartyId(envelope.sender)
  const heldBySender = report.originator === envelope.sender ? null : heldLevelOf(envelope)
  const outcome = releaseOptions(ctx.index, {
    holder: sender,
    recipient: ctx.party,
    report: reportFacts(report),
    levelAtHolder: heldBySender,
    atMs,
  })
  if (isDenied(outcome))
    return outcome.reasons.map((r: Reason) => ({ code: r.code, message: r.message }))
  const named = envelope.agreement
  if (outcome.some((o) => o.hops[0]?.agreement === named)) return []
  return [
    {
      code: 'AGREEMENT_MISMATCH',
      message: `the sender named ${named ?? 'no agreement'}, which our registry does not allow for this transfer (it allows ${outcome.map((o) => o.hops[0]?.agreement ?? 'public').join(', ')})`,
    },
  ]
}

/** The level at which a relaying sender held the report: its own level on the path. */
function heldLevelOf(envelope: Envelope): ReturnType<typeof asLevel> | null {
  const level = envelope.payload['heldLevel']
  return typeof level === 'string' ? asLevel(level) : null
}

function dedupe(reasons: SimpleReason[]): SimpleReason[] {
  const seen = new Set<string>()
  return reasons.filter((r) => (seen.has(r.message) ? false : (seen.add(r.message), true)))
}
