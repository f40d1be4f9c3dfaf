/** The demo API's shapes (GET /demo/api/…), as the dashboard reads them. */

export interface Party {
  readonly id: string
  readonly name: string
  readonly levels: readonly string[]
  readonly public: string | null
  readonly color: string
}

export type AgreementKind = 'bilateral' | 'multilateral' | 'mediated'

export interface AgreementEvent {
  readonly date: string
  readonly type: string
  readonly by: string | null
  /** False for an event that changed nothing (e.g. a withdrawal after the agreement ended). */
  readonly applied: boolean
  readonly effect: string
}

export interface NoticeView {
  readonly given: string
  /** The day it was suspended or withdrawn, or took effect; null if the agreement expired first. */
  readonly until: string | null
}

export interface Agreement {
  readonly id: string
  readonly title: string
  readonly kind: AgreementKind
  readonly parties: readonly string[]
  readonly hub: string | null
  readonly events: readonly AgreementEvent[]
  readonly notices: readonly NoticeView[]
}

export interface Sensor {
  readonly id: string
  readonly party: string
  readonly lat: number
  readonly lon: number
  readonly altitudeKm: number
  readonly maxRangeKm: number
  readonly minElevationDeg: number
  readonly kFactor: number
  readonly note?: string | null
}

export interface LatLon {
  readonly lat: number
  readonly lon: number
}

export interface TrackPoint extends LatLon {
  readonly t: number
  readonly altitudeKm: number
}

export interface Launch {
  readonly id: string
  readonly launchAt: string
  readonly impactAt: string
  readonly flightSeconds: number
  readonly site: LatLon
  readonly impact: LatLon
  readonly rangeKm: number
  readonly apogeeKm: number
  readonly track: readonly TrackPoint[]
}

export interface Scenario {
  readonly name: string
  readonly timeZone: string
  readonly parties: readonly Party[]
  readonly agreements: readonly Agreement[]
  readonly sensors: readonly Sensor[]
  readonly launches: readonly Launch[]
}

export type AgreementStatus = 'not-yet-in-force' | 'in-force' | 'terminated'

export interface AgreementRow {
  readonly id: string
  readonly title: string
  readonly kind: AgreementKind
  readonly parties: readonly string[]
  readonly hub: string | null
  readonly status: AgreementStatus
  readonly since: string | null
  readonly periodEnd: string | null
  readonly pendingTermination: string | null
  readonly terminatedAt: string | null
}

export interface Reason {
  readonly code: string
  readonly message: string
  readonly agreement?: string
  readonly hop?: number
}

export interface Hop {
  readonly from: string
  readonly to: string
  readonly agreement: string
  readonly level: string
  readonly release: string
}

export interface ReleaseDecision {
  readonly decision: 'allowed' | 'denied'
  readonly path: readonly string[]
  readonly hops: readonly Hop[]
  readonly levelAtRecipient: string | null
  readonly reasons: readonly Reason[]
  readonly grounds: readonly Reason[]
}

// The wire shapes the server defines: imported as types only, so nothing of the server is bundled.
import type { LiveEvent, LivePartyResult } from '../../../src/cli/demo/live.ts'
export type { LiveEvent, LiveEventType, LivePartyResult } from '../../../src/cli/demo/live.ts'
export type { AuditVerification } from '../../../src/node/audit/verify.ts'

export interface ExpectedParty {
  readonly party: string
  readonly knowsSeconds: number | null
  readonly warningSeconds: number | null
}

export type RunStatus = 'pending' | 'running' | 'done'

export interface RunView {
  readonly id: string
  readonly whatIfs: readonly string[]
  readonly status: RunStatus
  readonly expected: {
    readonly launches: readonly {
      readonly id: string
      readonly parties: readonly ExpectedParty[]
    }[]
  }
  readonly live: {
    readonly launches: readonly {
      readonly id: string
      readonly parties: readonly LivePartyResult[]
    }[]
    readonly timeline: readonly LiveEvent[]
  }
}

export interface Marking {
  readonly originator: string
  readonly level: string
  readonly levelHere: string
  readonly scheme: string
}

export interface HeldReport {
  readonly id: string
  readonly originator: string
  readonly level: string
  readonly localLevel: string
  readonly topic: string
  readonly payload: unknown
  readonly receivedFrom: string | null
  readonly agreement: string | null
  readonly path: readonly string[] | null
  readonly createdAtMs: number
  readonly marking: Marking
}

export interface AuditEntry {
  readonly seq: number
  readonly atMs: number
  readonly type: string
  readonly party: string | null
  readonly subject: string | null
  readonly data: Readonly<Record<string, unknown>>
  readonly prevHash: string
  readonly hash: string
}
