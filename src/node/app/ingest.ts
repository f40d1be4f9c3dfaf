import { asPartyId } from '../../domain/ids.ts'
import { hasLevel } from '../../domain/party.ts'
import { EntenteError } from '../../lib/errors.ts'
import { signReport } from '../crypto/originator-signature.ts'
import { ISSUED, type ReleaseRow, type ReportRow } from '../store/store.ts'
import { auditedTransaction } from './audit-log.ts'
import type { NodeContext } from './context.ts'
import type { ReportInput } from './report-input.ts'
import { commitReleases, planReleases } from './releases.ts'

export interface IngestResult {
  readonly report: ReportRow
  readonly releases: readonly ReleaseRow[]
  /** True when the same client id had been ingested before (nothing new was stored). */
  readonly duplicate: boolean
}

/**
 * Stores a report from this party's own sensors or analysts, durably, with the release
 * decision for every peer at this instant, in one transaction; auto releases leave at once.
 */
export async function ingestReport(ctx: NodeContext, input: ReportInput): Promise<IngestResult> {
  checkMarking(ctx, input)
  if (input.id !== undefined) {
    const existing = await ctx.store.getReport(input.id)
    // A retried submission is idempotent; an id held from another originator is not ours (M8).
    if (existing !== undefined && existing.originator !== ctx.party)
      throw new EntenteError('CONFLICT', `id: '${input.id}' is held here from another originator`)
    if (existing !== undefined) {
      const releases = await ctx.store.listReleases({ reportId: existing.id })
      return { report: existing, releases, duplicate: true }
    }
  }
  const nowMs = ctx.now()
  const signed = {
    id: input.id ?? ctx.newId(),
    originator: ctx.party,
    level: input.marking.level,
    topic: input.topic,
    releasableTo: input.releasableTo ?? null,
    payload: input.launch,
  }
  const report: ReportRow = {
    ...signed,
    localLevel: input.marking.level,
    // Signed once, here, before the transaction (crypto never holds the store's lock); every
    // hop forwards it unchanged, so the last recipient can check the report is ours (H4).
    originatorSignature: signReport(signed, ctx.keys.signing),
    ...ISSUED,
    receivedFrom: null,
    agreement: null,
    path: [ctx.party],
    createdAtMs: nowMs,
  }
  // Under `officer`, an open request releases nothing until an officer answers it (H3).
  const openRequests =
    ctx.config.release.answerRequests === 'rule'
      ? await ctx.store.listRequests({ direction: 'incoming', status: 'open' })
      : []
  const recipients = [...ctx.peers.keys()].sort()
  const planned = await planReleases(ctx, report, nowMs, { recipients, openRequests })
  await auditedTransaction(ctx, async (tx, audit) => {
    await tx.insertReport(report)
    await audit.append(tx, {
      atMs: nowMs,
      type: 'ingest',
      party: null,
      subject: report.id,
      data: { level: report.level, topic: report.topic, releasableTo: report.releasableTo },
    })
    await commitReleases(tx, audit, planned)
  })
  return { report, releases: planned.map((p) => p.row), duplicate: false }
}

/** The marking must be this party's, in its scheme, releasable to parties of the registry only. */
export function checkMarking(
  ctx: NodeContext,
  input: Pick<ReportInput, 'marking' | 'releasableTo'>,
): void {
  if (input.marking.originator !== ctx.party) {
    throw new EntenteError(
      'INVALID_REQUEST',
      `marking.originator: this node ingests reports of ${ctx.party} only; reports of others arrive from peers`,
    )
  }
  const party = ctx.index.registry.parties.get(ctx.party)
  if (party === undefined || !hasLevel(party, input.marking.level)) {
    throw new EntenteError(
      'INVALID_REQUEST',
      `marking.level: '${input.marking.level}' is not a level of ${ctx.party} (${party?.levels.join(', ') ?? ''})`,
    )
  }
  // R0 releases a public-level report to everyone before R1 is read (the contract's order): a
  // releasability list on it would be ignored, so it is refused here instead (review L7).
  if (party.public === input.marking.level && input.releasableTo !== undefined)
    throw new EntenteError(
      'INVALID_REQUEST',
      `releasableTo: a report at the public level ${party.public} is released to everyone; mark it above ${party.public} to restrict it`,
    )
  for (const p of input.releasableTo ?? []) {
    if (!ctx.index.registry.parties.has(asPartyId(p))) {
      throw new EntenteError(
        'INVALID_REQUEST',
        `releasableTo: '${p}' is not a party of the registry`,
      )
    }
  }
}
