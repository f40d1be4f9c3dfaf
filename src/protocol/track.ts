import { z } from 'zod'
import { DATA_MODES, TRACK_PHASES } from '../domain/track.ts'
import { levelSchema, partyIdSchema, topicSchema } from './launch.ts'

/**
 * Tracks on the API and the wire (issue 12): one schema for what an originator posts and what
 * a peer may send, so that a peer cannot store what a sensor could not submit. Bounds are
 * physical: positions on the globe, altitudes below 5,000 km, speeds below 20 km/s.
 */

/** Instants: integer epoch ms between 1970 and 2200 (as messages.ts). */
const epochMs = z.number().int().min(0).max(7_258_118_400_000)

export const trackNumberSchema = z
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1)

const speed = z.number().min(-20_000).max(20_000)

export const trackStateSchema = z.strictObject({
  atMs: epochMs,
  position: z.strictObject({
    lat: z.number().min(-90).max(90),
    lon: z.number().min(-180).max(180),
    altM: z.number().min(-1_000).max(5_000_000),
  }),
  velocity: z.strictObject({ eastMps: speed, northMps: speed, upMps: speed }),
  quality: z.number().int().min(0).max(15),
  phase: z.enum(TRACK_PHASES),
  impact: z
    .strictObject({
      lat: z.number().min(-90).max(90),
      lon: z.number().min(-180).max(180),
      atMs: epochMs,
      semiMajorM: z.number().min(0).max(5_000_000),
      semiMinorM: z.number().min(0).max(5_000_000),
      orientationDeg: z.number().min(0).lt(360),
    })
    .nullable(),
  lost: z.boolean(),
  boosting: z.boolean(),
  dataMode: z.enum(DATA_MODES),
  sensor: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'a sensor id (≤ 64)'),
})

/** One lifecycle message of one track: initial, update, drop, correlate. */
export const trackMessageSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('initial'),
    trackNumber: trackNumberSchema,
    state: trackStateSchema,
  }),
  z.strictObject({
    kind: z.literal('update'),
    trackNumber: trackNumberSchema,
    state: trackStateSchema,
  }),
  z.strictObject({ kind: z.literal('drop'), trackNumber: trackNumberSchema, atMs: epochMs }),
  z.strictObject({
    kind: z.literal('correlate'),
    trackNumber: trackNumberSchema,
    atMs: epochMs,
    survivor: trackNumberSchema,
  }),
])
export type TrackMessageWire = z.infer<typeof trackMessageSchema>

/** At most this many track messages in one batch (one POST, one wire message). */
export const MAX_TRACK_BATCH = 10_000

/**
 * A batch of track messages as its originator signs it: all of one report, under one marking
 * (the report's, unless the originator gave the batch its own), so that one release decision
 * covers the whole batch and a hub passes it on whole, signature unchanged.
 */
export const trackBatchSchema = z.strictObject({
  batchId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'an id of letters, digits and . _ : - (≤ 128)'),
  originator: partyIdSchema,
  reportId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'an id of letters, digits and . _ : - (≤ 128)'),
  topic: topicSchema,
  level: levelSchema,
  releasableTo: z.array(partyIdSchema).max(64).nullable(),
  messages: z.array(trackMessageSchema).min(1).max(MAX_TRACK_BATCH),
})
export type TrackBatch = z.infer<typeof trackBatchSchema>

/** The wire message of kind `track`. */
export const trackWireSchema = z.strictObject({
  batch: trackBatchSchema,
  /** The originator's compact JWS over the canonical batch, carried unchanged by every hop. */
  originatorSignature: z.string().max(65_536),
  /** Every party it passed through, originator first, this recipient last. */
  path: z.array(partyIdSchema).min(2).max(16),
})
export type TrackWire = z.infer<typeof trackWireSchema>

/** What an originator's sensors post: POST /api/tracks/{trackNumber}/updates. */
const postedMessage = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('initial'), state: trackStateSchema }),
  z.strictObject({ kind: z.literal('update'), state: trackStateSchema }),
  z.strictObject({ kind: z.literal('drop'), atMs: epochMs }),
  z.strictObject({ kind: z.literal('correlate'), atMs: epochMs, survivor: trackNumberSchema }),
])

export const trackPostSchema = z.strictObject({
  /** The report (the launch) the track belongs to: required with `initial`, else the track's. */
  reportId: z.string().min(1).max(128).optional(),
  /** The batch's own marking; absent: the report's. */
  marking: z.strictObject({ originator: partyIdSchema, level: levelSchema }).optional(),
  releasableTo: z.array(partyIdSchema).max(64).optional(),
  updates: z.array(postedMessage).min(1).max(MAX_TRACK_BATCH),
})
export type TrackPost = z.infer<typeof trackPostSchema>

/** Many tracks of one report: POST /api/tracks/updates (each message names its track). */
export const trackBatchPostSchema = trackPostSchema.omit({ updates: true }).extend({
  messages: z.array(trackMessageSchema).min(1).max(MAX_TRACK_BATCH),
})
