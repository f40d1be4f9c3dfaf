import { z } from 'zod'
import {
  launchSchema,
  levelSchema,
  partyIdSchema,
  topicSchema,
} from '../../../../src/protocol/launch.ts'

/**
 * POST /api/reports' body, built from the protocol's schemas as the node's reportInputSchema
 * is (src/node/app/report-input.ts, which the web may not import): the form says what the API
 * would refuse before it is sent, with the same rules.
 */
export const reportFormSchema = z.strictObject({
  marking: z.strictObject({ originator: partyIdSchema, level: levelSchema }),
  topic: topicSchema,
  releasableTo: z.array(partyIdSchema).max(64).optional(),
  launch: launchSchema,
})

export interface ReportFields {
  readonly level: string
  readonly topic: string
  readonly time: string
  readonly siteLat: string
  readonly siteLon: string
  readonly aim: 'impact' | 'heading'
  readonly impactLat: string
  readonly impactLon: string
  readonly headingDeg: string
  readonly rangeKm: string
  readonly apogeeKm: string
  readonly count: string
  readonly confidence: string
  readonly text: string
}

const num = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text))

/** The body the form's fields make (numbers as numbers; empty optional fields left out). */
export function reportBody(party: string, f: ReportFields): unknown {
  return {
    marking: { originator: party, level: f.level },
    topic: f.topic.trim(),
    launch: {
      time: f.time.trim(),
      site: { lat: num(f.siteLat), lon: num(f.siteLon) },
      ...(f.aim === 'impact'
        ? { impact: { lat: num(f.impactLat), lon: num(f.impactLon) } }
        : { headingDeg: num(f.headingDeg) }),
      rangeKm: num(f.rangeKm),
      apogeeKm: num(f.apogeeKm),
      count: num(f.count),
      confidence: f.confidence,
      ...(f.text.trim() === '' ? {} : { text: f.text.trim() }),
    },
  }
}

/** Each problem as `field: rule`, the field named as the API names it. */
export function problemsOf(body: unknown): readonly { field: string; rule: string }[] {
  const result = reportFormSchema.safeParse(body)
  if (result.success) return []
  return result.error.issues.map((i) => ({ field: i.path.join('.') || '(body)', rule: i.message }))
}
