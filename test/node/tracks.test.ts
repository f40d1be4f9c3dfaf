import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { asAgreementId } from '../../src/domain/ids.ts'
import type { NodeContext } from '../../src/node/app/context.ts'
import { trackDecider } from '../../src/node/app/track-release.ts'
import { postTrackUpdates, trackStillAllowed } from '../../src/node/app/tracks.ts'
import type { TrackPost } from '../../src/protocol/track.ts'
import type { OutboxRow, ReportRow, TrackRow } from '../../src/node/store/store.ts'
import { forward, makeHubChain, signedAs } from '../helpers/hub-chain.ts'
import { type Harness, makeNode } from '../helpers/node-harness.ts'
import { ownReport, trackStateAt } from '../helpers/tracks.ts'

/**
 * Issue 12, item 2: tracks. KOR's sensors post a track of the launch; each batch is decided for
 * every peer at its instant, from a cache that must never carry a decision past the instant an
 * agreement ends; out-of-order and repeated updates never move a track back; drop and correlate
 * end a track; a batch relayed by the TISA's hub keeps KOR's signature.
 */

type Update = TrackPost['updates'][number]

const update = (atMs: number, kind: 'initial' | 'update' = 'update'): Update => ({
  kind,
  state: trackStateAt(atMs),
})

async function queuedTracks(at: Harness | NodeContext, to: string): Promise<OutboxRow[]> {
  const store = 'ctx' in at ? at.ctx.store : at.store
  return (await store.listOutbox({ recipient: to })).filter((r) => r.kind === 'track')
}

