import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { TrackMessage, TrackState } from '../../src/domain/track.ts'
import { trackStateSchema } from '../../src/protocol/track.ts'
import { loadScenarioFile } from '../../src/scenario/load.ts'
import { toSimulationInput } from '../../src/scenario/to-domain.ts'
import { firstDetectionSeconds } from '../../src/sim/detection.ts'
import { launchTrajectory } from '../../src/sim/simulate.ts'
import { impactSigmaM, launchTracks, trackQuality } from '../../src/sim/track-updates.ts'
import { positionAt } from '../../src/sim/trajectory.ts'
import { isVisible } from '../../src/sim/visibility.ts'
import { ROOT } from '../helpers/cli.ts'

const loaded = loadScenarioFile(`${ROOT}scenarios/korea-japan-2019.yaml`, [])
assert.ok(loaded.ok, 'the reference scenario loads')
const INPUT = toSimulationInput(loaded.doc)
const LAUNCH = INPUT.launches[0]!
const TRAJECTORY = launchTrajectory(LAUNCH)
const TRACKS = launchTracks(LAUNCH, 0, TRAJECTORY, INPUT.sensors, 7)

function states(messages: readonly TrackMessage[]): TrackState[] {
  return messages.flatMap((m) => (m.kind === 'initial' || m.kind === 'update' ? [m.state] : []))
}

describe('simulated sensor tracks (issue 12 item 3)', () => {
  it('gives a track to every sensor that detects the launch, and to no other', () => {
    const seeing = INPUT.sensors.filter((s) => firstDetectionSeconds(TRAJECTORY, s) !== null)
    assert.ok(seeing.length >= 2, 'at least two sensors see the first launch')
    assert.deepEqual(TRACKS.map((t) => t.sensor).sort(), seeing.map((s) => s.id).sort())
  })

  it('is deterministic for a seed and differs with another seed', () => {
    const again = launchTracks(LAUNCH, 0, TRAJECTORY, INPUT.sensors, 7)
    assert.deepEqual(again, TRACKS)
    const other = launchTracks(LAUNCH, 0, TRAJECTORY, INPUT.sensors, 8)
    assert.notDeepEqual(other, TRACKS, 'another seed gives other noise')
  })

  it('starts with initial, updates at 1 Hz from first detection, ends with one drop', () => {
    for (const track of TRACKS) {
      const sensor = INPUT.sensors.find((s) => s.id === track.sensor)!
      const detectedS = firstDetectionSeconds(TRAJECTORY, sensor)!
      const [first, ...rest] = track.messages
      assert.equal(first?.kind, 'initial', `${track.sensor}: first message`)
      assert.equal(track.messages.at(-1)?.kind, 'drop', `${track.sensor}: last message`)
      assert.ok(rest.slice(0, -1).every((m) => m.kind === 'update'))
      const times = states(track.messages).map((s) => s.atMs)
      assert.ok(
        Math.abs(times[0]! - (LAUNCH.timeMs + detectedS * 1000)) <= 1,
        `${track.sensor}: first state at detection (±1 ms)`,
      )
      for (let i = 1; i < times.length; i++)
        assert.ok(
          Math.abs(times[i]! - times[i - 1]! - 1000) <= 1,
          `${track.sensor}: interval ${i} is 1000 ms (±1 ms), got ${times[i]! - times[i - 1]!}`,
        )
    }
  })

  it('sends no state while the sensor does not see the missile', () => {
    for (const track of TRACKS) {
      const sensor = INPUT.sensors.find((s) => s.id === track.sensor)!
      for (const state of states(track.messages)) {
        const t = (state.atMs - LAUNCH.timeMs) / 1000
        // ±1 ms of rounding in atMs: visible at the instant measured or within 1 ms of it
        const seen = [t, t - 0.001, t + 0.001].some((x) =>
          isVisible(sensor, positionAt(TRAJECTORY, x)),
        )
        assert.ok(seen, `${track.sensor}: state at ${t.toFixed(3)} s is while visible`)
      }
    }
  })

  it('raises quality monotonically within 0–15 and shrinks the impact ellipse', () => {
    for (const track of TRACKS) {
      const s = states(track.messages)
      for (let i = 1; i < s.length; i++) {
        assert.ok(s[i]!.quality >= s[i - 1]!.quality, `${track.sensor}: quality never falls`)
        assert.ok(s[i]!.impact!.semiMajorM <= s[i - 1]!.impact!.semiMajorM, 'ellipse shrinks')
      }
      assert.ok(s.every((x) => x.quality >= 0 && x.quality <= 15))
      if (s.length > 20) assert.ok(s.at(-1)!.quality > s[0]!.quality, 'quality rises in view')
    }
    assert.equal(trackQuality(0), 3)
    assert.equal(trackQuality(1_000), 15)
    assert.ok(impactSigmaM(60) < impactSigmaM(0) / 4, 'a minute in view: a quarter the sigma')
  })

  it('measures near the truth and fits the API schema', () => {
    for (const track of TRACKS)
      for (const state of states(track.messages)) {
        assert.ok(trackStateSchema.safeParse(state).success, `${track.sensor}: schema`)
        const t = (state.atMs - LAUNCH.timeMs) / 1000
        const truth = positionAt(TRAJECTORY, t)
        // within 5 sigma of 150 m + 1.5 m/km over at most 2,000 km: 16 km; in degrees ≈ 0.15
        assert.ok(Math.abs(state.position.lat - truth.lat) < 0.15, 'latitude within 0.15°')
      }
  })

  it('names phases boost, midcourse, terminal in flight order', () => {
    const order = ['boost', 'midcourse', 'terminal']
    for (const track of TRACKS) {
      const phases = states(track.messages).map((s) => order.indexOf(s.phase))
      for (let i = 1; i < phases.length; i++) assert.ok(phases[i]! >= phases[i - 1]!)
    }
  })
})
