import { z } from 'zod'
import { provenance, slug, text, timeZone, URL_PATTERN, partyId } from './schema-fields.ts'
import {
  agreementSchema,
  launchSchema,
  partySchema,
  requestSchema,
  sensorSchema,
} from './schema-parts.ts'
import { whatIfSchema } from './schema-what-if.ts'

export type {
  AgreementDoc,
  AgreementEventDoc,
  BoostDoc,
  EventChangesDoc,
  LatLonDoc,
  LaunchDoc,
  PartyDoc,
  RequestDoc,
  ScenarioDoc,
  SensorDoc,
  WhatIfDoc,
} from './doc.ts'

/** The structure of a scenario file; cross-references are checked by `validateScenario`. */
export const scenarioSchema = z.strictObject({
  name: text,
  timezone: timeZone,
  sources: z
    .record(slug, z.string().regex(URL_PATTERN, 'must be an http(s) URL'))
    .default({})
    .meta({ description: 'Citations by key; a `source` field names a key or a URL' }),
  parties: z.record(partyId, partySchema),
  agreements: z.record(slug, agreementSchema),
  sensors: z.record(slug, sensorSchema).default({}),
  launches: z.array(launchSchema).default([]),
  requests: z.array(requestSchema).default([]),
  what_ifs: z.record(slug, whatIfSchema).default({}),
  ...provenance,
})

/** A scenario as zod returns it: defaults filled, launches not yet completed. */
export type ParsedScenario = z.output<typeof scenarioSchema>
export type ParsedWhatIf = z.output<typeof whatIfSchema>
export type ParsedAgreement = z.output<typeof agreementSchema>
