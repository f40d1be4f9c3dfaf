import { destinationPoint, greatCircleDistanceKm } from '../sim/geodesy.ts'
import type { Path, PathIssue } from './path.ts'
import { issueAt } from './path.ts'
import type { ParsedScenario } from './schema.ts'
import { checkLevel, checkParty, checkUnique, knownList } from './validate-common.ts'

type ParsedLaunch = ParsedScenario['launches'][number]

/** `range_km` may differ from the great-circle distance site → impact by this fraction. */
export const RANGE_TOLERANCE = 0.01

function checkGeometry(launch: ParsedLaunch, path: Path): PathIssue[] {
  const { impact, heading_deg: headingDeg, range_km: rangeKm } = launch
  if (impact === null && headingDeg === null) {
    return [issueAt(path, 'give either impact or heading_deg (with range_km)')]
  }
  if (impact !== null && headingDeg !== null) {
    return [issueAt([...path, 'heading_deg'], 'give either impact or heading_deg, not both')]
  }
  if (impact === null) {
    return rangeKm === undefined ? [issueAt(path, 'range_km is required with heading_deg')] : []
  }
  if (rangeKm === undefined) return []
  const distanceKm = greatCircleDistanceKm(launch.site, impact)
  if (Math.abs(rangeKm - distanceKm) <= RANGE_TOLERANCE * distanceKm) return []
  const message =
    `range_km ${rangeKm} disagrees with the great-circle distance from site to impact, ` +
    `${distanceKm.toFixed(1)} km, by more than ${RANGE_TOLERANCE * 100} %`
  return [issueAt([...path, 'range_km'], message)]
}

/** Burn-out must be on the ascending arc: strictly below the apogee (simulation-model.md). */
function checkBoost(launch: ParsedLaunch, path: Path): PathIssue[] {
  const boost = launch.boost
  if (boost === null || boost.burnout_altitude_km < launch.apogee_km) return []
  const message =
    `burnout_altitude_km ${boost.burnout_altitude_km} must be below the launch's ` +
    `apogee_km ${launch.apogee_km}: burn-out is a point of the ascending arc`
  return [issueAt([...path, 'boost', 'burnout_altitude_km'], message)]
}

function checkLaunch(doc: ParsedScenario, launch: ParsedLaunch, index: number): PathIssue[] {
  const path = ['launches', index]
  const markings = Object.entries(launch.marking).flatMap(([party, level]) =>
    checkLevel(doc.parties, party, level, [...path, 'marking', party]),
  )
  return [...checkGeometry(launch, path), ...checkBoost(launch, path), ...markings]
}

export function checkLaunches(doc: ParsedScenario): PathIssue[] {
  const ids = doc.launches.map((launch) => launch.id)
  return [
    ...checkUnique(ids, ['launches'], 'launch id').map((issue) => ({
      ...issue,
      path: [...issue.path, 'id'],
    })),
    ...doc.launches.flatMap((launch, index) => checkLaunch(doc, launch, index)),
  ]
}

export function checkRequests(doc: ParsedScenario): PathIssue[] {
  const launchIds = doc.launches.map((launch) => launch.id)
  return doc.requests.flatMap((request, index) => {
    const path = ['requests', index]
    const issues = [
      ...checkParty(doc.parties, request.from, [...path, 'from']),
      ...checkParty(doc.parties, request.to, [...path, 'to']),
    ]
    if (!launchIds.includes(request.launch)) {
      issues.push(
        issueAt(
          [...path, 'launch'],
          `unknown launch "${request.launch}"; known launches: ${knownList(launchIds)}`,
        ),
      )
    }
    if (request.from === request.to)
      issues.push(issueAt([...path, 'to'], 'a party does not ask itself'))
    return issues
  })
}

/** The launch as the rest of Entente sees it: impact and range always present. */
export function completeLaunch(launch: ParsedLaunch): ParsedLaunch & {
  impact: { lat: number; lon: number }
  range_km: number
} {
  if (launch.impact !== null) {
    const rangeKm = launch.range_km ?? greatCircleDistanceKm(launch.site, launch.impact)
    return { ...launch, impact: launch.impact, range_km: rangeKm }
  }
  const rangeKm = launch.range_km ?? 0
  const impact = destinationPoint(launch.site, launch.heading_deg ?? 0, rangeKm)
  return { ...launch, impact: { lat: impact.lat, lon: impact.lon }, range_km: rangeKm }
}
