import { asLevel, asPartyId, asTopic } from '../../domain/ids.ts'
import {
  applyVersion,
  type ContentVersion,
  replayLife,
  type ReportContent,
} from '../../domain/report-life.ts'
import { EntenteError } from '../../lib/errors.ts'
import { isNonEmpty } from '../../lib/result.ts'
import type { QuarantineReason } from '../../protocol/codes.ts'
import type { Message } from '../../protocol/messages.ts'
import { signReport } from '../crypto/originator-signature.ts'
import {
  signSupersession,
  supersessionFacts,
  type SupersessionFacts,
  verifySupersession,
} from '../crypto/supersession-signature.ts'
import type { ReleaseRow, ReportRow, StoreTx } from '../store/store.ts'
import { type AuditBatch, auditedTransaction } from './audit-log.ts'
import type { NodeContext } from './context.ts'
import { checkMarking } from './ingest.ts'
import { checkOriginatorNotice, enqueueSupersession } from './withdrawals.ts'
import { applyProductSuperseded } from './product-corrections.ts'
import type { CorrectionInput } from './report-input.ts'
import { commitReleases, denyAtEgress, type PlannedRelease, planReleases } from './releases.ts'

/**
 * Issue 12: a report is corrected by its originator — a new version, signed by it, with its own
 * marking (a correction may raise the level). Each version is released by the engine at its own
 * instant, exactly as an issued report is (planReleases, to every peer). A peer that holds an
 * earlier version and to which the new one does not leave now (denied, or waiting for an officer
 * or a request) is sent a content-free `superseded` notice carrying only the originator's signed
 * statement that the version exists, so that nobody acts on a report known to be wrong. Every
 * hop does the same for the peers it passed the report on to, and audits a `correction` entry.
 * This is planDisclosure's rule (src/domain/report-disclosure.ts) applied hop by hop: a node
 * knows only the holders it released to itself.
 */

export interface CorrectionResult {
  readonly report: ReportRow
  readonly releases: readonly ReleaseRow[]
  /** The holders of an earlier version sent a superseded notice instead of the new version. */
  readonly supersededTo: readonly string[]
}

/** The originator corrects its own report: the next version, decided for every peer now. */
export async function correctReport(
  ctx: NodeContext,
  reportId: string,
  input: CorrectionInput,
): Promise<CorrectionResult> {
  const held = await heldOwnReport(ctx, reportId)
  if (input.topic !== undefined && input.topic !== held.topic)
    throw new EntenteError(
      'INVALID_REQUEST',
      `topic: a correction keeps the report's topic (${held.topic}); issue a new report for another topic`,
    )
  checkMarking(ctx, { marking: input.marking, releasableTo: input.releasableTo })
  const atMs = ctx.now()
  const version = held.version + 1
  await checkLife(ctx, held, {
    kind: 'corrected',
    version,
    originator: ctx.party,
    atMs,
    level: asLevel(input.marking.level),
    releasableTo: input.releasableTo?.map(asPartyId) ?? null,
    content: input.launch,
  })
  const signed = {
    id: reportId,
    originator: ctx.party,
    level: input.marking.level,
    topic: held.topic,
    releasableTo: input.releasableTo ?? null,
    payload: input.launch,
    version,
  }
  // Signed before the transaction: crypto never holds the store's lock.
  const report: ReportRow = {
    ...signed,
    localLevel: input.marking.level,
    originatorSignature: signReport(signed, ctx.keys.signing),
    receivedFrom: null,
    agreement: null,
    path: [ctx.party],
    createdAtMs: atMs,
    supersession: signSupersession(
      { reportId, originator: ctx.party, version, atMs },
      ctx.keys.signing,
    ),
    supersededBy: null,
  }
  const openRequests =
    ctx.config.release.answerRequests === 'rule'
      ? await ctx.store.listRequests({ direction: 'incoming', status: 'open' })
      : []
  const recipients = [...ctx.peers.keys()].sort()
  const planned = await planReleases(ctx, report, atMs, { recipients, openRequests })
  const supersededTo = await auditedTransaction(ctx, async (tx, audit) => {
    const now = await tx.getReport(reportId)
    if (now?.version !== held.version)
      throw new EntenteError('CONFLICT', `report '${reportId}' was corrected meanwhile`)
    if ((await tx.getWithdrawal(reportId)) !== undefined)
      throw new EntenteError('CONFLICT', `report '${reportId}' was withdrawn meanwhile`)
    await tx.replaceReport(report)
    return recordCorrection(ctx, tx, audit, report, null, planned, atMs)
  })
  return { report, releases: planned.map((p) => p.row), supersededTo }
}

