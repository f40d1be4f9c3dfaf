import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { readCotLaunch } from '../../src/interop/cot-launch.ts'
import { feedEvent } from '../helpers/cot-feed.ts'

describe('CoT from a sensor feed → launch facts', () => {
  it('reads a hostile launcher event: site = point, time, heading from track@course, range, apogee', () => {
    const reading = readCotLaunch(feedEvent('radar-7.t42'))
    assert.equal(reading.kind, 'launch')
    assert.deepEqual(reading.kind === 'launch' && reading.value, {
      uid: 'radar-7.t42',
      launch: {
        time: '2019-10-31T07:35:00.000Z',
        site: { lat: 39.41, lon: 125.89 },
        headingDeg: 68,
        rangeKm: 370,
        apogeeKm: 90,
        text: 'two SRBMs, Sea of Japan',
        launchId: 'radar-7.t42',
      },
    })
  })

  it('reads a hostile missile event with an impact point and count instead of a heading', () => {
    const reading = readCotLaunch(
      feedEvent('m-1', {
        type: 'a-h-A-W-M-S-S',
        launch: 'rangeKm="370" apogeeKm="90" impactLat="40.1" impactLon="129.9" count="2"',
      }),
    )
    assert.equal(reading.kind, 'launch')
    const launch = reading.kind === 'launch' ? reading.value.launch : {}
    assert.deepEqual(launch['impact'], { lat: 40.1, lon: 129.9 })
    assert.equal(launch['headingDeg'], undefined)
    assert.equal(launch['count'], 2)
  })

  it('leaves other tracks alone: a friendly ground unit is not a launch', () => {
    assert.deepEqual(readCotLaunch(feedEvent('u-1', { type: 'a-f-G-U-C' })), {
      kind: 'other',
      uid: 'u-1',
      type: 'a-f-G-U-C',
    })
  })

  it('names what is missing or malformed, with the element and attribute', () => {
    const cases: [string, RegExp][] = [
      [feedEvent('x', { launch: 'apogeeKm="90"' }), /^detail\/launch@rangeKm: missing/],
      [feedEvent('x', { launch: 'rangeKm="far" apogeeKm="90"' }), /rangeKm: 'far' is not a number/],
      [feedEvent('x', { course: '' }), /detail\/track@course: '' is not a number/],
      [
        feedEvent('x', { launch: 'rangeKm="370" apogeeKm="90" impactLat="40"' }),
        /impactLat, impactLon: give both or neither/,
      ],
      [feedEvent('x', { point: false }), /^CoT: .*point/],
      ['not xml at all</event>', /^CoT: /],
    ]
    for (const [xml, reason] of cases) {
      const reading = readCotLaunch(xml)
      assert.equal(reading.kind, 'invalid', xml)
      assert.match(reading.kind === 'invalid' ? reading.reason : '', reason)
    }
  })
})
