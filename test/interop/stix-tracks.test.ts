import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { reportObjectIds } from '../../src/interop/stix.ts'
import { TRACK_TYPE, type StixObject } from '../../src/interop/stix-objects.ts'
import { productToStixBundle } from '../../src/interop/stix-products.ts'
import {
  type StixTrackVersion,
  trackObjectId,
  trackRevocationToStixObjects,
  trackVersionInstants,
  trackVersionToStixObjects,
} from '../../src/interop/stix-tracks.ts'
import { readStixTracks } from '../../src/interop/stix-tracks-import.ts'
import type { Product } from '../../src/protocol/product.ts'
import type { TrackMessageWire } from '../../src/protocol/track.ts'
import { stixValidator } from '../helpers/stix-schemas.ts'

/**
 * Issue 12, item 4: a track in STIX 2.1 is one `entente-track` object (a new SDO of Entente's
 * extension definition) whose versions are its lifecycle messages; read back, each version is
 * the message it was made from, checked by the track schema, a problem naming the property.
 */
const validate = stixValidator()
const T0 = Date.parse('2019-10-31T07:35:10Z')

function state(atMs: number, over: Record<string, unknown> = {}) {
  return {
    atMs,
    position: { lat: 39.41, lon: 125.89 + (atMs - T0) / 1e6, altM: 12_000 },
    velocity: { eastMps: 1_500, northMps: 150, upMps: 800 },
    quality: 9,
    phase: 'boost' as const,
    impact: null,
    lost: false,
    boosting: true,
    dataMode: 'simulated' as const,
    sensor: 'green-pine-1',
    ...over,
  }
}

const IMPACT = {
  lat: 40.1,
  lon: 129.9,
  atMs: T0 + 400_000,
  semiMajorM: 12_000,
  semiMinorM: 4_000,
  orientationDeg: 68,
}

const messages: TrackMessageWire[] = [
  { kind: 'initial', trackNumber: 4011, state: state(T0) },
  { kind: 'update', trackNumber: 4011, state: state(T0 + 1_000, { impact: IMPACT, quality: 12 }) },
  // A drop dated the instant of the last state: its version comes a millisecond later.
  { kind: 'drop', trackNumber: 4011, atMs: T0 + 1_000 },
]

const version = (seq: number, message: TrackMessageWire, level = 'MIL-II'): StixTrackVersion => ({
  originator: 'KOR',
  trackNumber: message.trackNumber,
  seq,
  reportId: 'r-2019-10-31-a',
  topic: 'dprk-missile',
  level,
  localLevel: level,
  releasableTo: level === 'MIL-I' ? ['USA'] : null,
  message,
})

function exported(versions: readonly StixTrackVersion[]): StixObject[] {
  const instants = trackVersionInstants(versions)
  return versions.flatMap((v, i) => {
    const timed = instants[i]
    assert.ok(timed !== undefined)
    return trackVersionToStixObjects(v, timed)
  })
}

const versions = messages.map((m, i) => version(i + 1, m, i === 1 ? 'MIL-I' : 'MIL-II'))
const objects = exported(versions)
const tracks = objects.filter((o) => o.type === TRACK_TYPE)

