import { asLevel, asPartyId, type Level, type PartyId } from '../../domain/ids.ts'
import { hasLevel } from '../../domain/party.ts'
import { isDenied, releaseOptions } from '../../domain/release.ts'
import type { QuarantineReason } from '../../protocol/codes.ts'
import { decodeMessage, type Message, messageIdSchema } from '../../protocol/messages.ts'
import type {
  FrameCheckpoint,
  FramePayload,
  FrameReceipt,
  LinkCode,
  MessageVerdict,
  ReceiptLog,
} from '../../protocol/link.ts'
import { PROTOCOL_VERSION } from '../../protocol/messages.ts'
import { type Envelope, EnvelopeError, openEnvelope } from '../crypto/envelope.ts'
import { FrameError, frameSha256, openFrame, signFrameReceipt } from '../crypto/frame.ts'
import {
  isOriginatorSignatureError,
  verifyReportSignature,
} from '../crypto/originator-signature.ts'
import { type Receipt, sha256Hex, signReceipt } from '../crypto/receipt.ts'
import { proveReceipt, receiptLeafInput } from '../audit/receipt-proof.ts'
import { type Witnessed, witnessCheckpoint } from '../audit/witness.ts'
import type { AuditEntry, AuditInput, InboxRow, ReportRow, StoreTx } from '../store/store.ts'
import { type AuditBatch, auditedTransaction, merkleLogOf } from './audit-log.ts'
import { type CheckedProduct, checkProductArrival } from './product-receive.ts'
import type { NodeContext } from './context.ts'
import { consentsHeld, reportDigest, reportFacts } from './release-inputs.ts'
import { planRelays, storeReceived } from './relay.ts'
import type { PlannedRelease } from './releases.ts'
import { answerRequest, applyIncomingMessage, checkIncomingMessage } from './requests.ts'
import { applyWithdrawal, checkWithdrawal } from './withdrawals.ts'
import { applySuperseded, checkSuperseded, storeCorrection } from './corrections.ts'
import { verifySupersessionOf } from '../crypto/supersession-signature.ts'
import { applyTrackArrival, type CheckedTrack, checkTrackArrival } from './tracks.ts'

export interface Arrival {
  readonly receipt: string
  readonly status: InboxRow['status']
  readonly duplicate: boolean
}

/**
 * The federation inbox, one message per POST (the fallback link): verify and decrypt, then
 * admit it as a frame of one would be, witnessing the checkpoint the POST carried as a frame's.
 * A duplicate is answered with a fresh receipt for the bytes received and the status it had
 * the first time (each attempt is sealed anew); it is logged like any receipt.
 */
