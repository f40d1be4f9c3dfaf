import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ReleaseDecision } from '../../src/domain/decision.ts'
import { asLevel, asTopic, type PartyId } from '../../src/domain/ids.ts'
import type { Consent, ReportFacts } from '../../src/domain/registry.ts'
import { buildRegistryIndex } from '../../src/domain/registry-index.ts'
import { decideRelease } from '../../src/domain/release.ts'
import { findReleasePath } from '../../src/domain/routing.ts'
import { agreement, at, ev, JPN, KOR, registry, rows, topics, USA } from '../helpers/builders.ts'

const GSOMIA = agreement({
  events: [
    ev('2016-11-23', 'entry-into-force'),
    ev('2019-08-23', 'notice-of-termination', 'KOR'),
    ev('2019-11-22', 'notice-suspended', 'KOR'),
  ],
})
const TISA = agreement({
  id: 'tisa',
  kind: 'mediated',
  parties: ['KOR', 'JPN', 'USA'],
  hub: 'USA',
  topics: topics('dprk-missile', 'dprk-nuclear'),
  equivalence: rows(
    { KOR: 'MIL-II', JPN: 'GOKUHI', USA: 'SECRET' },
    { KOR: 'MIL-III', JPN: 'HI', USA: 'CONFIDENTIAL' },
  ),
  release: 'manual',
  events: [ev('2014-12-29', 'entry-into-force')],
  initial: 'P100Y',
  renewal: null,
})
const KOR_USA = agreement({
  id: 'kor-usa',
  parties: ['KOR', 'USA'],
  equivalence: rows({ KOR: 'MIL-II', USA: 'SECRET' }, { KOR: 'MIL-III', USA: 'CONFIDENTIAL' }),
  release: 'auto',
  events: [ev('1987-09-24', 'entry-into-force')],
  initial: 'P100Y',
  renewal: null,
})
const JPN_USA = agreement({
  id: 'jpn-usa-gsomia',
  parties: ['JPN', 'USA'],
  equivalence: rows({ JPN: 'GOKUHI', USA: 'SECRET' }, { JPN: 'HI', USA: 'CONFIDENTIAL' }),
  release: 'auto',
  events: [ev('2007-08-10', 'entry-into-force')],
  initial: 'P100Y',
  renewal: null,
})
const ALL = [GSOMIA, TISA, KOR_USA, JPN_USA]
const index = buildRegistryIndex(registry(ALL))

function report(level: string, extra: Partial<ReportFacts> = {}): ReportFacts {
  return {
    id: 'r1',
    originator: KOR,
    level: asLevel(level),
    topic: asTopic('dprk-missile'),
    releasableTo: null,
    ...extra,
  }
}

function codes(decision: ReleaseDecision): string[] {
  return decision.reasons.map((r) => r.code)
}

const OCT_31 = at('2019-10-31T16:35:00+09:00')

describe('R2: direct agreement', () => {
  it('2019-10-31 KOR → JPN at MIL-II is allowed under the GSOMIA, as TOKUTEI-HIMITSU (highest row)', () => {
    const d = decideRelease(index, {
      holder: KOR,
      recipient: JPN,
      report: report('MIL-II'),
      atMs: OCT_31,
    })
    assert.equal(d.decision, 'allowed')
    assert.deepEqual(d.path, ['KOR', 'JPN'])
    assert.equal(d.hops[0]?.agreement, 'kor-jpn-gsomia')
    assert.equal(d.levelAtRecipient, 'TOKUTEI-HIMITSU')
    assert.equal(d.hops[0]?.release, 'on-request')
  })

  it('MIL-I is not covered: LEVEL_NOT_COVERED names the agreement', () => {
    const d = decideRelease(index, {
      holder: KOR,
      recipient: JPN,
      report: report('MIL-I'),
      atMs: OCT_31,
    })
    assert.equal(d.decision, 'denied')
    assert.deepEqual(codes(d), ['LEVEL_NOT_COVERED'])
    assert.equal(d.reasons[0]?.agreement, 'kor-jpn-gsomia')
  })

  it('a topic outside a mediated agreement is TOPIC_OUT_OF_SCOPE', () => {
    const d = decideRelease(index, {
      holder: KOR,
      recipient: USA,
      report: report('MIL-II', { topic: asTopic('cyber') }),
      atMs: OCT_31,
      prefer: (c) => c.agreement.id === 'tisa',
    })
    // kor-usa covers all topics, so the release is allowed under it despite tisa's scope.
    assert.equal(d.decision, 'allowed')
    assert.equal(d.hops[0]?.agreement, 'kor-usa')
    const onlyTisa = buildRegistryIndex(registry([TISA]))
    const denied = decideRelease(onlyTisa, {
      holder: KOR,
      recipient: USA,
      report: report('MIL-II', { topic: asTopic('cyber') }),
      atMs: OCT_31,
    })
    assert.deepEqual(codes(denied), ['TOPIC_OUT_OF_SCOPE'])
    assert.match(
      denied.reasons[0]?.message ?? '',
      /tisa covers dprk-missile, dprk-nuclear, not cyber/,
    )
  })

  it('lists every failing condition: not in force, topic and level at once', () => {
    const narrow = agreement({
      topics: topics('dprk-nuclear'),
      events: [ev('2030-01-01', 'entry-into-force')],
    })
    const d = decideRelease(buildRegistryIndex(registry([narrow])), {
      holder: KOR,
      recipient: JPN,
      report: report('MIL-I'),
      atMs: OCT_31,
    })
    assert.deepEqual(codes(d), [
      'AGREEMENT_NOT_IN_FORCE',
      'TOPIC_OUT_OF_SCOPE',
      'LEVEL_NOT_COVERED',
    ])
    assert.match(d.reasons[0]?.message ?? '', /enters into force at 2030-01-01T00:00:00\+09:00/)
  })

  it('after the end, AGREEMENT_NOT_IN_FORCE says when it ended', () => {
    const lapsed = agreement({
      events: [
        ev('2016-11-23', 'entry-into-force'),
        ev('2019-08-23', 'notice-of-termination', 'KOR'),
      ],
    })
    const d = decideRelease(buildRegistryIndex(registry([lapsed])), {
      holder: KOR,
      recipient: JPN,
      report: report('MIL-II'),
      atMs: at('2019-11-25'),
    })
    assert.deepEqual(codes(d), ['AGREEMENT_NOT_IN_FORCE'])
    assert.match(d.reasons[0]?.message ?? '', /ended at 2019-11-23T00:00:00\+09:00/)
  })

  it('with no agreement at all: NO_AGREEMENT', () => {
    const d = decideRelease(buildRegistryIndex(registry([KOR_USA])), {
      holder: KOR,
      recipient: JPN,
      report: report('MIL-II'),
      atMs: OCT_31,
    })
    assert.deepEqual(codes(d), ['NO_AGREEMENT'])
  })
})

