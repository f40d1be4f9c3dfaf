import type { KeyObject } from 'node:crypto'
import {
  type Manifest,
  manifestSchema,
  type Product,
  productSchema,
} from '../../protocol/product.ts'
import { canonicalJson8785, signAsOriginator, verifyAsOriginator } from './originator-signature.ts'

/**
 * The originator's signatures over a product (issue 17): a compact JWS, EdDSA, over the RFC 8785
 * canonical JSON of the product's metadata (which names an image's content by SHA-256 and size),
 * and one over its chunk manifest (each 1 MiB chunk's SHA-256), so that a receiver verifies every
 * chunk as it arrives, from whichever holder, before the whole file is there. Both are made once,
 * where the product is born, and carried unchanged by every hop; a hub can pass them on, never
 * make them (the receiver checks them with the ORIGINATOR's key, never the sender's).
 */
export const PRODUCT_SIGNATURE_TYPE = 'entente-product+jws'
export const MANIFEST_SIGNATURE_TYPE = 'entente-manifest+jws'

export const canonicalProduct = (product: Product): string => canonicalJson8785(product)
export const canonicalManifest = (manifest: Manifest): string => canonicalJson8785(manifest)

export function signProduct(product: Product, signingKey: KeyObject): string {
  return signAsOriginator(
    canonicalProduct(product),
    PRODUCT_SIGNATURE_TYPE,
    product.originator,
    signingKey,
  )
}

/** Verifies with the originator's key; throws OriginatorSignatureError naming what failed. */
export function verifyProductSignature(
  jws: string | undefined,
  originatorKey: KeyObject | undefined,
  product: Product,
): Product {
  return verifyAsOriginator(jws, originatorKey, product.originator, {
    typ: PRODUCT_SIGNATURE_TYPE,
    schema: productSchema,
    canonical: canonicalProduct,
    carried: canonicalProduct(product),
  })
}

export function signManifest(
  manifest: Manifest,
  originator: string,
  signingKey: KeyObject,
): string {
  return signAsOriginator(
    canonicalManifest(manifest),
    MANIFEST_SIGNATURE_TYPE,
    originator,
    signingKey,
  )
}

/** Verifies a manifest with the product's originator's key; throws OriginatorSignatureError. */
export function verifyManifestSignature(
  jws: string | undefined,
  originatorKey: KeyObject | undefined,
  originator: string,
  manifest: Manifest,
): Manifest {
  return verifyAsOriginator(jws, originatorKey, originator, {
    typ: MANIFEST_SIGNATURE_TYPE,
    schema: manifestSchema,
    canonical: canonicalManifest,
    carried: canonicalManifest(manifest),
  })
}
