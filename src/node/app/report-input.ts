import { z } from 'zod'

const latLon = z.strictObject({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
})
const partyId = z.string().regex(/^[A-Z][A-Z0-9]{1,9}$/, 'a party id such as JPN')
const instant = z.iso.datetime({ offset: true, message: 'an ISO 8601 instant with offset' })

/** A launch report as a watch centre submits it to its own node (POST /api/reports). */
export const reportInputSchema = z.strictObject({
  /** Optional client id (UUID) that makes a retried submission idempotent. */
  id: z.uuid().optional(),
  marking: z.strictObject({ originator: partyId, level: z.string().min(1) }),
  topic: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'a lower-case slug such as dprk-missile'),
  releasableTo: z.array(partyId).optional(),
  launch: z
    .strictObject({
      time: instant,
      site: latLon,
      headingDeg: z.number().min(0).lt(360).optional(),
      impact: latLon.optional(),
      rangeKm: z.number().positive().lt(20_000),
      apogeeKm: z.number().positive().max(5_000),
      count: z.number().int().min(1).max(100).default(1),
      confidence: z.enum(['low', 'medium', 'high']).default('medium'),
      text: z.string().max(4_000).optional(),
      /** The watch centre's own id for the event, to correlate reports of one launch. */
      launchId: z.string().min(1).max(100).optional(),
    })
    .refine((l) => (l.headingDeg === undefined) !== (l.impact === undefined), {
      message: 'give exactly one of headingDeg and impact',
      path: ['impact'],
    }),
})

export type ReportInput = z.infer<typeof reportInputSchema>
