import { z } from 'zod'
import { launchSchema, levelSchema, partyIdSchema, topicSchema } from '../../protocol/launch.ts'

/** A launch report as a watch centre submits it to its own node (POST /api/reports). */
export const reportInputSchema = z.strictObject({
  /** Optional client id (UUID) that makes a retried submission idempotent. */
  id: z.uuid().optional(),
  marking: z.strictObject({ originator: partyIdSchema, level: levelSchema }),
  topic: topicSchema,
  releasableTo: z.array(partyIdSchema).max(64).optional(),
  launch: launchSchema,
})

export type ReportInput = z.infer<typeof reportInputSchema>

/**
 * A correction of one of this node's own reports (POST /api/reports/{id}/corrections): the new
 * version's marking (it may raise the level), releasability and launch facts. The topic is the
 * report's own; it may be given, and must then be the same.
 */
export const correctionInputSchema = z.strictObject({
  marking: z.strictObject({ originator: partyIdSchema, level: levelSchema }),
  topic: topicSchema.optional(),
  releasableTo: z.array(partyIdSchema).max(64).optional(),
  launch: launchSchema,
})

export type CorrectionInput = z.infer<typeof correctionInputSchema>