async function heldOwnReport(ctx: NodeContext, reportId: string): Promise<ReportRow> {
  const held = await ctx.store.getReport(reportId)
  if (held === undefined)
    throw new EntenteError('NOT_FOUND', `report '${reportId}' is not held here`)
  if (held.originator !== ctx.party)
    throw new EntenteError(
      'CONFLICT',
      `report '${reportId}' is ${held.originator}'s: only its originator corrects it`,
    )
  if ((await ctx.store.getWithdrawal(reportId)) !== undefined)
    throw new EntenteError(
      'CONFLICT',
      `report '${reportId}' was withdrawn: nothing follows a withdrawal`,
    )
  return held
}

/** The report's life, replayed from its history, must accept the new version (the pure rules). */
async function checkLife(
  ctx: NodeContext,
  held: ReportRow,
  next: ContentVersion<ReportContent>,
): Promise<void> {
  const rows = [...(await ctx.store.listReportVersions(held.id)), held]
  const versions = rows.map((r, i): ContentVersion<ReportContent> => ({
    kind: i === 0 ? 'issued' : 'corrected',
    version: r.version,
    originator: asPartyId(r.originator),
    atMs: versionInstant(r),
    level: asLevel(r.level),
    releasableTo: r.releasableTo?.map(asPartyId) ?? null,
    content: r.payload,
  }))
  if (!isNonEmpty(versions)) throw new Error(`report ${held.id} has no version`)
  const life = replayLife(held.id, asTopic(held.topic), versions)
  if (!life.ok) throw new Error(`report ${held.id}: its stored history breaks its own rules`)
  const outcome = applyVersion(life.value, next)
  if (!outcome.ok)
    throw new EntenteError(
      'CONFLICT',
      outcome.issues.map((i) => `${i.code}: ${i.message}`).join('; '),
    )
}

/** The originator's instant of a held version: its statement's, or (issued) its creation. */
function versionInstant(r: ReportRow): number {
  return (
    (r.supersession === null ? undefined : supersessionFacts(r.supersession)?.atMs) ?? r.createdAtMs
  )
}

/**
 * On arrival, in the arrival's transaction: a later version of a report held here takes its
 * place (the one before goes to the history), its relays (planned before) are committed, and
 * the peers this node passed an earlier version to that the new one does not reach now get
 * the originator's statement as a superseded notice.
 */
export async function storeCorrection(
  ctx: NodeContext,
  tx: StoreTx,
  audit: AuditBatch,
  received: { report: ReportRow; sender: string; nowMs: number },
  relays: readonly PlannedRelease[],
): Promise<void> {
  const { report, sender, nowMs } = received
  const held = await tx.getReport(report.id)
  if (held === undefined) throw new Error(`report ${report.id} is not held: not a correction`)
  // A notice of a still later version, received before this one, still stands.
  const later = held.supersededBy !== null && held.supersededBy.version > report.version
  await tx.replaceReport({ ...report, supersededBy: later ? held.supersededBy : null })
  await recordCorrection(ctx, tx, audit, report, sender, relays, nowMs)
}

/**
 * The `correction` entry, the new version's releases, and a superseded notice for each peer
 * this node released an earlier version to that the new one does not leave for now (but the
 * sender and the originator). Returns those peers.
 */
async function recordCorrection(
  ctx: NodeContext,
  tx: StoreTx,
  audit: AuditBatch,
  report: ReportRow,
  receivedFrom: string | null,
  planned: readonly PlannedRelease[],
  nowMs: number,
): Promise<string[]> {
  const reaches = new Set(
    planned.filter((p) => p.row.state === 'released').map((p) => p.row.recipient),
  )
  const facts = report.supersession === null ? undefined : supersessionFacts(report.supersession)
  if (facts === undefined || report.supersession === null)
    throw new Error(`report ${report.id} v${report.version} carries no supersession statement`)
  const earlier = await tx.listReleases({ reportId: report.id })
  await denyUnsent(tx, audit, earlier, report, nowMs)
  const supersededTo = await noticeHolders(ctx, tx, audit, earlier, {
    facts,
    signature: report.supersession,
    skip: new Set([...reaches, receivedFrom ?? '', report.originator]),
  })
  await audit.append(tx, {
    atMs: nowMs,
    type: 'correction',
    party: receivedFrom,
    subject: report.id,
    data: {
      reportId: report.id,
      originator: report.originator,
      notice: 'version',
      version: report.version,
      level: report.level,
      releasableTo: report.releasableTo,
      receivedFrom,
      supersededTo,
    },
  })
  await commitReleases(tx, audit, planned)
  return supersededTo
}

