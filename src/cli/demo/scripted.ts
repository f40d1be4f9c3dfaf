import { formatInstant } from '../../domain/time.ts'
import type { Launch, SimulationInput } from '../../sim/model.ts'
import { firstReports } from '../../sim/simulate.ts'
import type { Trajectory } from '../../sim/trajectory.ts'

/**
 * The demo's two scripted changes of mind (issue 12): a false alarm, issued between the two
 * launches and withdrawn 20 s later; and the first report of the first launch, issued with an
 * early estimate (one object, range 20 % short) and corrected 30 s later (two objects, the
 * range measured). Both go through the node's API as a watch officer would.
 */
export const FALSE_ALARM_WITHDRAWN_AFTER_S = 20
export const CORRECTED_AFTER_S = 30
/** The false alarm comes this long after the first launch. */
const FALSE_ALARM_AFTER_LAUNCH_S = 60
const EARLY_RANGE_SHARE = 0.8

export interface LaunchBody {
  readonly marking: { readonly originator: string; readonly level: string }
  readonly topic: string
  readonly launch: Readonly<Record<string, unknown>> & { readonly rangeKm: number }
}

export interface FalseAlarm {
  readonly party: string
  readonly issueAtMs: number
  readonly withdrawAtMs: number
  readonly body: LaunchBody
  readonly reason: string
}

/** The false alarm: by the first party, at its own level for the first launch, 200 km off. */
export function falseAlarm(input: SimulationInput, zone: string): FalseAlarm | null {
  const launch = input.launches[0]
  const party = [...input.registry.parties.keys()][0]
  const level = party === undefined ? undefined : launch?.marking.get(party)
  if (launch === undefined || party === undefined || level === undefined) return null
  const issueAtMs = launch.timeMs + FALSE_ALARM_AFTER_LAUNCH_S * 1000
  const site = { lat: launch.site.lat + 1.5, lon: launch.site.lon - 1 }
  return {
    party,
    issueAtMs,
    withdrawAtMs: issueAtMs + FALSE_ALARM_WITHDRAWN_AFTER_S * 1000,
    body: {
      marking: { originator: party, level },
      topic: launch.topic,
      launch: {
        time: formatInstant(issueAtMs - 10_000, zone),
        site,
        headingDeg: 90,
        rangeKm: 300,
        apogeeKm: 80,
        text: 'scripted false alarm: a radar artefact, withdrawn 20 s later',
      },
    },
    reason: 'false alarm: a radar artefact, no launch (scripted by the demo)',
  }
}

/** The first report as issued: one object, the range an early estimate. */
export function earlyEstimate(body: LaunchBody): LaunchBody {
  return {
    ...body,
    launch: {
      ...body.launch,
      count: 1,
      rangeKm: Math.round(body.launch.rangeKm * EARLY_RANGE_SHARE),
      text: `${textOf(body)}; early estimate`,
    },
  }
}

/** Its correction: two objects, the range as the scenario has it. */
export function correction(body: LaunchBody, launch: Launch): LaunchBody {
  return {
    marking: body.marking,
    topic: body.topic,
    launch: {
      ...body.launch,
      count: 2,
      rangeKm: launch.rangeKm,
      text: `${textOf(body)}; corrected: two objects, range measured`,
    },
  }
}

/** The party whose own report of the launch comes first (ties: the first in id order). */
export function firstReporter(trajectory: Trajectory, input: SimulationInput): string | undefined {
  const reports = [...firstReports(trajectory, input.sensors)]
  reports.sort(([a, x], [b, y]) => x.reportedS - y.reportedS || (a < b ? -1 : 1))
  return reports[0]?.[0]
}

function textOf(body: LaunchBody): string {
  const text = body.launch['text']
  return typeof text === 'string' ? text : ''
}
