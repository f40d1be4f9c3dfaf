import type { ConfidentialityLabel, ReleaseLabels } from '../protocol/label.ts'
import { type LatLon, regionOf } from './region.ts'
import {
  CONFIDENCE_SCORE,
  DEFINITION_OBJECTS,
  LABEL_EXTENSION,
  LABEL_EXTENSION_ID,
  LAUNCH_EXTENSION_ID,
  LAUNCH_TYPE,
  MARKING_EXTENSION_ID,
  MARKING_MODIFIED_EXTENSION_ID,
  parseInstantMs,
  partyIdentity,
  partyIdentityId,
  SIMPLE_FACTS,
  type StixBundle,
  type StixObject,
  stixId,
  stixTime,
} from './stix-objects.ts'

export {
  readStixBundle,
  splitLaunches,
  stixBundleToReport,
  type StixReading,
} from './stix-import.ts'

/**
 * A launch report as a node holds it; structurally the node's `ReportRow`, declared here so
 * that interop depends on nothing but lib and domain.
 */
export interface StixReport {
  readonly id: string
  readonly originator: string
  readonly level: string
  readonly localLevel: string
  readonly topic: string
  readonly releasableTo: readonly string[] | null
  readonly payload: Readonly<Record<string, unknown>>
  readonly receivedFrom: string | null
  readonly agreement: string | null
  readonly path: readonly string[]
  /** When this version was stored: its objects' `modified`. */
  readonly createdAtMs: number
  /** Issue 12: 1 for the issued report, one more for each correction (absent: 1). */
  readonly version?: number
}

export interface StixExportContext {
  /** A party's display name for its identity object (its id when absent). */
  readonly partyName?: (party: string) => string | undefined
  /** A bundle for one recipient: the release's STANAG 4774 labels, carried by the marking. */
  readonly release?: { readonly recipient: string; readonly labels: ReleaseLabels }
  /**
   * Issue 12: when the report's first version was stored, the `created` of every version of
   * its objects (STIX versioning: one id, one `created`, a later `modified` per version).
   * Absent: the version's own `createdAtMs`, so that version 1 exports as it always did.
   */
  readonly firstCreatedAtMs?: number
}

/** The ids of a report's objects, derived from its id (UUIDv5): export is reproducible. */
export function reportObjectIds(reportId: string) {
  return {
    bundle: stixId('bundle', `report:${reportId}`),
    launch: stixId(LAUNCH_TYPE, `report:${reportId}`),
    /**
     * A marking definition is never versioned (STIX 2.1 §7.2.1): a correction, which may change
     * the marking, has a marking of its own; version 1 keeps the id it always had.
     */
    marking: (version = 1) =>
      stixId(
        'marking-definition',
        `report:${reportId}:marking${version === 1 ? '' : `:v${version}`}`,
      ),
    site: stixId('location', `report:${reportId}:site`),
    impact: stixId('location', `report:${reportId}:impact`),
    relationship: (kind: string) => stixId('relationship', `report:${reportId}:${kind}`),
  } as const
}

/**
 * One report as a self-describing STIX 2.1 bundle: the launch (a new SDO declared by an
 * extension definition), its national marking, the site and impact locations, the parties'
 * identities and the relationships between them. Same report, same bytes.
 */
export function reportToStixBundle(
  report: StixReport,
  context: StixExportContext = {},
): StixBundle {
  const ids = reportObjectIds(report.id)
  const version = report.version ?? 1
  const markingId = ids.marking(version)
  const at = stixTime(report.createdAtMs)
  const common = {
    spec_version: '2.1',
    created: stixTime(context.firstCreatedAtMs ?? report.createdAtMs),
    modified: at,
    created_by_ref: partyIdentityId(report.originator),
    object_marking_refs: [markingId],
  } as const
  const { facts, site, impact } = launchFacts(report.payload)
  const locations = [
    ...(site === null ? [] : [location(ids.site, site, 'launch site', common)]),
    ...(impact === null ? [] : [location(ids.impact, impact, 'predicted impact', common)]),
  ]
  const launch: StixObject = {
    type: LAUNCH_TYPE,
    id: ids.launch,
    ...common,
    report_id: report.id,
    ...(version === 1 ? {} : { report_version: version }),
    topic: report.topic,
    ...facts,
    ...(site === null ? {} : { site_ref: ids.site }),
    ...(impact === null ? {} : { impact_ref: ids.impact }),
    ...(report.receivedFrom === null ? {} : { received_from: report.receivedFrom }),
    ...(report.agreement === null ? {} : { agreement: report.agreement }),
    ...(report.path.length === 0 ? {} : { path: [...report.path] }),
    extensions: { [LAUNCH_EXTENSION_ID]: { extension_type: 'new-sdo' } },
  }
  const link = (kind: string, target: string, description: string) =>
    relation(ids.relationship(kind), ids.launch, target, description, common)
  const relationships = [
    ...(site === null ? [] : [link('site', ids.site, 'launch site')]),
    ...(impact === null ? [] : [link('impact', ids.impact, 'predicted impact point')]),
    ...(report.receivedFrom === null
      ? []
      : [
          link(
            'received-from',
            partyIdentityId(report.receivedFrom),
            `received from ${report.receivedFrom}`,
          ),
        ]),
  ]
  const parties = [
    ...new Set([
      report.originator,
      ...report.path,
      ...(report.receivedFrom === null ? [] : [report.receivedFrom]),
    ]),
  ]
  return {
    type: 'bundle',
    id: ids.bundle,
    objects: [
      ...DEFINITION_OBJECTS,
      ...(context.release === undefined ? [] : [LABEL_EXTENSION]),
      ...parties.sort().map((p) => partyIdentity(p, context.partyName?.(p))),
      marking(report, markingId, at, context.release),
      launch,
      ...locations,
      ...relationships,
    ],
  }
}

