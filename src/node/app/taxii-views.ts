import { asLevel, asPartyId, type PartyId } from '../../domain/ids.ts'
import type { Consent } from '../../domain/registry.ts'
import { decideRelease } from '../../domain/release.ts'
import { reportToStixBundle } from '../../interop/stix.ts'
import { type StixObject, stixId, versionOf } from '../../interop/stix-objects.ts'
import { tokenHash } from '../http/auth.ts'
import type { ReportRow, TokenRow } from '../store/store.ts'
import type { NodeContext } from './context.ts'
import { activeConsents, releaseModeOf, reportFacts } from './releases.ts'

/** One object of the collection as a TAXII client sees it. */
export interface TaxiiEntry {
  readonly object: StixObject
  readonly dateAddedMs: number
  /** The object's `modified` (or `created`, for objects that are never versioned). */
  readonly version: string
}

/** The node's one collection: its launch reports, each client seeing what its party may. */
export function collectionIdOf(party: string): string {
  return stixId('collection', `launch-reports:${party}`).split('--')[1] ?? ''
}

/** What decides a peer's view besides the engine: consents in force, and the officers' verdicts. */
interface PeerViewContext {
  readonly consents: readonly Consent[]
  /** Reports released to the viewer (in its outbox or delivered). */
  readonly released: ReadonlySet<string>
  /** Reports a release officer rejected for the viewer, or has not yet approved. */
  readonly withheld: ReadonlySet<string>
}

/**
 * The reports `viewer` may see now. The node's own party sees everything it holds; an
 * originator sees its own reports; any other party sees what the release engine allows this
 * node to give it at `atMs` (with the originators' consents, R4, then in force), and only as
 * the node's release process allows: not what an officer rejected or has yet to approve, and
 * under a `manual` mode only what an officer approved. `on-request` needs no more: a TAXII
 * read is the peer asking. So a view changes as agreements, consents and verdicts come and go.
 */
export async function visibleReports(
  ctx: NodeContext,
  viewer: PartyId,
  atMs: number,
): Promise<ReportRow[]> {
  const reports = await ctx.store.listReports({})
  if (viewer === ctx.party) return reports
  const releases = await ctx.store.listReleases({ recipient: viewer })
  const context: PeerViewContext = {
    consents: await activeConsents(ctx, atMs),
    released: new Set(releases.filter((r) => r.state === 'released').map((r) => r.reportId)),
    withheld: new Set(
      releases
        .filter((r) => r.state === 'rejected' || r.state === 'pending-approval')
        .map((r) => r.reportId),
    ),
  }
  return reports.filter((report) => visibleToPeer(ctx, viewer, report, atMs, context))
}

function visibleToPeer(
  ctx: NodeContext,
  viewer: PartyId,
  report: ReportRow,
  atMs: number,
  context: PeerViewContext,
): boolean {
  if (viewer === report.originator) return true
  const decision = decideRelease(ctx.index, {
    holder: ctx.party,
    recipient: viewer,
    report: reportFacts(report),
    levelAtHolder: report.originator === ctx.party ? null : asLevel(report.localLevel),
    atMs,
    consents: context.consents,
  })
  if (decision.decision !== 'allowed') return false
  if (context.released.has(report.id)) return true
  if (context.withheld.has(report.id)) return false
  return releaseModeOf(ctx, decision) !== 'manual'
}

/**
 * The collection for `viewer` at `atMs`: every object of every visible report, once each,
 * dated by the report's arrival (shared objects by the first report that carries them),
 * ordered by date added then id — the order `next` cursors rely on.
 */
export async function collectionView(
  ctx: NodeContext,
  viewer: PartyId,
  atMs: number,
): Promise<TaxiiEntry[]> {
  const reports = await visibleReports(ctx, viewer, atMs)
  const partyName = (p: string): string | undefined =>
    ctx.index.registry.parties.get(asPartyId(p))?.name
  const seen = new Map<string, TaxiiEntry>()
  for (const report of reports) {
    for (const object of bundleObjectsOf(ctx, report, partyName)) {
      if (seen.has(object.id)) continue
      const version = versionOf(object)
      seen.set(object.id, { object, dateAddedMs: report.createdAtMs, version })
    }
  }
  return [...seen.values()].sort(compareEntries)
}

/** A stored report never changes, nor does its bundle: built once per report, not per page. */
const bundleCache = new WeakMap<NodeContext, Map<string, readonly StixObject[]>>()
const BUNDLE_CACHE_REPORTS = 20_000

function bundleObjectsOf(
  ctx: NodeContext,
  report: ReportRow,
  partyName: (p: string) => string | undefined,
): readonly StixObject[] {
  let cache = bundleCache.get(ctx)
  if (cache === undefined) {
    cache = new Map<string, readonly StixObject[]>()
    bundleCache.set(ctx, cache)
  }
  let objects = cache.get(report.id)
  if (objects === undefined) {
    if (cache.size >= BUNDLE_CACHE_REPORTS) cache.clear()
    objects = reportToStixBundle(report, { partyName }).objects
    cache.set(report.id, objects)
  }
  return objects
}

export function compareEntries(a: Pick<TaxiiEntry, 'dateAddedMs' | 'object'>, b: typeof a): number {
  return (
    a.dateAddedMs - b.dateAddedMs ||
    (a.object.id < b.object.id ? -1 : a.object.id > b.object.id ? 1 : 0)
  )
}

/**
 * TAXII clients of a peer party hold tokens `PARTY.secret`. They are stored under a key that
 * no bearer token can hash to (`taxii:PARTY:sha256(secret)`), so they open the TAXII views of
 * that party and nothing of the node's own API.
 */
export function partyTokenKey(party: string, secret: string): string {
  return `taxii:${party}:${tokenHash(secret)}`
}

/** The row to store for a new peer-party token; the caller draws the secret (randomness is an edge's). */
export function partyTokenRow(
  party: PartyId,
  secret: string,
  label: string,
  nowMs: number,
): { token: string; row: TokenRow } {
  return {
    token: `${party}.${secret}`,
    row: {
      tokenHash: partyTokenKey(party, secret),
      role: 'operator',
      label: `taxii ${party}: ${label}`,
      createdAtMs: nowMs,
    },
  }
}

export interface TaxiiClient {
  readonly party: PartyId
  /** The node's own role for its own tokens; null for a peer party's client. */
  readonly role: TokenRow['role'] | null
  readonly label: string
}

/** Resolves `Bearer token` or `Basic party:token` to a client, or null. */
export async function findTaxiiClient(
  ctx: NodeContext,
  credentials: { party: string | null; token: string },
): Promise<TaxiiClient | null> {
  const dot = credentials.token.indexOf('.')
  const prefix = dot > 0 ? credentials.token.slice(0, dot) : null
  const party = credentials.party ?? prefix ?? ctx.party
  if (party === ctx.party) {
    const own = await ctx.store.findToken(tokenHash(credentials.token))
    return own === undefined ? null : { party: ctx.party, role: own.role, label: own.label }
  }
  if (!ctx.index.registry.parties.has(asPartyId(party))) return null
  const secret = prefix === party ? credentials.token.slice(dot + 1) : credentials.token
  const row = await ctx.store.findToken(partyTokenKey(party, secret))
  return row === undefined ? null : { party: asPartyId(party), role: null, label: row.label }
}
