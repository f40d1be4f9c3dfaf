import { Temporal } from 'temporal-polyfill'
import type { Agreement, AgreementEvent, EquivalenceRow, Terms } from '../domain/agreement.ts'
import {
  asAgreementId,
  asLevel,
  asPartyId,
  asTopic,
  type Level,
  type PartyId,
} from '../domain/ids.ts'
import type { Party } from '../domain/party.ts'
import type { Registry } from '../domain/registry.ts'
import type { InfoRequest, Launch, Sensor, SimulationInput } from '../sim/model.ts'
import type { AgreementDoc, AgreementEventDoc, EventChangesDoc, ScenarioDoc } from './doc.ts'

/**
 * Turns a validated scenario (what-ifs already applied) into domain and simulation values.
 * Validation has run, so ids, levels, dates and durations are known to be well formed.
 */
export function toSimulationInput(doc: ScenarioDoc): SimulationInput {
  return {
    name: doc.name,
    registry: toRegistry(doc),
    sensors: Object.entries(doc.sensors).map(([id, s]) => ({
      id,
      party: asPartyId(s.party),
      position: { lat: s.position.lat, lon: s.position.lon },
      altitudeKm: s.position.alt_m / 1000,
      maxRangeKm: s.max_range_km,
      minElevationDeg: s.min_elevation_deg,
      kFactor: s.k_factor,
      reportDelayS: s.report_delay_s,
    })) satisfies Sensor[],
    launches: doc.launches.map((l) => ({
      id: l.id,
      timeMs: Temporal.Instant.from(l.time).epochMilliseconds,
      site: l.site,
      impact: l.impact,
      rangeKm: l.range_km,
      apogeeKm: l.apogee_km,
      ...(l.boost === null
        ? {}
        : {
            boost: {
              burnSeconds: l.boost.burn_s,
              burnoutAltitudeKm: l.boost.burnout_altitude_km,
            },
          }),
      topic: asTopic(l.topic),
      marking: new Map<PartyId, Level>(
        Object.entries(l.marking).map(([party, level]) => [asPartyId(party), asLevel(level)]),
      ),
    })) satisfies Launch[],
    requests: doc.requests.map((r) => ({
      launch: r.launch,
      from: asPartyId(r.from),
      to: asPartyId(r.to),
      afterS: r.after_s,
    })) satisfies InfoRequest[],
  }
}

export function toRegistry(doc: ScenarioDoc): Registry {
  const parties = new Map<PartyId, Party>(
    Object.entries(doc.parties).map(([id, p]) => [
      asPartyId(id),
      {
        id: asPartyId(id),
        name: p.name,
        levels: p.levels.map(asLevel),
        public: p.public === null ? null : asLevel(p.public),
        ...(doc.policies?.[id] === undefined ? {} : { policy: doc.policies[id] }),
      },
    ]),
  )
  const agreements = Object.entries(doc.agreements).map(([id, a]) => toAgreement(id, a))
  return { timeZone: doc.timezone, parties, agreements }
}

function toAgreement(id: string, doc: AgreementDoc): Agreement {
  return {
    id: asAgreementId(id),
    title: doc.title,
    kind: doc.kind,
    parties: doc.parties.map(asPartyId),
    hub: doc.hub === null ? null : asPartyId(doc.hub),
    terms: toTerms({
      topics: doc.topics,
      equivalence: doc.equivalence,
      release: doc.release,
    }) as Terms,
    term: {
      initial: Temporal.Duration.from(doc.term.initial),
      renewal: doc.term.renewal === null ? null : Temporal.Duration.from(doc.term.renewal),
      notice: doc.term.notice === null ? null : Temporal.Duration.from(doc.term.notice),
    },
    approvalDelayS: doc.approval_delay_s,
    linkLatencyMs: doc.link_latency_ms,
    relayDelayS: doc.relay_delay_s,
    events: doc.events.map(toEvent),
  }
}

function toTerms(doc: EventChangesDoc): Partial<Terms> {
  const terms: { -readonly [K in keyof Terms]?: Terms[K] } = {}
  if (doc.topics !== undefined)
    terms.topics = doc.topics === 'all' ? 'all' : doc.topics.map(asTopic)
  if (doc.equivalence !== undefined)
    terms.equivalence =
      doc.equivalence === 'spif' ? 'spif' : (doc.equivalence as readonly EquivalenceRow[])
  if (doc.release !== undefined) terms.release = doc.release
  return terms
}

function toEvent(doc: AgreementEventDoc): AgreementEvent {
  const date = Temporal.PlainDate.from(doc.date)
  switch (doc.type) {
    case 'notice-of-termination':
    case 'notice-suspended':
    case 'notice-withdrawn':
    case 'notice-resumed':
      return { date, type: doc.type, by: asPartyId(doc.by ?? '') }
    case 'amendment':
      return { date, type: doc.type, changes: toTerms(doc.changes ?? {}) }
    case 'signature':
    case 'entry-into-force':
    case 'termination':
      return { date, type: doc.type }
  }
}
