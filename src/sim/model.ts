import type { Level, PartyId, Topic } from '../domain/ids.ts'
import type { Registry } from '../domain/registry.ts'
import type { EpochMs } from '../domain/time.ts'
import type { LatLon } from './geodesy.ts'
import type { Boost } from './trajectory.ts'

/** A sensor of one party, as the scenario describes it. */
export interface Sensor {
  readonly id: string
  readonly party: PartyId
  readonly position: LatLon
  readonly altitudeKm: number
  readonly maxRangeKm: number
  readonly minElevationDeg: number
  readonly kFactor: number
  /** From first visibility to the party's first report. */
  readonly reportDelayS: number
}

export interface Launch {
  readonly id: string
  readonly timeMs: EpochMs
  readonly site: LatLon
  readonly impact: LatLon
  readonly rangeKm: number
  readonly apogeeKm: number
  /** The boost phase (simulation-model.md); absent: the missile leaves the ground on the arc. */
  readonly boost?: Boost | undefined
  readonly topic: Topic
  /** The level of each party's own report, in its own scheme. */
  readonly marking: ReadonlyMap<PartyId, Level>
}

/** A request for information sent `afterS` after the requester knows of the launch. */
export interface InfoRequest {
  readonly launch: string
  readonly from: PartyId
  readonly to: PartyId
  readonly afterS: number
}

/** Everything a run needs: the agreements, the sensors, the launches and the requests. */
export interface SimulationInput {
  readonly name: string
  readonly registry: Registry
  readonly sensors: readonly Sensor[]
  readonly launches: readonly Launch[]
  readonly requests: readonly InfoRequest[]
}
