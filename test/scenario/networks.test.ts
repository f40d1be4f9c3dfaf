import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Temporal } from 'temporal-polyfill'
import { asAgreementId, asLevel, asPartyId, asTopic } from '../../src/domain/ids.ts'
import type { ReportFacts } from '../../src/domain/registry.ts'
import { buildRegistryIndex, type RegistryIndex } from '../../src/domain/registry-index.ts'
import { decideRelease } from '../../src/domain/release.ts'
import { findReleasePath } from '../../src/domain/routing.ts'
import { statusAt } from '../../src/domain/status.ts'
import { loadScenarioFile } from '../../src/scenario/load.ts'
import type { ScenarioDoc } from '../../src/scenario/schema.ts'
import { toSimulationInput } from '../../src/scenario/to-domain.ts'
import { loaded } from './minimal.ts'

const FILE = fileURLToPath(new URL('../../scenarios/networks-2019.yaml', import.meta.url))

function load(whatIfIds: readonly string[] = []): ScenarioDoc {
  return loaded(loadScenarioFile(FILE, whatIfIds))
}

function indexOf(doc: ScenarioDoc): RegistryIndex {
  return buildRegistryIndex(toSimulationInput(doc).registry)
}

const ms = (instant: string): number => Temporal.Instant.from(instant).epochMilliseconds
const OCT_31 = ms('2019-10-31T16:35:00+09:00')
const NOTICE_EFFECT = ms('2019-11-23T00:00:00+09:00')

const KOREA_MIL_II: ReportFacts = {
  id: 'r1',
  originator: asPartyId('KOR'),
  level: asLevel('MIL-II'),
  topic: asTopic('dprk-missile'),
  releasableTo: null,
}

/** mission-context.md, "Who had agreements with whom (2019)": Korea's unofficial 2019 list. */
const KOREA_PARTNERS = [
  'USA',
  'CAN',
  'FRA',
  'RUS',
  'UKR',
  'ESP',
  'AUS',
  'GBR',
  'SWE',
  'POL',
  'BGR',
  'UZB',
  'NZL',
  'GRC',
  'IND',
  'ROU',
  'PHL',
  'HUN',
  'JOR',
  'JPN',
  'IDN',
  'SAU',
]
/** The same section: Japan's agreements in force, with the dates it gives (the US day from TISA's). */
const JAPAN_PARTNERS: Record<string, string> = {
  USA: '2007-08-10',
  NATO: '2010-06',
  FRA: '2011-10',
  AUS: '2013-03-22',
  GBR: '2014-01',
  IND: '2015-12',
  ITA: '2016-06-07',
  KOR: '2016-11-23',
}

const JAPAN_LIST = 'https://japan.net24.news/?p=3323'
const KOREA_LIST = 'https://xmaster.tistory.com/entry/'
const KUKINEWS = 'https://kukinews.com/article/view/kuk201412260072'

/** The agreement between two parties (bilateral), or fails naming them. */
function between(
  doc: ScenarioDoc,
  a: string,
  b: string,
): [string, ScenarioDoc['agreements'][string]] {
  const found = Object.entries(doc.agreements).filter(
    ([, g]) => g.kind === 'bilateral' && g.parties.includes(a) && g.parties.includes(b),
  )
  assert.equal(found.length, 1, `exactly one bilateral agreement between ${a} and ${b}`)
  return found[0] as [string, ScenarioDoc['agreements'][string]]
}

function url(doc: ScenarioDoc, source: string | undefined): string {
  if (source === undefined) return ''
  return doc.sources[source] ?? source
}

