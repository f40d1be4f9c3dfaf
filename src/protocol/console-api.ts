/**
 * What the node's API answers and its console reads (issue 15), typed once for both sides:
 * the node's routes build these, web/src/console imports them. Pure: types and one tuple.
 * The store's rows the API serves unchanged (requests, consents, inbox, audit entries) are
 * typed by src/node/store/store.ts, which the console imports as types.
 */
import type { Product, ProductKind } from './product.ts'

/** The roles a token carries, least to most; the console offers only what a role may do. */
export const ROLES = ['operator', 'release-officer', 'auditor', 'admin'] as const
export type Role = (typeof ROLES)[number]

/** Why an engine denied or a receiver quarantined: a code of docs/errors.md and a sentence. */
export interface Reason {
  readonly code: string
  readonly message: string
}

/** Who is signed in, as GET /api/session answers (the console's one source of its role). */
export interface SessionView {
  readonly party: string
  readonly role: Role
  readonly label: string
  /** The registry's zone: the console shows each time in UTC and in it. */
  readonly timeZone: string
  /** This party's marking levels, lowest first (the ingest form's choices). */
  readonly levels: readonly string[]
  /** Every party of the registry but this one (the forms' recipients). */
  readonly partners: readonly string[]
  /** The longest window a request to a partner may cover. */
  readonly maxRequestWindowDays: number
  /** Every API route this role may call, as `METHOD /path`: the console offers only these. */
  readonly allowed: readonly string[]
  readonly expiresAt: string | null
}

/** One peer's link as GET /api/peers answers. */
export interface PeerView {
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
  /** The largest checkpoint of THIS node's log the peer cosigned: size, when, by whose key. */
  readonly lastCosigned: {
    readonly size: number
    readonly at: string
    readonly by: string
  } | null
}

/** An image's fields as GET /api/products shows them: as signed, plus how to read them. */
export type ProductImageryView = Extract<Product, { kind: 'imagery' }>['imagery'] & {
  /** The media type its file is served as (from its format). */
  readonly mediaType?: string
  /** `acquiredAtMs` as an ISO instant. */
  readonly acquiredAt: string
}

/** A product as GET /api/products and GET /api/products/{id} answer (issue 17). */
export interface ProductView {
  readonly id: string
  readonly kind: ProductKind
  readonly originator: string
  readonly marking: { readonly originator: string; readonly level: string }
  /** The marking in this party's scheme. */
  readonly localLevel: string
  readonly topic: string
  readonly releasableTo: readonly string[] | null
  readonly version: number
  /** The store's ProductState: awaiting-content, transferring or complete. */
  readonly state: string
  /** `superseded`: its originator said a later version exists that this node may not get. */
  readonly status: 'current' | 'superseded'
  /** The version that supersedes this copy, when superseded. */
  readonly supersededByVersion?: number
  readonly title: string
  readonly createdAt: string
  readonly receivedFrom: string | null
  readonly imagery?: ProductImageryView
  readonly assessment?: Extract<Product, { kind: 'assessment' }>['assessment']
  /** Where its file is downloaded, for a whole image. */
  readonly contentUrl?: string
}
