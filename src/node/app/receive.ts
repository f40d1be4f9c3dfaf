import { asLevel, asPartyId, type Level, type PartyId } from '../../domain/ids.ts'
import { hasLevel } from '../../domain/party.ts'
import { isDenied, releaseOptions } from '../../domain/release.ts'
import type { QuarantineReason } from '../../protocol/codes.ts'
import { decodeMessage, type Message, messageIdSchema } from '../../protocol/messages.ts'
import { type Envelope, EnvelopeError, openEnvelope } from '../crypto/envelope.ts'
import {
  isOriginatorSignatureError,
  verifyReportSignature,
} from '../crypto/originator-signature.ts'
import { sha256Hex, signReceipt } from '../crypto/receipt.ts'
import type { InboxRow, ReportRow, StoreTx } from '../store/store.ts'
import { auditedTransaction } from './audit-log.ts'
import type { NodeContext } from './context.ts'
import { consentsHeld, reportDigest, reportFacts } from './release-inputs.ts'
import { planRelays, storeReceived } from './relay.ts'
import { answerRequest, applyIncomingMessage, checkIncomingMessage } from './requests.ts'

export interface Arrival {
  readonly receipt: string
  readonly status: InboxRow['status']
  readonly duplicate: boolean
}

/**
 * The federation inbox: verify and decrypt, validate the message against the protocol's
 * schema for its kind, re-check a report against this node's own registry (at the sender's
 * instant and now), check that the sender owns what it changes, store durably, relay if this
 * node is the hub, and answer with a signed receipt. A duplicate gets the receipt it got the
 * first time. A refused message is receipted as quarantined, with its reasons and the hash of
 * its content — never the content itself.
 */
export async function receiveEnvelope(ctx: NodeContext, jwe: string): Promise<Arrival> {
  const envelope = await openEnvelope(
    jwe,
    ctx.keys.encryption,
    (sender) => ctx.peers.get(sender as PartyId)?.signingKey,
    { recipient: ctx.party },
  )
  // Ids key rows and audit entries: a lone surrogate would be stored unlike it was hashed.
  if (!messageIdSchema.safeParse(envelope.messageId).success)
    throw new EnvelopeError(
      'ENVELOPE_MALFORMED',
      'messageId: not an id of letters, digits and . _ : -',
    )
  const known = await ctx.store.getInbox(envelope.messageId)
  if (known !== undefined) return { receipt: known.receipt, status: known.status, duplicate: true }

  const nowMs = ctx.now()
  const envelopeSha256 = sha256Hex(jwe)
  const checked = await checkArrival(ctx, envelope, nowMs)
  const status = checked.reasons.length === 0 ? 'accepted' : 'quarantined'
  const receipt = await signReceipt(
    {
      messageId: envelope.messageId,
      sender: envelope.sender,
      receiver: ctx.party,
      receivedAtMs: nowMs,
      status,
      envelopeSha256,
    },
    ctx.keys.signing,
  )
  const message = status === 'accepted' ? checked.message : null
  const report = message?.kind === 'report' ? checked.report : null
  const relays = report === null ? [] : await planRelays(ctx, envelope.agreement, report, nowMs)
  const row: InboxRow = {
    messageId: envelope.messageId,
    sender: envelope.sender,
    kind: message?.kind ?? 'report',
    receivedAtMs: nowMs,
    status,
    reasons: checked.reasons,
    // What the protocol validated; a refused header is known by the hash of the bytes alone.
    header: {
      v: typeof envelope.v === 'number' ? envelope.v : null,
      kind: message?.kind ?? null,
      sender: envelope.sender,
      recipient: envelope.recipient,
      agreement: message?.agreement ?? null,
      instantMs: message?.instantMs ?? null,
    },
    // The bytes received, hashed before anything recurses into a payload that may be hostile.
    contentSha256: envelopeSha256,
    receipt,
  }

  const outcome = await auditedTransaction(ctx, async (tx, audit) => {
    if ((await tx.getInbox(envelope.messageId)) !== undefined) return 'again'
    // Another arrival may have taken the id since it was checked: check again, under the lock.
    if (report !== null && (await idConflict(tx, report)) !== null) return 'again'
    await tx.insertInbox(row)
    await audit.append(tx, {
      atMs: nowMs,
      type: status === 'accepted' ? 'arrival' : 'quarantine',
      party: envelope.sender,
      subject: envelope.messageId,
      data: {
        kind: message?.kind ?? null,
        agreement: message?.agreement ?? null,
        sentAtMs: message?.instantMs ?? null,
        reportId: report?.id ?? checked.reportId,
        path: report?.path ?? null,
        contentSha256: row.contentSha256,
        reasons: checked.reasons,
      },
    })
    if (message === null) return 'done'
    if (report !== null) {
      const received = { report, sender: envelope.sender, agreement: message.agreement, nowMs }
      await storeReceived(tx, audit, received, relays)
    } else if (message.kind !== 'report') await applyIncomingMessage(ctx, tx, audit, message, nowMs)
    return 'done'
  })
  if (outcome === 'again') return receiveEnvelope(ctx, jwe)
  if (message?.kind === 'request' && ctx.config.release.answerRequests === 'rule') {
    // Answered by standing rule, after the request is stored: a crash in between leaves it open.
    await answerRequest(ctx, message.payload.requestId, true, null)
  }
  return { receipt, status, duplicate: false }
}

