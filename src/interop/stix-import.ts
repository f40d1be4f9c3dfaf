import { Result } from '../lib/result.ts'
import type { StixReport } from './stix.ts'
import {
  confidenceWord,
  LAUNCH_TYPE,
  MARKING_EXTENSION_ID,
  parseInstantMs,
  SIMPLE_FACTS,
  stixId,
  textOf,
  type StixObject,
  versionOf,
} from './stix-objects.ts'

const reportObjectId = (reportId: string) => stixId(LAUNCH_TYPE, `report:${reportId}`)

/** What is wrong with a bundle, one line per problem, naming the object and property. */
export type StixIssues = readonly [string, ...string[]]

type Props = Readonly<Record<string, unknown>>

/** What a bundle says of its report: its newest version, or that it was withdrawn. */
export type StixReading =
  | {
      readonly status: 'current'
      readonly report: StixReport
      /** Every version the bundle carries, oldest first, ending with `report`. */
      readonly versions: readonly StixReport[]
    }
  | {
      readonly status: 'withdrawn'
      readonly withdrawal: {
        readonly reportId: string
        /** The originator's party id, from the identity `created_by_ref` names (null: not given). */
        readonly originator: string | null
        readonly reason: string
        readonly withdrawnAtMs: number
      }
      /** The newest version before the revocation, when the bundle carries one (own exports). */
      readonly report: StixReport | null
      readonly versions: readonly StixReport[]
    }

/**
 * A bundle made by `reportToStixBundle` (or by any producer following docs/interop.md) back
 * into the report: exactly one launch (in one or more versions: the newest `modified` wins,
 * each read with the versions of its objects of its time), its marking and its locations must
 * be present. A revoked newest version is a withdrawal.
 */
export function readStixBundle(bundle: unknown): Result<StixReading, StixIssues> {
  const objects = objectsOf(bundle)
  if (objects === null) return Result.fail(['bundle: not a STIX bundle with an objects array'])
  const launches = objects.filter((o) => o.type === LAUNCH_TYPE)
  const ids = new Set(launches.map((o) => o.id))
  if (ids.size !== 1)
    return Result.fail([`bundle: ${ids.size} ${LAUNCH_TYPE} objects; exactly one is needed`])
  const ordered = [...newestById(launches, (o) => `${o.id} ${versionOf(o)}`).values()].sort(
    (a, b) => parseInstantMs(versionOf(a)) - parseInstantMs(versionOf(b)),
  )
  const newest = ordered.at(-1) as StixObject
  // A superseded notice (issue 12) carries nothing to store: say so, naming its property.
  if (newest['superseded_by_version'] !== undefined && newest['revoked'] !== true)
    return Result.fail([
      `${newest.id}: superseded_by_version: this copy is superseded by version ${JSON.stringify(newest['superseded_by_version'])}, not released to the reader; there is nothing to store`,
    ])
  const versions: StixReport[] = []
  const content = ordered.filter((o) => o['revoked'] !== true)
  // One version (the common case): every object's newest is its only one, nothing to date.
  const newestObjects = newestById(objects)
  for (const launch of content) {
    const objectsThen =
      ordered.length === 1 ? newestObjects : objectsAt(objects, parseInstantMs(versionOf(launch)))
    const report = launchToReport(launch, objectsThen)
    if (!report.ok) return report
    versions.push(report.value)
  }
  const last = versions.at(-1)
  if (newest['revoked'] === true) {
    const withdrawal = withdrawalOf(newest, newestObjects)
    if (!withdrawal.ok) return withdrawal
    const report = last ?? null
    return Result.ok({ status: 'withdrawn', withdrawal: withdrawal.value, report, versions })
  }
  if (last === undefined) throw new Error('a launch that is not revoked was read')
  return Result.ok({ status: 'current', report: last, versions })
}

/** The report a bundle carries; a withdrawn one is a failure naming it (nothing to store). */
export function stixBundleToReport(bundle: unknown): Result<StixReport, StixIssues> {
  const reading = readStixBundle(bundle)
  if (!reading.ok) return reading
  if (reading.value.status === 'current') return Result.ok(reading.value.report)
  const { reportId, reason } = reading.value.withdrawal
  return Result.fail([
    `${reportObjectId(reportId)}: revoked: report ${reportId} was withdrawn by its originator (${reason}); there is nothing to store`,
  ])
}

