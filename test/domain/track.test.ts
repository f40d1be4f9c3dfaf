import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { decisionValidUntil, registryInstants } from '../../src/domain/decision-validity.ts'
import type { PartyId } from '../../src/domain/ids.ts'
import { buildRegistryIndex } from '../../src/domain/registry-index.ts'
import { findReleasePath } from '../../src/domain/routing.ts'
import {
  applyTrackMessage,
  startTrack,
  type Track,
  type TrackMessage,
  type TrackState,
} from '../../src/domain/track.ts'
import { KOR } from '../helpers/builders.ts'
import { instantArb, PARTY_IDS, registryArb, reportArb } from '../helpers/domain-arbitraries.ts'

const T0 = Date.parse('2019-10-31T07:35:00Z')

function state(secondsAfter: number, over: Partial<TrackState> = {}): TrackState {
  return {
    atMs: T0 + secondsAfter * 1000,
    position: {
      lat: 39.4 + secondsAfter * 0.001,
      lon: 125.9 + secondsAfter * 0.01,
      altM: 1000 * secondsAfter,
    },
    velocity: { eastMps: 900, northMps: 100, upMps: 1200 },
    quality: Math.min(15, 3 + secondsAfter),
    phase: secondsAfter < 30 ? 'boost' : 'midcourse',
    impact: null,
    lost: false,
    boosting: secondsAfter < 30,
    dataMode: 'simulated',
    sensor: 'green-pine-1',
    ...over,
  }
}

function started(): Track {
  const outcome = startTrack(KOR, 4011, 'report-1', { kind: 'initial', state: state(0) })
  assert.ok(outcome.ok)
  return outcome.value.track
}

function apply(track: Track, message: TrackMessage) {
  const outcome = applyTrackMessage(track, message)
  assert.ok(outcome.ok, outcome.ok ? '' : outcome.issues.map((i) => i.message).join('; '))
  return outcome.value
}

describe('a track’s life (issue 12, item 2)', () => {
  it('starts with an initial message only', () => {
    const refused = startTrack(KOR, 1, 'r', { kind: 'update', state: state(0) })
    assert.ok(!refused.ok)
    assert.deepEqual(
      refused.issues.map((i) => i.code),
      ['TRACK_NOT_STARTED'],
    )
  })

  it('an update moves it forward; one dated at or before the state held is stale and changes nothing', () => {
    const t = apply(started(), { kind: 'update', state: state(5) }).track
    assert.equal(t.state.atMs, T0 + 5000)
    assert.equal(t.updates, 2)
    const older = apply(t, { kind: 'update', state: state(3) })
    assert.equal(older.effect, 'stale')
    assert.equal(older.track, t, 'the same track, unchanged')
    const again = apply(t, { kind: 'update', state: state(5) })
    assert.equal(again.effect, 'stale', 'the same update twice')
  })

  it('out-of-order updates in any order leave the track at the latest measurement', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(
          [...Array(30).keys()].map((i) => i + 1),
          { minLength: 1 },
        ),
        (seconds) => {
          let t = started()
          for (const s of seconds) t = apply(t, { kind: 'update', state: state(s) }).track
          assert.equal(t.state.atMs, T0 + Math.max(...seconds) * 1000)
          let increasing = 0
          let latest = 0
          for (const s of seconds)
            if (s > latest) {
              latest = s
              increasing++
            }
          assert.equal(t.updates, 1 + increasing, 'only updates newer than the state held count')
        },
      ),
      { numRuns: 200 },
    )
  })

  it('refuses a quality outside 0–15 and a position off the globe, naming the rule', () => {
    const outcome = applyTrackMessage(started(), {
      kind: 'update',
      state: state(2, { quality: 16, position: { lat: 91, lon: 0, altM: 0 } }),
    })
    assert.ok(!outcome.ok)
    assert.deepEqual(
      outcome.issues.map((i) => i.code),
      ['QUALITY_RANGE', 'POSITION_RANGE'],
    )
  })

  it('a drop ends it: a later update is refused (TRACK_ENDED), an earlier one is stale', () => {
    const dropped = apply(apply(started(), { kind: 'update', state: state(10) }).track, {
      kind: 'drop',
      atMs: T0 + 11_000,
    })
    assert.equal(dropped.effect, 'ended')
    assert.equal(dropped.track.status, 'dropped')
    const late = applyTrackMessage(dropped.track, { kind: 'update', state: state(12) })
    assert.ok(!late.ok)
    assert.deepEqual(
      late.issues.map((i) => i.code),
      ['TRACK_ENDED'],
    )
    assert.equal(apply(dropped.track, { kind: 'update', state: state(9) }).effect, 'stale')
  })

  it('correlate names the surviving number; a track is never correlated with itself', () => {
    const t = started()
    const self = applyTrackMessage(t, { kind: 'correlate', atMs: T0 + 1000, survivor: 4011 })
    assert.ok(!self.ok)
    assert.deepEqual(
      self.issues.map((i) => i.code),
      ['CORRELATE_SELF'],
    )
    const merged = apply(t, { kind: 'correlate', atMs: T0 + 1000, survivor: 2001 })
    assert.equal(merged.track.status, 'correlated')
    assert.equal(merged.track.survivor, 2001)
  })
})

describe('how long a release decision holds (decision-validity.ts)', () => {
  it('a decision made at t is the same decision at every instant before decisionValidUntil', () => {
    fc.assert(
      fc.property(
        registryArb,
        reportArb,
        fc.constantFrom(...PARTY_IDS),
        instantArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (registry, report, to, t1, fraction) => {
          fc.pre(to !== report.originator)
          const index = buildRegistryIndex(registry)
          const until = decisionValidUntil(registryInstants(index), [], t1)
          const horizon = Number.isFinite(until) ? until - 1 : t1 + 86_400_000 * 3650
          const t2 = Math.floor(t1 + (horizon - t1) * fraction)
          const query = { recipient: to as PartyId, report }
          const first = findReleasePath(index, { ...query, atMs: t1 })
          const later = findReleasePath(index, { ...query, atMs: t2 })
          assert.equal(later.decision, first.decision)
          assert.deepEqual(later.path, first.path)
          assert.deepEqual(later.levelAtRecipient, first.levelAtRecipient)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('a consent’s start or end bounds the validity too', () => {
    const consent = {
      originator: KOR,
      holder: KOR,
      recipient: KOR,
      scope: { topic: 'x' },
      fromMs: T0 + 10,
      untilMs: T0 + 20,
    } as never
    assert.equal(decisionValidUntil([T0 + 100], [consent], T0), T0 + 10)
    assert.equal(decisionValidUntil([T0 + 100], [consent], T0 + 10), T0 + 20)
    assert.equal(decisionValidUntil([T0 + 100], [consent], T0 + 20), T0 + 100)
    assert.equal(decisionValidUntil([T0 + 100], [], T0 + 100), Infinity)
  })
})