interface CheckedArrival {
  readonly reasons: QuarantineReason[]
  readonly message: Message | null
  /** The report as this node would store it, for an acceptable report message. */
  readonly report: ReportRow | null
  readonly reportId: string | null
}

/** Everything decided before the transaction: schema, references, ownership, the re-check. */
async function checkArrival(
  ctx: NodeContext,
  envelope: Envelope,
  nowMs: number,
): Promise<CheckedArrival> {
  const decoded = decodeMessage(envelope)
  if (!decoded.ok)
    return { reasons: [decoded.problem], message: null, report: null, reportId: null }
  const message = decoded.message
  if (message.kind !== 'report') {
    const reasons = await checkIncomingMessage(ctx, message, nowMs)
    return { reasons, message, report: null, reportId: null }
  }
  const reportId = message.payload.report.id
  const refs = reportReferences(ctx, message)
  if (refs.length > 0) return { reasons: refs, message, report: null, reportId }
  const origin = await checkOriginatorSignature(ctx, message)
  if (origin.signed === null) return { reasons: [origin.reason], message, report: null, reportId }
  const signed = origin.signed
  const recheck = await recheckRelease(ctx, signed, nowMs)
  if (recheck.reasons.length > 0)
    return { reasons: recheck.reasons, message: signed, report: null, reportId }
  const report = receivedReport(signed, recheck.localLevel, nowMs)
  const conflict = await idConflict(ctx.store, report)
  return {
    reasons: conflict === null ? [] : [conflict],
    message: signed,
    report: conflict === null ? report : null,
    reportId,
  }
}

/**
 * H4: a report is its originator's whoever relayed it. Its signature is verified with the
 * ORIGINATOR's key (never the sender's: a hub's envelope signature only says it relayed it)
 * over exactly the report carried; what follows uses the report as signed, not the copy.
 */
async function checkOriginatorSignature(
  ctx: NodeContext,
  message: Message<'report'>,
): Promise<
  | { readonly signed: Message<'report'>; readonly reason: null }
  | { readonly signed: null; readonly reason: QuarantineReason }
> {
  const { report, originatorSignature } = message.payload
  try {
    const key = ctx.originatorKey(report.originator)
    const signed = await verifyReportSignature(originatorSignature, key, report)
    // The sender's createdAtMs is not signed (each hop sets it) and nothing relies on it.
    const { createdAtMs } = report
    const carried = createdAtMs === undefined ? signed : { ...signed, createdAtMs }
    return {
      signed: { ...message, payload: { ...message.payload, report: carried } },
      reason: null,
    }
  } catch (error) {
    if (!isOriginatorSignatureError(error)) throw error
    return {
      signed: null,
      reason: {
        code: 'ORIGINATOR_SIGNATURE_INVALID',
        message: `payload.originatorSignature: ${error.message}`,
      },
    }
  }
}

/**
 * A report's identity is its originator's: an id held here with another originator or other
 * content is never merged with it (C2, M8). The same report again, by another way, is fine.
 */
async function idConflict(
  reader: Pick<StoreTx, 'getReport'>,
  report: ReportRow,
): Promise<QuarantineReason | null> {
  const held = await reader.getReport(report.id)
  if (held === undefined) return null
  if (held.originator === report.originator && reportDigest(held) === reportDigest(report))
    return null
  return {
    code: 'ID_CONFLICT',
    message: `report id ${report.id} is held here with other content or another originator`,
  }
}

/** Every party, level and path step named must be known to our registry and consistent. */
function reportReferences(ctx: NodeContext, message: Message<'report'>): QuarantineReason[] {
  const { report, path } = message.payload
  const parties = ctx.index.registry.parties
  const reasons: QuarantineReason[] = []
  const unknown = (field: string, value: string) =>
    reasons.push({
      code: 'UNKNOWN_REFERENCE',
      message: `${field}: '${value}' is not a party of our registry`,
    })
  const originator = parties.get(asPartyId(report.originator))
  if (originator === undefined) unknown('payload.report.originator', report.originator)
  else if (!hasLevel(originator, report.level))
    reasons.push({
      code: 'UNKNOWN_REFERENCE',
      message: `payload.report.level: '${report.level}' is not a level of ${report.originator}`,
    })
  if (originator?.public === report.level && report.releasableTo !== null)
    reasons.push({
      code: 'PAYLOAD_INVALID',
      message: `payload.report.releasableTo: a report at ${report.originator}'s public level carries no releasability (R0 would release it to everyone)`,
    })
  for (const p of report.releasableTo ?? [])
    if (!parties.has(asPartyId(p))) unknown('payload.report.releasableTo', p)
  for (const p of path) if (!parties.has(asPartyId(p))) unknown('payload.path', p)
  const consistent =
    path[0] === report.originator &&
    path.at(-1) === ctx.party &&
    path.at(-2) === message.sender &&
    new Set(path).size === path.length
  if (!consistent)
    reasons.push({
      code: 'PAYLOAD_INVALID',
      message: `payload.path: must run from the originator ${report.originator} through the sender ${message.sender} to ${ctx.party}, each party once`,
    })
  return reasons
}

