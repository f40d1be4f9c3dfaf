import { z } from 'zod'
import { levelSchema, partyIdSchema, topicSchema } from './launch.ts'

/**
 * Products beside launch reports (issue 17): `imagery` (a file, with its footprint, acquisition
 * and a thumbnail) and `assessment` (an analyst's text about reports, tracks or images). One
 * schema for what an originator posts and what a peer may send, as for reports and tracks.
 * A product carries a marking, a topic and an optional releasability list, so the release
 * engine decides it exactly as it decides a report.
 */

export const PRODUCT_KINDS = ['imagery', 'assessment'] as const
export type ProductKind = (typeof PRODUCT_KINDS)[number]

/** Image formats accepted, with the media type each is served as. */
export const IMAGE_FORMATS = ['png', 'jpeg', 'geotiff'] as const
export type ImageFormat = (typeof IMAGE_FORMATS)[number]
export const MEDIA_TYPE_OF: Readonly<Record<ImageFormat, string>> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  geotiff: 'image/tiff; application=geotiff',
}

/** Content travels in chunks of this size (the last one shorter), each hashed in the manifest. */
export const CHUNK_BYTES = 1024 * 1024

/** At most this many chunks (16 GiB): bounds a manifest a peer may send. */
export const MAX_CHUNKS = 16_384

/** A thumbnail is a small PNG, carried inline in base64 (at most 64 KiB once decoded). */
export const MAX_THUMBNAIL_BASE64_CHARS = Math.ceil((64 * 1024) / 3) * 4

const epochMs = z.number().int().min(0).max(7_258_118_400_000)
export const sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in lower-case hex')
export const productIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'an id of letters, digits and . _ : - (≤ 128)')

const lonLat = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)])

/** A closed ring of [lon, lat] corners (GeoJSON order), first corner repeated last. */
export const footprintSchema = z
  .array(lonLat)
  .min(4)
  .max(1_000)
  .refine(
    (ring) => {
      const first = ring[0]
      const last = ring.at(-1)
      return (
        first !== undefined && last !== undefined && first[0] === last[0] && first[1] === last[1]
      )
    },
    { message: 'a closed ring: the last corner repeats the first' },
  )

/** base64 of a PNG: its 8-byte signature encodes as `iVBORw0KGgo`. */
const thumbnailSchema = z
  .string()
  .max(MAX_THUMBNAIL_BASE64_CHARS, 'a thumbnail of at most 64 KiB')
  .regex(/^iVBORw0KGgo[A-Za-z0-9+/]*={0,2}$/, 'a PNG in base64')

const nameSchema = z.string().regex(/^[\p{L}\p{N}][\p{L}\p{N} ._:/-]{0,63}$/u, 'a name (≤ 64)')

/** What describes an image; `sha256` and `sizeBytes` are those of the file as uploaded. */
export const imageryFieldsSchema = z.strictObject({
  format: z.enum(IMAGE_FORMATS),
  footprint: footprintSchema,
  acquiredAtMs: epochMs,
  platform: nameSchema,
  sensor: nameSchema,
  groundResolutionM: z.number().positive().max(100_000),
  thumbnailPng: thumbnailSchema,
})

export const PRODUCT_REF_KINDS = ['report', 'track', 'product'] as const
/** What an assessment is about: a report id, a track (`ORIGINATOR:number`) or a product id. */
export const productRefSchema = z.strictObject({
  kind: z.enum(PRODUCT_REF_KINDS),
  id: productIdSchema,
})

export const assessmentFieldsSchema = z.strictObject({
  text: z.string().min(1).max(1_000_000),
  refs: z.array(productRefSchema).max(256),
})

/** The content of an image as its originator hashed it: the file's digest and its chunks'. */
export const manifestSchema = z
  .strictObject({
    productId: productIdSchema,
    sha256: sha256HexSchema,
    sizeBytes: z
      .number()
      .int()
      .min(1)
      .max(CHUNK_BYTES * MAX_CHUNKS),
    chunkBytes: z.literal(CHUNK_BYTES),
    chunks: z.array(sha256HexSchema).min(1).max(MAX_CHUNKS),
  })
  .refine((m) => m.chunks.length === Math.ceil(m.sizeBytes / m.chunkBytes), {
    message: 'one chunk digest per chunk of the size',
    path: ['chunks'],
  })
export type Manifest = z.infer<typeof manifestSchema>

