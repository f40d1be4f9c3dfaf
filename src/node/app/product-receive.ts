import { asLevel, asPartyId, type Level } from '../../domain/ids.ts'
import { isDenied, releaseOptions } from '../../domain/release.ts'
import type { QuarantineReason } from '../../protocol/codes.ts'
import type { Message } from '../../protocol/messages.ts'
import { assessmentSizeBreach, imagerySizeBreach, type Product } from '../../protocol/product.ts'
import { isOriginatorSignatureError } from '../crypto/originator-signature.ts'
import { verifyManifestSignature, verifyProductSignature } from '../crypto/product-signature.ts'
import type { ProductRow } from '../store/store.ts'
import type { NodeContext } from './context.ts'
import { limitsOf, productDigest } from './products.ts'
import { consentsHeld, reportFacts } from './release-inputs.ts'

/**
 * A peer's `product` message (issue 17), checked before the transaction as a report is: the
 * originator's signatures over the product and its manifest (with the ORIGINATOR's key, never
 * the sender's), the manifest naming the file the product names, the size limits of its kind,
 * and the release allowed by this node's own registry under the agreement the sender named, at
 * the sender's instant and at receipt. The file itself is fetched afterwards, chunk by chunk
 * (product-transfer.ts); until it is whole the product is shown to no one.
 */
export interface CheckedProduct {
  readonly reasons: QuarantineReason[]
  /** What to store: null when refused, or when the same version is held already. */
  readonly row: ProductRow | null
}

const refuse = (code: QuarantineReason['code'], message: string): CheckedProduct => ({
  reasons: [{ code, message }],
  row: null,
})

export async function checkProductArrival(
  ctx: NodeContext,
  message: Message<'product'>,
  nowMs: number,
): Promise<CheckedProduct> {
  const { product, manifest, manifestSignature, originatorSignature, path } = message.payload
  if (!ctx.index.registry.parties.has(asPartyId(product.originator)))
    return refuse(
      'UNKNOWN_REFERENCE',
      `payload.product.originator: '${product.originator}' is not a party of our registry`,
    )
  const key = ctx.originatorKey(product.originator)
  try {
    verifyProductSignature(originatorSignature, key, product)
    if (product.kind === 'imagery')
      verifyManifestSignature(manifestSignature, key, product.originator, manifestOf(manifest))
  } catch (error) {
    if (!isOriginatorSignatureError(error)) throw error
    const field =
      product.kind === 'imagery' && manifest !== undefined
        ? 'manifestSignature'
        : 'originatorSignature'
    return refuse('ORIGINATOR_SIGNATURE_INVALID', `payload.${field}: ${error.message}`)
  }
  const shape = checkShape(ctx, message)
  if (shape !== null) return refuse(shape.code, shape.message)
  const skewMs = ctx.config.clockSkewS * 1000
  if (message.instantMs - nowMs > skewMs)
    return refuse(
      'CLOCK_SKEW',
      `the sender's instant is ${Math.round((message.instantMs - nowMs) / 1000)} s ahead of ours, beyond the allowed ${ctx.config.clockSkewS} s`,
    )
  let localLevel: Level = asLevel(product.level)
  const reasons: QuarantineReason[] = []
  for (const [label, atMs] of [
    ["at the sender's instant", message.instantMs],
    ['at receipt', nowMs],
  ] as const) {
    const verdict = await allowedAt(ctx, message, atMs)
    if (verdict.ok) localLevel = verdict.level
    else reasons.push(...verdict.reasons.map((r) => ({ ...r, message: `${label}: ${r.message}` })))
  }
  if (reasons.length > 0) return { reasons, row: null }
  const held = await ctx.store.getProduct(product.id)
  if (held !== undefined && held.originator !== product.originator)
    return refuse('ID_CONFLICT', `product id ${product.id} is held here from another originator`)
  const complete = product.kind === 'assessment' || (await ctx.content.has(product.imagery.sha256))
  const row: ProductRow = {
    id: product.id,
    kind: product.kind,
    originator: product.originator,
    level: product.level,
    localLevel,
    topic: product.topic,
    releasableTo: product.releasableTo,
    version: product.version,
    product,
    originatorSignature,
    manifest: manifest ?? null,
    manifestSignature: manifestSignature ?? null,
    // The same file held already (another product, another path): stored once, whole now.
    state: complete ? 'complete' : 'transferring',
    verifiedChunks: complete && manifest !== undefined ? manifest.chunks.length : 0,
    receivedFrom: message.sender,
    agreement: message.agreement,
    path: [...path],
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
    withdrawal: null,
    supersededBy: null,
  }
  if (held !== undefined) {
    if (product.version < held.version) return { reasons: [], row: null }
    if (product.version === held.version) {
      if (productDigest(held) !== productDigest(row))
        return refuse(
          'ID_CONFLICT',
          `product ${product.id} v${product.version} is held with other content`,
        )
      return { reasons: [], row: null }
    }
  }
  return { reasons: [], row }
}

