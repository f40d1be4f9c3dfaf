import type { PartyId } from '../../domain/ids.ts'
import {
  productStixId,
  productToStixBundle,
  productSupersessionToStixObjects,
  productWithdrawalToStixObjects,
  productObjectIds,
} from '../../interop/stix-products.ts'
import { type StixObject, versionOf } from '../../interop/stix-objects.ts'
import { EntenteError } from '../../lib/errors.ts'
import { type Manifest, MEDIA_TYPE_OF, type Product } from '../../protocol/product.ts'
import type { ProductRow, WithdrawalRow } from '../store/store.ts'
import { appendAudit } from './audit-log.ts'
import type { NodeContext } from './context.ts'
import { wasShown } from './visible-versions.ts'
import { type DisclosureContext, disclosureContext, mayDisclose } from './disclosure.ts'
import { productVerdict, recordProductDisclosure } from './product-views.ts'
import type { HoldingDisclosure, TaxiiEntry } from './taxii-views.ts'
import { trackEgressVerdict } from './tracks.ts'

/**
 * Products in the TAXII collection (issue 17), decided for the client's party at the instant of
 * its request through the one disclosure policy, exactly as `GET /api/products` decides them for
 * that party (`productVerdict`): an image as an `artifact` — its bytes inline as `payload_bin` up
 * to `products.taxiiInlineMaxBytes`, else a `url` to its download under the collection, which
 * decides again when it is fetched (`productDownload`) — and an assessment as a `note` about
 * only what the party may see. A withdrawn product is its object revoked, content-free, shown
 * only to a party that held it.
 */
export async function productEntries(
  ctx: NodeContext,
  viewer: PartyId,
  atMs: number,
  collectionUrl: string,
): Promise<TaxiiEntry[]> {
  const dc = await disclosureContext(ctx, viewer, atMs)
  const rows = await ctx.store.listProducts({})
  const byId = new Map(rows.map((row) => [row.id, row]))
  const out: TaxiiEntry[] = []
  for (const row of rows) {
    if (row.withdrawal !== null) {
      if (await productHeldBy(ctx, viewer, row))
        out.push(...revokedEntries(row, row.withdrawal, collectionUrl))
      continue
    }
    const verdict = productVerdict(ctx, row, dc)
    if (verdict === null && (await supersededFor(ctx, viewer, row))) {
      out.push(...supersededEntries(row, collectionUrl))
      continue
    }
    // An own image still awaiting its file has nothing to serve yet.
    if (verdict === null || row.state !== 'complete') continue
    const product = row.product as Product
    const agreement = verdict === 'own' ? null : (verdict.hops[0]?.agreement ?? null)
    const disclosure = productDisclosure(row, agreement)
    const bundle =
      product.kind === 'imagery'
        ? productToStixBundle({
            product,
            localLevel: row.localLevel,
            content: await imageContent(ctx, row, collectionUrl),
          })
        : productToStixBundle({
            ...(await visibleAbout(ctx, product, dc, byId)),
            localLevel: row.localLevel,
          })
    const own = ownObjectIds(row)
    for (const object of bundle.objects)
      out.push(entry(object, row.updatedAtMs, own.has(object.id) ? disclosure : null))
  }
  return out
}

type Assessment = Extract<Product, { kind: 'assessment' }>
type ProductRef = Assessment['assessment']['refs'][number]

function entry(
  object: StixObject,
  dateAddedMs: number,
  disclosure: HoldingDisclosure | null,
): TaxiiEntry {
  return { object, dateAddedMs, version: versionOf(object), disclosure }
}

/** The objects that show something of the product (itself and its marking), not shared ones. */
function ownObjectIds(row: ProductRow): Set<string> {
  const ids = productObjectIds(row.id, row.version)
  return new Set([productStixId(row.kind, row.id), ids.marking])
}

/** Serving the product's objects is its disclosure, recorded once per party and path. */
function productDisclosure(row: ProductRow, agreement: string | null): HoldingDisclosure {
  return {
    key: `product:${row.id}`,
    record: async (ctx, viewer, path, atMs) => {
      // The node's own party and the originator reading it back disclose nothing (as reports).
      if (viewer === ctx.party || viewer === row.originator) return
      const detail = { agreement, version: row.version }
      await recordProductDisclosure(ctx, row, viewer, atMs, detail, path)
    },
  }
}