/**
 * A flat list of objects (a TAXII envelope) cut into one bundle per launch: every version of
 * the launch and every object they refer to. Objects no launch refers to are returned apart.
 */
export function splitLaunches(objects: readonly StixObject[]): {
  readonly bundles: readonly {
    readonly type: 'bundle'
    readonly id: string
    readonly objects: readonly StixObject[]
  }[]
  readonly others: readonly StixObject[]
} {
  const byId = new Map<string, StixObject[]>()
  for (const o of objects) byId.set(o.id, [...(byId.get(o.id) ?? []), o])
  const used = new Set<string>()
  const launchIds = [...new Set(objects.filter((o) => o.type === LAUNCH_TYPE).map((o) => o.id))]
  const bundles = launchIds.map((launchId) => {
    const versions = byId.get(launchId) ?? []
    const refs = new Set(versions.flatMap((v) => referencedBy(v, objects)))
    refs.delete(launchId)
    const all = [...versions, ...[...refs].flatMap((id) => byId.get(id) ?? [])]
    for (const o of all) used.add(o.id)
    return { type: 'bundle' as const, id: `bundle--${launchId.split('--')[1] ?? ''}`, objects: all }
  })
  return { bundles, others: objects.filter((o) => !used.has(o.id)) }
}

/** Each id's newest version (the greatest `modified`, or `created`); the first of equals. */
function newestById(
  objects: readonly StixObject[],
  keyOf: (o: StixObject) => string = (o) => o.id,
): Map<string, StixObject> {
  const byId = new Map<string, StixObject>()
  for (const o of objects) {
    const held = byId.get(keyOf(o))
    if (held === undefined || parseInstantMs(versionOf(o)) > parseInstantMs(versionOf(held)))
      byId.set(keyOf(o), o)
  }
  return byId
}

/** Each id's newest version not later than `atMs` (a launch version's places), else its newest. */
function objectsAt(objects: readonly StixObject[], atMs: number): Map<string, StixObject> {
  const then = objects.filter((o) => parseInstantMs(versionOf(o)) <= atMs)
  return new Map([...newestById(objects), ...newestById(then)])
}

function withdrawalOf(
  launch: StixObject,
  byId: ReadonlyMap<string, StixObject>,
): Result<Extract<StixReading, { status: 'withdrawn' }>['withdrawal'], StixIssues> {
  const reportId = str(launch['report_id'])
  const withdrawnAtMs = parseInstantMs(versionOf(launch))
  const issues: string[] = []
  if (reportId === undefined || reportId === '')
    issues.push(`${launch.id}: report_id must be a non-empty string`)
  if (Number.isNaN(withdrawnAtMs)) issues.push(`${launch.id}: modified must be a STIX timestamp`)
  const [first, ...rest] = issues
  if (first !== undefined) return Result.fail([first, ...rest])
  const creator = byId.get(textOf(launch['created_by_ref']))
  const references = creator?.['external_references']
  const party = Array.isArray(references)
    ? (references as Props[]).find((r) => r['source_name'] === 'entente-party')?.['external_id']
    : undefined
  return Result.ok({
    reportId: reportId ?? '',
    originator: str(party) ?? null,
    reason: str(launch['withdrawal_reason']) ?? '',
    withdrawnAtMs,
  })
}

/** The ids a launch version refers to: its markings, places, creator, and its relationships. */
function referencedBy(launch: StixObject, objects: readonly StixObject[]): string[] {
  const ids = new Set<string>()
  const markings = launch['object_marking_refs']
  // Only strings: String() of a hostile, deeply nested array overflows the stack (fuzzing).
  for (const ref of Array.isArray(markings) ? markings : [])
    if (typeof ref === 'string') ids.add(ref)
  for (const key of ['site_ref', 'impact_ref', 'created_by_ref'])
    if (typeof launch[key] === 'string') ids.add(launch[key])
  for (const o of objects)
    if (o.type === 'relationship' && o['source_ref'] === launch.id) {
      ids.add(o.id)
      ids.add(String(o['target_ref']))
    }
  return [...ids]
}

