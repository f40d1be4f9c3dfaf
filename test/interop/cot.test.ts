import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  cotXmlToEvent,
  type CotTrackPoint,
  launchToCotEvents,
  LAUNCH_SITE_COT_TYPE,
  MISSILE_COT_TYPE,
} from '../../src/interop/cot.ts'
import { loadNodeCot } from '../../src/interop/node-cot.ts'
import { CotFramer } from '../../src/node/cot/cot-framer.ts'
import { buildTrajectory, positionAt } from '../../src/sim/trajectory.ts'
import { koreanLaunchReport } from '../helpers/reports.ts'

const report = koreanLaunchReport()

/** The simulator's arc for the report, sampled every 30 s. */
function simulatedTrack(): CotTrackPoint[] {
  const trajectory = buildTrajectory({
    site: { lat: 39.41, lon: 125.89 },
    impact: { lat: 40.1, lon: 129.9 },
    apogeeKm: 90,
  })
  const launchMs = Date.parse('2019-10-31T16:35:00+09:00')
  const points: CotTrackPoint[] = []
  for (let t = 0; t <= trajectory.flightSeconds; t += 30)
    points.push({ atMs: launchMs + t * 1000, ...positionAt(trajectory, t) })
  return points
}

describe('Cursor-on-Target export', () => {
  const track = simulatedTrack()
  const events = launchToCotEvents(report, track)

  it('gives the site and one missile event per track point, reproducibly', () => {
    assert.equal(events.length, 1 + track.length)
    assert.deepEqual(launchToCotEvents(report, track), events)
  })

  it('round-trips through @tak-ps/node-cot: type, times, point with its errors, marking', () => {
    const { CoT } = loadNodeCot()
    const [site, ...missile] = events.map((xml) => {
      const parsed = cotXmlToEvent(xml)
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.issues)
      return parsed.value
    })
    assert.equal(site?.type, LAUNCH_SITE_COT_TYPE)
    assert.equal(site?.timeMs, Date.parse('2019-10-31T07:35:00Z'))
    assert.deepEqual([site?.lat, site?.lon], [39.41, 125.89])
    missile.forEach((event, i) => {
      const point = track[i]
      assert.ok(point)
      assert.equal(event.type, MISSILE_COT_TYPE)
      assert.equal(event.uid, `entente.${report.id}.track`)
      assert.equal(event.timeMs, point.atMs)
      assert.equal(event.staleMs - event.timeMs, 30_000, 'stale 30 s after each point')
      assert.ok(Math.abs(event.lat - point.lat) < 1e-9, 'latitude within 1e-9 degree')
      assert.ok(Math.abs(event.lon - point.lon) < 1e-9, 'longitude within 1e-9 degree')
      assert.ok(Math.abs(event.haeM - point.altitudeKm * 1000) <= 0.5, 'height within 0.5 m')
      assert.deepEqual([event.ceM, event.leM], [1000, 1000])
      assert.match(event.remarks, /^\[KOR MIL-II REL TO JPN, USA\] dprk-missile: two SRBMs/)
    })
    const apogee = Math.max(...missile.map((e) => e.haeM))
    assert.ok(apogee > 80_000 && apogee <= 90_500, `apogee ${apogee} m near 90 km`)
    const cot = new CoT(events[1] ?? '')
    assert.equal(cot.is_hostile(), true)
    assert.equal(cot.is_airborne(), true)
  })

  it('L9: an id or callsign holding `"/></event><event uid="FAKE` stays inside its attribute', () => {
    const evil = 'x"/></event><event uid="FAKE'
    const base = koreanLaunchReport({ id: evil })
    const xml = launchToCotEvents(
      {
        ...base,
        payload: { ...base.payload, launchId: `<b>&'${evil}`, text: 'a &amp; b </event>' },
      },
      track.slice(0, 1),
    )
    assert.equal(xml.length, 2)
    for (const event of xml) {
      assert.equal(
        event.indexOf('</event>'),
        event.length - '</event>'.length,
        'one end, at the end',
      )
      assert.equal((event.match(/<event /g) ?? []).length, 1, 'one event')
    }
    const framed = new CotFramer().push(xml.join('\n')).events
    assert.equal(framed.length, 2, 'a framer cutting on </event> finds the two events')
    const [site, point] = framed.map((text) => {
      const parsed = cotXmlToEvent(text)
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.issues)
      return parsed.value
    })
    assert.equal(site?.uid, `entente.${evil}.site`, 'read back as written')
    assert.equal(point?.callsign, `KOR launch <b>&'${evil}`)
    assert.match(
      point?.remarks ?? '',
      /: a &amp; b <\/event> \(report x"\/><\/event><event uid="FAKE\)$/,
    )
  })

  it('names what is wrong in CoT it cannot read', () => {
    assert.equal(cotXmlToEvent('<event/>').ok, false)
    assert.equal(cotXmlToEvent('not xml').ok, false)
  })
})
