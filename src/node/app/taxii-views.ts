import { asPartyId, type PartyId } from '../../domain/ids.ts'
import {
  reportToStixBundle,
  supersessionToStixObjects,
  withdrawalToStixObjects,
} from '../../interop/stix.ts'
import { type StixObject, stixId, versionOf } from '../../interop/stix-objects.ts'
import { tokenHash, usableToken } from '../http/auth.ts'
import type { DisclosurePath, TokenRow } from '../store/store.ts'
import type { NodeContext } from './context.ts'
import { type Disclosable, recordDisclosures } from './disclosure.ts'
import { productEntries } from './taxii-products.ts'
import { trackEntries } from './taxii-tracks.ts'
import { type VisibleVersion, visibleVersions } from './visible-versions.ts'

/** One object of the collection as a TAXII client sees it. */
export interface TaxiiEntry {
  readonly object: StixObject
  readonly dateAddedMs: number
  /** The object's `modified` (or `created`, for objects that are never versioned). */
  readonly version: string
  /** What serving this object discloses (recorded before it leaves); null when content-free. */
  readonly disclosure: TaxiiDisclosure | null
}

/**
 * A report's disclosure, or another holding's (a track, a product): those record themselves,
 * once per `key` in a page, by their own audited path.
 */
export type TaxiiDisclosure = Disclosable | HoldingDisclosure

export interface HoldingDisclosure {
  readonly key: string
  readonly record: (
    ctx: NodeContext,
    viewer: PartyId,
    path: DisclosurePath,
    atMs: number,
  ) => Promise<void>
}

/** The report an entry discloses, if it is a report's. */
export function disclosedReportId(disclosure: TaxiiDisclosure | null): string | null {
  return disclosure === null || 'record' in disclosure ? null : disclosure.report.id
}

/**
 * Entries a kind of holding adds to a viewer's collection at one instant. `collectionUrl` is
 * the collection's absolute URL as the client reached it (`https://host/taxii2/api/collections/
 * ID/`), for links back to this node.
 */
export type TaxiiSource = (
  ctx: NodeContext,
  viewer: PartyId,
  atMs: number,
  collectionUrl: string,
) => Promise<TaxiiEntry[]>

/** The holdings beside launch reports that the collection serves (tracks, products). */
const HOLDING_SOURCES: readonly TaxiiSource[] = [trackEntries, productEntries]

/** Records what `entries` disclose to `viewer` (H2): called before they leave by TAXII or export. */
export async function recordServed(
  ctx: NodeContext,
  viewer: PartyId,
  path: DisclosurePath,
  entries: readonly Pick<TaxiiEntry, 'disclosure'>[],
  atMs: number,
): Promise<void> {
  const reports: Disclosable[] = []
  const holdings = new Map<string, HoldingDisclosure>()
  for (const { disclosure } of entries) {
    if (disclosure === null) continue
    if ('record' in disclosure) holdings.set(disclosure.key, disclosure)
    else reports.push(disclosure)
  }
  await recordDisclosures(ctx, viewer, path, reports, atMs)
  for (const holding of holdings.values()) await holding.record(ctx, viewer, path, atMs)
}

/** The node's one collection: its launch reports, each client seeing what its party may. */
export function collectionIdOf(party: string): string {
  return stixId('collection', `launch-reports:${party}`).split('--')[1] ?? ''
}

/**
 * The collection's URL at the node's configured address (src/node/http/taxii.ts serves it
 * there): the links of an export, which no request reached.
 */
export function configuredCollectionUrl(ctx: NodeContext): string {
  const { host, port, insecure } = ctx.config.listen
  const authority = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
  const scheme = insecure === true ? 'http' : 'https'
  return `${scheme}://${authority}/taxii2/api/collections/${collectionIdOf(ctx.party)}/`
}

/**
 * The collection for `viewer` at `atMs`: every version of every object of every report the
 * viewer may see (issue 12: one version per report version, each decided on its own marking;
 * a withdrawn report's revoked launch), once each, dated by the version's arrival (shared
 * objects by the first that carries them), ordered by date added then id, then version — the
 * order `next` cursors rely on.
 */
