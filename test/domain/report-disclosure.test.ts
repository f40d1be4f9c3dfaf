import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { type Allowed, denied, reason, type ReleaseDecision } from '../../src/domain/decision.ts'
import { asLevel, asPartyId, asTopic, type PartyId } from '../../src/domain/ids.ts'
import { buildRegistryIndex } from '../../src/domain/registry-index.ts'
import {
  type DecideDisclosure,
  type Disclosure,
  type DisclosureQuery,
  type Holder,
  planDisclosure,
} from '../../src/domain/report-disclosure.ts'
import {
  type ContentVersion,
  type ReportLife,
  type ReportVersion,
  replayLife,
  type Withdrawal,
} from '../../src/domain/report-life.ts'
import { findReleasePath } from '../../src/domain/routing.ts'
import { agreement, at, ev, JPN, KOR, registry, rows, topics, USA } from '../helpers/builders.ts'

// KOR reaches USA directly (MIL-II and MIL-III) and JPN only through the hub USA, at MIL-III.
const KOR_USA = agreement({
  id: 'kor-usa',
  parties: ['KOR', 'USA'],
  equivalence: rows({ KOR: 'MIL-II', USA: 'SECRET' }, { KOR: 'MIL-III', USA: 'CONFIDENTIAL' }),
  release: 'auto',
  events: [ev('1987-09-24', 'entry-into-force')],
  initial: 'P100Y',
  renewal: null,
})
const TISA = agreement({
  id: 'tisa',
  kind: 'mediated',
  parties: ['KOR', 'JPN', 'USA'],
  hub: 'USA',
  topics: topics('dprk-missile'),
  equivalence: rows({ KOR: 'MIL-III', JPN: 'HI', USA: 'CONFIDENTIAL' }),
  release: 'auto',
  events: [ev('2014-12-29', 'entry-into-force')],
  initial: 'P100Y',
  renewal: null,
})
const index = buildRegistryIndex(registry([KOR_USA, TISA]))
const engine: DecideDisclosure = (query) => findReleasePath(index, query)

const T0 = at('2019-10-31T16:35:00+09:00')
const MINUTE_MS = 60_000
const CONTENT = { impact: 'sea of japan', apogeeKm: 550 }

function issued(): ContentVersion {
  const level = asLevel('MIL-III')
  return {
    version: 1,
    kind: 'issued',
    originator: KOR,
    atMs: T0,
    level,
    releasableTo: null,
    content: CONTENT,
  }
}

function corrected(
  version: number,
  level: string,
  releasableTo: PartyId[] | null = null,
): ContentVersion {
  const atMs = T0 + version * MINUTE_MS
  const content = { ...CONTENT, apogeeKm: 500 + version }
  return {
    ...issued(),
    version,
    kind: 'corrected',
    atMs,
    level: asLevel(level),
    releasableTo,
    content,
  }
}

function withdrawn(version: number): Withdrawal {
  const atMs = T0 + version * MINUTE_MS
  return { version, kind: 'withdrawn', originator: KOR, atMs, reason: 'sensor artefact' }
}

function lifeOf(...versions: [ReportVersion, ...ReportVersion[]]): ReportLife {
  const outcome = replayLife('r1', asTopic('dprk-missile'), versions)
  assert.ok(outcome.ok)
  return outcome.value
}

function forHolder(plan: readonly Disclosure[], party: PartyId): Disclosure {
  const found = plan.find((d) => d.holder === party)
  assert.ok(found, `${party} gets a disclosure`)
  return found
}

const neverAsked: DecideDisclosure = () => assert.fail('a withdrawal asks the engine nothing')

// Given v1 at MIL-III held by USA directly and by JPN through USA (the engine's own paths).
const HOLDERS_OF_V1: readonly Holder[] = [
  { party: USA, holds: 1, path: [KOR, USA] },
  { party: JPN, holds: 1, path: [KOR, USA, JPN] },
]