export async function receiveEnvelope(
  ctx: NodeContext,
  jwe: string,
  checkpoint?: FrameCheckpoint,
): Promise<Arrival> {
  const envelope = openEnvelope(
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
  const envelopeSha256 = sha256Hex(jwe)
  // openEnvelope verified the sender's signature with its pinned key: a peer of ours.
  const sender = envelope.sender as PartyId
  const witnessed =
    checkpoint === undefined ? undefined : await witnessCheckpoint(ctx, sender, checkpoint)
  for (let attempt = 0; ; attempt++) {
    const nowMs = ctx.now()
    const admission = await prepareAdmission(ctx, envelope, envelopeSha256, nowMs, new Map())
    const status = admission.held?.status ?? admission.status
    const content: Receipt = {
      messageId: envelope.messageId,
      sender: envelope.sender,
      receiver: ctx.party,
      receivedAtMs: admission.held?.receivedAtMs ?? nowMs,
      status,
      envelopeSha256,
      ...(witnessed === undefined ? {} : { witness: witnessed.receipt }),
    }
    const receipt = await commitWithReceipt(ctx, [admission], {
      content,
      sign: (r) => signReceipt(r, ctx.keys.signing),
      leaf: { subject: envelope.messageId, binding: { transport: 'https-post', envelopeSha256 } },
      nowMs,
      frame: null,
      witnessed,
    })
    if (typeof receipt === 'object')
      return { receipt: receipt.receipt, status, duplicate: admission.held !== undefined }
    if (attempt >= 3) throw new Error('the message could not be committed; send it again')
  }
}

/**
 * The one way both inboxes answer (issue 13): commit the admitted messages with what the
 * witness keeps and the receipt's own leaf, then sign the receipt with that leaf's inclusion
 * proof in the checkpoint signed after it. The inbox rows keep the receipt as signed before
 * its log part existed (the same content; the leaf commits to it). False or 'replayed' as
 * commitAdmissions says.
 */
async function commitWithReceipt<R extends { readonly sender: string }>(
  ctx: NodeContext,
  admissions: readonly Admission[],
  args: {
    readonly content: R
    readonly sign: (receipt: R & { log?: ReceiptLog }) => string
    readonly leaf: { readonly subject: string | null; readonly binding: Record<string, unknown> }
    readonly nowMs: number
    readonly frame: { peer: PartyId; seq: number } | null
    readonly witnessed: Witnessed | undefined
  },
): Promise<{ readonly receipt: string } | false | 'replayed'> {
  const { content, sign, nowMs, witnessed } = args
  const leaf = receiptLeafInput(
    content.sender,
    nowMs,
    args.leaf.subject,
    args.leaf.binding,
    content,
  )
  const committed = await commitAdmissions(ctx, admissions, sign(content), nowMs, args.frame, [
    ...(witnessed?.audit ?? []),
    leaf,
  ])
  if (committed === false || committed === 'replayed') return committed
  witnessed?.committed()
  const log = await proveReceipt(merkleLogOf(ctx), committed)
  return { receipt: sign(log === undefined ? content : { ...content, log }) }
}

export type FrameOutcome =
  | { readonly ok: true; readonly receipt: string }
  | { readonly ok: false; readonly code: LinkCode; readonly message: string }

/**
 * A frame from the live link, from `peer` (the connection's pinned certificate said so): its
 * sequence must be above the last committed from that peer, it must open with our key and
 * verify with the peer's; then each message is admitted on its own (its own id, checks,
 * verdict and audit entries), all in ONE transaction with the new sequence, and one receipt
 * names every message with its verdict and the hash of the frame's bytes.
 */
export async function receiveFrame(
  ctx: NodeContext,
  peer: PartyId,
  seq: number,
  body: string,
): Promise<FrameOutcome> {
  const remote = ctx.peers.get(peer)
  if (remote === undefined)
    return { ok: false, code: 'FRAME_UNVERIFIED', message: 'not a peer of this node' }
  const lastSeq = await ctx.store.lastFrameSeq(peer)
  if (seq <= lastSeq) return replayed(seq, lastSeq)
  let frame: FramePayload
  try {
    frame = openFrame(body, ctx.keys.encryption, remote.signingKey, {
      sender: peer,
      recipient: ctx.party,
      seq,
    })
  } catch (error) {
    if (error instanceof FrameError) return { ok: false, code: error.code, message: error.message }
    throw error
  }
  const envelopes = frameEnvelopes(ctx, peer, frame)
  if (!Array.isArray(envelopes)) return envelopes
  const frameHash = frameSha256(body)
  // Issue 13: the frame's checkpoint is witnessed once; what is kept commits with the frame.
  const witnessed =
    frame.checkpoint === undefined
      ? undefined
      : await witnessCheckpoint(ctx, peer, frame.checkpoint)
  for (let attempt = 0; ; attempt++) {
    const nowMs = ctx.now()
    const seen = new Map<string, string>()
    const admissions: Admission[] = []
    for (const envelope of envelopes)
      admissions.push(
        await prepareAdmission(ctx, envelope, sha256Hex(JSON.stringify(envelope)), nowMs, seen),
      )
    const content: FrameReceipt = {
      v: PROTOCOL_VERSION,
      seq,
      sender: peer,
      receiver: ctx.party,
      receivedAtMs: nowMs,
      frameSha256: frameHash,
      verdicts: admissions.map(verdictOf),
      ...(witnessed === undefined ? {} : { witness: witnessed.receipt }),
    }
    const receipt = await commitWithReceipt(ctx, admissions, {
      content,
      sign: (r) => signFrameReceipt(r, ctx.keys.signing),
      leaf: { subject: null, binding: { transport: 'wss', frameSeq: seq, frameSha256: frameHash } },
      nowMs,
      frame: { peer, seq },
      witnessed,
    })
    if (receipt === 'replayed') return replayed(seq, await ctx.store.lastFrameSeq(peer))
    if (receipt !== false) return { ok: true, receipt: receipt.receipt }
    if (attempt >= 3)
      return { ok: false, code: 'FRAME_NOT_COMMITTED', message: 'send the frame again' }
  }
}

function replayed(seq: number, lastSeq: number): FrameOutcome {
  return {
    ok: false,
    code: 'FRAME_REPLAYED',
    message: `frame ${seq} is not after the last one committed (${lastSeq}): nothing stored`,
  }
}

/**
 * Each message of a frame must be an envelope from the frame's sender to us, under an id of
 * its own: a sender that breaks this is not following the protocol and its frame is refused
 * whole. What a message says beyond its header is judged message by message.
 */
function frameEnvelopes(
  ctx: NodeContext,
  peer: PartyId,
  frame: FramePayload,
): Envelope[] | FrameOutcome {
  const ids = new Set<string>()
  const envelopes: Envelope[] = []
  for (const [i, value] of frame.messages.entries()) {
    const m = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
    const problem = !messageIdSchema.safeParse(m['messageId']).success
      ? 'messageId: not an id of letters, digits and . _ : -'
      : ids.has(m['messageId'] as string)
        ? 'messageId: twice in one frame'
        : m['sender'] !== peer
          ? `sender: not the frame's sender ${peer}`
          : m['recipient'] !== ctx.party
            ? `recipient: not ${ctx.party}`
            : null
    if (problem !== null)
      return { ok: false, code: 'FRAME_MALFORMED', message: `messages.${i}.${problem}` }
    ids.add(m['messageId'] as string)
    envelopes.push(m as unknown as Envelope)
  }
  return envelopes
}

/** One message, and what was decided about it before the transaction. */
interface Admission {
  readonly envelope: Envelope
  readonly contentSha256: string
  /** The inbox row held from before: a duplicate. */
  readonly held: InboxRow | undefined
  readonly checked: CheckedArrival
  readonly status: InboxRow['status']
  readonly relays: readonly PlannedRelease[]
}

/**
 * Everything decided outside the store's lock: is it held already, the protocol's schema,
 * references, ownership, the re-check of a release, the relays a hub owes. `seen` holds the
 * ids taken by messages admitted earlier in the same frame, which the store does not hold yet.
 */
async function prepareAdmission(
  ctx: NodeContext,
  envelope: Envelope,
  contentSha256: string,
  nowMs: number,
  seen: Map<string, string>,
): Promise<Admission> {
  const held = await ctx.store.getInbox(envelope.messageId)
  const empty = { reasons: [], message: null, report: null, reportId: null }
  if (held !== undefined)
    return { envelope, contentSha256, held, checked: empty, status: held.status, relays: [] }
  let checked = await checkArrival(ctx, envelope, nowMs)
  // The store does not hold what came earlier in the frame: ids taken there are checked here.
  const taken = frameKeyOf(checked)
  if (taken !== null) {
    const earlier = seen.get(taken.key)
    if (earlier !== undefined && (taken.digest === null || earlier !== taken.digest))
      checked = {
        ...checked,
        report: null,
        reasons: [{ code: 'ID_CONFLICT', message: `${taken.what} is taken earlier in this frame` }],
      }
    else seen.set(taken.key, taken.digest ?? '')
  }
  const status = checked.reasons.length === 0 ? 'accepted' : 'quarantined'
  const accepted = status === 'accepted' && checked.report !== null
  const relays =
    accepted && checked.report !== null
      ? await planRelays(ctx, envelope.agreement, checked.report, nowMs)
      : []
  return { envelope, contentSha256, held, checked, status, relays }
}

/**
 * The id an accepted message takes, as `seen` keys it: a report's (the same report twice is
 * fine, so its digest is kept), a request's, a consent's, an answer's request.
 */
function frameKeyOf(
  checked: CheckedArrival,
): { key: string; digest: string | null; what: string } | null {
  const message = checked.message
  if (message === null || checked.reasons.length > 0) return null
  switch (message.kind) {
    case 'report':
      return checked.report === null
        ? null
        : {
            key: `report:${checked.report.id}:v${checked.report.version}`,
            digest: reportDigest(checked.report),
            what: `report id ${checked.report.id} (with other content)`,
          }
    case 'request':
    case 'answer':
      return {
        key: `${message.kind}:${message.payload.requestId}`,
        digest: null,
        what: `${message.kind} ${message.payload.requestId}`,
      }
    case 'consent':
      return {
        key: `consent:${message.payload.consentId}`,
        digest: null,
        what: `consent ${message.payload.consentId}`,
      }
    case 'withdrawal':
      return {
        key: `withdrawal:${message.payload.reportId}`,
        digest: null,
        what: `withdrawal of ${message.payload.reportId}`,
      }
    case 'track':
      return {
        key: `track:${message.payload.batch.originator}:${message.payload.batch.batchId}`,
        digest: null,
        what: `track batch ${message.payload.batch.batchId}`,
      }
    case 'product':
      return {
        key: `product:${message.payload.product.id}:v${message.payload.product.version}`,
        digest: null,
        what: `product ${message.payload.product.id}`,
      }
    case 'superseded':
      return {
        key: `superseded:${message.payload.reportId}:${message.payload.version}`,
        digest: null,
        what: `superseded notice of ${message.payload.reportId} v${message.payload.version}`,
      }
  }
}

function verdictOf(a: Admission): MessageVerdict {
  return {
    messageId: a.envelope.messageId,
    verdict:
      a.held !== undefined ? 'duplicate' : a.status === 'accepted' ? 'stored' : 'quarantined',
    status: a.status,
    codes: a.held !== undefined ? [] : [...new Set(a.checked.reasons.map((r) => r.code))],
  }
}

/** Sentinel: what was decided outside the lock no longer holds inside it; decide again. */
class DecideAgain extends Error {}

/**
 * Commits the admitted messages in one transaction (and, for a frame, its sequence), then
 * `receiptAudit` (the witness's entries, the receipt's leaf last); resolves with the entry
 * appended last. False when something changed since they were prepared (another arrival took
 * an id): nothing is written and the caller prepares again. 'replayed': the frame's sequence
 * was taken meanwhile.
 */
async function commitAdmissions(
  ctx: NodeContext,
  admissions: readonly Admission[],
  receipt: string,
  nowMs: number,
  frame: { peer: PartyId; seq: number } | null,
  receiptAudit: readonly [...AuditInput[], AuditInput],
): Promise<AuditEntry | false | 'replayed'> {
  const requests: string[] = []
  let last: AuditEntry | undefined
  try {
    await auditedTransaction(ctx, async (tx, audit) => {
      if (frame !== null) {
        const last = await tx.lastFrameSeq(frame.peer)
        if (last >= frame.seq) throw new DecideAgain('replayed')
        if (frame.seq !== last + 1)
          await audit.append(tx, {
            atMs: nowMs,
            type: 'link',
            party: frame.peer,
            subject: null,
            data: { event: 'gap', expectedSeq: last + 1, seq: frame.seq },
          })
      }
      for (const admission of admissions) {
        const held = await tx.getInbox(admission.envelope.messageId)
        if ((held !== undefined) !== (admission.held !== undefined)) throw new DecideAgain()
        if (held !== undefined) continue
        await commitAdmission(ctx, tx, audit, admission, receipt, nowMs, frame?.seq ?? null)
        const message = admission.checked.message
        if (admission.status === 'accepted' && message?.kind === 'request')
          requests.push(message.payload.requestId)
      }
      for (const input of receiptAudit) last = await audit.append(tx, input)
      if (frame !== null) await tx.setFrameSeq(frame.peer, frame.seq, nowMs)
    })
  } catch (error) {
    if (!(error instanceof DecideAgain)) throw error
    return error.message === 'replayed' ? 'replayed' : false
  }
  if (ctx.config.release.answerRequests === 'rule')
    // Answered by standing rule, after the request is stored: a crash in between leaves it open.
    for (const requestId of requests) await answerRequest(ctx, requestId, true, null)
  return last as AuditEntry
}

async function commitAdmission(
  ctx: NodeContext,
  tx: StoreTx,
  audit: AuditBatch,
  admission: Admission,
  receipt: string,
  nowMs: number,
  frameSeq: number | null,
): Promise<void> {
  const { envelope, checked, status } = admission
  const message = status === 'accepted' ? checked.message : null
  const report = message?.kind === 'report' ? checked.report : null
  // Another arrival may have taken the report's id since it was checked: check again, under the
  // lock. An earlier message of the same frame may hold an earlier or the same version now.
  const standing = report === null ? null : await heldAs(tx, report)
  if (typeof standing === 'object' && standing !== null) throw new DecideAgain()
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
    contentSha256: admission.contentSha256,
    receipt,
  }
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
      ...(frameSeq === null ? {} : { frameSeq }),
    },
  })
  if (message === null) return
  if (report !== null && standing === 'newer') {
    const received = { report, sender: envelope.sender, nowMs }
    await storeCorrection(ctx, tx, audit, received, admission.relays)
  } else if (report !== null && standing === 'new') {
    const received = { report, sender: envelope.sender, agreement: message.agreement, nowMs }
    await storeReceived(tx, audit, received, admission.relays)
  } else if (message.kind === 'withdrawal') await applyWithdrawal(ctx, tx, audit, message, nowMs)
  else if (message.kind === 'superseded') await applySuperseded(ctx, tx, audit, message, nowMs)
  else if (message.kind === 'track' && (checked.track ?? null) !== null)
    await applyTrackArrival(ctx, tx, audit, message, checked.track as CheckedTrack, nowMs)
  else if (message.kind === 'product') {
    const row = checked.product?.row ?? null
    if (row !== null) await tx.putProduct(row)
  } else if (message.kind !== 'report' && message.kind !== 'track')
    await applyIncomingMessage(ctx, tx, audit, message, nowMs)
}

