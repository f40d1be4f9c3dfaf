import type { PartyId } from '../../domain/ids.ts'
import { EntenteError } from '../../lib/errors.ts'
import type { ProductImageryView, ProductView } from '../../protocol/console-api.ts'
import { MEDIA_TYPE_OF, type Product } from '../../protocol/product.ts'
import type { DisclosurePath, ProductRow } from '../store/store.ts'
import { auditedTransaction } from './audit-log.ts'
import type { NodeContext } from './context.ts'
import { type DisclosureContext, disclosureContext, mayDisclose } from './disclosure.ts'

/**
 * What a party sees of the products held here (issue 17), through the one disclosure policy:
 * this node's own roles see every product held but a withdrawn one, a peer's only once its file
 * is whole and verified; a peer sees what `mayDisclose` lets it see now. A download of a file
 * is a disclosure, audited the first time it reaches a party.
 */

/** A product as the API shows it: typed once, in src/protocol/console-api.ts. */
export type { ProductView }

export function productView(row: ProductRow): ProductView {
  const product = row.product as Partial<Product> & { imagery?: Record<string, unknown> }
  const imagery = product.imagery
  const format = imagery?.['format'] as keyof typeof MEDIA_TYPE_OF | undefined
  return {
    id: row.id,
    kind: row.kind,
    originator: row.originator,
    marking: { originator: row.originator, level: row.level },
    localLevel: row.localLevel,
    topic: row.topic,
    releasableTo: row.releasableTo,
    version: row.version,
    state: row.state,
    status: row.supersededBy === null ? 'current' : 'superseded',
    ...(row.supersededBy === null ? {} : { supersededByVersion: row.supersededBy.version }),
    title: typeof product.title === 'string' ? product.title : '',
    createdAt: new Date(row.createdAtMs).toISOString(),
    receivedFrom: row.receivedFrom,
    ...(imagery === undefined
      ? {}
      : {
          imagery: {
            ...imagery,
            ...(format === undefined ? {} : { mediaType: MEDIA_TYPE_OF[format] }),
            acquiredAt: new Date(Number(imagery['acquiredAtMs'])).toISOString(),
          } as ProductImageryView,
        }),
    ...(product.kind === 'assessment' ? { assessment: product.assessment } : {}),
    ...(row.kind === 'imagery' && row.state === 'complete'
      ? { contentUrl: `/api/products/${encodeURIComponent(row.id)}/content` }
      : {}),
  }
}

/** May `dc.viewer` see this product now (a peer's only when whole, and not known to be wrong)? */
export function mayShowProduct(ctx: NodeContext, row: ProductRow, dc: DisclosureContext): boolean {
  return productVerdict(ctx, row, dc) !== null
}

/** The policy's answer for showing this product now: the option it goes under, 'own', or null. */
export function productVerdict(
  ctx: NodeContext,
  row: ProductRow,
  dc: DisclosureContext,
): ReturnType<typeof mayDisclose> {
  if (row.withdrawal !== null) return null
  const own = dc.viewer === ctx.party
  if (row.supersededBy !== null && !own && dc.viewer !== row.originator) return null
  if (row.state !== 'complete' && !(own && row.originator === ctx.party)) return null
  return mayDisclose(ctx, row, dc)
}

export async function visibleProducts(
  ctx: NodeContext,
  viewer: PartyId,
  atMs: number,
  filter: { readonly kind?: ProductRow['kind'] } = {},
): Promise<ProductRow[]> {
  const dc = await disclosureContext(ctx, viewer, atMs)
  const rows = await ctx.store.listProducts(filter.kind === undefined ? {} : { kind: filter.kind })
  return rows.filter((row) => mayShowProduct(ctx, row, dc))
}

/** The product if `viewer` may see it now; NOT_FOUND otherwise (its existence is not told). */
export async function visibleProduct(
  ctx: NodeContext,
  viewer: PartyId,
  id: string,
  atMs: number,
): Promise<ProductRow> {
  const row = await ctx.store.getProduct(id)
  if (row === undefined || !mayShowProduct(ctx, row, await disclosureContext(ctx, viewer, atMs)))
    throw new EntenteError('NOT_FOUND', `product '${id}' is not held here`)
  return row
}

/** The (product, peer) pairs whose first disclosure this process has seen recorded. */
const disclosedHere = new WeakMap<NodeContext, Set<string>>()

/**
 * Records that a product's content (or a chunk of it) reached a party outside this node: one
 * `disclosure` entry the first time by each path, as for reports (`product-content` for a
 * download or a chunk, `taxii` or `export` for its STIX objects). A read by an own role is
 * audited as a read, each time (a download of an image is rare, and worth knowing).
 */
export async function recordProductDisclosure(
  ctx: NodeContext,
  row: ProductRow,
  viewer: PartyId,
  atMs: number,
  detail: Readonly<Record<string, unknown>> = {},
  path: DisclosurePath = 'product-content',
): Promise<void> {
  // Recorded once per party and path: each later chunk to a peer skips the write (and its fsync).
  const key = `${row.id} ${viewer} ${path}`
  const disclosed = disclosedHere.get(ctx) ?? new Set<string>()
  disclosedHere.set(ctx, disclosed)
  if (viewer !== ctx.party && disclosed.has(key)) return
  await auditedTransaction(ctx, async (tx, audit) => {
    if (viewer === ctx.party) {
      await audit.append(tx, {
        atMs,
        type: 'disclosure',
        party: null,
        subject: row.id,
        data: { productId: row.id, path, read: 'own', ...detail },
      })
      return
    }
    const first = await tx.insertDisclosure({
      reportId: row.id,
      party: viewer,
      path,
      firstAtMs: atMs,
    })
    disclosed.add(key)
    if (!first) return
    await audit.append(tx, {
      atMs,
      type: 'disclosure',
      party: viewer,
      subject: row.id,
      data: {
        productId: row.id,
        originator: row.originator,
        path,
        agreement: row.agreement,
        ...detail,
      },
    })
  })
}