/**
 * Issue 12: what a withdrawn report's launch becomes — its last version, revoked (in STIX a
 * revocation is permanent: no later version follows). It carries nothing of the report but its
 * id, its originator and the withdrawal's reason: what a holder of any version is sent by the
 * federation's withdrawal notice, and nothing more, since a holder may not have seen the last
 * version (docs/interop.md).
 */
export interface StixWithdrawal {
  readonly reportId: string
  readonly originator: string
  readonly reason: string
  /** When the report's first version was stored here (`created`). */
  readonly firstCreatedAtMs: number
  /** When the withdrawal was recorded here (`modified`), after every version's. */
  readonly withdrawnAtMs: number
}

/** The revoked launch with the objects it refers to: Entente's definitions and the originator. */
export function withdrawalToStixObjects(
  withdrawal: StixWithdrawal,
  context: Pick<StixExportContext, 'partyName'> = {},
): StixObject[] {
  return contentFreeLaunch(withdrawal, withdrawal.withdrawnAtMs, context, {
    revoked: true,
    withdrawal_reason: withdrawal.reason,
  })
}

/**
 * A version of a report's launch that carries none of its content (a revocation, a superseded
 * notice), with the objects it refers to: Entente's definitions and the originator's identity.
 */
function contentFreeLaunch(
  notice: { readonly reportId: string; readonly originator: string; firstCreatedAtMs: number },
  modifiedMs: number,
  context: Pick<StixExportContext, 'partyName'>,
  says: Readonly<Record<string, unknown>>,
): StixObject[] {
  const { reportId, originator } = notice
  return [
    ...DEFINITION_OBJECTS,
    partyIdentity(originator, context.partyName?.(originator)),
    {
      type: LAUNCH_TYPE,
      id: reportObjectIds(reportId).launch,
      spec_version: '2.1',
      created: stixTime(notice.firstCreatedAtMs),
      modified: stixTime(modifiedMs),
      created_by_ref: partyIdentityId(originator),
      report_id: reportId,
      ...says,
      extensions: { [LAUNCH_EXTENSION_ID]: { extension_type: 'new-sdo' } },
    },
  ]
}

/**
 * Issue 12: a holder of an earlier version that may not receive the correction (it raised the
 * level, say) sees the launch's newest version as a content-free notice — no place, time or
 * marking of either version, only that version `supersededByVersion` exists — so that nobody
 * acts on a copy known to be wrong. Like the revocation, a version of the same launch.
 */
export interface StixSupersession {
  readonly reportId: string
  readonly originator: string
  readonly supersededByVersion: number
  readonly firstCreatedAtMs: number
  /** When the superseding version was stored here (`modified`). */
  readonly supersededAtMs: number
}

export function supersessionToStixObjects(
  notice: StixSupersession,
  context: Pick<StixExportContext, 'partyName'> = {},
): StixObject[] {
  return contentFreeLaunch(notice, notice.supersededAtMs, context, {
    superseded_by_version: notice.supersededByVersion,
  })
}

/** The marking as a banner line: originator, level and releasability (`KOR MIL-II REL TO JPN`). */
export function markingLabel(
  report: Pick<StixReport, 'originator' | 'level' | 'releasableTo'>,
): string {
  const list = report.releasableTo
  const rel = list === null ? '' : list.length === 0 ? ' NOFORN' : ` REL TO ${list.join(', ')}`
  return `${report.originator} ${report.level}${rel}`
}