interface CheckedArrival {
  readonly reasons: QuarantineReason[]
  readonly message: Message | null
  /** The report as this node would store it, for an acceptable report message. */
  readonly report: ReportRow | null
  readonly reportId: string | null
  /** What was decided of a track batch before the transaction. */
  readonly track?: CheckedTrack | null
  /** Issue 17: what was decided of a product before the transaction. */
  readonly product?: CheckedProduct | null
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
  if (message.kind === 'withdrawal') {
    const reasons = await checkWithdrawal(ctx, message, nowMs)
    return { reasons, message, report: null, reportId: message.payload.reportId }
  }
  if (message.kind === 'superseded') {
    const reasons = await checkSuperseded(ctx, message, nowMs)
    return { reasons, message, report: null, reportId: message.payload.reportId }
  }
  if (message.kind === 'track') {
    const track = await checkTrackArrival(ctx, message, nowMs)
    const reportId = message.payload.batch.reportId
    return { reasons: track.reasons, message, report: null, reportId, track }
  }
  if (message.kind === 'product') {
    const product = await checkProductArrival(ctx, message, nowMs)
    const reportId = message.payload.product.id
    return { reasons: product.reasons, message, report: null, reportId, product }
  }
  if (message.kind !== 'report') {
    const reasons = await checkIncomingMessage(ctx, message, nowMs)
    return { reasons, message, report: null, reportId: null }
  }
  const reportId = message.payload.report.id
  const refs = reportReferences(ctx, message)
  if (refs.length > 0) return { reasons: refs, message, report: null, reportId }
  const origin = checkOriginatorSignature(ctx, message)
  if (origin.signed === null) return { reasons: [origin.reason], message, report: null, reportId }
  const signed = origin.signed
  const recheck = await recheckRelease(ctx, signed, nowMs)
  if (recheck.reasons.length > 0)
    return { reasons: recheck.reasons, message: signed, report: null, reportId }
  const statement = checkStatement(ctx, signed)
  if (statement !== null) return { reasons: [statement], message: signed, report: null, reportId }
  const report = receivedReport(signed, recheck.localLevel, nowMs)
  const held = await heldAs(ctx.store, report)
  if (typeof held === 'object') return { reasons: [held], message: signed, report: null, reportId }
  // The same version again, or an earlier one after a later (by another path): nothing to store.
  const stores = held === 'new' || held === 'newer'
  return { reasons: [], message: signed, report: stores ? report : null, reportId }
}

