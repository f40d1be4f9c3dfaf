import { Temporal } from 'temporal-polyfill'
import { uuidV5 } from './uuid-v5.ts'

/** A STIX 2.1 object as plain JSON (its properties are checked by the schemas in the tests). */
export type StixObject = Readonly<Record<string, unknown>> & {
  readonly type: string
  readonly id: string
}

export interface StixBundle {
  readonly type: 'bundle'
  readonly id: string
  readonly objects: readonly StixObject[]
}

export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1'

/** The launch report as a new STIX Domain Object, declared by LAUNCH_EXTENSION_ID. */
export const LAUNCH_TYPE = 'entente-launch'

/** A track (issue 12) as a new STIX Domain Object, declared by TRACK_EXTENSION_ID (stix-tracks.ts). */
export const TRACK_TYPE = 'entente-track'

/** A track's object id, one per originator and track number (`ref`: `ORIGINATOR:number`). */
export const trackStixId = (ref: string): string => stixId(TRACK_TYPE, `track:${ref}`)

/** When Entente's fixed objects (its identity, the two extension definitions) were made. */
const DEFINED_AT = '2025-01-01T00:00:00.000Z'

export const stixId = (type: string, name: string): string => `${type}--${uuidV5(name)}`

export const ENTENTE_IDENTITY_ID = stixId('identity', 'entente')
export const LAUNCH_EXTENSION_ID = stixId('extension-definition', 'entente-launch/1.0')
export const TRACK_EXTENSION_ID = stixId('extension-definition', 'entente-track/1.0')
export const MARKING_EXTENSION_ID = stixId('extension-definition', 'entente-marking/1.0')
export const LABEL_EXTENSION_ID = stixId('extension-definition', 'entente-stanag-4774-label/1.0')
export const MARKING_MODIFIED_EXTENSION_ID = stixId(
  'extension-definition',
  'entente-marking-modified/1.0',
)

/** STIX timestamps are UTC with at least millisecond precision. */
export function stixTime(ms: number): string {
  return Temporal.Instant.fromEpochMilliseconds(ms).toString({ fractionalSecondDigits: 3 })
}

/** Epoch ms of an RFC 3339 instant, or NaN when it is not one. */
export function parseInstantMs(text: string): number {
  try {
    return Temporal.Instant.from(text).epochMilliseconds
  } catch {
    return NaN
  }
}

export const partyIdentityId = (party: string): string => stixId('identity', `party:${party}`)

export function partyIdentity(party: string, name: string | undefined): StixObject {
  return {
    type: 'identity',
    spec_version: '2.1',
    id: partyIdentityId(party),
    created: DEFINED_AT,
    modified: DEFINED_AT,
    created_by_ref: ENTENTE_IDENTITY_ID,
    name: name ?? party,
    identity_class: 'organization',
    sectors: ['government-national'],
    external_references: [{ source_name: 'entente-party', external_id: party }],
  }
}

const ENTENTE_IDENTITY: StixObject = {
  type: 'identity',
  spec_version: '2.1',
  id: ENTENTE_IDENTITY_ID,
  created: DEFINED_AT,
  modified: DEFINED_AT,
  created_by_ref: ENTENTE_IDENTITY_ID,
  name: 'Entente',
  identity_class: 'system',
  description: 'Agreement-governed exchange of early-warning launch reports between states',
}

const LAUNCH_EXTENSION: StixObject = {
  type: 'extension-definition',
  spec_version: '2.1',
  id: LAUNCH_EXTENSION_ID,
  created: DEFINED_AT,
  // Issue 12 added report_version and the revoked form: a new version of the definition.
  modified: '2026-12-03T00:00:00.000Z',
  created_by_ref: ENTENTE_IDENTITY_ID,
  name: 'Entente launch report',
  description:
    'A new SDO, entente-launch: one early-warning report of a missile launch (time, site, ' +
    'heading or impact, range, apogee, count), as one party reported it.',
  schema:
    'entente-launch: report_id, report_version (2 and up for a correction), topic, ' +
    'launch_time (timestamp), launch_time_as_reported, ' +
    'site_ref and impact_ref (location), heading_deg, range_km, apogee_km, missile_count, ' +
    'confidence (STIX low/med/high scale), description, launch_event_id, received_from, ' +
    'agreement, path, other_facts; a withdrawn report: revoked, with report_id and ' +
    'withdrawal_reason only; see docs/interop.md in the Entente repository',
  version: '1.1.0',
  extension_types: ['new-sdo'],
}

