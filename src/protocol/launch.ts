import { z } from 'zod'

/** Party ids as every registry spells them (KOR, JPN, USA, NATO...). */
export const partyIdSchema = z.string().regex(/^[A-Z][A-Z0-9]{1,9}$/, 'a party id such as JPN')

export const topicSchema = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'a lower-case slug such as dprk-missile')
  .max(64)

/** A level name in some party's scheme; which scheme is checked against the registry. */
export const levelSchema = z.string().min(1).max(64)

export const instantSchema = z.iso.datetime({
  offset: true,
  message: 'an ISO 8601 instant with offset',
})

const latLon = z.strictObject({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
})

/**
 * The facts of one launch as a report carries them, bounded to what is physical: a range
 * under half the Earth's circumference, an apogee under 5,000 km, at most 100 objects.
 * The API and the federation wire use this one schema, so a peer cannot store what an
 * analyst could not submit.
 */
export const launchSchema = z
  .strictObject({
    time: instantSchema,
    site: latLon,
    headingDeg: z.number().min(0).lt(360).optional(),
    impact: latLon.optional(),
    rangeKm: z.number().positive().lt(20_000),
    apogeeKm: z.number().positive().max(5_000),
    count: z.number().int().min(1).max(100).default(1),
    confidence: z.enum(['low', 'medium', 'high']).default('medium'),
    text: z
      .string()
      .max(4_000)
      // Bidi controls let a text display as something else (review L8).
      .refine((t) => !/[\u202A-\u202E\u2066-\u2069]/.test(t), 'no bidirectional control characters')
      .optional(),
    /** The watch centre's own id for the event, to correlate reports of one launch. */
    launchId: z.string().min(1).max(100).optional(),
  })
  .refine((l) => (l.headingDeg === undefined) !== (l.impact === undefined), {
    message: 'give exactly one of headingDeg and impact',
    path: ['impact'],
  })

export type LaunchFacts = z.infer<typeof launchSchema>
