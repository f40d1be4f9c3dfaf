import type { Allowed, DenialCode } from '../../domain/decision.ts'
import type { EgressDenialCode } from '../../protocol/codes.ts'
import { asLevel, asPartyId, type PartyId } from '../../domain/ids.ts'
import type { Consent } from '../../domain/registry.ts'
import { isDenied, releaseOptions } from '../../domain/release.ts'
import type { DisclosurePath, ProductReleaseRow, ReleaseRow, ReportRow } from '../store/store.ts'
import type { ReleaseLabels } from '../../protocol/label.ts'
import { auditedTransaction } from './audit-log.ts'
import type { NodeContext } from './context.ts'
import { activeConsents, releaseModeOf, reportDigest, reportFacts } from './release-inputs.ts'
import { disclosureLabels } from './release-labels.ts'

/**
 * The one disclosure policy. Every path that shows a report to anyone outside this node —
 * federation delivery and relay (re-decided before each attempt), onward release, TAXII,
 * `export --party`, the CoT stream, live streams, the demo API — asks `mayDisclose` at the
 * instant it discloses, and records what it disclosed.
 */

/** What, besides the engine, decides a party's view at one instant. */
export interface DisclosureContext {
  readonly viewer: PartyId
  readonly atMs: number
  /** The originators' consents (R4) in force at `atMs`. */
  readonly consents: readonly Consent[]
  /**
   * "reportId agreement" of every release to the viewer an officer or a request's answer let
   * go, with the digests of the versions those releases were decided for (issue 12).
   */
  readonly released: ReadonlyMap<string, ReadonlySet<string>>
  /** The ids of the reports their originators withdrew (issue 12): shown to no one outside. */
  readonly withdrawn: ReadonlySet<string>
}

export async function disclosureContext(
  ctx: NodeContext,
  viewer: PartyId,
  atMs: number,
): Promise<DisclosureContext> {
  const releases = await ctx.store.listReleases({ recipient: viewer, state: 'released' })
  // Issue 17: products a request's answer let go to the viewer count as released too.
  const products = await ctx.store.listProductReleases({ recipient: viewer })
  return {
    viewer,
    atMs,
    consents: await activeConsents(ctx, atMs),
    released: releasedDigests(releases, products),
    withdrawn: new Set((await ctx.store.listWithdrawals()).map((w) => w.reportId)),
  }
}

const releaseKey = (r: Pick<ReleaseRow, 'reportId' | 'agreement'>): string =>
  `${r.reportId} ${r.agreement ?? ''}`

function releasedDigests(
  releases: readonly ReleaseRow[],
  products: readonly ProductReleaseRow[],
): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>()
  for (const r of releases) {
    const key = releaseKey(r)
    out.set(key, (out.get(key) ?? new Set()).add(r.reportSha256))
  }
  // A product's release names no digest: products are released version by version (issue 17).
  for (const p of products) {
    const key = releaseKey({ reportId: p.productId, agreement: p.agreement })
    out.set(key, out.get(key) ?? new Set())
  }
  return out
}

/**
 * What the policy reads of a report, or of a product (issue 17: imagery and assessments carry
 * the same marking, topic and releasability, and are decided by the same engine).
 */
export type DisclosureSubject = Pick<
  ReportRow,
  'id' | 'originator' | 'level' | 'localLevel' | 'topic' | 'releasableTo'
> & { readonly supersededBy?: ReportRow['supersededBy']; readonly version?: number }

/**
 * May the viewer see this report now? The node's own party and the report's originator
 * always may. Anyone else only when the engine allows it at `atMs` (consents then in force)
 * by an agreement whose handling lets it go without a further act — `auto` — or whose act
 * was done: under `manual` an officer approved this release, under `on-request` a request
 * covering it was answered (by rule or by an officer, as `answerRequests` says). Returns the
 * agreement option it is disclosed under, or null.
 */
export function mayDisclose(
  ctx: NodeContext,
  report: DisclosureSubject,
  dc: DisclosureContext,
  /**
   * An officer's or a request's release lets go only the version it was decided for (its
   * digest; issue 12): a corrected report's. A report never corrected has one version, and
   * its releases can only be of it.
   */
  exactVersion = (report.version ?? 1) > 1,
): Allowed | 'own' | null {
  if (dc.viewer === ctx.party || dc.viewer === report.originator) return 'own'
  if (dc.withdrawn.has(report.id)) return null
  // A copy known to be superseded by a version not held here is passed on to no one (issue 12).
  if (report.supersededBy !== undefined && report.supersededBy !== null) return null
  const outcome = releaseOptions(ctx.index, {
    holder: ctx.party,
    recipient: dc.viewer,
    report: reportFacts(report),
    levelAtHolder: report.originator === ctx.party ? null : asLevel(report.localLevel),
    atMs: dc.atMs,
    consents: dc.consents,
  })
  if (isDenied(outcome)) return null
  for (const option of outcome) {
    const agreement = option.hops[0]?.agreement ?? null
    if (releaseModeOf(ctx, option) === 'auto') return option
    const digests = dc.released.get(releaseKey({ reportId: report.id, agreement }))
    if (digests === undefined) continue
    // A product's version is never checked against a report digest: it fails closed below.
    if (!exactVersion) return option
    if (isReport(report) && digests.has(reportDigest(report))) return option
  }
  return null
}

