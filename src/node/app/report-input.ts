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
