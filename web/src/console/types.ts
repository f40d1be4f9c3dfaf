/**
 * The node API's JSON as the console reads it. What the node's routes build is typed once in
 * src/protocol/console-api.ts and the store's rows it serves unchanged in
 * src/node/store/store.ts: both imported here as types, so the two sides cannot drift. The
 * report and track views below are the routes' own shapes (kept here until those routes
 * export theirs).
 */
import type {
  ConsentRow,
  AuditEntry as StoredAuditEntry,
  InboxRow as StoredInboxRow,
  ReleaseRow,
  RequestRow,
} from '../../../src/node/store/store.ts'

export type {
  PeerView as Peer,
  ProductImageryView as ProductImagery,
  ProductView as Product,
  Reason,
  Role,
  SessionView as Session,
} from '../../../src/protocol/console-api.ts'

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

export type ReleaseState = ReleaseRow['state']
/** GET /api/releases: the rows as stored (the console does not read reportSha256). */
export type Release = ReleaseRow
export type Request = RequestRow
export type Consent = ConsentRow
/** GET /api/quarantine: the inbox rows as stored. */
export type InboxRow = StoredInboxRow
export type AuditEntry = StoredAuditEntry
