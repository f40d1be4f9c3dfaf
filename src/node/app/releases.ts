import type { Allowed } from '../../domain/decision.ts'
import type { PartyId } from '../../domain/ids.ts'
import type { CompiledAgreement } from '../../domain/registry-index.ts'
import { isDenied, releaseOptions } from '../../domain/release.ts'
import { asAgreementId, asLevel, asPartyId } from '../../domain/ids.ts'
import { EntenteError } from '../../lib/errors.ts'
import type { OutboxRow, ReleaseRow, ReportRow, RequestRow, StoreTx } from '../store/store.ts'
import { type AuditBatch, auditedTransaction } from './audit-log.ts'
import type { NodeContext } from './context.ts'
import { enqueue, composeForPeer } from './outbox.ts'
import { signReport } from '../crypto/originator-signature.ts'
import { releaseLabels } from '../../protocol/label.ts'
import type { LaunchFacts } from '../../protocol/launch.ts'
import { type EgressVerdict, redecideRelease } from './disclosure.ts'
import {
  activeConsents,
  consentsHeld,
  releaseModeOf,
  reportDigest,
  reportFacts,
} from './release-inputs.ts'

/** A release decided for one peer and one agreement, with its message if it leaves now. */
export interface PlannedRelease {
  readonly row: ReleaseRow
  readonly message: OutboxRow | null
}

export interface PlanOptions {
  readonly recipients: readonly PartyId[]
  /** For a hub's relay: the mediated agreement it received the report under. */
  readonly via?: CompiledAgreement
  readonly openRequests?: readonly RequestRow[]
}

/**
 * Decides, at `atMs`, the release of a report this node holds to each recipient. Every
 * agreement that allows it is a release of its own, handled by its mode (as the simulator
 * does); a denial is recorded with every reason.
 */
export async function planReleases(
  ctx: NodeContext,
  report: ReportRow,
  atMs: number,
  options: PlanOptions,
): Promise<PlannedRelease[]> {
  const facts = reportFacts(report)
  const consents = await activeConsents(ctx, atMs)
  const via = options.via
  const planned: PlannedRelease[] = []
  for (const recipient of options.recipients) {
    const outcome = releaseOptions(ctx.index, {
      holder: ctx.party,
      recipient,
      report: facts,
      levelAtHolder: report.originator === ctx.party ? null : asLevel(report.localLevel),
      atMs,
      consents,
      prefer: via === undefined ? undefined : (c) => c === via,
    })
    if (isDenied(outcome)) {
      planned.push({
        row: releaseRow(ctx, report, recipient, null, atMs, outcome.reasons),
        message: null,
      })
      continue
    }
    const chosen = via === undefined ? outcome : outcome.slice(0, 1)
    for (const option of chosen)
      planned.push(
        planAllowed(ctx, report, recipient, option, atMs, options.openRequests ?? [], via),
      )
  }
  return planned
}

function planAllowed(
  ctx: NodeContext,
  report: ReportRow,
  recipient: PartyId,
  option: Allowed,
  atMs: number,
  requests: readonly RequestRow[],
  via: CompiledAgreement | undefined,
): PlannedRelease {
  const mode = releaseModeOf(ctx, option)
  const asked = requests.some((r) => r.requester === recipient && coversReport(r, report))
  const state =
    mode === 'auto' || (mode === 'on-request' && asked)
      ? 'released'
      : mode === 'manual'
        ? 'pending-approval'
        : 'held'
  const row: ReleaseRow = {
    ...releaseRow(ctx, report, recipient, option, atMs, []),
    mode,
    state,
  }
  // A relay leaves after the hub's handling time (the mediated agreement's relay_delay_s).
  const delayMs = (via?.agreement.relayDelayS ?? 0) * 1000
  const message = state === 'released' ? composeRelease(ctx, report, row, delayMs) : null
  return { row, message }
}

function releaseRow(
  ctx: NodeContext,
  report: ReportRow,
  recipient: PartyId,
  option: Allowed | null,
  atMs: number,
  reasons: ReleaseRow['reasons'],
): ReleaseRow {
  return {
    id: ctx.newId(),
    reportId: report.id,
    recipient,
    agreement: option?.hops[0]?.agreement ?? null,
    mode: null,
    state: option === null ? 'denied' : 'held',
    levelAtRecipient: option?.levelAtRecipient ?? null,
    path: [...report.path, recipient],
    reasons: reasons.map((r) => ({ code: r.code, message: r.message })),
    decidedAtMs: atMs,
    officer: null,
    updatedAtMs: atMs,
    reportSha256: reportDigest(report),
  }
}