const common = {
  id: productIdSchema,
  originator: partyIdSchema,
  topic: topicSchema,
  level: levelSchema,
  releasableTo: z.array(partyIdSchema).max(64).nullable(),
  title: z.string().min(1).max(200),
  version: z.number().int().min(1).max(10_000),
  createdAtMs: epochMs,
}

/** A product as its originator signs it. An image names its content by digest and size. */
export const productSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...common,
    kind: z.literal('imagery'),
    imagery: imageryFieldsSchema.extend({
      sha256: sha256HexSchema,
      sizeBytes: z.number().int().min(1),
    }),
  }),
  z.strictObject({ ...common, kind: z.literal('assessment'), assessment: assessmentFieldsSchema }),
])
export type Product = z.infer<typeof productSchema>

/** What the originator's analyst gives for any product (its id, when given, is theirs). */
const postedFields = {
  id: productIdSchema.optional(),
  marking: z.strictObject({ originator: partyIdSchema, level: levelSchema }),
  topic: topicSchema,
  releasableTo: z.array(partyIdSchema).max(64).optional(),
  title: z.string().min(1).max(200),
}

const imageryPostSchema = z.strictObject({
  ...postedFields,
  kind: z.literal('imagery'),
  imagery: imageryFieldsSchema.extend({
    /** When given, the content uploaded must have this digest. */
    sha256: sha256HexSchema.optional(),
  }),
})

const assessmentPostSchema = z.strictObject({
  ...postedFields,
  kind: z.literal('assessment'),
  assessment: assessmentFieldsSchema,
})

/** POST /api/products: the metadata; an image's content follows by PUT …/content. */
export const productPostSchema = z.discriminatedUnion('kind', [
  imageryPostSchema,
  assessmentPostSchema,
])
export type ProductPost = z.infer<typeof productPostSchema>

/**
 * POST /api/products/{id}/corrections: the product as it should now read (a new version, its
 * marking its own). An image keeps its file: a correction fixes what is said of the pixels —
 * footprint, acquisition, sensor, marking — and new pixels are a new product.
 */
export const productCorrectionSchema = z.discriminatedUnion('kind', [
  imageryPostSchema.omit({ id: true }),
  assessmentPostSchema.omit({ id: true }),
])
export type ProductCorrection = z.infer<typeof productCorrectionSchema>

/** The wire message of kind `product`: the signed metadata, and an image's signed manifest. */
export const productWireSchema = z.strictObject({
  product: productSchema,
  /** The originator's compact JWS over the canonical product, carried unchanged by every hop. */
  originatorSignature: z.string().max(65_536),
  manifest: manifestSchema.optional(),
  /** The originator's compact JWS over the canonical manifest (imagery only). */
  manifestSignature: z.string().max(1_400_000).optional(),
  path: z.array(partyIdSchema).min(2).max(16),
})
export type ProductWire = z.infer<typeof productWireSchema>

/** Size limits per kind: an image's bytes, an assessment's text in UTF-8 bytes. */
export interface ProductLimits {
  readonly imageryMaxBytes: number
  readonly assessmentMaxBytes: number
}

export const DEFAULT_PRODUCT_LIMITS: ProductLimits = {
  imageryMaxBytes: 512 * 1024 * 1024,
  assessmentMaxBytes: 256 * 1024,
}

/** A limit broken: the field, the rule, for the API's problem+json or a quarantine. */
export interface LimitBreach {
  readonly field: string
  readonly message: string
}

/** Checks an image's size against the limit of its kind; null when within it. */
export function imagerySizeBreach(sizeBytes: number, limits: ProductLimits): LimitBreach | null {
  if (sizeBytes <= limits.imageryMaxBytes) return null
  return {
    field: 'content',
    message: `content: an image may be at most ${limits.imageryMaxBytes} bytes (imageryMaxBytes), this one is ${sizeBytes}`,
  }
}

/** Checks an assessment's text (UTF-8 bytes, counted by the caller) against its limit. */
export function assessmentSizeBreach(textBytes: number, limits: ProductLimits): LimitBreach | null {
  if (textBytes <= limits.assessmentMaxBytes) return null
  return {
    field: 'assessment.text',
    message: `assessment.text: an assessment may be at most ${limits.assessmentMaxBytes} bytes of UTF-8 (assessmentMaxBytes), this one is ${textBytes}`,
  }
}

/** The byte range of chunk `index` of a file of `sizeBytes`. */
export function chunkRange(
  sizeBytes: number,
  index: number,
): { readonly start: number; readonly endExclusive: number } {
  const start = index * CHUNK_BYTES
  return { start, endExclusive: Math.min(sizeBytes, start + CHUNK_BYTES) }
}