function manifestOf(manifest: Message<'product'>['payload']['manifest']) {
  // A missing manifest fails its signature check (NO_SIGNATURE) rather than passing unchecked.
  return (
    manifest ?? { productId: '', sha256: '0'.repeat(64), sizeBytes: 1, chunkBytes: 1, chunks: [] }
  )
}

/** The manifest must name the file the product names; sizes within this node's limits; the path ours. */
function checkShape(
  ctx: NodeContext,
  message: Message<'product'>,
): { code: QuarantineReason['code']; message: string } | null {
  const { product, manifest, path } = message.payload
  if (path[0] !== product.originator || path.at(-1) !== ctx.party || path.at(-2) !== message.sender)
    return {
      code: 'PAYLOAD_INVALID',
      message: 'payload.path: from the originator, through the sender, to this party',
    }
  if (product.kind === 'assessment') {
    const breach = assessmentSizeBreach(
      new TextEncoder().encode(product.assessment.text).length,
      limitsOf(ctx),
    )
    return breach === null
      ? null
      : { code: 'PAYLOAD_INVALID', message: `payload.product.${breach.message}` }
  }
  if (manifest === undefined)
    return { code: 'PAYLOAD_INVALID', message: 'payload.manifest: an image carries its manifest' }
  if (
    manifest.productId !== product.id ||
    manifest.sha256 !== product.imagery.sha256 ||
    manifest.sizeBytes !== product.imagery.sizeBytes
  )
    return {
      code: 'PAYLOAD_INVALID',
      message: 'payload.manifest: names another file than the product (id, sha256 or size)',
    }
  const breach = imagerySizeBreach(manifest.sizeBytes, limitsOf(ctx))
  return breach === null
    ? null
    : { code: 'PAYLOAD_INVALID', message: `payload.manifest: ${breach.message}` }
}

/** Both sides check: our registry must allow the sender's release to us, under its agreement. */
async function allowedAt(
  ctx: NodeContext,
  message: Message<'product'>,
  atMs: number,
): Promise<{ ok: true; level: Level } | { ok: false; reasons: QuarantineReason[] }> {
  const product: Product = message.payload.product
  const sender = asPartyId(message.sender)
  const facts = reportFacts(product)
  const consents = await consentsHeld(ctx.store, sender, atMs, ctx.party)
  const outcome = releaseOptions(ctx.index, {
    holder: sender,
    recipient: ctx.party,
    report: facts,
    levelAtHolder: null,
    atMs,
    consents: consents.filter((c) => c.originator === facts.originator),
  })
  if (isDenied(outcome))
    return {
      ok: false,
      reasons: outcome.reasons.map((r) => ({ code: r.code, message: r.message })),
    }
  const named = outcome.find((o) => (o.hops[0]?.agreement ?? null) === message.agreement)
  const ownPublic = ctx.index.registry.parties.get(ctx.party)?.public
  if (named !== undefined)
    return { ok: true, level: named.levelAtRecipient ?? asLevel(ownPublic ?? product.level) }
  return {
    ok: false,
    reasons: [
      {
        code: 'AGREEMENT_MISMATCH',
        message: `the sender named ${message.agreement ?? 'no agreement'}, which our registry does not allow for this transfer`,
      },
    ],
  }
}
