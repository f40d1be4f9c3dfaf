import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { asLevel, asTopic, type PartyId } from '../../src/domain/ids.ts'
import {
  applyVersion,
  type ContentVersion,
  copyStatus,
  factsOf,
  latestContent,
  type LifeOutcome,
  type ReportLife,
  type ReportVersion,
  replayLife,
  startLife,
  statusOf,
  type Withdrawal,
} from '../../src/domain/report-life.ts'
import { at, JPN, KOR } from '../helpers/builders.ts'

const TOPIC = asTopic('dprk-missile')
const T0 = at('2019-10-31T16:35:00+09:00')
const MINUTE_MS = 60_000

function issued(extra: Partial<ContentVersion> = {}): ContentVersion {
  return {
    version: 1,
    kind: 'issued',
    originator: KOR,
    atMs: T0,
    level: asLevel('MIL-III'),
    releasableTo: null,
    content: { impact: 'sea of japan' },
    ...extra,
  }
}

function corrected(version: number, extra: Partial<ContentVersion> = {}): ContentVersion {
  return issued({ version, kind: 'corrected', atMs: T0 + version * MINUTE_MS, ...extra })
}

function withdrawn(version: number, extra: Partial<Withdrawal> = {}): Withdrawal {
  return {
    version,
    kind: 'withdrawn',
    originator: KOR,
    atMs: T0 + version * MINUTE_MS,
    reason: 'sensor artefact',
    ...extra,
  }
}

function value<C>(outcome: LifeOutcome<C>): ReportLife<C> {
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.issues.map((i) => i.message).join('; '))
  return outcome.value
}

function codes(outcome: LifeOutcome<unknown>): string[] {
  assert.equal(outcome.ok, false, 'the version is refused')
  return outcome.ok ? [] : outcome.issues.map((i) => i.code)
}

/** Given the versions so far, when `next` is applied. */
function given(...versions: [ReportVersion, ...ReportVersion[]]): ReportLife {
  return value(replayLife('r1', TOPIC, versions))
}

