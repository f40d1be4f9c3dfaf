import { asAgreementId, asLevel, asPartyId, type PartyId } from '../../domain/ids.ts'
import { isDenied, releaseOptions } from '../../domain/release.ts'
import { EntenteError } from '../../lib/errors.ts'
import {
  assessmentSizeBreach,
  type Manifest,
  type Product,
  type ProductLimits,
  type ProductPost,
} from '../../protocol/product.ts'
import { sha256Hex } from '../crypto/receipt.ts'
import { canonicalProduct, signManifest, signProduct } from '../crypto/product-signature.ts'
import type { OutboxRow, ProductRow, ReleaseRow, StoreTx } from '../store/store.ts'
import { type AuditBatch, auditedTransaction } from './audit-log.ts'
import type { NodeContext } from './context.ts'
import { disclosureContext, mayDisclose } from './disclosure.ts'
import { checkMarking } from './ingest.ts'
import { composeForPeer, enqueue } from './outbox.ts'
import { reportFacts } from './release-inputs.ts'

/**
 * Products (issue 17): an image or an assessment, posted by this party's analysts or received
 * from a peer, decided by the same engine and the one disclosure policy as a report
 * (`mayDisclose`): a product carries a marking, a topic and an optional releasability list, and
 * the policy reads nothing else. An image is posted in two steps, its metadata then its file;
 * it is signed, and offered to peers, only once the whole file is stored and hashed.
 */

/** The product's size limits, from the node's config. */
export const limitsOf = (ctx: NodeContext): ProductLimits => ctx.config.products

export async function createProduct(
  ctx: NodeContext,
  post: ProductPost,
): Promise<{ product: ProductRow; duplicate: boolean }> {
  checkMarking(ctx, post)
  if (post.kind === 'assessment') {
    const breach = assessmentSizeBreach(
      new TextEncoder().encode(post.assessment.text).length,
      limitsOf(ctx),
    )
    if (breach !== null)
      throw new EntenteError('CONTENT_TOO_LARGE', breach.message, {
        details: [{ field: breach.field, rule: breach.message }],
      })
  }
  if (post.id !== undefined) {
    const held = await ctx.store.getProduct(post.id)
    if (held !== undefined && held.originator !== ctx.party)
      throw new EntenteError('CONFLICT', `id: '${post.id}' is held here from another originator`)
    if (held !== undefined) return { product: held, duplicate: true }
  }
  const nowMs = ctx.now()
  const id = post.id ?? ctx.newId()
  const common = signedFields(ctx, id, post, 1, nowMs)
  // An assessment is whole at once: signed now. An image waits for its file (uploadContent).
  const signed: Product | null =
    post.kind === 'assessment'
      ? { ...common, kind: 'assessment', assessment: post.assessment }
      : null
  const row: ProductRow = {
    id,
    kind: post.kind,
    originator: ctx.party,
    level: post.marking.level,
    localLevel: post.marking.level,
    topic: post.topic,
    releasableTo: common.releasableTo,
    version: 1,
    product:
      post.kind === 'assessment'
        ? (signed ?? {})
        : { ...common, kind: 'imagery', imagery: post.imagery },
    originatorSignature: signed === null ? null : signProduct(signed, ctx.keys.signing),
    manifest: null,
    manifestSignature: null,
    state: signed === null ? 'awaiting-content' : 'complete',
    verifiedChunks: 0,
    receivedFrom: null,
    agreement: null,
    path: [ctx.party],
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
    withdrawal: null,
    supersededBy: null,
  }
  const offers = row.state === 'complete' ? await planProductOffers(ctx, row, nowMs) : []
  await auditedTransaction(ctx, async (tx, audit) => {
    if (!(await tx.insertProduct(row)))
      throw new EntenteError('CONFLICT', `id: '${id}' is held here already`)
    await audit.append(tx, {
      atMs: nowMs,
      type: 'ingest',
      party: null,
      subject: id,
      data: { product: row.kind, level: row.level, topic: row.topic, state: row.state },
    })
    await commitProductOffers(tx, audit, row, offers)
  })
  return { product: row, duplicate: false }
}

