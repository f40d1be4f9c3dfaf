import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { asLevel, asTopic, type PartyId } from '../../src/domain/ids.ts'
import { buildRegistryIndex } from '../../src/domain/registry-index.ts'
import { type OwnReport, type PartyOutcome, runExchange } from '../../src/sim/exchange.ts'
import type { InfoRequest, Launch } from '../../src/sim/model.ts'
import {
  agreement,
  at,
  ev,
  JPN,
  KOR,
  registry,
  rows,
  topics,
  USA,
  type AgreementSpec,
} from '../helpers/builders.ts'

const LAUNCH: Launch = {
  id: 'l1',
  timeMs: at('2019-10-31T16:35:00+09:00'),
  site: { lat: 39.4, lon: 125.9 },
  impact: { lat: 40.6, lon: 129.9 },
  rangeKm: 370,
  apogeeKm: 90,
  topic: asTopic('dprk-missile'),
  marking: new Map<PartyId, ReturnType<typeof asLevel>>([
    [KOR, asLevel('MIL-II')],
    [JPN, asLevel('GOKUHI')],
    [USA, asLevel('SECRET')],
  ]),
}

function gsomia(spec: AgreementSpec = {}) {
  const base = agreement({ linkLatencyMs: 200, ...spec })
  return { ...base, approvalDelayS: 30 }
}

function run(
  agreements: ReturnType<typeof agreement>[],
  own: Record<string, OwnReport>,
  requests: InfoRequest[] = [],
): Map<string, PartyOutcome> {
  const index = buildRegistryIndex(registry(agreements))
  const reports = new Map(Object.entries(own).map(([p, r]) => [p as PartyId, r]))
  const outcomes = runExchange(index, LAUNCH, reports, requests)
  return new Map(outcomes.map((o) => [o.party, o]))
}

const own = (detectedS: number, reportedS = detectedS): OwnReport => ({
  sensor: 's',
  detectedS,
  reportedS,
})
const TOLERANCE_S = 1e-9

describe('exchange: release modes', () => {
  it('auto: the recipient receives at report time plus link latency', () => {
    const result = run([gsomia({ release: 'auto' })], { KOR: own(10, 30) })
    const jpn = result.get('JPN')
    assert.ok(
      Math.abs((jpn?.receivedS ?? NaN) - 30.2) < TOLERANCE_S,
      `receivedS ${jpn?.receivedS} ≈ 30.2`,
    )
    assert.equal(jpn?.receivedFrom, 'KOR')
    assert.deepEqual(jpn?.path, ['KOR', 'JPN'])
    assert.equal(jpn?.knowsS, jpn?.receivedS)
  })

  it('manual: the release waits for the approval delay', () => {
    const result = run([gsomia({ release: 'manual' })], { KOR: own(10, 30) })
    assert.ok(Math.abs((result.get('JPN')?.receivedS ?? NaN) - 60.2) < TOLERANCE_S)
    assert.ok(result.get('KOR')?.events.some((e) => e.type === 'release-queued'))
  })

  it('on-request: nothing travels unless asked, and the hold is in the timeline', () => {
    const result = run([gsomia()], { KOR: own(10, 30) })
    assert.equal(result.get('JPN')?.receivedS, null)
    assert.equal(result.get('JPN')?.knowsS, null)
    assert.ok(result.get('KOR')?.events.some((e) => e.type === 'release-held' && e.to === JPN))
  })

  it('C1 in the model: a manual release whose approval comes after the agreement ended does not leave', () => {
    const ending = gsomia({
      release: 'manual',
      events: [ev('2016-11-23', 'entry-into-force'), ev('2019-11-01', 'termination')],
    })
    const lateEvening = { ...LAUNCH, timeMs: at('2019-10-31T23:59:00+09:00') }
    const index = buildRegistryIndex(registry([ending]))
    // Reported 50 s after launch, approved 30 s later: 20 s after the agreement ended.
    const outcomes = runExchange(index, lateEvening, new Map([[KOR, own(10, 50)]]), [])
    const kor = outcomes.find((o) => o.party === KOR)
    assert.ok(kor?.events.some((e) => e.type === 'release-queued' && e.to === JPN))
    assert.ok(!kor?.events.some((e) => e.type === 'sent' && e.to === JPN), 'nothing leaves')
    const denial = kor?.events.find((e) => e.type === 'release-denied' && e.to === JPN)
    assert.ok(denial?.type === 'release-denied')
    assert.equal(denial.t, 80, 'decided again at the approval instant')
    assert.equal(denial.reasons[0]?.code, 'AGREEMENT_NOT_IN_FORCE')
    assert.equal(outcomes.find((o) => o.party === JPN)?.knowsS, null)
  })

  it('denied releases appear with their reasons', () => {
    const lapsed = gsomia({
      release: 'auto',
      events: [
        ev('2016-11-23', 'entry-into-force'),
        ev('2019-08-23', 'notice-of-termination', 'KOR'),
      ],
    })
    const late = { ...LAUNCH, timeMs: at('2019-12-01') }
    const index = buildRegistryIndex(registry([lapsed]))
    const outcomes = runExchange(index, late, new Map([[KOR, own(10, 30)]]), [])
    const denial = outcomes
      .find((o) => o.party === KOR)
      ?.events.find((e) => e.type === 'release-denied' && e.to === JPN)
    assert.ok(denial && denial.type === 'release-denied')
    assert.equal(denial.reasons[0]?.code, 'AGREEMENT_NOT_IN_FORCE')
  })
})

