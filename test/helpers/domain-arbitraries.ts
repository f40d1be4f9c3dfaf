import fc from 'fast-check'
import { Temporal } from 'temporal-polyfill'
import type { Agreement, AgreementEvent } from '../../src/domain/agreement.ts'
import { asLevel, asTopic, type Level, type PartyId } from '../../src/domain/ids.ts'
import type { Party } from '../../src/domain/party.ts'
import type { Registry, ReportFacts } from '../../src/domain/registry.ts'
import { agreement, party, rows, ZONE } from './builders.ts'

export const PARTY_IDS = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE'] as const
export const TOPICS = ['dprk-missile', 'dprk-nuclear', 'cyber'] as const
const LEVELS = ['L0', 'L1', 'L2', 'L3'].map(asLevel)

/** Every party has the same four levels; L0 is public. */
export const PARTIES: readonly Party[] = PARTY_IDS.map((id) =>
  party(id, ['L0', 'L1', 'L2', 'L3'], 'L0'),
)

const START = Temporal.PlainDate.from('2010-01-01')
export const dateArb = fc.integer({ min: 0, max: 365 * 14 }).map((days) => START.add({ days }))

const noticeTypes = [
  'notice-of-termination',
  'notice-suspended',
  'notice-withdrawn',
  'notice-resumed',
] as const

function eventArb(parties: readonly PartyId[]): fc.Arbitrary<AgreementEvent> {
  const by = fc.constantFrom(...parties)
  return fc.oneof(
    fc.record({ date: dateArb, type: fc.constantFrom(...noticeTypes), by }),
    fc.record({ date: dateArb, type: fc.constant('termination' as const) }),
  )
}

/** A random agreement with its history: entry into force plus notices and terminations. */
export function agreementArb(id: string, withEvents = true): fc.Arbitrary<Agreement> {
  return fc
    .record({
      parties: fc.uniqueArray(fc.constantFrom(...PARTY_IDS), { minLength: 2, maxLength: 4 }),
      mediated: fc.boolean(),
      entry: dateArb,
      initial: fc.constantFrom('P1Y', 'P2Y', 'P6M', 'P400D'),
      renewal: fc.constantFrom('P1Y', 'P6M', null),
      notice: fc.constantFrom('P90D', 'P30D', 'P6M', null),
      topics: fc.oneof(fc.constant('all' as const), fc.subarray([...TOPICS], { minLength: 1 })),
      levelShift: fc.integer({ min: 0, max: 1 }),
      eventCount: fc.integer({ min: 0, max: withEvents ? 5 : 0 }),
      seed: fc.integer(),
    })
    .chain((r) => {
      const parties = r.parties as unknown as PartyId[]
      return fc
        .array(eventArb(parties), { minLength: r.eventCount, maxLength: r.eventCount })
        .map((events) => {
          const all = [{ date: r.entry, type: 'entry-into-force' as const }, ...events]
          all.sort((a, b) => Temporal.PlainDate.compare(a.date, b.date))
          const mediated = r.mediated && parties.length >= 3
          return agreement({
            id,
            kind: mediated ? 'mediated' : parties.length === 2 ? 'bilateral' : 'multilateral',
            parties,
            hub: mediated ? parties[0] : null,
            topics: r.topics === 'all' ? 'all' : r.topics.map(asTopic),
            equivalence: rows(
              ...[1, 2].map((n) =>
                Object.fromEntries(parties.map((p) => [p, `L${n + r.levelShift}`])),
              ),
            ),
            initial: r.initial,
            renewal: r.renewal,
            notice: r.notice,
            events: all,
          })
        })
    })
}

export const registryArb: fc.Arbitrary<Registry> = fc
  .integer({ min: 0, max: 6 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => agreementArb(`g-${i}`))))
  .map((agreements) => ({
    timeZone: ZONE,
    parties: new Map(PARTIES.map((p) => [p.id, p])),
    agreements,
  }))

export const reportArb: fc.Arbitrary<ReportFacts> = fc.record({
  id: fc.constant('r'),
  originator: fc.constantFrom(...PARTY_IDS).map((p) => p as PartyId),
  level: fc.constantFrom<Level>(...LEVELS),
  topic: fc.constantFrom(...TOPICS).map(asTopic),
  releasableTo: fc.option(fc.subarray([...PARTY_IDS] as PartyId[]), { nil: null }),
})

export const instantArb = dateArb.chain((date) =>
  fc
    .integer({ min: 0, max: 86_399_999 })
    .map((ms) => date.toZonedDateTime({ timeZone: ZONE }).epochMilliseconds + ms),
)
