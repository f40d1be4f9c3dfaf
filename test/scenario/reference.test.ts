import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { loadScenarioFile } from '../../src/scenario/load.ts'
import type { ScenarioDoc } from '../../src/scenario/schema.ts'
import { issueAtPath, loaded } from './minimal.ts'

const FILE = fileURLToPath(new URL('../../scenarios/korea-japan-2019.yaml', import.meta.url))

function load(whatIfIds: readonly string[] = []): ScenarioDoc {
  return loaded(loadScenarioFile(FILE, whatIfIds))
}

function gsomia(doc: ScenarioDoc) {
  const agreement = doc.agreements['kor-jpn-gsomia']
  assert.ok(agreement, 'the GSOMIA is in the scenario')
  return agreement
}

await test('the reference scenario korea-japan-2019', async (t) => {
  await t.test('loads cleanly with its parties, agreements and launches', () => {
    const doc = load()
    assert.equal(doc.timezone, 'Asia/Seoul')
    assert.deepEqual(Object.keys(doc.parties), ['KOR', 'JPN', 'USA'])
    assert.deepEqual(Object.keys(doc.agreements), [
      'kor-jpn-gsomia',
      'jpn-usa-gsomia',
      'kor-usa',
      'tisa',
    ])
    assert.deepEqual(
      doc.launches.map((launch) => [launch.id, launch.time]),
      [
        ['2019-10-31-a', '2019-10-31T16:35:00+09:00'],
        ['2019-10-31-b', '2019-10-31T16:38:00+09:00'],
      ],
    )
    assert.deepEqual(doc.requests, [], 'neither side asked')
    assert.equal(doc.agreements['tisa']?.hub, 'USA')
    assert.equal(gsomia(doc).release, 'on-request')
    assert.deepEqual(
      gsomia(doc).events.map((event) => [event.date, event.type]),
      [
        ['2016-11-23', 'signature'],
        ['2016-11-23', 'entry-into-force'],
        ['2019-08-23', 'notice-of-termination'],
        ['2019-11-22', 'notice-suspended'],
        ['2023-03-21', 'notice-withdrawn'],
      ],
    )
  })

  await t.test('fills defaults and computes the impact from heading 68° and 370 km', () => {
    const doc = load()
    assert.equal(doc.agreements['kor-usa']?.relay_delay_s, 0)
    assert.equal(doc.agreements['kor-usa']?.term.renewal, null)
    assert.equal(gsomia(doc).hub, null)
    const sensor = Object.values(doc.sensors)[0]
    assert.ok(Math.abs((sensor?.k_factor ?? 0) - 4 / 3) < 1e-12, 'k_factor defaults to 4/3')
    const [first] = doc.launches
    assert.ok(first)
    assert.equal(first.range_km, 370)
    assert.ok(
      Math.abs(first.impact.lat - 40.59) < 0.01,
      `impact latitude ${first.impact.lat} ≈ 40.59 ± 0.01°`,
    )
    assert.ok(
      Math.abs(first.impact.lon - 129.95) < 0.01,
      `impact longitude ${first.impact.lon} ≈ 129.95 ± 0.01°`,
    )
  })

  await t.test('gives every fact a source and every invention a note', () => {
    const doc = load()
    const items: [string, { source?: string; note?: string }][] = [
      ...Object.entries(doc.parties),
      ...Object.entries(doc.agreements),
      ...Object.entries(doc.agreements).flatMap(([id, agreement]) =>
        agreement.events.map((event, index): [string, { source?: string }] => [
          `${id}.events[${index}]`,
          event,
        ]),
      ),
      ...Object.entries(doc.sensors),
      ...doc.launches.map((launch): [string, { source?: string }] => [launch.id, launch]),
    ]
    for (const [where, item] of items) {
      assert.ok(
        item.source !== undefined || item.note !== undefined,
        `${where} has a source or a note`,
      )
    }
    for (const [id, sensor] of Object.entries(doc.sensors)) {
      assert.match(sensor.note ?? '', /illustrative/, `sensor ${id} says it is illustrative`)
    }
    for (const launch of doc.launches) {
      assert.match(launch.boost?.note ?? '', /assumption/, `${launch.id}: boost is an assumption`)
    }
  })
})

await test('the reference what-ifs', async (t) => {
  await t.test('gsomia-lapsed removes the suspension of the notice', () => {
    const types = gsomia(load(['gsomia-lapsed'])).events.map((event) => event.type)
    assert.ok(!types.includes('notice-suspended'))
    assert.ok(types.includes('notice-of-termination'))
  })

  await t.test('the launches have a 55 s boost to 30 km; no-boost removes it', () => {
    const boosts = (doc: ScenarioDoc) =>
      doc.launches.map((launch) => [launch.boost?.burn_s, launch.boost?.burnout_altitude_km])
    assert.deepEqual(boosts(load()), [
      [55, 30],
      [55, 30],
    ])
    assert.deepEqual(
      load(['no-boost']).launches.map((launch) => launch.boost),
      [null, null],
    )
  })

  await t.test('no-gsomia removes the agreement', () => {
    assert.ok(!('kor-jpn-gsomia' in load(['no-gsomia']).agreements))
  })

  await t.test('japan-asks adds one request per launch', () => {
    const requests = load(['japan-asks']).requests
    assert.deepEqual(
      requests.map((request) => [request.launch, request.from, request.to, request.after_s]),
      [
        ['2019-10-31-a', 'JPN', 'KOR', 60],
        ['2019-10-31-b', 'JPN', 'KOR', 60],
      ],
    )
  })

  await t.test('auto-release sets the GSOMIA and TISA to auto', () => {
    const doc = load(['auto-release'])
    assert.equal(gsomia(doc).release, 'auto')
    assert.equal(doc.agreements['tisa']?.release, 'auto')
  })

  await t.test('manual-release sets the GSOMIA to manual with 600 s approval', () => {
    const agreement = gsomia(load(['manual-release']))
    assert.equal(agreement.release, 'manual')
    assert.equal(agreement.approval_delay_s, 600)
  })

  await t.test('compose in the order given: the later what-if wins', () => {
    const autoThenManual = load(['auto-release', 'manual-release'])
    assert.equal(gsomia(autoThenManual).release, 'manual')
    assert.equal(autoThenManual.agreements['tisa']?.release, 'auto')
    assert.equal(gsomia(load(['manual-release', 'auto-release'])).release, 'auto')
    const both = load(['gsomia-lapsed', 'japan-asks'])
    assert.equal(both.requests.length, 2)
    assert.ok(!gsomia(both).events.some((event) => event.type === 'notice-suspended'))
  })

  await t.test(
    'a what-if that refers to what an earlier one removed is an error at its line',
    () => {
      const result = loadScenarioFile(FILE, ['no-gsomia', 'manual-release'])
      assert.equal(result.ok, false)
      if (result.ok) return
      const issue = issueAtPath(
        result.issues,
        'what_ifs.manual-release.set["agreements.kor-jpn-gsomia.release"]',
      )
      assert.match(issue.message, /agreements has no "kor-jpn-gsomia"/)
      assert.ok(issue.line > 0)
    },
  )

  await t.test('leaves the baseline as it was', () => {
    load(['gsomia-lapsed', 'auto-release'])
    assert.equal(gsomia(load()).release, 'on-request')
  })
})