describe('R0 and R1', () => {
  it('R0: a public report needs no agreement', () => {
    const d = decideRelease(buildRegistryIndex(registry([])), {
      holder: KOR,
      recipient: JPN,
      report: report('PUBLIC'),
      atMs: OCT_31,
    })
    assert.equal(d.decision, 'allowed')
    assert.equal(d.hops[0]?.agreement, null)
    assert.equal(d.grounds[0]?.code, 'PUBLIC')
  })

  it('R1: a releasability list without the recipient denies, with the other failures too', () => {
    const d = decideRelease(index, {
      holder: KOR,
      recipient: JPN,
      report: report('MIL-I', { releasableTo: [USA] }),
      atMs: OCT_31,
    })
    assert.deepEqual(codes(d), ['NOT_RELEASABLE_TO', 'LEVEL_NOT_COVERED'])
  })

  it('R1: an empty list means no foreign release at all', () => {
    const d = decideRelease(index, {
      holder: KOR,
      recipient: USA,
      report: report('MIL-II', { releasableTo: [] }),
      atMs: OCT_31,
    })
    assert.deepEqual(codes(d), ['NOT_RELEASABLE_TO'])
    assert.match(d.reasons[0]?.message ?? '', /no foreign release/)
  })
})

describe('R4: third-party rule', () => {
  it('a holder that is not the originator needs the originator consent', () => {
    const d = decideRelease(index, {
      holder: JPN,
      recipient: USA,
      report: report('MIL-II'),
      levelAtHolder: asLevel('GOKUHI'),
      atMs: OCT_31,
    })
    assert.deepEqual(codes(d), ['NO_ORIGINATOR_CONSENT'])
  })

  it('an explicit consent valid at the instant allows it; an expired one does not', () => {
    const consent = (untilMs: number): Consent => ({
      originator: KOR,
      holder: JPN,
      recipient: USA,
      scope: { reportId: 'r1' },
      fromMs: at('2019-01-01'),
      untilMs,
    })
    const query = {
      holder: JPN,
      recipient: USA,
      report: report('MIL-II'),
      levelAtHolder: asLevel('GOKUHI'),
      atMs: OCT_31,
    }
    const valid = decideRelease(index, { ...query, consents: [consent(at('2020-01-01'))] })
    assert.equal(valid.decision, 'allowed')
    assert.equal(valid.levelAtRecipient, 'SECRET')
    assert.equal(valid.grounds[1]?.code, 'EXPLICIT_CONSENT')
    const expired = decideRelease(index, { ...query, consents: [consent(OCT_31)] })
    assert.deepEqual(codes(expired), ['NO_ORIGINATOR_CONSENT'])
  })

  it('the hub of a mediated agreement has standing consent within its topics', () => {
    const d = decideRelease(index, {
      holder: USA,
      recipient: JPN,
      report: report('MIL-II'),
      levelAtHolder: asLevel('SECRET'),
      atMs: OCT_31,
      prefer: (c) => c.agreement.id === 'tisa',
    })
    assert.equal(d.decision, 'allowed')
    assert.equal(d.hops[0]?.agreement, 'tisa')
    assert.equal(d.levelAtRecipient, 'GOKUHI')
    assert.equal(d.grounds[1]?.code, 'STANDING_CONSENT')
  })

  it('obligations survive (rule 8): after the GSOMIA ends JPN still may not pass KOR data on', () => {
    const d = decideRelease(index, {
      holder: JPN,
      recipient: USA,
      report: report('MIL-II', { topic: asTopic('cyber') }),
      levelAtHolder: asLevel('GOKUHI'),
      atMs: at('2025-01-01'),
    })
    assert.deepEqual(codes(d), ['NO_ORIGINATOR_CONSENT'])
  })
})