/** A correction (version ≥ 2) carries its originator's supersession statement for this version. */
function checkStatement(ctx: NodeContext, message: Message<'report'>): QuarantineReason | null {
  const { report, supersession } = message.payload
  const version = report.version ?? 1
  if (version === 1)
    return supersession === undefined
      ? null
      : {
          code: 'PAYLOAD_INVALID',
          message: 'payload.supersession: the issued version (1) supersedes nothing',
        }
  try {
    const key = ctx.originatorKey(report.originator)
    verifySupersessionOf(supersession, key, { ...report, version })
    return null
  } catch (error) {
    if (!isOriginatorSignatureError(error)) throw error
    return {
      code: 'ORIGINATOR_SIGNATURE_INVALID',
      message: `payload.supersession: ${error.message}`,
    }
  }
}

/**
 * H4: a report is its originator's whoever relayed it. Its signature is verified with the
 * ORIGINATOR's key (never the sender's: a hub's envelope signature only says it relayed it)
 * over exactly the report carried; what follows uses the report as signed, not the copy.
 */
function checkOriginatorSignature(
  ctx: NodeContext,
  message: Message<'report'>,
):
  | { readonly signed: Message<'report'>; readonly reason: null }
  | { readonly signed: null; readonly reason: QuarantineReason } {
  const { report, originatorSignature } = message.payload
  try {
    const key = ctx.originatorKey(report.originator)
    const signed = verifyReportSignature(originatorSignature, key, report)
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

/** How an arriving report stands to the one held under its id. */
type HeldAs = 'new' | 'newer' | 'same' | 'earlier'

/**
 * A report's identity is its originator's: an id held here with another originator, or the
 * same version with other content, is never merged with it (C2, M8). The same report again,
 * by another way, is fine; so is a later version (a correction, its originator's signature
 * verified) and an earlier one arriving late (kept out: a track never moves back).
 */
async function heldAs(
  reader: Pick<StoreTx, 'getReport'>,
  report: ReportRow,
): Promise<HeldAs | QuarantineReason> {
  const held = await reader.getReport(report.id)
  if (held === undefined) return 'new'
  if (held.originator === report.originator) {
    if (report.version > held.version) return 'newer'
    if (report.version < held.version) return 'earlier'
    if (reportDigest(held) === reportDigest(report)) return 'same'
  }
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
    version: report.version ?? 1,
    supersession: message.payload.supersession ?? null,
    supersededBy: null,
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
