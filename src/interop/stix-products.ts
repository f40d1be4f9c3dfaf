import { MEDIA_TYPE_OF, type Product } from '../protocol/product.ts'
import { marking, reportObjectIds } from './stix.ts'
import {
  DEFINITION_OBJECTS,
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
 */
export interface StixProduct {
  readonly product: Product
  /** The marking in the holder's scheme. */
  readonly localLevel: string
  /** For an image: its bytes in base64 (under the caller's threshold), or the download URL. */
  readonly content?: { readonly payloadBase64: string } | { readonly url: string }
}

export function productObjectIds(productId: string, version: number) {
  return {
    bundle: stixId('bundle', `product:${productId}:v${version}`),
    object: stixId('artifact', `product:${productId}:v${version}`),
    note: stixId('note', `product:${productId}:v${version}`),
    marking: stixId('marking-definition', `product:${productId}:marking`),
  } as const
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
      partyIdentity(product.originator, undefined),
      markingObject,
      productObject(input, ids),
    ],
  }
}

function productObject(input: StixProduct, ids: ReturnType<typeof productObjectIds>): StixObject {
  const { product } = input
  if (product.kind === 'assessment') {
    const at = stixTime(product.createdAtMs)
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
      authors: [product.originator],
      // A note must be about something: an assessment about nothing is about its author.
      object_refs: refs.length > 0 ? refs : [partyIdentityId(product.originator)],
    }
  }
  const imagery = product.imagery
  const content = input.content
  return {
    type: 'artifact',
    spec_version: '2.1',
    id: ids.object,
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
  }
}
