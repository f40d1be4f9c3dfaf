import { MEDIA_TYPE_OF, type Product, type ProductKind } from '../protocol/product.ts'
import { marking, reportObjectIds } from './stix.ts'
import {
  DEFINITION_OBJECTS,
  ENTENTE_IDENTITY_ID,
  partyIdentity,
  partyIdentityId,
  type StixBundle,
  stixId,
  type StixObject,
  stixTime,
  trackStixId,
} from './stix-objects.ts'

/**
 * Products in STIX 2.1 (issue 17), pure in → out: an image as an `artifact` (its bytes inline
 * as `payload_bin` under a size threshold, else a `url` to the node's authenticated download,
 * with its SHA-256 as STIX requires beside a url), an assessment as a `note` whose `object_refs`
 * name the reports and products it is about. Each carries its national marking; the footprint,
 * acquisition and sensor ride as custom properties of the artifact.
 *
 * Versions: each object keeps one id across a product's versions (named after its first), and
 * each version is a STIX version of it (`modified`). An artifact is a cyber-observable, which
 * STIX does not version: PRODUCT_VERSION_EXTENSION declares `created`, `modified` and `revoked`
 * on it, as the marking-modified extension does for markings. A withdrawal is the object's
 * last version, revoked and content-free (productWithdrawalToStixObjects).
 */
export interface StixProduct {
  readonly product: Product
  /** The marking in the holder's scheme. */
  readonly localLevel: string
  /** For an image: its bytes in base64 (under the caller's threshold), or the download URL. */
  readonly content?: { readonly payloadBase64: string } | { readonly url: string }
  /**
   * The products among its references that are assessments, named by their note rather than
   * an image's artifact (the caller knows what it holds; an unknown one is taken for an image).
   */
  readonly assessmentRefs?: ReadonlySet<string>
}

/** The ids of a product's objects; its marking's is per version (a marking never changes). */
export function productObjectIds(productId: string, version = 1) {
  return {
    bundle: stixId('bundle', `product:${productId}:v${version}`),
    object: stixId('artifact', `product:${productId}:v1`),
    note: stixId('note', `product:${productId}:v1`),
    marking: stixId(
      'marking-definition',
      version === 1 ? `product:${productId}:marking` : `product:${productId}:marking:v${version}`,
    ),
  } as const
}

/** The id of the one object a product is served as, every version: an artifact or a note. */
export function productStixId(kind: ProductKind, productId: string): string {
  const ids = productObjectIds(productId)
  return kind === 'imagery' ? ids.object : ids.note
}

export const PRODUCT_VERSION_EXTENSION_ID = stixId(
  'extension-definition',
  'entente-product-version/1.0',
)

/** Declares the versioning properties an image's artifact carries (STIX leaves SCOs unversioned). */
export const PRODUCT_VERSION_EXTENSION: StixObject = {
  type: 'extension-definition',
  spec_version: '2.1',
  id: PRODUCT_VERSION_EXTENSION_ID,
  created: '2026-12-04T00:00:00.000Z',
  modified: '2026-12-04T00:00:00.000Z',
  created_by_ref: ENTENTE_IDENTITY_ID,
  name: 'Entente product version',
  description:
    'A top-level property extension of artifact: the STIX common versioning properties, so ' +
    "that an image's artifact is versioned like the product it carries, and revoked when the " +
    'product is withdrawn (then without payload_bin, url or hashes: content-free).',
  schema:
    'created, modified (timestamps), revoked (boolean); a revoked artifact carries only ' +
    'x_entente_product_id and x_entente_withdrawal_reason; see docs/interop.md',
  version: '1.0.0',
  extension_types: ['toplevel-property-extension'],
  extension_properties: ['created', 'modified', 'revoked'],
}

export function productToStixBundle(input: StixProduct): StixBundle {
  const { product } = input
  const ids = productObjectIds(product.id, product.version)
  const at = stixTime(product.createdAtMs)
  const markingObject = marking(
    {
      originator: product.originator,
      level: product.level,
      localLevel: input.localLevel,
      releasableTo: product.releasableTo,
    },
    ids.marking,
    at,
    undefined,
  )
  return {
    type: 'bundle',
    id: ids.bundle,
    objects: [
      ...DEFINITION_OBJECTS,
      ...(product.kind === 'imagery' ? [PRODUCT_VERSION_EXTENSION] : []),
      partyIdentity(product.originator, undefined),
      markingObject,
      productObject(input, ids),
    ],
  }
}

/** A withdrawn product, as STIX needs a withdrawal: its object's last version, revoked. */
/** What a content-free version of a product (its revocation, its superseded notice) names. */
interface ContentFreeProduct {
  readonly productId: string
  readonly kind: ProductKind
  readonly originator: string
  /** `created` of the product's object (its version's creation, as in productToStixBundle). */
  readonly createdAtMs: number
  /**
   * An image's download address (it answers 404 once withdrawn or superseded) and its file's
   * SHA-256: STIX requires an artifact to carry `payload_bin`, or `url` with `hashes`; the
   * digest names the file every holder had and shows nothing of it.
   */
  readonly file?: { readonly url: string; readonly sha256: string }
}

export interface StixProductWithdrawal extends ContentFreeProduct {
  readonly reason: string
  /** When the withdrawal was recorded here (`modified`), after the version's. */
  readonly withdrawnAtMs: number
}