describe('exchange: requests (simulation-model.md worked example)', () => {
  it('sees at 60.71 s, asks 5 s later, 0.2 s each way, 30 s approval: the answer arrives at 96.11 s', () => {
    const result = run([gsomia()], { KOR: own(20, 25), JPN: own(60.71) }, [
      { launch: 'l1', from: JPN, to: KOR, afterS: 5 },
    ])
    const jpn = result.get('JPN')
    assert.ok(
      Math.abs((jpn?.receivedS ?? NaN) - 96.11) < 1e-6,
      `answer at ${jpn?.receivedS} s ≈ 96.11 s`,
    )
    assert.equal(jpn?.knowsS, 60.71)
    const types = jpn?.events.map((e) => e.type).filter((t) => !t.startsWith('release-'))
    assert.deepEqual(types, ['detected', 'reported', 'request-sent', 'received'])
    assert.ok(result.get('KOR')?.events.some((e) => e.type === 'request-received'))
  })

  it('an asked party without a report yet answers as soon as it has one', () => {
    const result = run([gsomia()], { KOR: own(100, 120), JPN: own(10) }, [
      { launch: 'l1', from: JPN, to: KOR, afterS: 0 },
    ])
    // The request arrives at 10.2 s; KOR reports at 120 s, approves 30 s, link 0.2 s.
    assert.ok(Math.abs((result.get('JPN')?.receivedS ?? NaN) - 150.2) < 1e-6)
  })

  it('a denied request is answered with its reasons', () => {
    const result = run(
      [gsomia({ equivalence: rows({ KOR: 'MIL-III', JPN: 'HI' }) })],
      { KOR: own(5), JPN: own(10) },
      [{ launch: 'l1', from: JPN, to: KOR, afterS: 1 }],
    )
    const denial = result.get('JPN')?.events.find((e) => e.type === 'denial-received')
    assert.ok(denial && denial.type === 'denial-received')
    assert.equal(denial.reasons[0]?.code, 'LEVEL_NOT_COVERED')
    assert.ok(Math.abs(denial.t - 11.4) < 1e-6, `denial back at ${denial.t} ≈ 11.4 s`)
  })
})

describe('exchange: hub relays', () => {
  const tisa = (release: 'auto' | 'manual') => ({
    ...agreement({
      id: 'tisa',
      kind: 'mediated',
      parties: ['KOR', 'JPN', 'USA'],
      hub: 'USA',
      topics: topics('dprk-missile'),
      equivalence: rows({ KOR: 'MIL-II', JPN: 'GOKUHI', USA: 'SECRET' }),
      release,
      linkLatencyMs: 100,
      relayDelayS: 5,
      events: [ev('2014-12-29', 'entry-into-force')],
    }),
    approvalDelayS: 60,
  })

  it('a member report reaches the other member through the hub after the relay delay', () => {
    const result = run([tisa('auto')], { KOR: own(10, 30) })
    const jpn = result.get('JPN')
    // 30 s report + 0.1 s to USA + 5 s relay delay + 0.1 s to JPN.
    assert.ok(
      Math.abs((jpn?.receivedS ?? NaN) - 35.2) < 1e-6,
      `relayed receipt ${jpn?.receivedS} ≈ 35.2`,
    )
    assert.deepEqual(jpn?.path, ['KOR', 'USA', 'JPN'])
    assert.ok(result.get('USA')?.events.some((e) => e.type === 'sent' && e.relay))
  })

  it('manual release applies at the member and at the hub', () => {
    const result = run([tisa('manual')], { KOR: own(10, 30) })
    // 30 + 60 approval + 0.1 + 5 relay + 60 approval + 0.1
    assert.ok(Math.abs((result.get('JPN')?.receivedS ?? NaN) - 155.2) < 1e-6)
  })

  it('the same input gives the same timeline', () => {
    const a = run([tisa('auto'), gsomia()], { KOR: own(10, 30), JPN: own(12) })
    const b = run([tisa('auto'), gsomia()], { KOR: own(10, 30), JPN: own(12) })
    assert.deepEqual([...a.values()], [...b.values()])
  })
})