/** A national marking as a STIX marking definition (a report's, or a product's: issue 17). */
export function marking(
  report: Pick<StixReport, 'originator' | 'level' | 'localLevel' | 'releasableTo'>,
  id: string,
  at: string,
  release: StixExportContext['release'],
): StixObject {
  const list = report.releasableTo
  const releasability = list === null ? 'unrestricted' : list.length === 0 ? 'none' : 'listed'
  return {
    type: 'marking-definition',
    spec_version: '2.1',
    id,
    created: at,
    modified: at,
    created_by_ref: partyIdentityId(report.originator),
    name: markingLabel(report),
    extensions: {
      [MARKING_EXTENSION_ID]: {
        extension_type: 'property-extension',
        originator: report.originator,
        classification: report.level,
        holder_classification: report.localLevel,
        releasability,
        ...(list !== null && list.length > 0 ? { releasable_to: [...list] } : {}),
      },
      [MARKING_MODIFIED_EXTENSION_ID]: { extension_type: 'toplevel-property-extension' },
      ...(release === undefined ? {} : { [LABEL_EXTENSION_ID]: labelExtension(release) }),
    },
  }
}

function labelExtension(release: NonNullable<StixExportContext['release']>) {
  const { recipient, labels } = release
  return {
    extension_type: 'property-extension',
    recipient,
    originator_label: stixLabel(labels.originator),
    ...(labels.alternative === null ? {} : { alternative_label: stixLabel(labels.alternative) }),
  }
}

/** STIX custom properties are snake_case: the 4774 element names, spelt so. */
function stixLabel(label: ConfidentialityLabel) {
  return {
    policy_identifier: { ...label.policyIdentifier },
    classification: label.classification,
    categories: label.categories.map((c) => ({
      tag_name: c.tagName,
      category_type: c.type,
      values: [...c.values],
    })),
  }
}

interface Common {
  readonly spec_version: '2.1'
  readonly created: string
  readonly modified: string
  readonly created_by_ref: string
  readonly object_marking_refs: readonly string[]
}

function location(id: string, point: LatLon, name: string, common: Common): StixObject {
  return {
    type: 'location',
    id,
    ...common,
    name,
    latitude: point.lat,
    longitude: point.lon,
    region: regionOf(point),
  }
}

/**
 * A `related-to` relationship from the launch: the launch is a new SDO, for which STIX suggests
 * no relationship type but the common ones; what the link means is in `description` and, for
 * Entente, in the launch's own `site_ref`, `impact_ref` and `received_from`.
 */
function relation(
  id: string,
  source: string,
  target: string,
  description: string,
  common: Common,
): StixObject {
  return {
    type: 'relationship',
    id,
    ...common,
    relationship_type: 'related-to',
    description,
    source_ref: source,
    target_ref: target,
  }
}

/** Splits the payload into STIX properties; whatever has no property of its own goes to other_facts. */
function launchFacts(payload: Readonly<Record<string, unknown>>): {
  facts: Record<string, unknown>
  site: LatLon | null
  impact: LatLon | null
} {
  const rest: Record<string, unknown> = { ...payload }
  const facts: Record<string, unknown> = {}
  const take = (key: string): unknown => {
    const value = rest[key]
    delete rest[key]
    return value
  }
  const time = rest['time']
  if (typeof time === 'string' && !Number.isNaN(parseInstantMs(time))) {
    take('time')
    facts['launch_time'] = stixTime(parseInstantMs(time))
    if (facts['launch_time'] !== time) facts['launch_time_as_reported'] = time
  }
  for (const [key, property, kind] of SIMPLE_FACTS)
    if (typeof rest[key] === kind) facts[property] = take(key)
  const confidence = rest['confidence']
  if (typeof confidence === 'string' && confidence in CONFIDENCE_SCORE) {
    take('confidence')
    facts['confidence'] = CONFIDENCE_SCORE[confidence as keyof typeof CONFIDENCE_SCORE]
  }
  const site = isLatLon(rest['site']) ? (take('site') as LatLon) : null
  const impact = isLatLon(rest['impact']) ? (take('impact') as LatLon) : null
  if (Object.keys(rest).length > 0) facts['other_facts'] = rest
  return { facts, site, impact }
}

function isLatLon(value: unknown): value is LatLon {
  if (typeof value !== 'object' || value === null) return false
  const keys = Object.keys(value).sort().join(',')
  const { lat, lon } = value as Record<string, unknown>
  return keys === 'lat,lon' && typeof lat === 'number' && typeof lon === 'number'
}