/** What every version of an own product signs beside its kind's content. */
export function signedFields(
  ctx: NodeContext,
  id: string,
  post: Pick<ProductPost, 'topic' | 'marking' | 'releasableTo' | 'title'>,
  version: number,
  nowMs: number,
): Omit<Product, 'kind' | 'imagery' | 'assessment'> {
  return {
    id,
    originator: ctx.party,
    topic: post.topic,
    level: post.marking.level,
    releasableTo: post.releasableTo ?? null,
    title: post.title,
    version,
    createdAtMs: nowMs,
  }
}

/**
 * The second step of an image: its file, streamed to disk (never whole in memory), hashed and
 * chunked on the way; then the product and its manifest are signed, and it is offered to peers.
 */
export async function uploadContent(
  ctx: NodeContext,
  id: string,
  body: AsyncIterable<Uint8Array>,
): Promise<ProductRow> {
  const held = await ctx.store.getProduct(id)
  if (held === undefined) throw new EntenteError('NOT_FOUND', `product '${id}' is not held here`)
  if (held.originator !== ctx.party || held.kind !== 'imagery')
    throw new EntenteError('CONFLICT', `product '${id}' takes no upload: not an own image`)
  if (held.state !== 'awaiting-content')
    throw new EntenteError('CONFLICT', `product '${id}' has its content already`)
  const posted = held.product as Product & { imagery: { sha256?: string } }
  const expected = posted.kind === 'imagery' ? posted.imagery.sha256 : undefined
  const content = await ctx.content.ingest(body, limitsOf(ctx).imageryMaxBytes, expected)
  if (posted.kind !== 'imagery') throw new Error(`product ${id} is not an image`)
  const product: Product = {
    ...posted,
    imagery: { ...posted.imagery, sha256: content.sha256, sizeBytes: content.sizeBytes },
  }
  const manifest: Manifest = {
    productId: id,
    sha256: content.sha256,
    sizeBytes: content.sizeBytes,
    chunkBytes: 1024 * 1024,
    chunks: [...content.chunks],
  }
  const nowMs = ctx.now()
  const row: ProductRow = {
    ...held,
    product,
    originatorSignature: signProduct(product, ctx.keys.signing),
    manifest,
    manifestSignature: signManifest(manifest, ctx.party, ctx.keys.signing),
    state: 'complete',
    verifiedChunks: content.chunks.length,
    updatedAtMs: nowMs,
  }
  const offers = await planProductOffers(ctx, row, nowMs)
  await auditedTransaction(ctx, async (tx, audit) => {
    if ((await tx.getProduct(id))?.state !== 'awaiting-content')
      throw new EntenteError('CONFLICT', `product '${id}' got its content meanwhile`)
    await tx.putProduct(row)
    await audit.append(tx, {
      atMs: nowMs,
      type: 'ingest',
      party: null,
      subject: id,
      data: {
        product: 'imagery',
        state: 'complete',
        sha256: content.sha256,
        sizeBytes: content.sizeBytes,
      },
    })
    await commitProductOffers(tx, audit, row, offers)
  })
  return row
}

/** SHA-256 of the canonical product: what a release row of it was decided for. */
export const productDigest = (row: ProductRow): string =>
  sha256Hex(canonicalProduct(row.product as Product))

/** A product's decision for one peer (audited), with its message if it leaves now. */
export interface PlannedOffer {
  readonly recipient: PartyId
  readonly atMs: number
  readonly agreement: string | null
  readonly levelAtRecipient: string | null
  readonly reasons: readonly { readonly code: string; readonly message: string }[]
  readonly message: OutboxRow | null
}

/**
 * Decides, at `atMs`, the product for every peer but its originator and the one it came from
 * (before the transaction: the store is read, never locked). A product leaves by standing rule
 * only (an agreement released `auto`); it has no release row: like a track's, its decision is
 * audited, and taken again at every egress (delivery, and each chunk the receiver fetches).
 */
