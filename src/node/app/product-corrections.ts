import { EntenteError } from '../../lib/errors.ts'
import {
  assessmentSizeBreach,
  type Product,
  type ProductCorrection,
} from '../../protocol/product.ts'
import { signProduct } from '../crypto/product-signature.ts'
import { signSupersession, type SupersessionFacts } from '../crypto/supersession-signature.ts'
import type { ProductRow, StoreTx, Supersession } from '../store/store.ts'
import { type AuditBatch, auditedTransaction } from './audit-log.ts'
import type { NodeContext } from './context.ts'
import { checkMarking } from './ingest.ts'
import { productMessagesSent } from './product-withdrawals.ts'
import { commitProductOffers, limitsOf, planProductOffers, signedFields } from './products.ts'
import { enqueueSupersession } from './withdrawals.ts'

/**
 * Issue 17: a product is corrected as a report is (corrections.ts). Its originator signs a new
 * version, with a marking of its own, and the one disclosure policy decides it for every peer
 * at this instant: a peer it may go to gets the new version; a peer that held an earlier one
 * and may not get this one gets the originator's content-free `superseded` statement, so that
 * nobody acts on a copy known to be wrong. An earlier version's message not yet gone never
 * leaves. The holder of a superseded copy shows it as superseded and to no one outside.
 */
export interface ProductCorrectionResult {
  readonly product: ProductRow
  /** The peers the new version is queued for. */
  readonly sentTo: readonly string[]
  /** The holders of an earlier version sent the superseded notice instead. */
  readonly supersededTo: readonly string[]
}

export async function correctProduct(
  ctx: NodeContext,
  id: string,
  post: ProductCorrection,
): Promise<ProductCorrectionResult> {
  const held = await ctx.store.getProduct(id)
  if (held === undefined) throw new EntenteError('NOT_FOUND', `product '${id}' is not held here`)
  if (held.originator !== ctx.party)
    throw new EntenteError(
      'CONFLICT',
      `product '${id}' is ${held.originator}'s: only its originator corrects it`,
    )
  if (held.withdrawal !== null)
    throw new EntenteError('CONFLICT', `product '${id}' was withdrawn: it has no later version`)
  if (held.state !== 'complete')
    throw new EntenteError('CONFLICT', `product '${id}' awaits its file: upload it first`)
  if (post.kind !== held.kind)
    throw new EntenteError(
      'INVALID_REQUEST',
      `kind: product '${id}' is ${held.kind === 'imagery' ? 'an image' : 'an assessment'}; a correction keeps its kind`,
    )
  checkMarking(ctx, post)
  const previous = held.product as Product
  const nowMs = ctx.now()
  const common = signedFields(ctx, id, post, held.version + 1, nowMs)
  const product = correctedContent(post, previous, common, limitsOf(ctx))
  const row: ProductRow = {
    ...held,
    level: common.level,
    localLevel: common.level,
    topic: common.topic,
    releasableTo: common.releasableTo,
    version: common.version,
    product,
    originatorSignature: signProduct(product, ctx.keys.signing),
    updatedAtMs: nowMs,
  }
  const facts: SupersessionFacts = {
    reportId: id,
    originator: ctx.party,
    version: row.version,
    atMs: nowMs,
  }
  const statement = signSupersession(facts, ctx.keys.signing)
  const offers = await planProductOffers(ctx, row, nowMs)
  const reaches = new Set(offers.flatMap((o) => (o.message === null ? [] : [o.recipient])))
  const sent = await productMessagesSent(ctx, id)
  const supersededTo = await auditedTransaction(ctx, async (tx, audit) => {
    if ((await tx.getProduct(id))?.version !== held.version)
      throw new EntenteError(
        'CONFLICT',
        `product '${id}' was corrected meanwhile: correct it again`,
      )
    // An earlier version's message not yet gone never leaves (it carries content known to be
    // wrong): the new version is decided afresh; its peer is told all the same (it may have it).
    for (const messageId of sent.unsent)
      await tx.withdrawMessage(messageId, 'withdrawn: superseded', nowMs)
    await tx.putProduct(row)
    const noticed = await enqueueSupersession(ctx, tx, audit, sent.holders, {
      facts,
      signature: statement,
      skip: new Set([...reaches, ctx.party]),
    })
    await audit.append(tx, {
      atMs: nowMs,
      type: 'correction',
      party: null,
      subject: id,
      data: {
        productId: id,
        originator: ctx.party,
        notice: 'version',
        version: row.version,
        level: row.level,
        releasableTo: row.releasableTo,
        receivedFrom: null,
        supersededTo: noticed,
      },
    })
    await commitProductOffers(tx, audit, row, offers)
    return noticed
  })
  return { product: row, sentTo: [...reaches].sort(), supersededTo }
}

/** The new version's content: an assessment's text as posted, an image's description over its file. */
function correctedContent(
  post: ProductCorrection,
  previous: Product,
  common: Omit<Product, 'kind' | 'imagery' | 'assessment'>,
  limits: ReturnType<typeof limitsOf>,
): Product {
  if (post.kind === 'assessment') {
    const breach = assessmentSizeBreach(
      new TextEncoder().encode(post.assessment.text).length,
      limits,
    )
    if (breach !== null)
      throw new EntenteError('CONTENT_TOO_LARGE', breach.message, {
        details: [{ field: breach.field, rule: breach.message }],
      })
    return { ...common, kind: 'assessment', assessment: post.assessment }
  }
  if (previous.kind !== 'imagery') throw new Error(`product ${common.id} is not an image`)
  const { sha256, ...described } = post.imagery
  if (sha256 !== undefined && sha256 !== previous.imagery.sha256)
    throw new EntenteError(
      'INVALID_REQUEST',
      'imagery.sha256: a correction keeps the image’s file; new pixels are a new product',
    )
  const file = { sha256: previous.imagery.sha256, sizeBytes: previous.imagery.sizeBytes }
  return { ...common, kind: 'imagery', imagery: { ...described, ...file } }
}

/**
 * A peer's superseded notice of a product held here (its originator's statement, checked
 * before the transaction as a report's): the copy is marked so and audited. Products are not
 * relayed onward (docs/node.md), so the notice goes no further.
 */
export async function applyProductSuperseded(
  tx: StoreTx,
  audit: AuditBatch,
  held: ProductRow,
  notice: SupersessionFacts & { readonly signature: string; readonly receivedFrom: string },
  nowMs: number,
): Promise<void> {
  if (held.version >= notice.version || (held.supersededBy?.version ?? 0) >= notice.version) return
  const supersededBy: Supersession = {
    version: notice.version,
    atMs: notice.atMs,
    signature: notice.signature,
    receivedFrom: notice.receivedFrom,
  }
  await tx.putProduct({ ...held, supersededBy, updatedAtMs: nowMs })
  await audit.append(tx, {
    atMs: nowMs,
    type: 'correction',
    party: notice.receivedFrom,
    subject: held.id,
    data: {
      productId: held.id,
      originator: held.originator,
      notice: 'superseded',
      version: notice.version,
      holds: held.version,
      receivedFrom: notice.receivedFrom,
      supersededTo: [],
    },
  })
}
