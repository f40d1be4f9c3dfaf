import { asPartyId } from '../../domain/ids.ts'
import { isDenied, releaseOptions } from '../../domain/release.ts'
import type { Product } from '../../protocol/product.ts'
import type {
  OutboxRow,
  ProductReleaseRow,
  ProductRow,
  RequestRow,
  StoreTx,
} from '../store/store.ts'
import type { AuditBatch } from './audit-log.ts'
import type { NodeContext } from './context.ts'
import { enqueue } from './outbox.ts'
import { composeProduct } from './products.ts'
import { activeConsents, releaseModeOf, reportFacts } from './release-inputs.ts'

/** Does a request cover this product: its topic, and its acquisition (or creation) in the window? */
export function coversProduct(request: RequestRow, row: ProductRow): boolean {
  const product = row.product as Partial<Product> & { imagery?: { acquiredAtMs?: number } }
  const atMs = product.imagery?.acquiredAtMs ?? row.createdAtMs
  return request.topic === row.topic && atMs >= request.windowFromMs && atMs < request.windowUntilMs
}

/** A product a request's answer releases, with the message that carries it. */
export interface RequestedProduct {
  readonly row: ProductRow
  readonly release: ProductReleaseRow
  readonly message: OutboxRow
}

/**
 * Under an `on-request` agreement a product leaves when a request covering it is answered (by
 * rule or by an officer): the engine is asked at the answer's instant, and only an option whose
 * handling is `on-request` is taken (an answer is not an officer's approval of a `manual` one).
 */
export async function planRequestedProducts(
  ctx: NodeContext,
  request: RequestRow,
  atMs: number,
): Promise<RequestedProduct[]> {
  const requester = asPartyId(request.requester)
  const consents = await activeConsents(ctx, atMs)
  const already = new Set(
    (await ctx.store.listProductReleases({ recipient: requester })).map((r) => r.productId),
  )
  const out: RequestedProduct[] = []
  for (const row of await ctx.store.listProducts({ originator: ctx.party, state: 'complete' })) {
    if (row.withdrawal !== null || already.has(row.id) || !coversProduct(request, row)) continue
    const outcome = releaseOptions(ctx.index, {
      holder: ctx.party,
      recipient: requester,
      report: reportFacts(row),
      levelAtHolder: null,
      atMs,
      consents,
    })
    if (isDenied(outcome)) continue
    const option = outcome.find((o) => releaseModeOf(ctx, o) === 'on-request')
    const agreement = option?.hops[0]?.agreement ?? null
    if (agreement === null) continue
    out.push({
      row,
      release: {
        productId: row.id,
        recipient: requester,
        agreement,
        requestId: request.id,
        releasedAtMs: atMs,
      },
      message: composeProduct(ctx, row, requester, agreement),
    })
  }
  return out
}

/** Inside the answer's transaction: each release recorded once, audited, its message queued. */
export async function commitRequestedProducts(
  tx: StoreTx,
  audit: AuditBatch,
  planned: readonly RequestedProduct[],
): Promise<string[]> {
  const released: string[] = []
  for (const { row, release, message } of planned) {
    if ((await tx.getProduct(row.id))?.withdrawal !== null) continue
    if (!(await tx.insertProductRelease(release))) continue
    await audit.append(tx, {
      atMs: release.releasedAtMs,
      type: 'decision',
      party: release.recipient,
      subject: row.id,
      data: {
        kind: 'product',
        product: row.kind,
        decision: 'allowed',
        egress: 'answer',
        agreement: release.agreement,
        requestId: release.requestId,
        path: [...row.path, release.recipient],
        reasons: [],
      },
    })
    await enqueue(tx, audit, message)
    released.push(row.id)
  }
  return released
}