function receivedReport(message: Message<'report'>, localLevel: Level, nowMs: number): ReportRow {
  const { report, path } = message.payload
  return {
    id: report.id,
    originator: report.originator,
    level: report.level,
    localLevel,
    topic: report.topic,
    releasableTo: report.releasableTo,
    payload: report.payload,
    receivedFrom: message.sender,
    agreement: message.agreement,
    path,
    createdAtMs: nowMs,
    originatorSignature: message.payload.originatorSignature ?? null,
  }
}

/**
 * Both sides check: the release must be allowed by this node's own registry, under the
 * agreement the sender named, at the sender's instant and at receipt, and the sender's clock
 * may differ from ours by at most the configured skew. The level this node holds the report
 * at is the one our registry maps it to (M2), never the sender's claim.
 */
async function recheckRelease(
  ctx: NodeContext,
  message: Message<'report'>,
  nowMs: number,
): Promise<{ reasons: QuarantineReason[]; localLevel: Level }> {
  const skewMs = ctx.config.clockSkewS * 1000
  const reasons: QuarantineReason[] = []
  // A message may arrive long after it was sent (retries, a peer down), but never from the future.
  if (message.instantMs - nowMs > skewMs) {
    reasons.push({
      code: 'CLOCK_SKEW',
      message: `the sender's instant is ${Math.round((message.instantMs - nowMs) / 1000)} s ahead of ours, beyond the allowed ${ctx.config.clockSkewS} s`,
    })
  }
  let localLevel = asLevel(message.payload.report.level)
  for (const [label, atMs] of [
    ["at the sender's instant", message.instantMs],
    ['at receipt', nowMs],
  ] as const) {
    const verdict = await allowedAt(ctx, message, atMs)
    if (verdict.ok) localLevel = verdict.level
    else reasons.push(...verdict.reasons.map((r) => ({ ...r, message: `${label}: ${r.message}` })))
  }
  return { reasons: dedupe(reasons), localLevel }
}

async function allowedAt(
  ctx: NodeContext,
  message: Message<'report'>,
  atMs: number,
): Promise<{ ok: true; level: Level } | { ok: false; reasons: QuarantineReason[] }> {
  const sender = asPartyId(message.sender)
  const facts = reportFacts(receivedReport(message, asLevel(message.payload.report.level), atMs))
  // An onward release (R4) counts the originator's consents we were told of (M5).
  const consents = await consentsHeld(ctx.store, sender, atMs, ctx.party)
  const outcome = releaseOptions(ctx.index, {
    holder: sender,
    recipient: ctx.party,
    report: facts,
    levelAtHolder:
      facts.originator === sender ? null : heldLevelOf(ctx, message, facts.originator, atMs),
    atMs,
    consents: consents.filter((c) => c.originator === facts.originator),
  })
  if (isDenied(outcome))
    return {
      ok: false,
      reasons: outcome.reasons.map((r) => ({ code: r.code, message: r.message })),
    }
  const named = outcome.find((o) => (o.hops[0]?.agreement ?? null) === message.agreement)
  // A public release (R0) maps no level: it is held at our own public level.
  const ownPublic = ctx.index.registry.parties.get(ctx.party)?.public
  if (named !== undefined)
    return {
      ok: true,
      level: named.levelAtRecipient ?? asLevel(ownPublic ?? message.payload.report.level),
    }
  return {
    ok: false,
    reasons: [
      {
        code: 'AGREEMENT_MISMATCH',
        message: `the sender named ${message.agreement ?? 'no agreement'}, which our registry does not allow for this transfer (it allows ${outcome.map((o) => o.hops[0]?.agreement ?? 'public').join(', ')})`,
      },
    ],
  }
}

/**
 * The level at which a relaying sender holds the report, derived from our registry (the
 * originator's release to it); the sender's claim only when our registry cannot say.
 */
function heldLevelOf(
  ctx: NodeContext,
  message: Message<'report'>,
  originator: PartyId,
  atMs: number,
): Level | null {
  const outcome = releaseOptions(ctx.index, {
    holder: originator,
    recipient: asPartyId(message.sender),
    report: reportFacts(receivedReport(message, asLevel(message.payload.report.level), atMs)),
    atMs,
  })
  if (!isDenied(outcome) && outcome[0] !== undefined) return outcome[0].levelAtRecipient
  const claimed = message.payload.heldLevel
  return typeof claimed === 'string' ? asLevel(claimed) : null
}

function dedupe(reasons: QuarantineReason[]): QuarantineReason[] {
  const seen = new Set<string>()
  return reasons.filter((r) => (seen.has(r.message) ? false : (seen.add(r.message), true)))
}
