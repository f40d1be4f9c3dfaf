import { z } from 'zod'
import { EVENT_TYPES } from '../domain/agreement.ts'
import { date, partyId, provenance, slug, text } from './schema-fields.ts'
import { addedEventSchema, agreementSchema, requestSchema, sensorSchema } from './schema-parts.ts'

const ids = z.array(slug).min(1)

export const whatIfSchema = z
  .strictObject({
    description: text,
    remove_agreements: ids.optional(),
    add_agreements: z.record(slug, agreementSchema).optional(),
    remove_events: z
      .array(z.strictObject({ agreement: slug, type: z.enum(EVENT_TYPES), date: date.optional() }))
      .min(1)
      .optional(),
    add_events: z.array(addedEventSchema).min(1).optional(),
    remove_sensors: ids.optional(),
    add_sensors: z.record(slug, sensorSchema).optional(),
    remove_requests: z
      .array(
        z.strictObject({
          launch: slug.optional(),
          from: partyId.optional(),
          to: partyId.optional(),
        }),
      )
      .min(1)
      .optional(),
    add_requests: z.array(requestSchema).min(1).optional(),
    set: z
      .record(z.string().min(1), z.unknown())
      .optional()
      .meta({ description: 'Dotted path (objects by key, arrays by element id) → new value' }),
    ...provenance,
  })
  .meta({ id: 'WhatIf' })