describe('issue 12: tracks under the agreements', () => {
  let kor: Harness
  let report: ReportRow
  /** The instant the GSOMIA ends when Korea never suspends its notice. */
  let gsomiaEndsMs: number

  before(async () => {
    kor = await makeNode({
      party: 'KOR',
      whatIfs: ['gsomia-lapsed'],
      modes: { 'kor-jpn-gsomia': 'auto' },
    })
    report = await ownReport(kor)
    const gsomia = kor.ctx.index.agreements.get(asAgreementId('kor-jpn-gsomia'))
    assert.ok(gsomia !== undefined && Number.isFinite(gsomia.untilMs))
    gsomiaEndsMs = gsomia.untilMs
  })
  after(() => kor.close())

  it('POST /api/tracks/{n}/updates refuses a new track without its report (400 naming reportId), a quality of 16 (400 naming quality), an update before its initial (400 TRACK_NOT_STARTED), a reader (403)', async () => {
    const noReport = await kor.call('POST', '/api/tracks/7001/updates', 'operator', {
      updates: [update(Date.parse('2019-10-31T07:35:10Z'), 'initial')],
    })
    assert.equal(noReport.statusCode, 400, noReport.body)
    assert.match(noReport.headers['content-type'] as string, /application\/problem\+json/)
    assert.match(noReport.body, /reportId/)
    const quality = await kor.call('POST', '/api/tracks/7001/updates', 'operator', {
      reportId: report.id,
      updates: [{ kind: 'initial', state: { ...trackStateAt(1), quality: 16 } }],
    })
    assert.equal(quality.statusCode, 400, quality.body)
    assert.match(quality.body, /quality/)
    const notStarted = await kor.call('POST', '/api/tracks/7001/updates', 'operator', {
      reportId: report.id,
      updates: [update(1)],
    })
    assert.equal(notStarted.statusCode, 400, notStarted.body)
    assert.match(notStarted.body, /TRACK_NOT_STARTED/)
    const reader = await kor.call('POST', '/api/tracks/7001/updates', 'auditor', {
      reportId: report.id,
      updates: [update(1, 'initial')],
    })
    assert.equal(reader.statusCode, 403, reader.body)
    const none = await kor.call('GET', '/api/tracks/KOR/7001', 'auditor')
    assert.equal(none.statusCode, 404, 'nothing was stored')
  })

  it('when the GSOMIA ends in the middle of a stream, then updates reach JPN up to the last millisecond before its end and none from that instant on', async () => {
    let nowMs = gsomiaEndsMs - 3_000
    const ctx: NodeContext = { ...kor.ctx, now: () => nowMs }
    const sentAt: number[] = []
    const deniedAt: number[] = []
    const instants = [-3_000, -2_000, -1_000, -1, 0, 1, 1_000, 2_000].map((d) => gsomiaEndsMs + d)
    for (const [i, at] of instants.entries()) {
      nowMs = at
      const result = await postTrackUpdates(ctx, 4011, {
        reportId: report.id,
        updates: [update(at, i === 0 ? 'initial' : 'update')],
      })
      assert.deepEqual(result.effects, ['applied'])
      if (result.sentTo.includes('JPN')) sentAt.push(at - gsomiaEndsMs)
      else {
        assert.deepEqual(result.deniedTo['JPN'], ['AGREEMENT_NOT_IN_FORCE'])
        deniedAt.push(at - gsomiaEndsMs)
      }
    }
    assert.deepEqual(sentAt, [-3_000, -2_000, -1_000, -1])
    assert.deepEqual(deniedAt, [0, 1, 1_000, 2_000])
    const decider = trackDecider(ctx)
    assert.ok(decider.cached > 0, 'decisions within a validity window come from the cache')

    // A batch queued one millisecond before the end that leaves at the end is refused at egress.
    const queued = await queuedTracks(kor, 'JPN')
    const last = queued.at(-1)
    assert.ok(last !== undefined)
    assert.equal((await trackStillAllowed(ctx, last, gsomiaEndsMs - 1)).ok, true)
    const atEnd = await trackStillAllowed(ctx, last, gsomiaEndsMs)
    assert.equal(atEnd.ok, false)
    assert.deepEqual(atEnd.ok ? [] : atEnd.reasons.map((r) => r.code), ['AGREEMENT_NOT_IN_FORCE'])
  })

  it('an update older than the track’s state, or the same update twice, changes nothing and goes nowhere', async () => {
    const t0 = Date.parse('2019-10-31T07:35:00Z')
    const first = await kor.call('POST', '/api/tracks/5001/updates', 'operator', {
      reportId: report.id,
      updates: [update(t0, 'initial'), update(t0 + 5_000)],
    })
    assert.equal(first.statusCode, 201, first.body)
    const before = (await queuedTracks(kor, 'JPN')).length
    const late = await kor.call('POST', '/api/tracks/5001/updates', 'operator', {
      updates: [update(t0 + 3_000), update(t0 + 5_000)],
    })
    assert.equal(late.statusCode, 200, late.body)
    const body = late.json<{ effects: string[]; sentTo: string[]; track: TrackRow }>()
    assert.deepEqual(body.effects, ['stale', 'stale'])
    assert.deepEqual(body.sentTo, [])
    assert.equal((await queuedTracks(kor, 'JPN')).length, before, 'nothing queued')
    const shown = await kor.call('GET', '/api/tracks/KOR/5001', 'auditor')
    assert.equal(shown.statusCode, 200, shown.body)
    const track = shown.json<TrackRow & { state: { atMs: number } }>()
    assert.equal(track.state.atMs, t0 + 5_000, 'never moved back')
    assert.equal(track.updates, 2)
  })

  it('a dropped track takes no later update (400 TRACK_ENDED) and is listed dropped', async () => {
    const t0 = Date.parse('2019-10-31T07:36:00Z')
    await kor.call('POST', '/api/tracks/5002/updates', 'operator', {
      reportId: report.id,
      updates: [update(t0, 'initial'), { kind: 'drop', atMs: t0 + 60_000 }],
    })
    const after = await kor.call('POST', '/api/tracks/5002/updates', 'operator', {
      updates: [update(t0 + 61_000)],
    })
    assert.equal(after.statusCode, 400, after.body)
    assert.match(after.body, /TRACK_ENDED/)
    const listed = await kor.call('GET', '/api/tracks?status=dropped', 'auditor')
    const tracks = listed.json<TrackRow[]>()
    assert.deepEqual(
      tracks.map((t) => t.trackNumber),
      [5002],
    )
  })

  it('POST /api/tracks/updates takes many tracks of one report in one batch: one message per peer allowed, each track folded', async () => {
    const t0 = Date.parse('2019-10-31T07:38:00Z')
    const before = (await queuedTracks(kor, 'JPN')).length
    const messages = [8001, 8002, 8003].flatMap((trackNumber) => [
      { trackNumber, ...update(t0, 'initial') },
      { trackNumber, ...update(t0 + 1_000) },
    ])
    const response = await kor.call('POST', '/api/tracks/updates', 'operator', {
      reportId: report.id,
      messages,
    })
    assert.equal(response.statusCode, 201, response.body)
    const body = response.json<{ created: number[]; tracks: TrackRow[]; sentTo: string[] }>()
    assert.deepEqual(body.created, [8001, 8002, 8003])
    assert.deepEqual(
      body.tracks.map((t) => t.updates),
      [2, 2, 2],
    )
    assert.deepEqual(body.sentTo, ['JPN'])
    const queued = await queuedTracks(kor, 'JPN')
    assert.equal(queued.length, before + 1, 'one message for the whole batch')
    const wire = JSON.parse(queued.at(-1)!.envelope) as {
      payload: { batch: { messages: unknown[] } }
    }
    assert.equal(wire.payload.batch.messages.length, 6)
  })

  it('correlate ends one number and names the one that goes on', async () => {
    const t0 = Date.parse('2019-10-31T07:37:00Z')
    for (const n of [6001, 6002])
      await kor.call('POST', `/api/tracks/${n}/updates`, 'operator', {
        reportId: report.id,
        updates: [update(t0, 'initial')],
      })
    const merged = await kor.call('POST', '/api/tracks/6002/updates', 'operator', {
      updates: [{ kind: 'correlate', atMs: t0 + 2_000, survivor: 6001 }],
    })
    assert.equal(merged.statusCode, 200, merged.body)
    const track = merged.json<{ track: TrackRow }>().track
    assert.equal(track.status, 'correlated')
    assert.equal(track.survivor, 6001)
  })
})