/** Does a request (topic, window on the launch time) cover this report? */
export function coversReport(request: RequestRow, report: ReportRow): boolean {
  const time = report.payload['time']
  const launchMs = typeof time === 'string' ? Date.parse(time) : NaN
  return (
    request.topic === report.topic &&
    launchMs >= request.windowFromMs &&
    launchMs < request.windowUntilMs
  )
}

export function composeRelease(
  ctx: NodeContext,
  report: ReportRow,
  release: ReleaseRow,
  delayMs = 0,
): OutboxRow {
  // An own report held from before migration 4 has none stored: signed now (Ed25519 is
  // deterministic, so every release of it carries the same JWS). Another's stays as it came.
  const originatorSignature =
    report.originatorSignature ??
    (report.originator === ctx.party ? signReport(report, ctx.keys.signing) : null)
  return composeForPeer(ctx, {
    delayMs,
    recipient: asPartyId(release.recipient),
    kind: 'report',
    agreement: release.agreement === null ? null : asAgreementId(release.agreement),
    subjectId: release.id,
    payload: {
      report: {
        id: report.id,
        originator: report.originator,
        level: report.level,
        topic: report.topic,
        releasableTo: report.releasableTo === null ? null : [...report.releasableTo],
        payload: report.payload as LaunchFacts,
        createdAtMs: report.createdAtMs,
        ...(report.version === 1 ? {} : { version: report.version }),
      },
      // The originator's signature, exactly as it signed it; a hub adds only its envelope's.
      ...(originatorSignature === null ? {} : { originatorSignature }),
      path: [...release.path],
      heldLevel: report.localLevel,
      levelAtRecipient: release.levelAtRecipient,
      labels: releaseLabels(ctx.index.registry.parties, {
        originator: report.originator,
        level: report.level,
        releasableTo: report.releasableTo,
        recipient: release.recipient,
        levelAtRecipient: release.levelAtRecipient,
      }),
      ...(report.supersession === null ? {} : { supersession: report.supersession }),
    },
  })
}

export async function commitReleases(
  tx: StoreTx,
  audit: AuditBatch,
  planned: readonly PlannedRelease[],
): Promise<void> {
  for (const { row, message } of planned) {
    await tx.insertRelease(row)
    await audit.append(tx, {
      atMs: row.decidedAtMs,
      type: 'decision',
      party: row.recipient,
      subject: row.reportId,
      data: {
        releaseId: row.id,
        decision: row.state === 'denied' ? 'denied' : 'allowed',
        state: row.state,
        agreement: row.agreement,
        mode: row.mode,
        levelAtRecipient: row.levelAtRecipient,
        path: row.path,
        reasons: row.reasons,
      },
    })
    if (message !== null) await enqueue(tx, audit, message)
  }
}

/**
 * A release officer's verdict on a pending (manual) release. An approval asks the engine
 * again, inside the transaction, at the approval instant (C1): an agreement that ended, was
 * suspended or amended meanwhile, or a report that is not the one decided (C2), turns the
 * approval into a denial with its reasons, and nothing leaves.
 */
