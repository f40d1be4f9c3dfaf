import assert from 'node:assert/strict'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Temporal } from 'temporal-polyfill'
import { loadScenarioFile } from '../../src/scenario/load.ts'
import type { ScenarioDoc } from '../../src/scenario/schema.ts'
import { loaded } from './minimal.ts'

const FILE = fileURLToPath(new URL('../../scenarios/dprk-2019.yaml', import.meta.url))

function load(whatIfIds: readonly string[] = []): ScenarioDoc {
  return loaded(loadScenarioFile(FILE, whatIfIds))
}

/** The event dates of mission-context.md's 2019 table, in order. */
const EVENT_DATES = [
  '2019-05-04',
  '2019-05-09',
  '2019-07-25',
  '2019-07-31',
  '2019-08-02',
  '2019-08-06',
  '2019-08-10',
  '2019-08-16',
  '2019-08-24',
  '2019-09-10',
  '2019-10-02',
  '2019-10-31',
  '2019-11-28',
]

await test('the 2019 series scenario dprk-2019', async (t) => {
  await t.test('loads cleanly with every dated 2019 event, launches in time order', () => {
    const doc = load()
    const dates = [...new Set(doc.launches.map((launch) => launch.time.slice(0, 10)))]
    assert.deepEqual(dates, EVENT_DATES)
    assert.equal(doc.launches.length, 25)
    const instants = doc.launches.map((l) => Temporal.Instant.from(l.time).epochMilliseconds)
    assert.deepEqual(
      instants,
      [...instants].sort((a, b) => a - b),
      'in time order',
    )
  })

  await t.test(
    'keeps the GSOMIA history of the reference: notice 23 Aug, suspension 22 Nov',
    () => {
      const events = load().agreements['kor-jpn-gsomia']?.events ?? []
      assert.deepEqual(
        events.map((e) => [e.date, e.type]),
        [
          ['2016-11-23', 'signature'],
          ['2016-11-23', 'entry-into-force'],
          ['2019-08-23', 'notice-of-termination'],
          ['2019-11-22', 'notice-suspended'],
          ['2023-03-21', 'notice-withdrawn'],
        ],
      )
    },
  )

  await t.test('cites each launch and marks its assumptions, the boost among them', () => {
    for (const launch of load().launches) {
      assert.ok(launch.source !== undefined, `${launch.id} has a source`)
      assert.match(
        launch.note ?? '',
        /illustrative/,
        `${launch.id} says its impact is illustrative`,
      )
      assert.match(
        launch.boost?.note ?? '',
        /^Assumption/,
        `${launch.id}: its boost is an assumption`,
      )
      assert.ok(
        (launch.boost?.burnout_altitude_km ?? Infinity) < launch.apogee_km,
        `${launch.id}: burn-out below apogee`,
      )
    }
  })

  await t.test('models the requests that are known: Japan on 24 Aug, Korea on 2 Oct', () => {
    assert.deepEqual(
      load().requests.map((r) => [r.launch, r.from, r.to]),
      [
        ['2019-08-24-a', 'JPN', 'KOR'],
        ['2019-08-24-b', 'JPN', 'KOR'],
        ['2019-10-02', 'KOR', 'JPN'],
      ],
    )
  })

  await t.test('no-boost removes every boost; gsomia-lapsed removes the suspension', () => {
    assert.ok(load(['no-boost']).launches.every((launch) => launch.boost === null))
    const types = load(['gsomia-lapsed']).agreements['kor-jpn-gsomia']?.events.map((e) => e.type)
    assert.ok(types !== undefined && !types.includes('notice-suspended'))
  })
})
