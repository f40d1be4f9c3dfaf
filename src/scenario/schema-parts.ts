import { z } from 'zod'
import { AGREEMENT_KINDS, RELEASE_MODES, type EventType } from '../domain/agreement.ts'
import { DEFAULT_K_FACTOR } from '../sim/constants.ts'
import {
  date,
  duration,
  instant,
  latLon,
  level,
  nonNegative,
  partyId,
  positive,
  provenance,
  slug,
  text,
} from './schema-fields.ts'

/** Longer than half the Earth's circumference (about 20 015 km) no great-circle arc can be. */
export const MAX_RANGE_KM = 20000

export const partySchema = z
  .strictObject({
    name: text,
    levels: z.array(level).min(1).meta({ description: 'Classification levels, lowest first' }),
    public: level.nullable().default(null).meta({ description: 'The level releasable to anyone' }),
    spif: text.optional().meta({
      description:
        "An Open XML SPIF policy file, relative to the scenario's folder; its classifications are the levels",
    }),
    ...provenance,
  })
  .meta({ id: 'Party' })

export const topicsSchema = z
  .union([z.literal('all'), z.array(slug).min(1)], {
    error: 'must be "all" or a non-empty list of topic slugs',
  })
  .meta({ id: 'Topics', description: '"all", or a list of topic slugs' })

export const equivalenceSchema = z
  .union([z.literal('spif'), z.array(z.record(partyId, level)).min(1)], {
    error: 'must be "spif" or a non-empty list of rows of levels',
  })
  .meta({
    id: 'Equivalence',
    description:
      'Rows of levels, one per party, that the parties treat as equal; or "spif": the parties\' SPIF policies map the levels',
  })

export const releaseSchema = z.enum(RELEASE_MODES)

const changesSchema = z.strictObject({
  topics: topicsSchema.optional(),
  equivalence: equivalenceSchema.optional(),
  release: releaseSchema.optional(),
})

const PLAIN_EVENT_TYPES = [
  'signature',
  'entry-into-force',
  'termination',
] as const satisfies readonly EventType[]
export const NOTICE_EVENT_TYPES = [
  'notice-of-termination',
  'notice-suspended',
  'notice-withdrawn',
  'notice-resumed',
] as const satisfies readonly EventType[]

/** The three shapes of a dated event; `extra` adds fields (what-ifs add `agreement`). */
function eventSchemaWith<Extra extends z.ZodRawShape>(extra: Extra) {
  return z.discriminatedUnion('type', [
    z.strictObject({ ...extra, date, type: z.enum(PLAIN_EVENT_TYPES), ...provenance }),
    z.strictObject({
      ...extra,
      date,
      type: z.enum(NOTICE_EVENT_TYPES),
      by: partyId,
      ...provenance,
    }),
    z.strictObject({
      ...extra,
      date,
      type: z.literal('amendment'),
      changes: changesSchema,
      ...provenance,
    }),
  ])
}

export const eventSchema = eventSchemaWith({}).meta({ id: 'AgreementEvent' })
export const addedEventSchema = eventSchemaWith({ agreement: slug }).meta({ id: 'AddedEvent' })

export const agreementSchema = z
  .strictObject({
    title: text,
    kind: z.enum(AGREEMENT_KINDS),
    parties: z.array(partyId).min(2),
    hub: partyId.nullable().default(null).meta({ description: 'The hub party; mediated only' }),
    topics: topicsSchema,
    equivalence: equivalenceSchema,
    term: z.strictObject({
      initial: duration,
      renewal: duration.nullable().default(null),
      notice: duration.nullable().default(null),
    }),
    release: releaseSchema.default('manual'),
    approval_delay_s: nonNegative.default(0),
    link_latency_ms: nonNegative.default(0),
    relay_delay_s: nonNegative
      .default(0)
      .meta({ description: "Mediated only: the hub's handling" }),
    events: z.array(eventSchema).default([]).meta({ description: 'Dated history, in date order' }),
    ...provenance,
  })
  .meta({ id: 'Agreement' })

export const sensorSchema = z
  .strictObject({
    party: partyId,
    position: z.strictObject({ ...latLon.shape, alt_m: z.number() }),
    max_range_km: positive,
    min_elevation_deg: z.number().min(-10).lt(90).default(0),
    k_factor: positive.default(DEFAULT_K_FACTOR).meta({ description: 'Effective-Earth factor' }),
    report_delay_s: nonNegative.default(0),
    ...provenance,
  })
  .meta({ id: 'Sensor' })

export const boostSchema = z
  .strictObject({
    burn_s: positive.meta({ description: 'T: burn time, launch to burn-out' }),
    burnout_altitude_km: positive.meta({
      description: 'hb: altitude of burn-out, below apogee_km',
    }),
    ...provenance,
  })
  .meta({
    id: 'Boost',
    description:
      'Boost phase (simulation-model.md): from the site to the arc point at hb, along a straight line, as (t/T)²',
  })

export const launchSchema = z
  .strictObject({
    id: slug,
    time: instant,
    site: latLon,
    impact: latLon.nullable().default(null),
    heading_deg: z.number().min(0).lt(360).nullable().default(null),
    range_km: positive
      .lt(MAX_RANGE_KM, {
        error: `must be less than ${MAX_RANGE_KM} km: no great-circle arc is longer than half the Earth's circumference`,
      })
      .optional(),
    apogee_km: positive,
    boost: boostSchema
      .nullable()
      .default(null)
      .meta({ description: 'Optional; null or absent: the flight is the arc alone' }),
    topic: slug,
    marking: z.record(partyId, level).meta({ description: "Level of each party's own report" }),
    ...provenance,
  })
  .meta({ id: 'Launch' })

export const requestSchema = z
  .strictObject({
    launch: slug,
    from: partyId,
    to: partyId,
    after_s: nonNegative.default(0),
    ...provenance,
  })
  .meta({ id: 'Request' })