export async function decidePending(
  ctx: NodeContext,
  releaseId: string,
  approve: boolean,
  officer: string,
  /** The officer's reason, kept in the approval's audit entry (the console requires one). */
  note: string | null = null,
): Promise<ReleaseRow> {
  const release = await ctx.store.getRelease(releaseId)
  if (release === undefined)
    throw new EntenteError('NOT_FOUND', `release '${releaseId}' does not exist`)
  if (release.state !== 'pending-approval') {
    throw new EntenteError(
      'CONFLICT',
      `release '${releaseId}' is ${release.state}, not pending-approval`,
    )
  }
  const report = await ctx.store.getReport(release.reportId)
  if (report === undefined) throw new Error(`release ${releaseId} names a missing report`)
  // Sealed before the transaction (crypto never holds the lock), enqueued only if still allowed.
  const sealed = approve ? composeRelease(ctx, report, release) : null
  return auditedTransaction(ctx, async (tx, audit) => {
    const nowMs = ctx.now()
    // Checked again inside the transaction: two officers may answer at once.
    if ((await tx.getRelease(releaseId))?.state !== 'pending-approval') {
      throw new EntenteError('CONFLICT', `release '${releaseId}' was decided meanwhile`)
    }
    await audit.append(tx, {
      atMs: nowMs,
      type: 'approval',
      party: release.recipient,
      subject: release.reportId,
      data: { releaseId, approved: approve, officer, ...(note === null ? {} : { note }) },
    })
    if (!approve) {
      await tx.updateRelease(releaseId, { state: 'rejected', updatedAtMs: nowMs, officer })
      return { ...release, state: 'rejected', updatedAtMs: nowMs, officer }
    }
    const verdict = await redecideInTx(ctx, tx, release, nowMs)
    if (!verdict.ok) return denyAtEgress(tx, audit, release, verdict.reasons, nowMs, 'approval')
    await tx.updateRelease(releaseId, { state: 'released', updatedAtMs: nowMs, officer })
    if (sealed !== null) await enqueue(tx, audit, sealed)
    return { ...release, state: 'released', updatedAtMs: nowMs, officer }
  })
}

/** The engine asked again for a stored release, with what the transaction reads now. */
export async function redecideInTx(
  ctx: NodeContext,
  tx: StoreTx,
  release: ReleaseRow,
  atMs: number,
): Promise<EgressVerdict> {
  const report = await tx.getReport(release.reportId)
  const consents = await consentsHeld(tx, ctx.party, atMs)
  const withdrawn = (await tx.getWithdrawal(release.reportId)) !== undefined
  return redecideRelease(ctx, report, release, atMs, consents, withdrawn)
}

/**
 * Records that a release may no longer leave: the row becomes `denied` with every reason,
 * and a `decision` entry (denied) says when and at which egress it was decided again.
 */
export async function denyAtEgress(
  tx: StoreTx,
  audit: AuditBatch,
  release: ReleaseRow,
  reasons: ReleaseRow['reasons'],
  atMs: number,
  egress: 'approval' | 'answer' | 'delivery' | 'withdrawal' | 'correction',
  messageId: string | null = null,
): Promise<ReleaseRow> {
  await tx.updateRelease(release.id, { state: 'denied', updatedAtMs: atMs, reasons })
  if (messageId !== null) await tx.withdrawMessage(messageId, `withdrawn: ${egress}`, atMs)
  await audit.append(tx, {
    atMs,
    type: 'decision',
    party: release.recipient,
    subject: release.reportId,
    data: {
      releaseId: release.id,
      decision: 'denied',
      state: 'denied',
      egress,
      agreement: release.agreement,
      mode: release.mode,
      levelAtRecipient: null,
      path: release.path,
      reasons,
      withdrawnMessageId: messageId,
    },
  })
  return { ...release, state: 'denied', updatedAtMs: atMs, reasons }
}

/**
 * An operator asks to pass on a report this node holds to another peer. For a report of
 * another party, R4 applies: the originator's consent (explicit, or standing through a
 * mediated agreement whose hub we are) must be valid now.
 */
export async function releaseOnward(
  ctx: NodeContext,
  reportId: string,
  to: string,
): Promise<ReleaseRow[]> {
  const report = await ctx.store.getReport(reportId)
  if (report === undefined)
    throw new EntenteError('NOT_FOUND', `report '${reportId}' is not held here`)
  if ((await ctx.store.getWithdrawal(reportId)) !== undefined)
    throw new EntenteError('CONFLICT', `report '${reportId}' was withdrawn by its originator`)
  const recipient = asPartyId(to)
  if (!ctx.peers.has(recipient))
    throw new EntenteError('INVALID_REQUEST', `to: '${to}' is not a configured peer`)
  if (recipient === report.originator)
    throw new EntenteError('INVALID_REQUEST', `to: ${to} is the report's originator`)
  const nowMs = ctx.now()
  const planned = await planReleases(ctx, report, nowMs, { recipients: [recipient] })
  await auditedTransaction(ctx, (tx, audit) => commitReleases(tx, audit, planned))
  return planned.map((p) => p.row)
}
