import type { AgreementKind, EventType, ReleaseMode } from '../domain/agreement.ts'
import type { SpifPolicy } from '../domain/spif.ts'

/**
 * A validated scenario: the YAML's own shape and snake_case keys, every default filled in,
 * every launch with its `impact` and `range_km` (computed when the file gives a heading).
 */
export interface ScenarioDoc {
  readonly name: string
  readonly timezone: string
  readonly sources: Readonly<Record<string, string>>
  readonly parties: Readonly<Record<string, PartyDoc>>
  readonly agreements: Readonly<Record<string, AgreementDoc>>
  readonly sensors: Readonly<Record<string, SensorDoc>>
  readonly launches: readonly LaunchDoc[]
  readonly requests: readonly RequestDoc[]
  readonly what_ifs: Readonly<Record<string, WhatIfDoc>>
  readonly source?: string
  readonly note?: string
  /** The SPIF policy of each party that names a `spif` file, read by the loader. */
  readonly policies?: Readonly<Record<string, SpifPolicy>>
}

interface Provenance {
  /** A key of `sources`, or a URL. */
  readonly source?: string
  /** What is assumed, invented or approximate. */
  readonly note?: string
}

export interface PartyDoc extends Provenance {
  readonly name: string
  /** Lowest first. */
  readonly levels: readonly string[]
  readonly public: string | null
  /** An Open XML SPIF file, relative to the scenario's folder; `levels` are read from it. */
  readonly spif?: string
}

export type EquivalenceRowDoc = Readonly<Record<string, string>>
/** Rows, or `spif`: the parties' SPIF policies supply the mapping. */
export type EquivalenceDoc = readonly EquivalenceRowDoc[] | 'spif'

export interface EventChangesDoc {
  readonly topics?: 'all' | readonly string[]
  readonly equivalence?: EquivalenceDoc
  readonly release?: ReleaseMode
}

export interface AgreementEventDoc extends Provenance {
  /** YYYY-MM-DD: 00:00 of that day in the scenario's zone. */
  readonly date: string
  readonly type: EventType
  /** Present exactly on notice-* events. */
  readonly by?: string
  /** Present exactly on amendment events. */
  readonly changes?: EventChangesDoc
}

export interface AgreementDoc extends Provenance {
  readonly title: string
  readonly kind: AgreementKind
  readonly parties: readonly string[]
  readonly hub: string | null
  readonly topics: 'all' | readonly string[]
  readonly equivalence: EquivalenceDoc
  readonly term: {
    readonly initial: string
    readonly renewal: string | null
    readonly notice: string | null
  }
  readonly release: ReleaseMode
  readonly approval_delay_s: number
  readonly link_latency_ms: number
  readonly relay_delay_s: number
  /** In date order; events of one date keep their written order. */
  readonly events: readonly AgreementEventDoc[]
}

export interface LatLonDoc {
  readonly lat: number
  readonly lon: number
}

export interface SensorDoc extends Provenance {
  readonly party: string
  readonly position: { readonly lat: number; readonly lon: number; readonly alt_m: number }
  readonly max_range_km: number
  readonly min_elevation_deg: number
  readonly k_factor: number
  readonly report_delay_s: number
}

export interface LaunchDoc extends Provenance {
  readonly id: string
  /** ISO 8601 instant with offset. */
  readonly time: string
  readonly site: LatLonDoc
  /** Always present after loading: given, or computed from `heading_deg` and `range_km`. */
  readonly impact: LatLonDoc
  /** As written; null when the file gives `impact`. */
  readonly heading_deg: number | null
  /** Always present after loading: given, or the great-circle distance site → impact. */
  readonly range_km: number
  readonly apogee_km: number
  /** The boost phase; null: the missile leaves the ground on the arc. */
  readonly boost: BoostDoc | null
  readonly topic: string
  /** The level of each party's own report. */
  readonly marking: Readonly<Record<string, string>>
}

export interface BoostDoc extends Provenance {
  readonly burn_s: number
  /** Above 0 and below the launch's apogee_km. */
  readonly burnout_altitude_km: number
}

export interface RequestDoc extends Provenance {
  readonly launch: string
  readonly from: string
  readonly to: string
  readonly after_s: number
}

type AddedEventDoc = AgreementEventDoc & { readonly agreement: string }

export interface WhatIfDoc extends Provenance {
  readonly description: string
  readonly remove_agreements?: readonly string[]
  readonly add_agreements?: Readonly<Record<string, AgreementDoc>>
  readonly remove_events?: readonly {
    readonly agreement: string
    readonly type: EventType
    readonly date?: string
  }[]
  readonly add_events?: readonly AddedEventDoc[]
  readonly remove_sensors?: readonly string[]
  readonly add_sensors?: Readonly<Record<string, SensorDoc>>
  readonly remove_requests?: readonly {
    readonly launch?: string
    readonly from?: string
    readonly to?: string
  }[]
  readonly add_requests?: readonly RequestDoc[]
  readonly set?: Readonly<Record<string, unknown>>
}
