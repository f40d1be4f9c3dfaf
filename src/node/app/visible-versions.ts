import type { PartyId } from '../../domain/ids.ts'
import type { StixSupersession, StixWithdrawal } from '../../interop/stix.ts'
import type { ReportRow, WithdrawalRow } from '../store/store.ts'
import type { NodeContext } from './context.ts'
import {
  type Disclosable,
  type DisclosureContext,
  disclosureContext,
  mayDisclose,
} from './disclosure.ts'
import { disclosureLabels } from './release-labels.ts'

/** One version of a report a viewer may see, with the instants STIX versioning gives it. */
export interface VisibleVersion {
  readonly disclosure: Disclosable
  /** The report's first version's arrival here: `created` of every version's objects. */
  readonly firstCreatedAtMs: number
  /** This version's arrival here, made later than the one before: its `modified`. */
  readonly modifiedAtMs: number
}

/** What a viewer may see of one report now: versions oldest first, then perhaps its revocation. */
export interface VisibleReport {
  readonly reportId: string
  readonly versions: readonly VisibleVersion[]
  /** Set when the report was withdrawn and the viewer held it (or is this node or the originator). */
  readonly withdrawal: StixWithdrawal | null
  /**
   * Set when the viewer held an earlier version it may still see but may not see the current
   * one (a correction raised the level): the content-free notice instead of any version.
   */
  readonly superseded: StixSupersession | null
}

/**
 * Issue 12: every version of every report the one disclosure policy lets `viewer` see at
 * `atMs`, each decided on its own marking (a version the viewer may not see is never listed).
 * - This node's party and the originator see every version, and the revocation of a withdrawn one.
 * - Anyone else sees a report's versions only while it may see its current one: a copy it may
 *   not see now is shown not at all rather than as an earlier version known to be wrong; if
 *   the viewer held it and may still see an earlier version (a correction raised the level),
 *   it sees a content-free superseded notice in its place.
 * - A withdrawn report shows anyone else its content-free revocation only, and only if it held
 *   the report: a release to it left, or a TAXII read or an export showed it (the holders a
 *   federation withdrawal reaches, and those the node disclosed to by its other paths).
 */
export async function visibleVersions(
  ctx: NodeContext,
  viewer: PartyId,
  atMs: number,
): Promise<VisibleReport[]> {
  const reports = await ctx.store.listReports({})
  const dc = await disclosureContext(ctx, viewer, atMs)
  const withdrawals =
    dc.withdrawn.size === 0
      ? new Map<string, WithdrawalRow>()
      : new Map((await ctx.store.listWithdrawals()).map((w) => [w.reportId, w]))
  const out: VisibleReport[] = []
  for (const report of reports) {
    const own = viewer === ctx.party || viewer === report.originator
    const withdrawal = withdrawals.get(report.id)
    if (withdrawal !== undefined && !own) {
      if (!(await heldBy(ctx, viewer, report.id))) continue
      const timed = versionInstants(await historyOf(ctx, report))
      const revoked = revocation(report, withdrawal, timed)
      out.push({ reportId: report.id, versions: [], withdrawal: revoked, superseded: null })
      continue
    }
    const current = mayDisclose(ctx, report, dc)
    if (current === null) {
      const notice = own ? null : await supersession(ctx, report, dc)
      if (notice !== null)
        out.push({ reportId: report.id, versions: [], withdrawal: null, superseded: notice })
      continue
    }
    const rows = await historyOf(ctx, report)
    const timed = versionInstants(rows)
    const versions = rows.flatMap((row, i): VisibleVersion[] => {
      // An earlier version is decided as it was, without the current row's supersession mark.
      const verdict =
        row === report ? current : mayDisclose(ctx, { ...row, supersededBy: null }, dc, true)
      if (verdict === null) return []
      const agreement = verdict === 'own' ? null : (verdict.hops[0]?.agreement ?? null)
      const labels = disclosureLabels(ctx, row, viewer, verdict)
      const disclosure = { report: row, agreement, ...(labels === undefined ? {} : { labels }) }
      return [{ disclosure, firstCreatedAtMs: timed.first, modifiedAtMs: timed.modified[i] ?? 0 }]
    })
    const revoked = withdrawal === undefined ? null : revocation(report, withdrawal, timed)
    out.push({ reportId: report.id, versions, withdrawal: revoked, superseded: null })
  }
  return out
}

/**
 * The notice for a viewer that may not see `report`'s current version: only if it held the
 * report and may see an earlier version (else the current one is hidden for another reason —
 * an agreement ended — and nothing is shown, as for a report never held).
 */
async function supersession(
  ctx: NodeContext,
  report: ReportRow,
  dc: DisclosureContext,
): Promise<StixSupersession | null> {
  if (report.version < 2 || !(await heldBy(ctx, dc.viewer, report.id))) return null
  const rows = await historyOf(ctx, report)
  const earlier = rows.slice(0, -1)
  const visible = earlier.some((row) => mayDisclose(ctx, { ...row, supersededBy: null }, dc, true))
  if (!visible) return null
  const timed = versionInstants(rows)
  return {
    reportId: report.id,
    originator: report.originator,
    supersededByVersion: report.version,
    firstCreatedAtMs: timed.first,
    // Just before the superseding version: a client that later may see it sees a newer version.
    supersededAtMs: (timed.modified.at(-1) ?? report.createdAtMs) - 1,
  }
}

/** The versions held, oldest first, the current one last (one query only for a corrected report). */
async function historyOf(ctx: NodeContext, report: ReportRow): Promise<ReportRow[]> {
  return report.version > 1
    ? [...(await ctx.store.listReportVersions(report.id)), report]
    : [report]
}

/**
 * STIX needs each version's `modified` later than the one before: the arrival instants here,
 * each at least two milliseconds after the previous (two versions stored in one millisecond),
 * so that a superseded notice has an instant of its own between them.
 */
function versionInstants(rows: readonly ReportRow[]): { first: number; modified: number[] } {
  const modified: number[] = []
  for (const row of rows) {
    const previous = modified.at(-1)
    modified.push(
      previous === undefined ? row.createdAtMs : Math.max(row.createdAtMs, previous + 2),
    )
  }
  return { first: rows[0]?.createdAtMs ?? 0, modified }
}

/** The revoked version: recorded here after the last version's `modified`, as STIX needs. */
function revocation(
  report: ReportRow,
  withdrawal: WithdrawalRow,
  timed: { first: number; modified: readonly number[] },
): StixWithdrawal {
  const last = timed.modified.at(-1) ?? report.createdAtMs
  return {
    reportId: report.id,
    originator: report.originator,
    reason: withdrawal.reason,
    firstCreatedAtMs: timed.first,
    withdrawnAtMs: Math.max(withdrawal.recordedAtMs, last + 1),
  }
}

/** Did `viewer` hold the report: a release to it left, or a TAXII read or an export showed it? */
export async function heldBy(
  ctx: NodeContext,
  viewer: PartyId,
  reportId: string,
): Promise<boolean> {
  const released = await ctx.store.listReleases({ reportId, recipient: viewer, state: 'released' })
  return released.length > 0 || wasShown(ctx, viewer, reportId)
}

/** Whether a disclosure of `subject` (a report id, `track:…`, `product:…`) to `viewer` is audited. */
export async function wasShown(
  ctx: NodeContext,
  viewer: PartyId,
  subject: string,
): Promise<boolean> {
  const shown = await ctx.store.listAudit({ type: 'disclosure', party: viewer, subject, limit: 1 })
  return shown.length > 0
}
