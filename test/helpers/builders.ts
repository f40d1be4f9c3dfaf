import { Temporal } from 'temporal-polyfill'
import type {
  Agreement,
  AgreementEvent,
  EquivalenceRow,
  Terms,
} from '../../src/domain/agreement.ts'
import { asAgreementId, asLevel, asPartyId, asTopic, type PartyId } from '../../src/domain/ids.ts'
import type { Party } from '../../src/domain/party.ts'
import type { Registry } from '../../src/domain/registry.ts'

export const ZONE = 'Asia/Seoul'
export const KOR = asPartyId('KOR')
export const JPN = asPartyId('JPN')
export const USA = asPartyId('USA')

export function party(id: string, levels: string[], publicLevel: string | null = null): Party {
  return {
    id: asPartyId(id),
    name: id,
    levels: levels.map(asLevel),
    public: publicLevel === null ? null : asLevel(publicLevel),
  }
}

export const PARTIES: readonly Party[] = [
  party('KOR', ['PUBLIC', 'MIL-III', 'MIL-II', 'MIL-I'], 'PUBLIC'),
  party('JPN', ['PUBLIC', 'HI', 'GOKUHI', 'TOKUTEI-HIMITSU'], 'PUBLIC'),
  party('USA', ['UNCLASSIFIED', 'CONFIDENTIAL', 'SECRET', 'TOP-SECRET'], 'UNCLASSIFIED'),
]

/** An event from a compact form: `['2019-08-23', 'notice-of-termination', 'KOR']`. */
export function ev(date: string, type: AgreementEvent['type'], by?: string): AgreementEvent {
  const d = Temporal.PlainDate.from(date)
  switch (type) {
    case 'notice-of-termination':
    case 'notice-suspended':
    case 'notice-withdrawn':
    case 'notice-resumed':
      return { date: d, type, by: asPartyId(by ?? 'KOR') }
    case 'amendment':
      return { date: d, type, changes: {} }
    case 'signature':
    case 'entry-into-force':
    case 'termination':
      return { date: d, type }
  }
}

export function amendment(date: string, changes: Partial<Terms>): AgreementEvent {
  return { date: Temporal.PlainDate.from(date), type: 'amendment', changes }
}

export function rows(...list: Record<string, string>[]): EquivalenceRow[] {
  return list as unknown as EquivalenceRow[]
}

export const topics = (...names: string[]): Terms['topics'] => names.map(asTopic)

export interface AgreementSpec {
  id?: string
  kind?: Agreement['kind']
  parties?: string[]
  hub?: string | null
  topics?: Terms['topics']
  equivalence?: EquivalenceRow[]
  release?: Terms['release']
  initial?: string
  renewal?: string | null
  notice?: string | null
  events?: AgreementEvent[]
  linkLatencyMs?: number
  relayDelayS?: number
}

/** The Korea–Japan GSOMIA's shape by default: yearly, 90 days' notice, in force 2016-11-23. */
export function agreement(spec: AgreementSpec = {}): Agreement {
  return {
    id: asAgreementId(spec.id ?? 'kor-jpn-gsomia'),
    title: spec.id ?? 'Korea–Japan GSOMIA',
    kind: spec.kind ?? 'bilateral',
    parties: (spec.parties ?? ['KOR', 'JPN']).map(asPartyId),
    hub: spec.hub ? asPartyId(spec.hub) : null,
    terms: {
      topics: spec.topics ?? 'all',
      equivalence:
        spec.equivalence ??
        rows(
          { KOR: 'MIL-II', JPN: 'GOKUHI' },
          { KOR: 'MIL-II', JPN: 'TOKUTEI-HIMITSU' },
          { KOR: 'MIL-III', JPN: 'HI' },
        ),
      release: spec.release ?? 'on-request',
    },
    term: {
      initial: Temporal.Duration.from(spec.initial ?? 'P1Y'),
      renewal: spec.renewal === null ? null : Temporal.Duration.from(spec.renewal ?? 'P1Y'),
      notice: spec.notice === null ? null : Temporal.Duration.from(spec.notice ?? 'P90D'),
    },
    approvalDelayS: 0,
    linkLatencyMs: spec.linkLatencyMs ?? 50,
    relayDelayS: spec.relayDelayS ?? 0,
    events: spec.events ?? [ev('2016-11-23', 'entry-into-force')],
  }
}

export function registry(agreements: Agreement[], parties: readonly Party[] = PARTIES): Registry {
  return {
    timeZone: ZONE,
    parties: new Map<PartyId, Party>(parties.map((p) => [p.id, p])),
    agreements,
  }
}

/** Milliseconds of an ISO instant with offset, or of 00:00 in Seoul for a bare date. */
export function at(text: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    return Temporal.PlainDate.from(text).toZonedDateTime({ timeZone: ZONE }).epochMilliseconds
  }
  return Temporal.Instant.from(text).epochMilliseconds
}