describe('R5 and R6: mediated paths', () => {
  const noGsomia = buildRegistryIndex(registry([TISA, KOR_USA, JPN_USA]))

  it('R5: members of a mediated agreement never exchange directly (NO_AGREEMENT says why)', () => {
    const d = decideRelease(noGsomia, {
      holder: KOR,
      recipient: JPN,
      report: report('MIL-II'),
      atMs: OCT_31,
    })
    assert.deepEqual(codes(d), ['NO_AGREEMENT'])
    assert.match(d.reasons[0]?.message ?? '', /tisa is mediated through USA/)
  })

  it('R6: the direct transfer when it is allowed', () => {
    const d = findReleasePath(index, { recipient: JPN, report: report('MIL-II'), atMs: OCT_31 })
    assert.deepEqual(d.path, ['KOR', 'JPN'])
  })

  it('R6 (no-gsomia): KOR → USA → JPN under the trilateral arrangement', () => {
    const d = findReleasePath(noGsomia, { recipient: JPN, report: report('MIL-II'), atMs: OCT_31 })
    assert.equal(d.decision, 'allowed')
    assert.deepEqual(d.path, ['KOR', 'USA', 'JPN'])
    assert.deepEqual(
      d.hops.map((h) => h.agreement),
      ['tisa', 'tisa'],
    )
    assert.deepEqual(
      d.hops.map((h) => h.level),
      ['SECRET', 'GOKUHI'],
    )
    assert.equal(d.levelAtRecipient, 'GOKUHI')
    assert.equal(d.grounds[0]?.code, 'RELAY_PATH')
  })

  it('R6: fewest hops, then lowest latency, then agreement id', () => {
    const slowHub = agreement({
      id: 'slow',
      hub: 'USA',
      linkLatencyMs: 500,
      kind: 'mediated',
      parties: ['KOR', 'JPN', 'USA'],
      topics: topics('dprk-missile'),
      equivalence: rows({ KOR: 'MIL-II', JPN: 'GOKUHI', USA: 'SECRET' }),
      events: [ev('2014-12-29', 'entry-into-force')],
      initial: 'P100Y',
      renewal: null,
    })
    const fastHub = agreement({
      id: 'fast',
      hub: 'AUS',
      kind: 'mediated',
      parties: ['KOR', 'JPN', 'AUS'],
      topics: topics('dprk-missile'),
      linkLatencyMs: 10,
      equivalence: rows({ KOR: 'MIL-II', JPN: 'GOKUHI', AUS: 'SECRET' }),
      events: [ev('2014-12-29', 'entry-into-force')],
      initial: 'P100Y',
      renewal: null,
    })
    const parties = [
      ...registry([]).parties.values(),
      { id: 'AUS' as PartyId, name: 'AUS', levels: [asLevel('SECRET')], public: null },
    ]
    const both = buildRegistryIndex(registry([slowHub, fastHub], parties))
    const d = findReleasePath(both, { recipient: JPN, report: report('MIL-II'), atMs: OCT_31 })
    assert.deepEqual(d.path, ['KOR', 'AUS', 'JPN'])
  })

  it('R6 denial gives the reasons of the direct attempt and of each candidate path', () => {
    const d = findReleasePath(noGsomia, { recipient: JPN, report: report('MIL-I'), atMs: OCT_31 })
    assert.equal(d.decision, 'denied')
    assert.equal(d.reasons[0]?.code, 'NO_AGREEMENT')
    assert.equal(d.reasons[0]?.hop, null)
    const viaUsa = d.reasons.filter((r) => r.hop?.to === USA)
    assert.ok(viaUsa.length > 0, 'reasons of the hop KOR → USA are listed')
    assert.ok(viaUsa.every((r) => r.code === 'LEVEL_NOT_COVERED'))
  })

  it('a relay is not allowed member → member even through a hub when the hub lacks the topic', () => {
    const d = findReleasePath(noGsomia, {
      recipient: JPN,
      report: report('MIL-II', { topic: asTopic('cyber') }),
      atMs: OCT_31,
    })
    assert.equal(d.decision, 'denied')
    assert.ok(codes(d).includes('NO_ORIGINATOR_CONSENT'))
  })
})