await test('the registry networks-2019', async (t) => {
  await t.test('loads and validates, with every party the mission context names', () => {
    const doc = load()
    const named = new Set(['KOR', ...KOREA_PARTNERS, ...Object.keys(JAPAN_PARTNERS)])
    assert.deepEqual(new Set(Object.keys(doc.parties)), named)
    // The facts name 25 parties (Korea, its 22 listed partners, NATO and Italy), not 30.
    assert.ok(Object.keys(doc.parties).length >= 25, 'at least the 25 parties the facts name')
    assert.equal(Object.keys(doc.agreements).length, 30, '29 bilateral agreements and TISA')
  })

  await t.test('each party has its own scheme; those not in the facts say Assumed', () => {
    const doc = load()
    for (const [id, party] of Object.entries(doc.parties)) {
      assert.ok(party.levels.length >= 3, `${id} has a scheme of at least three levels`)
      if (!['KOR', 'JPN', 'USA'].includes(id)) {
        assert.match(party.note ?? '', /^Assumed/, `${id}'s scheme is labelled an assumption`)
      }
    }
  })

  await t.test('each agreement the facts name is there, with the source the facts give', () => {
    const doc = load()
    for (const partner of KOREA_PARTNERS) {
      const [id, agreement] = between(doc, 'KOR', partner)
      const sources = [agreement.source, ...agreement.events.map((e) => e.source)].map((s) =>
        url(doc, s),
      )
      if (partner === 'USA') assert.ok(sources.includes(KUKINEWS), `${id} cites kukinews`)
      else if (partner !== 'JPN') {
        assert.ok(
          sources.some((s) => s.startsWith(KOREA_LIST)),
          `${id} cites Korea's unofficial list`,
        )
      }
    }
    for (const [partner, date] of Object.entries(JAPAN_PARTNERS)) {
      const [id, agreement] = between(doc, 'JPN', partner)
      const entry = agreement.events.find((e) => e.type === 'entry-into-force')
      assert.ok(entry, `${id} enters into force`)
      assert.ok(entry.date.startsWith(date), `${id} enters into force in ${date}: ${entry.date}`)
      if (date.length === 7) {
        assert.match(entry.note ?? '', /^Assumed day/, `${id}: the day of ${date} is assumed`)
      }
      if (partner === 'USA' || partner === 'KOR') continue // as in the reference, checked below
      const cited = [agreement.source, entry.source].map((s) => url(doc, s))
      assert.ok(cited.includes(JAPAN_LIST), `${id} cites japan-net24`)
    }
    const gsomia = doc.agreements['kor-jpn-gsomia']
    assert.ok(gsomia)
    assert.deepEqual(
      gsomia.events.map((e) => [e.date, e.type, url(doc, e.source)]),
      [
        ['2016-11-23', 'signature', 'https://www.mofa.go.jp/press/release/press4e_002598.html'],
        [
          '2016-11-23',
          'entry-into-force',
          'https://en.m.wikisource.org/wiki/Page:Japan-Korea_GSOMIA_(English_Text).pdf/10',
        ],
        ['2019-08-23', 'notice-of-termination', 'https://m-en.yna.co.kr/view/AEN20190823004651325'],
        ['2019-11-22', 'notice-suspended', 'https://m-en.yna.co.kr/view/AEN20191122008800315'],
        ['2023-03-21', 'notice-withdrawn', 'https://cm.asiae.co.kr/en/article/2023032112055563897'],
      ],
    )
    const entryOf = (id: string) =>
      doc.agreements[id]?.events.find((e) => e.type === 'entry-into-force')
    assert.deepEqual(
      [entryOf('kor-usa')?.date, url(doc, entryOf('kor-usa')?.source)],
      ['1987-09-24', KUKINEWS],
    )
    assert.deepEqual(
      [entryOf('jpn-usa-gsomia')?.date, url(doc, entryOf('jpn-usa-gsomia')?.source)],
      ['2007-08-10', KUKINEWS],
    )
    assert.deepEqual(
      [entryOf('tisa')?.date, url(doc, entryOf('tisa')?.source)],
      [
        '2014-12-29',
        'https://www.globalsecurity.org/intell/library/news/2014/intell-141228-dod01.htm',
      ],
    )
  })

  await t.test('an unknown date is labelled Assumed and in force over the scenario', () => {
    const doc = load()
    const index = indexOf(doc)
    let unknown = 0
    for (const [id, agreement] of Object.entries(doc.agreements)) {
      for (const event of agreement.events) {
        assert.ok(
          event.source !== undefined || /^Assumed/.test(event.note ?? ''),
          `${id} ${event.type} ${event.date} has a source or is labelled Assumed`,
        )
      }
      const entry = agreement.events.find((e) => e.type === 'entry-into-force')
      if (entry?.source !== undefined) continue
      unknown++
      assert.match(entry?.note ?? '', /unknown/, `${id} says its date is unknown`)
      const compiled = index.agreements.get(asAgreementId(id))
      assert.ok(compiled)
      for (const day of ['2019-01-01T00:00:00+09:00', OCT_31, '2019-12-31T23:59:59+09:00']) {
        const atMs = typeof day === 'number' ? day : ms(day)
        assert.equal(statusAt(compiled.lifecycle, atMs).status, 'in-force', `${id} at ${day}`)
      }
    }
    assert.equal(unknown, 20, "Korea's 20 partners besides the US and Japan have no date")
  })
})