const MARKING_EXTENSION: StixObject = {
  type: 'extension-definition',
  spec_version: '2.1',
  id: MARKING_EXTENSION_ID,
  created: DEFINED_AT,
  modified: DEFINED_AT,
  created_by_ref: ENTENTE_IDENTITY_ID,
  name: 'Entente national marking',
  description:
    'A marking-definition property extension: the national classification of a report in ' +
    "its originator's scheme, the originator, the holder's level and the releasability.",
  schema:
    'originator, classification, holder_classification, releasability ' +
    '(unrestricted | none | listed), releasable_to (party ids, when listed); see docs/interop.md',
  version: '1.0.0',
  extension_types: ['property-extension'],
}

/**
 * Declared only in bundles made for one recipient (a release): the marking then carries the
 * report's STANAG 4774 labels, the originator's and the alternative in the recipient's policy.
 */
export const LABEL_EXTENSION: StixObject = {
  type: 'extension-definition',
  spec_version: '2.1',
  id: LABEL_EXTENSION_ID,
  created: DEFINED_AT,
  modified: DEFINED_AT,
  created_by_ref: ENTENTE_IDENTITY_ID,
  name: 'Entente STANAG 4774 confidentiality labels',
  description:
    'A marking-definition property extension: the confidentiality label of a released report ' +
    "shaped as NATO STANAG 4774, in the originator's policy and, as the alternative label, in " +
    "the recipient's policy, at the level the governing agreement maps it to.",
  schema:
    'recipient (party id), originator_label and alternative_label (absent when the recipient ' +
    'has no level for it): each { policy_identifier: { name, uri }, classification, ' +
    'categories: [{ tag_name, category_type (PERMISSIVE | RESTRICTIVE | INFORMATIVE), ' +
    'values }] }; see docs/interop.md',
  version: '1.0.0',
  extension_types: ['property-extension'],
}

const MARKING_MODIFIED_EXTENSION: StixObject = {
  type: 'extension-definition',
  spec_version: '2.1',
  id: MARKING_MODIFIED_EXTENSION_ID,
  created: DEFINED_AT,
  modified: DEFINED_AT,
  created_by_ref: ENTENTE_IDENTITY_ID,
  name: 'Entente marking version',
  description:
    'A top-level property extension of marking-definition: modified, the STIX common ' +
    'property, so that a marking is versioned like the objects it marks. A marking never ' +
    'changes: modified equals created.',
  schema: 'modified (timestamp, equal to created); see docs/interop.md',
  version: '1.0.0',
  extension_types: ['toplevel-property-extension'],
  extension_properties: ['modified'],
}

/** The objects every Entente bundle carries so that it is self-describing. */
export const DEFINITION_OBJECTS: readonly StixObject[] = [
  ENTENTE_IDENTITY,
  LAUNCH_EXTENSION,
  MARKING_EXTENSION,
  MARKING_MODIFIED_EXTENSION,
]

/** STIX confidence scale "Low/Med/High" (STIX 2.1 appendix A). */
export const CONFIDENCE_SCORE = { low: 15, medium: 50, high: 85 } as const
export type ConfidenceWord = keyof typeof CONFIDENCE_SCORE

export function confidenceWord(score: number): ConfidenceWord {
  return score < 30 ? 'low' : score < 70 ? 'medium' : 'high'
}

/** Launch facts with a STIX property of their own: [payload key, property, JSON type]. */
export const SIMPLE_FACTS = [
  ['headingDeg', 'heading_deg', 'number'],
  ['rangeKm', 'range_km', 'number'],
  ['apogeeKm', 'apogee_km', 'number'],
  ['count', 'missile_count', 'number'],
  ['text', 'description', 'string'],
  ['launchId', 'launch_event_id', 'string'],
] as const

/** A string property of an object, or '' when absent or not a string. */
export function textOf(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

/** An object's version: its `modified`, or `created` for objects never versioned. */
export function versionOf(object: StixObject): string {
  return textOf(object['modified']) || textOf(object['created'])
}