describe('issue 12: tracks in STIX 2.1', () => {
  it('each message is a version of one object: one id from originator and number, one created, modified rising (a drop in the same instant 1 ms later)', () => {
    assert.equal(tracks.length, 3)
    assert.deepEqual(new Set(tracks.map((t) => t.id)), new Set([trackObjectId('KOR', 4011)]))
    assert.deepEqual(
      tracks.map((t) => t['created']),
      Array(3).fill('2019-10-31T07:35:10.000Z'),
    )
    assert.deepEqual(
      tracks.map((t) => t['modified']),
      ['2019-10-31T07:35:10.000Z', '2019-10-31T07:35:11.000Z', '2019-10-31T07:35:11.001Z'],
    )
    assert.deepEqual(
      tracks.map((t) => [t['lifecycle'], t['track_state']]),
      [
        ['initial', 'live'],
        ['update', 'live'],
        ['drop', 'dropped'],
      ],
    )
    assert.equal(tracks[2]?.['position'], undefined, 'a drop carries its end, not a state')
    for (const t of tracks) {
      assert.equal(t['report_ref'], reportObjectIds('r-2019-10-31-a').launch)
      assert.equal(
        t['created_by_ref'],
        objects.find((o) => o.type === 'identity' && o['name'] === 'KOR')?.id,
      )
    }
  })

  it('each version is marked by its own marking (a raised one is another marking definition), and a marking is never versioned', () => {
    const [v1, v2, v3] = tracks.map((t) => (t['object_marking_refs'] as string[])[0])
    assert.notEqual(v1, v2)
    assert.equal(v1, v3)
    const markings = objects.filter((o) => o.type === 'marking-definition')
    const byId = new Map<string, Set<string>>()
    for (const m of markings) byId.set(m.id, (byId.get(m.id) ?? new Set()).add(JSON.stringify(m)))
    for (const [id, forms] of byId) assert.equal(forms.size, 1, `${id} in one form only`)
    assert.match(JSON.stringify(markings.find((m) => m.id === v2)), /"releasable_to":\["USA"\]/)
  })

  it('every object validates against the official STIX 2.1 schemas, also a correlation and a revocation', () => {
    const correlated = exported([
      version(1, { kind: 'initial', trackNumber: 4012, state: state(T0) }),
      version(2, { kind: 'correlate', trackNumber: 4012, atMs: T0 + 500, survivor: 4011 }),
    ])
    const revoked = trackRevocationToStixObjects({
      originator: 'KOR',
      trackNumber: 4011,
      reportId: 'r-2019-10-31-a',
      createdAtMs: T0,
      revokedAtMs: T0 + 60_000,
    })
    for (const o of [...objects, ...correlated, ...revoked])
      assert.deepEqual(validate(o), [], `${o.type} ${o.id}`)
    const link = correlated.find((o) => o.type === 'relationship')
    assert.equal(link?.['relationship_type'], 'duplicate-of')
    assert.equal(link?.['source_ref'], trackObjectId('KOR', 4012))
    assert.equal(link?.['target_ref'], trackObjectId('KOR', 4011))
    const last = revoked.find((o) => o.type === TRACK_TYPE)
    assert.equal(last?.['revoked'], true)
    assert.deepEqual(
      Object.keys(last ?? {}).sort(),
      [
        'created',
        'created_by_ref',
        'extensions',
        'id',
        'modified',
        'report_id',
        'revoked',
        'spec_version',
        'track_number',
        'type',
      ],
      'a revocation carries nothing of the track but who and which',
    )
  })

  it('read back, each version is the message it was made from, under its marking', () => {
    const [reading, ...more] = readStixTracks(objects)
    assert.equal(more.length, 0)
    assert.ok(reading?.ok, JSON.stringify(reading))
    assert.equal(reading.value.originator, 'KOR')
    assert.equal(reading.value.trackNumber, 4011)
    assert.equal(reading.value.revoked, false)
    assert.deepEqual(
      reading.value.versions.map((v) => v.message),
      messages,
    )
    assert.deepEqual(
      reading.value.versions.map((v) => [v.level, v.releasableTo]),
      [
        ['MIL-II', null],
        ['MIL-I', ['USA']],
        ['MIL-II', null],
      ],
    )
  })

  it('a bad version is refused naming the object, its version and the STIX property', () => {
    const bad = objects.map((o) =>
      o.type === TRACK_TYPE && o['lifecycle'] === 'update'
        ? { ...o, quality: 16, position: { ...(o['position'] as object), latitude: 91 } }
        : o,
    )
    const [reading] = readStixTracks(bad)
    assert.ok(reading !== undefined && !reading.ok)
    const text = reading.issues.issues.join('\n')
    assert.match(text, /2019-10-31T07:35:11\.000Z\): quality:/)
    assert.match(text, /\): position\.latitude:/)
    const forged = objects.map((o) => (o.type === TRACK_TYPE ? { ...o, track_number: 9 } : o))
    const [other] = readStixTracks(forged)
    assert.ok(other !== undefined && !other.ok)
    assert.match(other.issues.issues.join('\n'), /id: not the id of KOR's track 9/)
    const unmarked = objects.map((o) =>
      o.type === TRACK_TYPE ? { ...o, object_marking_refs: [] } : o,
    )
    const [none] = readStixTracks(unmarked)
    assert.ok(none !== undefined && !none.ok)
    assert.match(none.issues.issues[0], /object_marking_refs/)
  })

  it("an assessment about a track refers to the track's object id", () => {
    const assessment: Product = {
      id: 'p-1',
      kind: 'assessment',
      originator: 'KOR',
      level: 'MIL-II',
      topic: 'dprk-missile',
      releasableTo: null,
      version: 1,
      createdAtMs: T0,
      title: 'two objects',
      assessment: { text: 'track 4011 is the booster', refs: [{ kind: 'track', id: 'KOR:4011' }] },
    }
    const bundle = productToStixBundle({ product: assessment, localLevel: 'MIL-II' })
    const note = bundle.objects.find((o) => o.type === 'note')
    assert.deepEqual(note?.['object_refs'], [trackObjectId('KOR', 4011)])
  })
})