describe('disclosing a correction to the holders of earlier versions', () => {
  it('given v1 at MIL-III, the engine sends it to USA directly and to JPN through the hub USA', () => {
    const report = {
      id: 'r1',
      originator: KOR,
      level: asLevel('MIL-III'),
      topic: asTopic('dprk-missile'),
      releasableTo: null,
    }
    for (const holder of HOLDERS_OF_V1)
      assert.deepEqual(engine({ recipient: holder.party, report, atMs: T0 }).path, holder.path)
  })

  it('a correction raising the level to MIL-II reaches USA with its content; JPN, which may not see it, gets a superseded notice without content', () => {
    const life = lifeOf(issued(), corrected(2, 'MIL-II'))
    const asked: DisclosureQuery[] = []
    const plan = planDisclosure(life, HOLDERS_OF_V1, (query) => {
      asked.push(query)
      return engine(query)
    })

    const usa = forHolder(plan, USA)
    assert.equal(usa.notice.kind, 'version')
    assert.deepEqual(usa.path, [KOR, USA])
    assert.deepEqual(
      usa.notice.kind === 'version' && usa.notice.version.content,
      corrected(2, 'MIL-II').content,
    )
    assert.equal(usa.decision?.levelAtRecipient, 'SECRET')

    const jpn = forHolder(plan, JPN)
    assert.deepEqual(jpn.notice, {
      kind: 'superseded',
      reportId: 'r1',
      holds: 1,
      by: 2,
      atMs: T0 + 2 * MINUTE_MS,
    })
    assert.doesNotMatch(JSON.stringify(jpn.notice), /apogee|impact|MIL-II/)
    assert.deepEqual(jpn.path, [KOR, USA, JPN], 'the notice goes the way v1 came')
    assert.equal(jpn.decision?.decision, 'denied')
    assert.ok(jpn.decision.reasons.some((r) => r.code === 'LEVEL_NOT_COVERED'))
    assert.match(
      jpn.why,
      /^JPN may not receive r1 v2 \(.*LEVEL_NOT_COVERED: tisa maps no level of JPN/,
    )

    assert.deepEqual(
      asked.map((q) => [q.recipient, q.report.level, q.atMs]),
      [
        [USA, 'MIL-II', T0 + 2 * MINUTE_MS],
        [JPN, 'MIL-II', T0 + 2 * MINUTE_MS],
      ],
      'each holder is decided at the correction instant, with its marking',
    )
  })

  it('a later correction back at MIL-III reaches JPN, which still holds v1, through USA', () => {
    const life = lifeOf(issued(), corrected(2, 'MIL-II'), corrected(3, 'MIL-III'))
    const holders = [{ party: USA, holds: 2, path: [KOR, USA] }, HOLDERS_OF_V1[1] as Holder]
    const jpn = forHolder(planDisclosure(life, holders, engine), JPN)
    assert.equal(jpn.notice.kind === 'version' && jpn.notice.version.version, 3)
    assert.deepEqual(jpn.path, [KOR, USA, JPN])
    assert.equal(jpn.decision?.levelAtRecipient, 'HI')
  })

  it('a correction releasable only to USA gives JPN a superseded notice, NOT_RELEASABLE_TO', () => {
    const life = lifeOf(issued(), corrected(2, 'MIL-III', [USA]))
    const plan = planDisclosure(life, HOLDERS_OF_V1, engine)
    assert.equal(forHolder(plan, USA).notice.kind, 'version')
    const jpn = forHolder(plan, JPN)
    assert.equal(jpn.notice.kind, 'superseded')
    assert.ok(jpn.decision?.reasons.some((r) => r.code === 'NOT_RELEASABLE_TO'))
  })
})

describe('disclosing a withdrawal', () => {
  it('reaches every holder of any version, a relayed one through its relay, whatever the level, without the engine', () => {
    const life = lifeOf(issued(), corrected(2, 'MIL-II'), withdrawn(3))
    // USA holds v2; JPN was only told that its v1 was superseded.
    const holders = [{ party: USA, holds: 2, path: [KOR, USA] }, HOLDERS_OF_V1[1] as Holder]
    const plan = planDisclosure(life, holders, neverAsked)
    const notice = {
      kind: 'withdrawn',
      reportId: 'r1',
      version: 3,
      atMs: T0 + 3 * MINUTE_MS,
      reason: 'sensor artefact',
    }
    assert.deepEqual(
      plan.map((d) => [d.holder, d.holds, d.path, d.notice, d.decision]),
      [
        [USA, 2, [KOR, USA], notice, null],
        [JPN, 1, [KOR, USA, JPN], notice, null],
      ],
    )
    assert.match(forHolder(plan, JPN).why, /by the path its copy came \(KOR → USA → JPN\)$/)
  })

  it('a relay on a holder path that is not listed is a holder too, reached by its part of the path', () => {
    const life = lifeOf(issued(), withdrawn(2))
    const plan = planDisclosure(life, [HOLDERS_OF_V1[1] as Holder], neverAsked)
    assert.deepEqual(
      plan.map((d) => [d.holder, d.holds, d.path, d.notice.kind]),
      [
        [JPN, 1, [KOR, USA, JPN], 'withdrawn'],
        [USA, 1, [KOR, USA], 'withdrawn'],
      ],
    )
  })
  it('a relay that passed on several versions holds the highest of them', () => {
    const GBR = asPartyId('GBR')
    const life = lifeOf(issued(), corrected(2, 'MIL-III'), withdrawn(3))
    const holders: Holder[] = [
      { party: GBR, holds: 2, path: [KOR, USA, GBR] },
      { party: JPN, holds: 1, path: [KOR, USA, JPN] },
    ]
    const usa = forHolder(planDisclosure(life, holders, neverAsked), USA)
    assert.deepEqual([usa.holds, usa.path], [2, [KOR, USA]])
  })
})

describe('disclosure: holders that contradict the life are programmer errors', () => {
  const life = lifeOf(issued(), corrected(2, 'MIL-II'))
  const cases: [string, Holder[]][] = [
    ['a path not from the originator', [{ party: JPN, holds: 1, path: [USA, JPN] }]],
    ['a path not to the holder', [{ party: JPN, holds: 1, path: [KOR, USA] }]],
    ['the originator as a holder', [{ party: KOR, holds: 1, path: [KOR, KOR] }]],
    ['a holder of the new version', [{ party: USA, holds: 2, path: [KOR, USA] }]],
    ['a holder listed twice', [HOLDERS_OF_V1[0] as Holder, HOLDERS_OF_V1[0] as Holder]],
  ]
  for (const [what, holders] of cases)
    it(`throws on ${what}`, () => assert.throws(() => planDisclosure(life, holders, engine)))
})

describe('disclosure properties', () => {
  const OTHERS = ['USA', 'JPN', 'GBR', 'AUS', 'CAN'].map(asPartyId)
  const plannedArb = fc.record({
    latest: fc.integer({ min: 2, max: 5 }),
    withdraw: fc.boolean(),
    entries: fc.uniqueArray(
      fc.record({
        party: fc.constantFrom(...OTHERS),
        via: fc.option(fc.constantFrom(...OTHERS), { nil: null }),
        holds: fc.nat(),
        allowed: fc.boolean(),
      }),
      { selector: (e) => e.party, maxLength: OTHERS.length },
    ),
  })

  function stubDecision(recipient: PartyId, allowed: boolean): ReleaseDecision {
    if (!allowed) return denied([reason('NO_AGREEMENT', `stub: not to ${recipient}`)])
    const grounds = [{ code: 'ORIGINATOR' as const, message: 'stub' }]
    const stub: Allowed = {
      decision: 'allowed',
      path: [KOR, recipient],
      hops: [],
      levelAtRecipient: null,
      reasons: [],
      grounds,
    }
    return stub
  }

  it('content goes only where the engine allows it; a withdrawal reaches every party on every path once', () => {
    fc.assert(
      fc.property(plannedArb, ({ latest, withdraw, entries }) => {
        const versions: [ReportVersion, ...ReportVersion[]] = [issued()]
        for (let v = 2; v < latest; v++) versions.push(corrected(v, 'MIL-III'))
        versions.push(withdraw ? withdrawn(latest) : corrected(latest, 'MIL-II'))
        const holders = entries.map(({ party, via, holds }) => ({
          party,
          holds: 1 + (holds % (latest - 1)),
          path: via === null || via === party ? [KOR, party] : [KOR, via, party],
        }))
        const allowed = new Map(entries.map((e) => [e.party, e.allowed]))
        const decide: DecideDisclosure = (q) =>
          stubDecision(q.recipient, allowed.get(q.recipient) ?? false)
        const plan = planDisclosure(lifeOf(...versions), holders, decide)

        const onPaths = new Set(holders.flatMap((h) => h.path.slice(1)))
        assert.deepEqual(plan.map((d) => d.holder).sort(), [...onPaths].sort())
        for (const d of plan) {
          const mayHave = !withdraw && d.decision?.decision === 'allowed'
          assert.equal(d.notice.kind === 'version', mayHave, `${d.holder}: content iff allowed`)
          assert.equal(
            JSON.stringify(d.notice).includes('apogeeKm'),
            mayHave,
            `${d.holder}: no content leaks`,
          )
          if (withdraw) assert.equal(d.notice.kind, 'withdrawn')
        }
      }),
      { numRuns: 300 },
    )
  })
})
