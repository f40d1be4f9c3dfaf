import fc from 'fast-check'
import { Temporal } from 'temporal-polyfill'
import {
  type Agreement,
  type AgreementEvent,
  type EquivalenceRow,
  RELEASE_MODES,
  type Terms,
} from '../../src/domain/agreement.ts'
import { asLevel, asTopic, type PartyId } from '../../src/domain/ids.ts'
import type { Registry } from '../../src/domain/registry.ts'
import { agreement, ZONE } from './builders.ts'
import { dateArb, PARTIES, PARTY_IDS, TOPICS } from './domain-arbitraries.ts'

/**
 * Registries with full agreement histories, for the properties that play histories on a
 * node (test/node/egress.property.test.ts): notices of termination withdrawn, suspended and
 * resumed, terminations, and amendments of topics, levels and release mode, dated from each
 * agreement's entry into force.
 */

const TERM_LEVELS = ['L1', 'L2'].map(asLevel)
const topicsArb: fc.Arbitrary<Terms['topics']> = fc.oneof(
  fc.constant('all' as const),
  fc.subarray([...TOPICS].map(asTopic), { minLength: 1 }),
)

/** 1–3 rows naming every party of the agreement, each at L1 or L2 (L3 is never covered). */
function equivalenceArb(parties: readonly PartyId[]): fc.Arbitrary<EquivalenceRow[]> {
  const row = fc.tuple(...parties.map(() => fc.constantFrom(...TERM_LEVELS)))
  return fc
    .array(row, { minLength: 1, maxLength: 3 })
    .map((list) => list.map((levels) => Object.fromEntries(parties.map((p, i) => [p, levels[i]]))))
}

/** A day some time after `entry` (or shortly before it). */
const dayAfter = (entry: Temporal.PlainDate, minDays = -30, maxDays = 365 * 5) =>
  fc.integer({ min: minDays, max: maxDays }).map((days) => entry.add({ days }))

/** An amendment of topics, levels or release mode (at least one of them). */
function amendmentArb(
  parties: readonly PartyId[],
  entry: Temporal.PlainDate,
): fc.Arbitrary<AgreementEvent> {
  return fc
    .record({
      date: dayAfter(entry),
      topics: fc.option(topicsArb, { nil: null }),
      equivalence: fc.option(equivalenceArb(parties), { nil: null }),
      release: fc.option(fc.constantFrom(...RELEASE_MODES), { nil: null }),
    })
    .map(({ date, topics, equivalence, release }) => {
      const changes: { -readonly [K in keyof Terms]?: Terms[K] } = {}
      if (topics !== null) changes.topics = topics
      if (equivalence !== null) changes.equivalence = equivalence
      if (release !== null || (topics === null && equivalence === null))
        changes.release = release ?? 'auto'
      return { date, type: 'amendment' as const, changes }
    })
}

/** A notice of termination by one party, then perhaps withdrawn, or suspended (and resumed). */
function noticeArb(
  parties: readonly PartyId[],
  entry: Temporal.PlainDate,
): fc.Arbitrary<AgreementEvent[]> {
  return fc
    .record({
      by: fc.constantFrom(...parties),
      given: dayAfter(entry, 0),
      then: fc.constantFrom('none', 'withdrawn', 'suspended', 'suspended-resumed'),
      gapDays: fc.integer({ min: 1, max: 200 }),
      resumeDays: fc.integer({ min: 1, max: 200 }),
    })
    .map(({ by, given, then, gapDays, resumeDays }) => {
      const next = given.add({ days: gapDays })
      const events: AgreementEvent[] = [{ date: given, type: 'notice-of-termination', by }]
      if (then === 'withdrawn') events.push({ date: next, type: 'notice-withdrawn', by })
      if (then.startsWith('suspended')) events.push({ date: next, type: 'notice-suspended', by })
      if (then === 'suspended-resumed')
        events.push({ date: next.add({ days: resumeDays }), type: 'notice-resumed', by })
      return events
    })
}

/**
 * A random agreement among `pool` with a full history: entry into force, then notices of
 * termination (withdrawn, suspended, resumed), perhaps a termination, and amendments of
 * topics, levels and release mode; a random release mode, link latency and (mediated)
 * relay delay.
 */
export function historyAgreementArb(id: string, pool: readonly PartyId[]): fc.Arbitrary<Agreement> {
  return fc
    .record({
      parties: fc.uniqueArray(fc.constantFrom(...pool), { minLength: 2, maxLength: pool.length }),
      mediated: fc.boolean(),
      entry: dateArb,
      initial: fc.constantFrom('P1Y', 'P2Y', 'P6M', 'P400D'),
      renewal: fc.constantFrom('P1Y', 'P6M', 'P1Y', null),
      notice: fc.constantFrom('P90D', 'P30D', 'P6M', null),
      topics: topicsArb,
      release: fc.constantFrom(...RELEASE_MODES),
      linkLatencyMs: fc.constantFrom(0, 20, 50),
      relayDelayS: fc.constantFrom(0, 0, 30, 3_600),
    })
    .chain((r) => {
      const parties = r.parties
      return fc
        .record({
          equivalence: equivalenceArb(parties),
          notices: fc.array(noticeArb(parties, r.entry), { maxLength: 2 }),
          termination: fc.oneof(
            { weight: 4, arbitrary: fc.constant(null) },
            { weight: 1, arbitrary: dayAfter(r.entry, 0) },
          ),
          amendments: fc.array(amendmentArb(parties, r.entry), { maxLength: 3 }),
        })
        .map(({ equivalence, notices, termination, amendments }) => {
          const events: AgreementEvent[] = [{ date: r.entry, type: 'entry-into-force' }]
          events.push(...notices.flat(), ...amendments)
          if (termination !== null) events.push({ date: termination, type: 'termination' })
          events.sort((a, b) => Temporal.PlainDate.compare(a.date, b.date))
          const mediated = r.mediated && parties.length >= 3
          return agreement({
            id,
            kind: mediated ? 'mediated' : parties.length === 2 ? 'bilateral' : 'multilateral',
            parties,
            hub: mediated ? parties[0] : null,
            topics: r.topics,
            equivalence,
            release: r.release,
            initial: r.initial,
            renewal: r.renewal,
            notice: r.notice,
            events,
            linkLatencyMs: r.linkLatencyMs,
            relayDelayS: mediated ? r.relayDelayS : 0,
          })
        })
    })
}

/** A registry of 3–4 parties (AAA, BBB, ...) and 2–4 agreements with full histories. */
export const historyRegistryArb: fc.Arbitrary<Registry> = fc
  .integer({ min: 3, max: 4 })
  .chain((n) => {
    const pool = PARTY_IDS.slice(0, n) as unknown as PartyId[]
    return fc
      .integer({ min: 2, max: 4 })
      .chain((k) =>
        fc.tuple(...Array.from({ length: k }, (_, i) => historyAgreementArb(`g-${i}`, pool))),
      )
      .map((agreements) => ({
        timeZone: ZONE,
        parties: new Map(PARTIES.filter((p) => pool.includes(p.id)).map((p) => [p.id, p])),
        agreements,
      }))
  })