export async function planProductOffers(
  ctx: NodeContext,
  row: ProductRow,
  atMs: number,
): Promise<PlannedOffer[]> {
  const planned: PlannedOffer[] = []
  for (const recipient of [...ctx.peers.keys()].sort()) {
    if (recipient === row.originator || recipient === row.receivedFrom) continue
    const verdict = mayDisclose(ctx, row, await disclosureContext(ctx, recipient, atMs))
    const allowed = verdict !== null && verdict !== 'own' ? verdict : null
    const agreement = allowed?.hops[0]?.agreement ?? null
    planned.push({
      recipient,
      atMs,
      agreement,
      levelAtRecipient: allowed?.levelAtRecipient ?? null,
      reasons: verdict === null ? denialReasons(ctx, row, recipient, atMs) : [],
      message: verdict === null ? null : composeProduct(ctx, row, recipient, agreement),
    })
  }
  return planned
}

/** Inside the transaction: each decision audited, each allowed message queued. */
export async function commitProductOffers(
  tx: StoreTx,
  audit: AuditBatch,
  row: ProductRow,
  planned: readonly PlannedOffer[],
): Promise<void> {
  for (const offer of planned) {
    await audit.append(tx, {
      atMs: offer.atMs,
      type: 'decision',
      party: offer.recipient,
      subject: row.id,
      data: {
        kind: 'product',
        product: row.kind,
        decision: offer.message === null ? 'denied' : 'allowed',
        agreement: offer.agreement,
        levelAtRecipient: offer.levelAtRecipient,
        path: [...row.path, offer.recipient],
        reasons: offer.reasons,
      },
    })
    if (offer.message !== null) await enqueue(tx, audit, offer.message)
  }
}

/** Why the policy keeps a product from a peer: the engine's reasons, or its handling's. */
function denialReasons(
  ctx: NodeContext,
  row: ProductRow,
  recipient: PartyId,
  atMs: number,
): ReleaseRow['reasons'] {
  if (row.withdrawal !== null)
    return [
      { code: 'REPORT_WITHDRAWN', message: `product ${row.id} was withdrawn by its originator` },
    ]
  const outcome = releaseOptions(ctx.index, {
    holder: ctx.party,
    recipient,
    report: reportFacts(row),
    levelAtHolder: row.originator === ctx.party ? null : asLevel(row.localLevel),
    atMs,
  })
  if (isDenied(outcome)) return outcome.reasons.map((r) => ({ code: r.code, message: r.message }))
  return [
    {
      code: 'NOT_RELEASED',
      message: `the agreements allowing it need an officer's approval or a request (${outcome.map((o) => o.hops[0]?.agreement ?? 'public').join(', ')}); products leave by standing rule only`,
    },
  ]
}

export function composeProduct(
  ctx: NodeContext,
  row: ProductRow,
  recipient: PartyId,
  agreement: string | null,
): OutboxRow {
  if (row.originatorSignature === null) throw new Error(`product ${row.id} is not signed`)
  return composeForPeer(ctx, {
    recipient,
    kind: 'product',
    agreement: agreement === null ? null : asAgreementId(agreement),
    subjectId: row.id,
    payload: {
      product: row.product as Product,
      originatorSignature: row.originatorSignature,
      ...(row.manifest === null ? {} : { manifest: row.manifest as Manifest }),
      ...(row.manifestSignature === null ? {} : { manifestSignature: row.manifestSignature }),
      path: [...row.path, recipient],
    },
  })
}

/**
 * At egress (every delivery attempt of a `product` message): the one disclosure policy is asked
 * again at this instant for the product held now; a product withdrawn, or no longer allowed,
 * leaves for no one.
 */
export async function productStillAllowed(
  ctx: NodeContext,
  message: OutboxRow,
  atMs: number,
): Promise<{ ok: true } | { ok: false; reasons: ReleaseRow['reasons'] }> {
  const row = await ctx.store.getProduct(message.subjectId)
  if (row === undefined || row.state !== 'complete')
    return {
      ok: false,
      reasons: [
        { code: 'REPORT_CHANGED', message: `product ${message.subjectId} is not held whole` },
      ],
    }
  const viewer = asPartyId(message.recipient)
  const verdict = mayDisclose(ctx, row, await disclosureContext(ctx, viewer, atMs))
  if (verdict !== null && row.withdrawal === null) return { ok: true }
  return { ok: false, reasons: denialReasons(ctx, row, viewer, atMs) }
}
