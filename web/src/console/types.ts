/** The node API's JSON as the console reads it (src/node/http/routes-*.ts answer these). */

export type Role = 'operator' | 'release-officer' | 'auditor' | 'admin'

export interface Session {
  readonly party: string
  readonly role: Role
  readonly label: string
  readonly timeZone: string
  readonly levels: readonly string[]
  readonly partners: readonly string[]
  readonly maxRequestWindowDays: number
  readonly allowed: readonly string[]
  readonly expiresAt: string | null
}

export interface Reason {
  readonly code: string
  readonly message: string
}

export interface LatLon {
  readonly lat: number
  readonly lon: number
}

export interface Report {
  readonly id: string
  readonly originator: string
  readonly level: string
  readonly localLevel: string
  readonly topic: string
  readonly payload: {
    readonly time?: string
    readonly site?: LatLon
    readonly impact?: LatLon
    readonly headingDeg?: number
    readonly rangeKm?: number
    readonly apogeeKm?: number
    readonly count?: number
    readonly text?: string
  }
  readonly receivedFrom: string | null
  readonly agreement: string | null
  readonly path: readonly string[]
  readonly createdAtMs: number
  readonly marking: { readonly levelHere: string; readonly level: string; readonly scheme: string }
  /** As the API gives it: current, withdrawn (and superseded once corrections land). */
  readonly status: string
  readonly withdrawal?: { readonly at: string; readonly reason: string }
}

/** A track as GET /api/tracks shows it (issue 12): its latest state, its marking here. */
export interface Track {
  readonly originator: string
  readonly trackNumber: number
  readonly reportId: string
  readonly status: 'live' | 'dropped' | 'correlated'
  readonly path: readonly string[]
  readonly marking: { readonly levelHere: string }
  readonly state: {
    readonly atMs: number
    readonly position: { readonly lat: number; readonly lon: number; readonly altM: number }
    readonly quality: number
    readonly phase: string
    readonly sensor: string
    readonly impact: {
      readonly lat: number
      readonly lon: number
      readonly semiMajorM: number
      readonly semiMinorM: number
    } | null
  }
}

export type ReleaseState = 'denied' | 'held' | 'pending-approval' | 'rejected' | 'released'

export interface Release {
  readonly id: string
  readonly reportId: string
  readonly recipient: string
  readonly agreement: string | null
  readonly mode: string | null
  readonly state: ReleaseState
  readonly levelAtRecipient: string | null
  readonly path: readonly string[]
  readonly reasons: readonly Reason[]
  readonly decidedAtMs: number
  readonly officer: string | null
  readonly updatedAtMs: number
}

export interface Request {
  readonly id: string
  readonly direction: 'incoming' | 'outgoing'
  readonly requester: string
  readonly asked: string
  readonly topic: string
  readonly windowFromMs: number
  readonly windowUntilMs: number
  readonly createdAtMs: number
  readonly status: 'open' | 'answered' | 'refused'
  readonly answeredAtMs: number | null
  readonly answer: Readonly<Record<string, unknown>> | null
}

export interface Consent {
  readonly id: string
  readonly originator: string
  readonly holder: string
  readonly recipient: string
  readonly reportId: string | null
  readonly topic: string | null
  readonly fromMs: number
  readonly untilMs: number | null
  readonly revokedAtMs: number | null
}

export interface InboxRow {
  readonly messageId: string
  readonly sender: string
  readonly kind: string
  readonly receivedAtMs: number
  readonly status: string
  readonly reasons: readonly Reason[]
  readonly header: Readonly<Record<string, unknown>>
}

export interface Peer {
  readonly peer: string
  readonly transport: string
  readonly state: string
  readonly lastHeardAt: string | null
  readonly backlog: number
  readonly queued: number
  readonly framesInFlight: number
  /** The size of the peer's audit log this node holds a checkpoint of (issue 13). */
  readonly witnessedSize: number
  /** Checkpoints of the peer that contradict one held before (LOG_FORK). */
  readonly logForks: number
}

export interface AuditEntry {
  readonly seq: number
  readonly atMs: number
  readonly type: string
  readonly party: string | null
  readonly subject: string | null
  readonly data: Readonly<Record<string, unknown>>
  readonly hash: string
}