/** Releases of an earlier version that have not left (held, pending) never will: denied. */
async function denyUnsent(
  tx: StoreTx,
  audit: AuditBatch,
  releases: readonly ReleaseRow[],
  report: Pick<ReportRow, 'id' | 'version'>,
  nowMs: number,
): Promise<void> {
  const reasons = [
    {
      code: 'REPORT_SUPERSEDED',
      message: `report ${report.id} is superseded by its version ${report.version}: an earlier version leaves for no one`,
    },
  ]
  for (const release of releases)
    if (release.state === 'held' || release.state === 'pending-approval')
      await denyAtEgress(tx, audit, release, reasons, nowMs, 'correction')
}

/** Queues the originator's statement for each peer an earlier version was released to. */
async function noticeHolders(
  ctx: NodeContext,
  tx: StoreTx,
  audit: AuditBatch,
  releases: readonly ReleaseRow[],
  notice: { facts: SupersessionFacts; signature: string; skip: ReadonlySet<string> },
): Promise<string[]> {
  const holders = new Map<string, string | null>()
  for (const release of releases)
    if (release.state === 'released' && !holders.has(release.recipient))
      holders.set(release.recipient, release.agreement)
  return enqueueSupersession(ctx, tx, audit, holders, notice)
}

/**
 * A peer's superseded notice, before the transaction: the originator's statement (verified with
 * the ORIGINATOR's key, never the sender's), the report held here under that originator, and an
 * instant not in our future. A notice of a version held already is accepted and changes nothing.
 */
export function checkSuperseded(
  ctx: NodeContext,
  message: Message<'superseded'>,
  nowMs: number,
): Promise<QuarantineReason[]> {
  const { originatorSignature, ...facts } = message.payload
  return checkOriginatorNotice(ctx, facts, nowMs, 'the version', (key) =>
    verifySupersession(originatorSignature, key, facts),
  )
}

/** Inside the arrival's transaction: the copy is marked superseded, audited and passed on. */
export async function applySuperseded(
  ctx: NodeContext,
  tx: StoreTx,
  audit: AuditBatch,
  message: Message<'superseded'>,
  nowMs: number,
): Promise<void> {
  const { originatorSignature: signature, ...facts } = message.payload
  const held = await tx.getReport(facts.reportId)
  if (held === undefined) {
    // Issue 17: a product's correction is told the same way.
    const product = await tx.getProduct(facts.reportId)
    if (product !== undefined && product.originator === facts.originator)
      await applyProductSuperseded(
        tx,
        audit,
        product,
        { ...facts, signature, receivedFrom: message.sender },
        nowMs,
      )
    return
  }
  // Out of order or by another path: a version held, or a notice of it, changes nothing.
  if (held.version >= facts.version || (held.supersededBy?.version ?? 0) >= facts.version) return
  await tx.markSuperseded(facts.reportId, {
    version: facts.version,
    atMs: facts.atMs,
    signature,
    receivedFrom: message.sender,
  })
  const releases = await tx.listReleases({ reportId: facts.reportId })
  await denyUnsent(tx, audit, releases, { id: facts.reportId, version: facts.version }, nowMs)
  const supersededTo = await noticeHolders(ctx, tx, audit, releases, {
    facts,
    signature,
    skip: new Set([message.sender, facts.originator]),
  })
  await audit.append(tx, {
    atMs: nowMs,
    type: 'correction',
    party: message.sender,
    subject: facts.reportId,
    data: {
      reportId: facts.reportId,
      originator: facts.originator,
      notice: 'superseded',
      version: facts.version,
      holds: held.version,
      receivedFrom: message.sender,
      supersededTo,
    },
  })
}
