import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  latestUpdates,
  secondBatches,
  TrackFeed,
  type NumberedMessage,
} from '../../src/cli/demo/track-feed.ts'
import type { SensorTrack } from '../../src/sim/track-updates.ts'
import { asPartyId } from '../../src/domain/ids.ts'

const drop = (trackNumber: number, atMs: number): NumberedMessage => ({
  kind: 'drop',
  trackNumber,
  atMs,
})

const update = (trackNumber: number, atMs: number): NumberedMessage => ({
  kind: 'update',
  trackNumber,
  state: {
    atMs,
    position: { lat: 39, lon: 125, altM: 1_000 },
    velocity: { eastMps: 1_000, northMps: 0, upMps: 500 },
    quality: 5,
    phase: 'boost',
    impact: null,
    lost: false,
    boosting: true,
    dataMode: 'simulated',
    sensor: 'green-pine-1',
  },
})

describe("the demo's track feed (a party's gateway)", () => {
  it('behind, keeps of the updates waiting one after the other the latest of each track, and every lifecycle message', () => {
    const due = [
      update(1, 1_000),
      update(2, 1_000),
      update(1, 2_000),
      update(1, 3_000),
      drop(2, 3_500),
      update(2, 4_000),
      update(1, 4_000),
    ]
    assert.deepEqual(
      latestUpdates(due).map((m) => [m.trackNumber, m.kind, 'state' in m ? m.state.atMs : m.atMs]),
      [
        [1, 'update', 4_000],
        [2, 'update', 1_000],
        [2, 'drop', 3_500],
        [2, 'update', 4_000],
      ],
    )
  })

  it('holds what is measured before the report exists, then posts one batch at a time, in order', async () => {
    const posted: { reportId: string; messages: NumberedMessage[] }[] = []
    let release: () => void = () => undefined
    const slow = new Promise<void>((resolve) => (release = resolve))
    let secondPosted: () => void = () => undefined
    const second = new Promise<void>((resolve) => (secondPosted = resolve))
    const feed = new TrackFeed(async (body) => {
      posted.push(body)
      if (posted.length === 1) await slow // the first POST is slow: the next must wait for it
      if (posted.length === 2) secondPosted()
    })
    feed.push([drop(101, 1_000)])
    assert.equal(posted.length, 0, 'nothing leaves before the report id is known')
    feed.reportKnown('r1')
    feed.push([drop(102, 2_000)])
    feed.push([drop(103, 3_000)])
    assert.equal(posted.length, 1, 'the later batches wait for the first to answer')
    release()
    await second
    assert.deepEqual(
      posted.map((p) => [p.reportId, p.messages.map((m) => m.trackNumber)]),
      [
        ['r1', [101]],
        ['r1', [102, 103]],
      ],
      'what came while one POST was in flight goes in the next, in order',
    )
  })

  it('batches one simulated second of every track of the party, posted at its last instant', () => {
    const track = (trackNumber: number, times: number[]): SensorTrack => ({
      party: asPartyId('KOR'),
      sensor: `s${trackNumber}`,
      launch: 'a',
      trackNumber,
      messages: times.map((t) => ({ kind: 'drop', atMs: t })),
    })
    const batches = secondBatches([track(101, [10_300, 11_300]), track(102, [10_900])])
    assert.deepEqual(
      batches.map((b) => [b.atMs, b.messages.map((m) => m.trackNumber)]),
      [
        [10_900, [101, 102]],
        [11_300, [101]],
      ],
    )
  })
})