describe('issue 12: a track relayed by the TISA’s hub (KOR → USA → JPN)', () => {
  let kor: Harness
  let usa: Harness
  let jpn: Harness
  let report: ReportRow

  before(async () => {
    ;({ kor, usa, jpn } = await makeHubChain())
    report = await ownReport(kor)
  })
  after(async () => {
    await Promise.all([kor, usa, jpn].map((h) => h.close()))
  })

  it('USA verifies KOR’s batch, holds the track, relays the batch unchanged to JPN, which holds it by the path KOR → USA → JPN', async () => {
    const t0 = Date.parse('2019-10-31T07:35:20Z')
    const posted = await kor.call('POST', '/api/tracks/4011/updates', 'operator', {
      reportId: report.id,
      updates: [update(t0, 'initial'), update(t0 + 1_000)],
    })
    assert.equal(posted.statusCode, 201, posted.body)
    assert.deepEqual(posted.json<{ sentTo: string[] }>().sentTo, ['USA'])
    const [toUsa] = await queuedTracks(kor, 'USA')
    assert.deepEqual(await forward(await signedAs(kor, toUsa!.envelope), usa), {
      status: 'accepted',
      codes: [],
    })
    const atUsa = (await usa.ctx.store.getTrack('KOR', 4011))!
    assert.equal(atUsa.updates, 2)
    assert.equal(atUsa.localLevel, 'SECRET')
    const [toJpn] = await queuedTracks(usa, 'JPN')
    assert.ok(toJpn !== undefined, 'the hub relays it')
    assert.deepEqual(await forward(await signedAs(usa, toJpn.envelope), jpn), {
      status: 'accepted',
      codes: [],
    })
    const atJpn = (await jpn.ctx.store.getTrack('KOR', 4011))!
    assert.deepEqual(atJpn.path, ['KOR', 'USA', 'JPN'])
    // The most protective JPN level a TISA row maps it to (MIL-II ↔ SECRET ↔ TOKUTEI-HIMITSU).
    assert.equal(atJpn.localLevel, 'TOKUTEI-HIMITSU')
    assert.equal(atJpn.receivedFrom, 'USA')
    const entries = await jpn.ctx.store.listAudit({ type: 'track' })
    assert.equal(entries.at(-1)?.data['receivedFrom'], 'USA')
  })

  it('a batch the hub altered (an update moved) is quarantined at JPN (ORIGINATOR_SIGNATURE_INVALID) and changes nothing', async () => {
    const [toJpn] = await queuedTracks(usa, 'JPN')
    const wire = JSON.parse(toJpn!.envelope) as {
      messageId: string
      payload: { batch: { messages: { state?: { position: { lat: number } } }[] } }
    }
    wire.messageId = randomUUID()
    const moved = wire.payload.batch.messages[1]?.state
    assert.ok(moved !== undefined)
    moved.position.lat += 1
    const result = await forward(await signedAs(usa, JSON.stringify(wire)), jpn)
    assert.equal(result.status, 'quarantined')
    assert.deepEqual(result.codes, ['ORIGINATOR_SIGNATURE_INVALID'])
    assert.equal((await jpn.ctx.store.getTrack('KOR', 4011))?.updates, 2)
  })

  it('the same batch again (by another way) changes nothing: JPN’s track keeps its count', async () => {
    const [toJpn] = await queuedTracks(usa, 'JPN')
    const wire = JSON.parse(toJpn!.envelope) as { messageId: string }
    wire.messageId = randomUUID()
    assert.deepEqual(await forward(await signedAs(usa, JSON.stringify(wire)), jpn), {
      status: 'accepted',
      codes: [],
    })
    assert.equal((await jpn.ctx.store.getTrack('KOR', 4011))?.updates, 2)
  })

  it('once KOR withdraws the report, its queued tracks leave for no one (REPORT_WITHDRAWN) and new ones are refused (409)', async () => {
    const withdrawn = await kor.call('POST', `/api/reports/${report.id}/withdraw`, 'operator', {
      reason: 'false alarm',
    })
    assert.equal(withdrawn.statusCode, 200, withdrawn.body)
    const [queued] = await queuedTracks(kor, 'USA')
    const verdict = await trackStillAllowed(kor.ctx, queued!, kor.clock.ms)
    assert.equal(verdict.ok, false)
    assert.deepEqual(verdict.ok ? [] : verdict.reasons.map((r) => r.code), ['REPORT_WITHDRAWN'])
    const refused = await kor.call('POST', '/api/tracks/4011/updates', 'operator', {
      updates: [update(Date.parse('2019-10-31T07:35:30Z'))],
    })
    assert.equal(refused.statusCode, 409, refused.body)
  })
})