await test('the reference case on the networks registry', async (t) => {
  await t.test('KOR → JPN on 2019-10-31: direct under the GSOMIA, in force under notice', () => {
    const index = indexOf(load())
    const gsomia = index.agreements.get(asAgreementId('kor-jpn-gsomia'))
    assert.ok(gsomia)
    const status = statusAt(gsomia.lifecycle, OCT_31)
    assert.equal(status.status, 'in-force')
    assert.equal(status.pendingTermination, NOTICE_EFFECT, 'notice takes effect 2019-11-23 00:00')
    const d = findReleasePath(index, {
      recipient: asPartyId('JPN'),
      report: KOREA_MIL_II,
      atMs: OCT_31,
    })
    assert.equal(d.decision, 'allowed')
    assert.deepEqual(d.path, ['KOR', 'JPN'])
    assert.equal(d.hops[0]?.agreement, 'kor-jpn-gsomia')
    assert.equal(d.levelAtRecipient, 'TOKUTEI-HIMITSU')
    assert.equal(d.hops[0]?.release, 'on-request')
  })

  await t.test('no-gsomia: direct NO_AGREEMENT, relayed KOR → USA → JPN under TISA only', () => {
    const index = indexOf(load(['no-gsomia']))
    const direct = decideRelease(index, {
      holder: asPartyId('KOR'),
      recipient: asPartyId('JPN'),
      report: KOREA_MIL_II,
      atMs: OCT_31,
    })
    assert.deepEqual(
      direct.reasons.map((r) => r.code),
      ['NO_AGREEMENT'],
    )
    const d = findReleasePath(index, {
      recipient: asPartyId('JPN'),
      report: KOREA_MIL_II,
      atMs: OCT_31,
    })
    assert.equal(d.decision, 'allowed')
    assert.deepEqual(d.path, ['KOR', 'USA', 'JPN'])
    assert.deepEqual(
      d.hops.map((hop) => hop.agreement),
      ['tisa', 'tisa'],
      'the partners shared with both (AUS, FRA, GBR, IND) give no standing consent (R4)',
    )
  })

  await t.test('gsomia-lapsed, 2019-11-25: the GSOMIA ended 2019-11-23T00:00+09:00', () => {
    const at = ms('2019-11-25T12:00:00+09:00')
    const lapsed = decideRelease(indexOf(load(['gsomia-lapsed'])), {
      holder: asPartyId('KOR'),
      recipient: asPartyId('JPN'),
      report: KOREA_MIL_II,
      atMs: at,
    })
    assert.deepEqual(
      lapsed.reasons.map((r) => [r.code, r.agreement]),
      [['AGREEMENT_NOT_IN_FORCE', 'kor-jpn-gsomia']],
    )
    const kept = decideRelease(indexOf(load()), {
      holder: asPartyId('KOR'),
      recipient: asPartyId('JPN'),
      report: KOREA_MIL_II,
      atMs: at,
    })
    assert.equal(kept.decision, 'allowed', 'with the suspension the GSOMIA is still in force')
  })
})