const isReport = (subject: DisclosureSubject): subject is ReportRow => 'payload' in subject

/** Whether a decided release may still leave, and if not, every reason. */
export type EgressVerdict =
  | { readonly ok: true; readonly option: Allowed }
  | {
      readonly ok: false
      readonly reasons: readonly {
        readonly code: DenialCode | EgressDenialCode
        readonly message: string
      }[]
    }

/**
 * Federation egress (first attempt, every retry, a relay leaving after its handling time,
 * an approval, a request's answer): the report must not be withdrawn, the release must still
 * be allowed at `atMs`, with the consents then in force, under the agreement it was decided
 * under, and the report must be exactly the one decided (its hash).
 */
export function redecideRelease(
  ctx: NodeContext,
  report: ReportRow | undefined,
  release: ReleaseRow,
  atMs: number,
  consents: readonly Consent[],
  /** Its originator withdrew the report: required, so that no egress path can forget it. */
  withdrawn: boolean,
): EgressVerdict {
  if (withdrawn)
    return {
      ok: false,
      reasons: [
        {
          code: 'REPORT_WITHDRAWN',
          message: `report ${release.reportId} was withdrawn by its originator: it leaves for no one`,
        },
      ],
    }
  if (report !== undefined && report.supersededBy !== null)
    return {
      ok: false,
      reasons: [
        {
          code: 'REPORT_SUPERSEDED',
          message: `report ${release.reportId} is superseded by its version ${report.supersededBy.version}, which is not held here: the copy held leaves for no one`,
        },
      ],
    }
  if (report !== undefined && report.version > 1 && reportDigest(report) !== release.reportSha256)
    return {
      ok: false,
      reasons: [
        {
          code: 'REPORT_SUPERSEDED',
          message: `this release was decided for an earlier version of report ${release.reportId}, now superseded by version ${report.version} (decided on its own)`,
        },
      ],
    }
  if (report === undefined || reportDigest(report) !== release.reportSha256) {
    return {
      ok: false,
      reasons: [
        {
          code: 'REPORT_CHANGED',
          message: `the report held under id ${release.reportId} is not the one this release decided`,
        },
      ],
    }
  }
  const outcome = releaseOptions(ctx.index, {
    holder: ctx.party,
    recipient: asPartyId(release.recipient),
    report: reportFacts(report),
    levelAtHolder: report.originator === ctx.party ? null : asLevel(report.localLevel),
    atMs,
    consents,
  })
  if (isDenied(outcome))
    return {
      ok: false,
      reasons: outcome.reasons.map((r) => ({ code: r.code, message: r.message })),
    }
  const option = outcome.find((o) => (o.hops[0]?.agreement ?? null) === release.agreement)
  if (option !== undefined) return { ok: true, option }
  const now = outcome.map((o) => o.hops[0]?.agreement ?? 'public').join(', ')
  return {
    ok: false,
    reasons: [
      {
        code: 'AGREEMENT_NO_LONGER_ALLOWS',
        message: `${release.agreement ?? 'a public release'} no longer allows it (now only: ${now})`,
      },
    ],
  }
}

/** A report the policy lets a party see, with the agreement it is disclosed under. */
export interface Disclosable {
  readonly report: ReportRow
  /** Null for the node's own party, the originator, or a public-level report. */
  readonly agreement: string | null
  /** The release's STANAG 4774 labels; absent when the viewer is this node or the originator. */
  readonly labels?: ReleaseLabels
}

/** Every report held here that `viewer` may see at `atMs`, in the store's order. */
export async function disclosableReports(
  ctx: NodeContext,
  viewer: PartyId,
  atMs: number,
): Promise<Disclosable[]> {
  const reports = await ctx.store.listReports({})
  const dc = await disclosureContext(ctx, viewer, atMs)
  const out: Disclosable[] = []
  for (const report of reports) {
    const verdict = mayDisclose(ctx, report, dc)
    if (verdict === null) continue
    const agreement = verdict === 'own' ? null : (verdict.hops[0]?.agreement ?? null)
    const labels = disclosureLabels(ctx, report, viewer, verdict)
    out.push({ report, agreement, ...(labels === undefined ? {} : { labels }) })
  }
  return out
}

/**
 * Writes down what a path has just shown a party: one `disclosure` entry per report the
 * first time it reaches that party by that path (a TAXII client polling every second does
 * not fill the log). The node's own party is not a disclosure; nor is an originator reading
 * its own report back.
 */
export async function recordDisclosures(
  ctx: NodeContext,
  viewer: PartyId,
  path: DisclosurePath,
  shown: readonly Disclosable[],
  atMs: number,
): Promise<number> {
  const outside = shown.filter((d) => viewer !== ctx.party && viewer !== d.report.originator)
  if (outside.length === 0) return 0
  return auditedTransaction(ctx, async (tx, audit) => {
    let recorded = 0
    for (const { report, agreement } of outside) {
      const first = await tx.insertDisclosure({
        reportId: report.id,
        party: viewer,
        path,
        firstAtMs: atMs,
      })
      if (!first) continue
      recorded++
      await audit.append(tx, {
        atMs,
        type: 'disclosure',
        party: viewer,
        subject: report.id,
        data: { reportId: report.id, originator: report.originator, path, agreement },
      })
    }
    return recorded
  })
}
