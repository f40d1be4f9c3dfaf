import { Result } from '../lib/result.ts'
import type { StixReport } from './stix.ts'
import {
  confidenceWord,
  LAUNCH_TYPE,
  MARKING_EXTENSION_ID,
  parseInstantMs,
  SIMPLE_FACTS,
  textOf,
  type StixObject,
} from './stix-objects.ts'

/** What is wrong with a bundle, one line per problem, naming the object and property. */
export type StixIssues = readonly [string, ...string[]]

type Props = Readonly<Record<string, unknown>>

/**
 * A bundle made by `reportToStixBundle` (or by any producer following docs/interop.md) back
 * into the report: exactly one launch, its marking and its locations must be present.
 */
export function stixBundleToReport(bundle: unknown): Result<StixReport, StixIssues> {
  const objects = objectsOf(bundle)
  if (objects === null) return Result.fail(['bundle: not a STIX bundle with an objects array'])
  const launches = objects.filter((o) => o.type === LAUNCH_TYPE)
  if (launches.length !== 1)
    return Result.fail([`bundle: ${launches.length} ${LAUNCH_TYPE} objects; exactly one is needed`])
  const byId = new Map(objects.map((o) => [o.id, o]))
  return launchToReport(launches[0] as StixObject, byId)
}

/**
 * A flat list of objects (a TAXII envelope) cut into one bundle per launch: the launch and
 * every object it refers to. Objects no launch refers to are returned apart.
 */
export function splitLaunches(objects: readonly StixObject[]): {
  readonly bundles: readonly {
    readonly type: 'bundle'
    readonly id: string
    readonly objects: readonly StixObject[]
  }[]
  readonly others: readonly StixObject[]
} {
  const byId = new Map(objects.map((o) => [o.id, o]))
  const used = new Set<string>()
  const bundles = objects
    .filter((o) => o.type === LAUNCH_TYPE)
    .map((launch) => {
      const refs = [launch, ...referencedBy(launch, objects, byId)]
      for (const o of refs) used.add(o.id)
      return {
        type: 'bundle' as const,
        id: `bundle--${launch.id.split('--')[1] ?? ''}`,
        objects: refs,
      }
    })
  return { bundles, others: objects.filter((o) => !used.has(o.id)) }
}

function referencedBy(
  launch: StixObject,
  objects: readonly StixObject[],
  byId: ReadonlyMap<string, StixObject>,
): StixObject[] {
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
  return [...ids].flatMap((id) => byId.get(id) ?? [])
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
  const createdAtMs = parseInstantMs(need('created'))
  if (Number.isNaN(createdAtMs)) issues.push(`${launch.id}: created must be a STIX timestamp`)
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
