import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { cotXmlToEvent, LAUNCH_SITE_COT_TYPE } from '../../src/interop/cot.ts'
import { MAX_TRACK_POINTS, reportToCot, TRACK_STEP_S } from '../../src/node/app/cot-track.ts'
import { koreanLaunchReport } from '../helpers/reports.ts'

const withApogee = (apogeeKm: number) => {
  const report = koreanLaunchReport()
  return { ...report, payload: { ...report.payload, apogeeKm } }
}

describe('a report as CoT (the simulated track)', () => {
  it(`a short-range launch: one point every ${TRACK_STEP_S} s from the site to the impact`, () => {
    const events = reportToCot(koreanLaunchReport()).map((xml) => {
      const parsed = cotXmlToEvent(xml)
      assert.ok(parsed.ok)
      return parsed.value
    })
    const [site, first, second] = events
    assert.equal(site?.type, LAUNCH_SITE_COT_TYPE)
    assert.equal((second?.timeMs ?? 0) - (first?.timeMs ?? 0), TRACK_STEP_S * 1000)
    assert.ok(events.length > 20 && events.length < 40, `${events.length} events for ~280 s`)
  })

  it('H5: a stored report claiming apogeeKm 1e12 gives its site only, at once', () => {
    const events = reportToCot(withApogee(1e12))
    assert.equal(events.length, 1)
    assert.equal(cotXmlToEvent(events[0] ?? '').ok, true)
  })

  it(`H5: however long the flight, at most ${MAX_TRACK_POINTS} points, the last at the impact`, () => {
    for (const apogeeKm of [5_000, 30_000]) {
      const events = reportToCot(withApogee(apogeeKm))
      assert.ok(events.length - 1 <= MAX_TRACK_POINTS, `${events.length - 1} points`)
      const last = cotXmlToEvent(events.at(-1) ?? '')
      assert.ok(last.ok)
      assert.ok(
        Math.abs(last.value.haeM) < 1_000,
        `ends on the ground, not at ${last.value.haeM} m`,
      )
    }
  })
})