/**
 * The revoked version discloses nothing but the withdrawal, as a report's (docs/interop.md): no
 * payload, no text, title, footprint or marking (an image only the address that now refuses it,
 * and its digest); a note is about its author.
 */
export function productWithdrawalToStixObjects(withdrawal: StixProductWithdrawal): StixObject[] {
  return contentFreeProduct(
    withdrawal,
    { created: withdrawal.createdAtMs, modified: withdrawal.withdrawnAtMs },
    { revoked: true, x_entente_withdrawal_reason: withdrawal.reason },
    'withdrawn by its originator',
  )
}

/**
 * A version of a product's object that carries none of its content (a revocation, a superseded
 * notice), with the objects it refers to: an image only its download address and digest (STIX
 * requires `payload_bin`, or `url` with `hashes`), a note only `noteText` about its author.
 */
function contentFreeProduct(
  notice: ContentFreeProduct,
  at: { readonly created: number; readonly modified: number },
  says: Readonly<Record<string, unknown>>,
  noteText: string,
): StixObject[] {
  const { productId, kind, originator, file } = notice
  const common = {
    spec_version: '2.1',
    id: productStixId(kind, productId),
    created: stixTime(at.created),
    modified: stixTime(at.modified),
    x_entente_product_id: productId,
    ...says,
  }
  const object: StixObject =
    kind === 'imagery'
      ? {
          type: 'artifact',
          ...common,
          ...(file === undefined ? {} : { url: file.url, hashes: { 'SHA-256': file.sha256 } }),
          extensions: {
            [PRODUCT_VERSION_EXTENSION_ID]: { extension_type: 'toplevel-property-extension' },
          },
        }
      : {
          type: 'note',
          ...common,
          created_by_ref: partyIdentityId(originator),
          content: noteText,
          object_refs: [partyIdentityId(originator)],
        }
  return [
    ...DEFINITION_OBJECTS,
    ...(kind === 'imagery' ? [PRODUCT_VERSION_EXTENSION] : []),
    partyIdentity(originator, undefined),
    object,
  ]
}

/**
 * Issue 17: a holder of an earlier version that may not see the current one sees, in its
 * place, a content-free version of the object (as a report's superseded notice, stix.ts):
 * only that version `supersededByVersion` exists. An image keeps its download address (which
 * refuses it) and its file's digest, unchanged by corrections, as STIX requires of an artifact.
 */
export interface StixProductSupersession extends ContentFreeProduct {
  readonly supersededByVersion: number
  /** `modified`: just before the superseding version's, so that version reads as newer. */
  readonly supersededAtMs: number
}

export function productSupersessionToStixObjects(notice: StixProductSupersession): StixObject[] {
  return contentFreeProduct(
    notice,
    { created: notice.createdAtMs, modified: notice.supersededAtMs },
    { x_entente_superseded_by_version: notice.supersededByVersion },
    `superseded by version ${notice.supersededByVersion}, not released to your party`,
  )
}

function productObject(input: StixProduct, ids: ReturnType<typeof productObjectIds>): StixObject {
  const { product } = input
  if (product.kind === 'assessment') {
    const at = stixTime(product.createdAtMs)
    const assessments = [...(input.assessmentRefs ?? [])]
    const notes = new Map(
      assessments.map((id) => [productObjectIds(id).object, productObjectIds(id).note]),
    )
    const noteOfAssessment = (ref: string): string => notes.get(ref) ?? ref
    const refs = product.assessment.refs.map((ref) =>
      ref.kind === 'report'
        ? reportObjectIds(ref.id).launch
        : ref.kind === 'product'
          ? stixId('artifact', `product:${ref.id}:v1`)
          : trackStixId(ref.id),
    )
    return {
      type: 'note',
      spec_version: '2.1',
      id: ids.note,
      created: at,
      modified: at,
      created_by_ref: partyIdentityId(product.originator),
      object_marking_refs: [ids.marking],
      abstract: product.title,
      content: product.assessment.text,
      x_entente_product_id: product.id,
      x_entente_product_version: product.version,
      authors: [product.originator],
      // A note must be about something: an assessment about nothing is about its author.
      object_refs:
        refs.length > 0 ? refs.map(noteOfAssessment) : [partyIdentityId(product.originator)],
    }
  }
  const imagery = product.imagery
  const content = input.content
  return {
    type: 'artifact',
    spec_version: '2.1',
    id: ids.object,
    created: stixTime(product.createdAtMs),
    modified: stixTime(product.createdAtMs),
    mime_type: MEDIA_TYPE_OF[imagery.format],
    ...(content !== undefined && 'payloadBase64' in content
      ? { payload_bin: content.payloadBase64 }
      : { url: content?.url ?? '', hashes: { 'SHA-256': imagery.sha256 } }),
    object_marking_refs: [ids.marking],
    x_entente_product_id: product.id,
    x_entente_title: product.title,
    x_entente_footprint: { type: 'Polygon', coordinates: [imagery.footprint] },
    x_entente_acquired: stixTime(imagery.acquiredAtMs),
    x_entente_platform: imagery.platform,
    x_entente_sensor: imagery.sensor,
    x_entente_ground_resolution_m: imagery.groundResolutionM,
    x_entente_size_bytes: imagery.sizeBytes,
    x_entente_product_version: product.version,
    extensions: {
      [PRODUCT_VERSION_EXTENSION_ID]: { extension_type: 'toplevel-property-extension' },
    },
  }
}