describe('a report life: versions follow the rules', () => {
  it('issued, then corrected with a raised level, then withdrawn: each is kept in order', () => {
    const life = given(issued(), corrected(2, { level: asLevel('MIL-II') }), withdrawn(3))
    assert.deepEqual(
      life.versions.map((v) => [v.version, v.kind]),
      [
        [1, 'issued'],
        [2, 'corrected'],
        [3, 'withdrawn'],
      ],
    )
    assert.equal(latestContent(life).level, 'MIL-II')
  })

  it('VERSION_NOT_NEXT: the first version is 1', () => {
    assert.deepEqual(codes(startLife('r1', TOPIC, issued({ version: 2 }))), ['VERSION_NOT_NEXT'])
  })

  it('VERSION_NOT_NEXT: a version skipping a number, or repeating one, is refused', () => {
    const life = given(issued())
    assert.deepEqual(codes(applyVersion(life, corrected(3))), ['VERSION_NOT_NEXT'])
    assert.deepEqual(codes(applyVersion(life, corrected(1))), ['VERSION_NOT_NEXT'])
  })

  it('VERSION_NOT_NEXT: versions replayed out of order are refused at the first one out of place', () => {
    const outcome = replayLife('r1', TOPIC, [issued(), corrected(3), corrected(2)])
    assert.equal(outcome.ok, false)
    if (outcome.ok) return
    assert.deepEqual(
      outcome.issues.map((i) => i.code),
      ['VERSION_NOT_NEXT'],
    )
    assert.match(outcome.issues[0].message, /^r1 v3: the next version after v1 is v2$/)
  })

  it('KIND_OUT_OF_ORDER: version 1 is issued, and nothing later is', () => {
    assert.deepEqual(codes(startLife('r1', TOPIC, corrected(1))), ['KIND_OUT_OF_ORDER'])
    const again = issued({ version: 2, atMs: T0 + MINUTE_MS })
    assert.deepEqual(codes(applyVersion(given(issued()), again)), ['KIND_OUT_OF_ORDER'])
  })

  it('AFTER_WITHDRAWAL: neither a correction nor a second withdrawal follows a withdrawal', () => {
    const life = given(issued(), withdrawn(2))
    assert.deepEqual(codes(applyVersion(life, corrected(3))), ['AFTER_WITHDRAWAL'])
    assert.deepEqual(codes(applyVersion(life, withdrawn(3))), ['AFTER_WITHDRAWAL'])
  })

  it('WITHDRAWAL_WITHOUT_REASON: an empty or blank reason is refused', () => {
    const life = given(issued())
    for (const reason of ['', '  \n\t'])
      assert.deepEqual(codes(applyVersion(life, withdrawn(2, { reason }))), [
        'WITHDRAWAL_WITHOUT_REASON',
      ])
  })

  it('ORIGINATOR_CHANGED: a correction or a withdrawal signed by another party is refused', () => {
    const life = given(issued())
    const message = `r1 v2 is signed by JPN, but KOR originated r1; the originator never changes`
    for (const next of [corrected(2, { originator: JPN }), withdrawn(2, { originator: JPN })]) {
      const outcome = applyVersion(life, next)
      assert.deepEqual(codes(outcome), ['ORIGINATOR_CHANGED'])
      assert.equal(outcome.ok ? '' : outcome.issues[0].message, message)
    }
  })

  it('INSTANT_BEFORE_PREVIOUS: a version dated before the one it follows is refused; the same instant is not', () => {
    const life = given(issued(), corrected(2))
    const before = T0 + 2 * MINUTE_MS - 1
    assert.deepEqual(codes(applyVersion(life, corrected(3, { atMs: before }))), [
      'INSTANT_BEFORE_PREVIOUS',
    ])
    assert.deepEqual(codes(applyVersion(life, withdrawn(3, { atMs: before }))), [
      'INSTANT_BEFORE_PREVIOUS',
    ])
    assert.ok(applyVersion(life, corrected(3, { atMs: T0 + 2 * MINUTE_MS })).ok)
  })

  it('every broken rule is named at once, and the life offered the version is unchanged', () => {
    const life = given(issued(), withdrawn(2))
    const next = withdrawn(5, { originator: JPN, atMs: T0, reason: '' })
    assert.deepEqual(codes(applyVersion(life, next)), [
      'AFTER_WITHDRAWAL',
      'VERSION_NOT_NEXT',
      'ORIGINATOR_CHANGED',
      'INSTANT_BEFORE_PREVIOUS',
      'WITHDRAWAL_WITHOUT_REASON',
    ])
    assert.equal(life.versions.length, 2)
  })
})

describe('a report life: status', () => {
  it('current once issued, current after a correction, withdrawn after a withdrawal', () => {
    const v1 = given(issued())
    const v2 = value(applyVersion(v1, corrected(2)))
    const v3 = value(applyVersion(v2, withdrawn(3)))
    assert.deepEqual(
      [statusOf(v1), statusOf(v2), statusOf(v3)],
      ['current', 'current', 'withdrawn'],
    )
  })

  it("a holder's copy is current at the latest version, superseded before it, withdrawn after a withdrawal", () => {
    const v1 = given(issued())
    const v2 = value(applyVersion(v1, corrected(2)))
    const v3 = value(applyVersion(v2, withdrawn(3)))
    assert.equal(copyStatus(v1, 1), 'current')
    assert.deepEqual([copyStatus(v2, 1), copyStatus(v2, 2)], ['superseded', 'current'])
    assert.deepEqual([copyStatus(v3, 1), copyStatus(v3, 2)], ['withdrawn', 'withdrawn'])
  })

  it('a copy of a version the life does not have, or of the withdrawal itself, is a programmer error', () => {
    const life = given(issued(), withdrawn(2))
    for (const held of [0, 2, 3, 1.5])
      assert.throws(() => copyStatus(life, held), { name: 'RangeError' })
  })

  it('each content version is decided with its own marking', () => {
    const list: PartyId[] = [JPN]
    const life = given(issued(), corrected(2, { level: asLevel('MIL-II'), releasableTo: list }))
    assert.deepEqual(factsOf(life, latestContent(life)), {
      id: 'r1',
      originator: KOR,
      level: 'MIL-II',
      topic: TOPIC,
      releasableTo: [JPN],
    })
  })
})