function objectsOf(bundle: unknown): StixObject[] | null {
  if (typeof bundle !== 'object' || bundle === null) return null
  const { type, objects } = bundle as Props
  if (type !== 'bundle' || !Array.isArray(objects)) return null
  return objects.filter(
    (o): o is StixObject =>
      typeof o === 'object' &&
      o !== null &&
      typeof (o as Props)['type'] === 'string' &&
      typeof (o as Props)['id'] === 'string',
  )
}

function launchToReport(
  launch: StixObject,
  byId: ReadonlyMap<string, StixObject>,
): Result<StixReport, StixIssues> {
  const issues: string[] = []
  const need = (key: string): string => {
    const value = launch[key]
    if (typeof value === 'string' && value !== '') return value
    issues.push(`${launch.id}: ${key} must be a non-empty string`)
    return ''
  }
  const markingProps = markingOf(launch, byId, issues)
  need('created')
  // The version's own instant: `modified` (a version 1 exported by Entente has it = created).
  const createdAtMs = parseInstantMs(versionOf(launch))
  if (Number.isNaN(createdAtMs)) issues.push(`${launch.id}: created must be a STIX timestamp`)
  const version = launch['report_version'] ?? 1
  if (!Number.isSafeInteger(version) || (version as number) < 1)
    issues.push(`${launch.id}: report_version must be a positive integer`)
  const report: StixReport = {
    id: need('report_id'),
    originator: str(markingProps?.['originator']) ?? '',
    level: str(markingProps?.['classification']) ?? '',
    localLevel:
      str(markingProps?.['holder_classification']) ?? str(markingProps?.['classification']) ?? '',
    topic: need('topic'),
    releasableTo: releasableOf(markingProps),
    payload: payloadOf(launch, byId, issues),
    receivedFrom: str(launch['received_from']) ?? null,
    agreement: str(launch['agreement']) ?? null,
    path: Array.isArray(launch['path']) ? launch['path'].map(String) : [],
    createdAtMs,
    ...(version === 1 ? {} : { version: version as number }),
  }
  const [first, ...rest] = issues
  return first === undefined ? Result.ok(report) : Result.fail([first, ...rest])
}

function markingOf(
  launch: StixObject,
  byId: ReadonlyMap<string, StixObject>,
  issues: string[],
): Props | null {
  const refs = launch['object_marking_refs']
  for (const ref of Array.isArray(refs) ? refs : []) {
    if (typeof ref !== 'string') continue
    const extensions = byId.get(ref)?.['extensions'] as Props | undefined
    const props = extensions?.[MARKING_EXTENSION_ID] as Props | undefined
    if (props === undefined) continue
    if (str(props['originator']) === undefined || str(props['classification']) === undefined) break
    return props
  }
  issues.push(
    `${launch.id}: object_marking_refs must name a marking-definition with the Entente marking extension (originator, classification)`,
  )
  return null
}

function releasableOf(props: Props | null): readonly string[] | null {
  const list = props?.['releasable_to']
  switch (props?.['releasability']) {
    case 'none':
      return []
    case 'listed':
      return Array.isArray(list) ? list.map(String) : []
    default:
      return null
  }
}

function payloadOf(
  launch: StixObject,
  byId: ReadonlyMap<string, StixObject>,
  issues: string[],
): Record<string, unknown> {
  const other = launch['other_facts']
  const payload: Record<string, unknown> =
    typeof other === 'object' && other !== null ? { ...other } : {}
  const asReported = str(launch['launch_time_as_reported'])
  const time = asReported ?? str(launch['launch_time'])
  if (time !== undefined) payload['time'] = time
  for (const [key, property, kind] of SIMPLE_FACTS)
    if (typeof launch[property] === kind) payload[key] = launch[property]
  if (typeof launch['confidence'] === 'number')
    payload['confidence'] = confidenceWord(launch['confidence'])
  for (const [key, ref] of [
    ['site', 'site_ref'],
    ['impact', 'impact_ref'],
  ] as const) {
    if (launch[ref] === undefined) continue
    const place = byId.get(textOf(launch[ref]))
    const lat = place?.['latitude']
    const lon = place?.['longitude']
    if (place?.type === 'location' && typeof lat === 'number' && typeof lon === 'number')
      payload[key] = { lat, lon }
    else
      issues.push(
        `${launch.id}: ${ref} must name a location with latitude and longitude in the bundle`,
      )
  }
  return payload
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}