/** A small image's bytes (one chunk read, cached by digest: a file never changes), else its link. */
async function imageContent(
  ctx: NodeContext,
  row: ProductRow,
  collectionUrl: string,
): Promise<{ payloadBase64: string } | { url: string }> {
  const manifest = row.manifest as Manifest | null
  if (manifest !== null && manifest.sizeBytes <= ctx.config.products.taxiiInlineMaxBytes) {
    const cache = inlineCache.get(ctx) ?? { bytes: 0, byDigest: new Map<string, string>() }
    inlineCache.set(ctx, cache)
    let payload = cache.byDigest.get(manifest.sha256)
    if (payload === undefined) {
      const bytes = await ctx.content.readChunk(manifest.sha256, manifest.sizeBytes, 0)
      payload = bytes.toString('base64')
      if (cache.bytes + payload.length > INLINE_CACHE_CHARS) {
        cache.byDigest.clear()
        cache.bytes = 0
      }
      cache.byDigest.set(manifest.sha256, payload)
      cache.bytes += payload.length
    }
    return { payloadBase64: payload }
  }
  return { url: productContentUrl(collectionUrl, row.id) }
}

const inlineCache = new WeakMap<NodeContext, { bytes: number; byDigest: Map<string, string> }>()
/** Bounded memory: past 16 MiB of base64 the cache starts again (a miss costs one read). */
const INLINE_CACHE_CHARS = 16 * 1024 * 1024

/** A content-free version's pointer to an image: its download (which refuses it now) and digest. */
function fileOf(product: Product, id: string, collectionUrl: string) {
  return product.kind === 'imagery'
    ? { file: { url: productContentUrl(collectionUrl, id), sha256: product.imagery.sha256 } }
    : {}
}

/** Where a TAXII client downloads an image: under its collection, with its TAXII credentials. */
export function productContentUrl(collectionUrl: string, productId: string): string {
  return `${collectionUrl}products/${encodeURIComponent(productId)}/content`
}

/**
 * The assessment as the viewer may see it: references to reports, tracks and products it may
 * not see now are dropped (a note about nothing visible is about its author).
 */
async function visibleAbout(
  ctx: NodeContext,
  product: Assessment,
  dc: DisclosureContext,
  products: ReadonlyMap<string, ProductRow>,
): Promise<{ product: Product; assessmentRefs: ReadonlySet<string> }> {
  const refs: ProductRef[] = []
  const assessmentRefs = new Set<string>()
  for (const ref of product.assessment.refs) {
    if (!(await refVisible(ctx, ref, dc, products))) continue
    refs.push(ref)
    if (ref.kind === 'product' && products.get(ref.id)?.kind === 'assessment')
      assessmentRefs.add(ref.id)
  }
  return { product: { ...product, assessment: { ...product.assessment, refs } }, assessmentRefs }
}

async function refVisible(
  ctx: NodeContext,
  ref: ProductRef,
  dc: DisclosureContext,
  products: ReadonlyMap<string, ProductRow>,
): Promise<boolean> {
  switch (ref.kind) {
    case 'report': {
      const report = await ctx.store.getReport(ref.id)
      return report !== undefined && mayDisclose(ctx, report, dc) !== null
    }
    case 'product': {
      const row = products.get(ref.id)
      return row !== undefined && row.state === 'complete' && productVerdict(ctx, row, dc) !== null
    }
    case 'track': {
      // `ORIGINATOR:number`; a track is decided on its marking as its report (and goes with it).
      const colon = ref.id.lastIndexOf(':')
      const trackNumber = Number(ref.id.slice(colon + 1))
      if (colon <= 0 || !Number.isSafeInteger(trackNumber)) return false
      const track = await ctx.store.getTrack(ref.id.slice(0, colon), trackNumber)
      // Decided as the track itself is served (taxii-tracks.ts): by every track egress's policy.
      return track !== undefined && (await trackEgressVerdict(ctx, track, dc.viewer, dc.atMs)).ok
    }
  }
}