export async function collectionView(
  ctx: NodeContext,
  viewer: PartyId,
  atMs: number,
  collectionUrl: string = configuredCollectionUrl(ctx),
): Promise<TaxiiEntry[]> {
  const shown = await visibleVersions(ctx, viewer, atMs)
  const partyName = (p: string): string | undefined =>
    ctx.index.registry.parties.get(asPartyId(p))?.name
  const seen = new Map<string, TaxiiEntry>()
  const add = (object: StixObject, dateAddedMs: number, disclosure: TaxiiDisclosure | null) => {
    const version = versionOf(object)
    const key = `${object.id} ${version}`
    if (!seen.has(key)) seen.set(key, { object, dateAddedMs, version, disclosure })
  }
  for (const { versions, withdrawal, superseded } of shown) {
    for (const v of versions)
      // Every object built from a report shows some of it (its site, its marking): serving any
      // of them is a disclosure of the report (the first that carries a shared object).
      for (const object of bundleObjectsOf(ctx, v, viewer, partyName))
        add(object, v.modifiedAtMs, v.disclosure)
    // The revocation is content-free (docs/interop.md): not a disclosure of the report.
    if (withdrawal !== null)
      for (const object of withdrawalToStixObjects(withdrawal, { partyName }))
        add(object, withdrawal.withdrawnAtMs, null)
    // So is the superseded notice: it says only that a version the viewer may not see exists.
    if (superseded !== null)
      for (const object of supersessionToStixObjects(superseded, { partyName }))
        add(object, superseded.supersededAtMs, null)
  }
  const holdings = await Promise.all(
    HOLDING_SOURCES.map((source) => source(ctx, viewer, atMs, collectionUrl)),
  )
  // Objects every bundle carries (Entente's definitions, a party's identity) are served once.
  for (const entry of holdings.flat()) {
    const key = `${entry.object.id} ${entry.version}`
    if (!seen.has(key)) seen.set(key, entry)
  }
  return [...seen.values()].sort(compareEntries)
}

/** A stored version never changes, nor does its bundle: built once per version, not per page. */
const bundleCache = new WeakMap<NodeContext, Map<string, readonly StixObject[]>>()
const BUNDLE_CACHE_REPORTS = 20_000

function bundleObjectsOf(
  ctx: NodeContext,
  { disclosure: { report, labels }, firstCreatedAtMs, modifiedAtMs }: VisibleVersion,
  viewer: PartyId,
  partyName: (p: string) => string | undefined,
): readonly StixObject[] {
  // A release's marking carries the viewer's labels: one bundle per version and viewer then.
  const version = `${report.id} v${report.version}`
  const key = labels === undefined ? version : `${version} ${viewer}`
  let cache = bundleCache.get(ctx)
  if (cache === undefined) {
    cache = new Map<string, readonly StixObject[]>()
    bundleCache.set(ctx, cache)
  }
  let objects = cache.get(key)
  if (objects === undefined) {
    if (cache.size >= BUNDLE_CACHE_REPORTS) cache.clear()
    const release = labels === undefined ? {} : { release: { recipient: viewer, labels } }
    objects = reportToStixBundle(
      { ...report, createdAtMs: modifiedAtMs },
      { partyName, firstCreatedAtMs, ...release },
    ).objects
    cache.set(key, objects)
  }
  return objects
}

/** By date added, then id, then version: a track's versions often share one arrival instant. */
export function compareEntries(
  a: Pick<TaxiiEntry, 'dateAddedMs' | 'object' | 'version'>,
  b: typeof a,
): number {
  return (
    a.dateAddedMs - b.dateAddedMs ||
    (a.object.id < b.object.id ? -1 : a.object.id > b.object.id ? 1 : 0) ||
    (a.version < b.version ? -1 : a.version > b.version ? 1 : 0)
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
  expiresAtMs: number | null = null,
): { token: string; row: TokenRow } {
  return {
    token: `${party}.${secret}`,
    row: {
      tokenHash: partyTokenKey(party, secret),
      role: 'operator',
      label: `taxii ${party}: ${label}`,
      createdAtMs: nowMs,
      expiresAtMs,
      revokedAtMs: null,
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
    const own = usableToken(await ctx.store.findToken(tokenHash(credentials.token)), ctx.now())
    return own === undefined ? null : { party: ctx.party, role: own.role, label: own.label }
  }
  if (!ctx.index.registry.parties.has(asPartyId(party))) return null
  const secret = prefix === party ? credentials.token.slice(dot + 1) : credentials.token
  const row = usableToken(await ctx.store.findToken(partyTokenKey(party, secret)), ctx.now())
  return row === undefined ? null : { party: asPartyId(party), role: null, label: row.label }
}
