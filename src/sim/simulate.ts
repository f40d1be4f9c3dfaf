import type { PartyId } from '../domain/ids.ts'
import { buildRegistryIndex, type RegistryIndex } from '../domain/registry-index.ts'
import { formatInstant } from '../domain/time.ts'
import { firstDetectionSeconds } from './detection.ts'
import { type OwnReport, type PartyOutcome, runExchange } from './exchange.ts'
import type { Launch, Sensor, SimulationInput } from './model.ts'
import type { TimelineEvent } from './timeline.ts'
import { buildTrajectory, type Trajectory } from './trajectory.ts'

/** One party's view of one launch, as `entente simulate --json` prints it. */
export interface PartyResult {
  readonly party: string
  readonly detectedAt: string | null
  readonly detectedSeconds: number | null
  readonly sensor: string | null
  readonly reportedAt: string | null
  readonly reportedSeconds: number | null
  readonly receivedAt: string | null
  readonly receivedSeconds: number | null
  readonly receivedFrom: string | null
  readonly path: readonly string[] | null
  readonly knowsAt: string | null
  readonly knowsSeconds: number | null
  /** Impact minus knowsAt; negative when the party learns after impact; null if never. */
  readonly warningSeconds: number | null
  readonly events: readonly (TimelineEvent & { readonly at: string })[]
}

export interface LaunchResult {
  readonly id: string
  readonly launchAt: string
  readonly impactAt: string
  readonly flightSeconds: number
  readonly parties: readonly PartyResult[]
}

export interface SimulationResult {
  readonly scenario: string
  readonly whatIfs: readonly string[]
  readonly launches: readonly LaunchResult[]
}

/** Runs every launch of the input; deterministic, so equal inputs give equal results. */
export function simulate(
  input: SimulationInput,
  whatIfs: readonly string[] = [],
): SimulationResult {
  const index = buildRegistryIndex(input.registry)
  return {
    scenario: input.name,
    whatIfs,
    launches: input.launches.map((launch) => simulateLaunch(index, input, launch)),
  }
}

export function simulateLaunch(
  index: RegistryIndex,
  input: SimulationInput,
  launch: Launch,
): LaunchResult {
  const trajectory = launchTrajectory(launch)
  const ownReports = firstReports(trajectory, input.sensors)
  const outcomes = runExchange(index, launch, ownReports, input.requests)
  const zone = index.registry.timeZone
  const at = (s: number | null): string | null =>
    s === null ? null : formatInstant(launch.timeMs + Math.round(s * 1000), zone)
  const flightSeconds = trajectory.flightSeconds
  return {
    id: launch.id,
    launchAt: formatInstant(launch.timeMs, zone),
    impactAt: at(flightSeconds) as string,
    flightSeconds: round3(flightSeconds),
    parties: outcomes.map((o) => partyResult(o, flightSeconds, at)),
  }
}

/** The flight of a launch as the model flies it: its arc and, if it has one, its boost. */
export function launchTrajectory(launch: Launch): Trajectory {
  return buildTrajectory({
    site: launch.site,
    impact: launch.impact,
    apogeeKm: launch.apogeeKm,
    boost: launch.boost,
  })
}

/** Each party's first report: the earliest detection plus that sensor's report delay. */
export function firstReports(
  trajectory: Trajectory,
  sensors: readonly Sensor[],
): Map<PartyId, OwnReport> {
  const reports = new Map<PartyId, OwnReport>()
  const sorted = [...sensors].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  for (const sensor of sorted) {
    const detectedS = firstDetectionSeconds(trajectory, sensor)
    if (detectedS === null) continue
    const reportedS = detectedS + sensor.reportDelayS
    const current = reports.get(sensor.party)
    if (current === undefined || reportedS < current.reportedS) {
      reports.set(sensor.party, { sensor: sensor.id, detectedS, reportedS })
    }
  }
  return reports
}

function partyResult(
  o: PartyOutcome,
  flightSeconds: number,
  at: (s: number | null) => string | null,
): PartyResult {
  return {
    party: o.party,
    detectedAt: at(o.own?.detectedS ?? null),
    detectedSeconds: roundOrNull(o.own?.detectedS ?? null),
    sensor: o.own?.sensor ?? null,
    reportedAt: at(o.own?.reportedS ?? null),
    reportedSeconds: roundOrNull(o.own?.reportedS ?? null),
    receivedAt: at(o.receivedS),
    receivedSeconds: roundOrNull(o.receivedS),
    receivedFrom: o.receivedFrom,
    path: o.path,
    knowsAt: at(o.knowsS),
    knowsSeconds: roundOrNull(o.knowsS),
    warningSeconds: o.knowsS === null ? null : round3(flightSeconds - o.knowsS),
    // The run owns these objects: stamping them in place spares a copy of every event.
    events: o.events.map((e) => Object.assign(e, { t: round3(e.t), at: at(e.t) as string })),
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000
}

function roundOrNull(x: number | null): number | null {
  return x === null ? null : round3(x)
}