/** The revoked version, after the version's own instant as STIX needs; not a disclosure. */
function revokedEntries(
  row: ProductRow,
  withdrawal: WithdrawalRow,
  collectionUrl: string,
): TaxiiEntry[] {
  const product = row.product as Product
  const withdrawnAtMs = Math.max(withdrawal.recordedAtMs, product.createdAtMs + 1)
  const objects = productWithdrawalToStixObjects({
    productId: row.id,
    kind: row.kind,
    originator: row.originator,
    reason: withdrawal.reason,
    createdAtMs: product.createdAtMs,
    withdrawnAtMs,
    ...fileOf(product, row.id, collectionUrl),
  })
  return objects.map((object) => entry(object, withdrawnAtMs, null))
}

/**
 * Does `viewer`, which may not see the product now, hold an earlier version it must be told is
 * superseded? Only if it held the product, and the current version was already not for it
 * when its originator issued it (a correction that raised the level or narrowed the list):
 * a version hidden since by an agreement's end, say, is shown not at all, as a report's.
 */
async function supersededFor(ctx: NodeContext, viewer: PartyId, row: ProductRow): Promise<boolean> {
  if (row.version < 2 || row.state !== 'complete' || viewer === ctx.party) return false
  if (viewer === row.originator || !(await productHeldBy(ctx, viewer, row))) return false
  const issuedAtMs = (row.product as Product).createdAtMs
  return productVerdict(ctx, row, await disclosureContext(ctx, viewer, issuedAtMs)) === null
}

/** The content-free notice in place of the product's versions; not a disclosure. */
function supersededEntries(row: ProductRow, collectionUrl: string): TaxiiEntry[] {
  const product = row.product as Product
  const atMs = product.createdAtMs - 1
  const objects = productSupersessionToStixObjects({
    productId: row.id,
    kind: row.kind,
    originator: row.originator,
    supersededByVersion: row.version,
    createdAtMs: atMs,
    supersededAtMs: atMs,
    ...fileOf(product, row.id, collectionUrl),
  })
  return objects.map((object) => entry(object, product.createdAtMs, null))
}

/**
 * Did `viewer` hold the product: this node or its originator, or a party it was offered or
 * released to, or shown (a `disclosure` entry: a chunk, a download, a TAXII read, an export)?
 */
async function productHeldBy(ctx: NodeContext, viewer: PartyId, row: ProductRow): Promise<boolean> {
  if (viewer === ctx.party || viewer === row.originator) return true
  if (await wasShown(ctx, viewer, row.id)) return true
  if ((await ctx.store.listProductReleases({ recipient: viewer, productId: row.id })).length > 0)
    return true
  const decisions = await ctx.store.listAudit({ type: 'decision', party: viewer, subject: row.id })
  return decisions.some((d) => d.data['kind'] === 'product' && d.data['decision'] === 'allowed')
}

/** An image's file as TAXII serves it to one party now: what to stream, and under what. */
export interface ProductDownload {
  readonly row: ProductRow
  readonly manifest: Manifest
  readonly mediaType: string
  readonly agreement: string | null
}

/**
 * `GET …/collections/{id}/products/{productId}/content`: decided again at the instant of the
 * download (an agreement that ended since the listing stops it). NOT_FOUND when the party may
 * not have it (its existence is not told); a held product refused to a peer is audited as a
 * `decision`. The caller records the download as a disclosure before the first byte leaves.
 */
export async function productDownload(
  ctx: NodeContext,
  viewer: PartyId,
  id: string,
  atMs: number,
): Promise<ProductDownload> {
  const row = await ctx.store.getProduct(id)
  const manifest = row?.manifest as Manifest | null | undefined
  const verdict =
    row === undefined || row.kind !== 'imagery' || row.state !== 'complete'
      ? null
      : productVerdict(ctx, row, await disclosureContext(ctx, viewer, atMs))
  if (row === undefined || manifest === null || manifest === undefined || verdict === null) {
    if (row !== undefined && viewer !== ctx.party)
      await appendAudit(ctx, {
        atMs,
        type: 'decision',
        party: viewer,
        subject: id,
        data: { kind: 'product', decision: 'denied', egress: 'taxii-content' },
      })
    throw new EntenteError('NOT_FOUND', `product '${id}' has no file for your party here`)
  }
  const format = (row.product as Extract<Product, { kind: 'imagery' }>).imagery.format
  return {
    row,
    manifest,
    mediaType: MEDIA_TYPE_OF[format],
    agreement: verdict === 'own' ? null : (verdict.hops[0]?.agreement ?? null),
  }
}
