import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { runImport } from '../../src/cli/import.ts'
import { withNodeContext } from '../../src/cli/node-dir.ts'
import { asAgreementId, asPartyId } from '../../src/domain/ids.ts'
import {
  parseInstantMs,
  stixTime,
  TRACK_TYPE,
  type StixObject,
} from '../../src/interop/stix-objects.ts'
import { trackObjectId } from '../../src/interop/stix-tracks.ts'
import { ingestTaxiiObjects } from '../../src/node/app/taxii-ingest.ts'
import { collectionIdOf, collectionView } from '../../src/node/app/taxii-views.ts'
import { CONFIG_FILE } from '../../src/node/main.ts'
import type { TrackPost } from '../../src/protocol/track.ts'
import type { ReportRow } from '../../src/node/store/store.ts'
import { type Harness, makeNode } from '../helpers/node-harness.ts'
import { ownReport, trackStateAt } from '../helpers/tracks.ts'

/**
 * Issue 12, item 4: tracks through TAXII. Every version of a track is served to a party the
 * agreements let it reach at the instant of the request — each decided on its own marking by
 * the policy of the live link — and to no one else, nothing in the audit saying otherwise; a
 * withdrawn report's tracks are revoked, content-free; an export read back on another node
 * recreates the same updates.
 */

const TAXII = 'application/taxii+json;version=2.1'
const COLLECTION = `/taxii2/api/collections/${collectionIdOf('KOR')}`
const T0 = Date.parse('2019-10-31T07:37:00Z')

type Update = TrackPost['updates'][number]

const updates = (fromMs: number, n: number, first: 'initial' | 'update'): Update[] =>
  Array.from({ length: n }, (_, i) => ({
    kind: i === 0 ? first : 'update',
    state: trackStateAt(fromMs + i * 1_000),
  }))

interface Envelope {
  more?: boolean
  next?: string
  objects?: StixObject[]
}

async function trackObjects(h: Harness, who: string, query = ''): Promise<Envelope> {
  const token = who === 'KOR' ? h.tokens.operator : await h.partyToken(who)
  const response = await h.call(
    'GET',
    `${COLLECTION}/objects/?match[type]=${TRACK_TYPE}${query}`,
    null,
    undefined,
    { accept: TAXII, authorization: `Bearer ${token}` },
  )
  assert.equal(response.statusCode, 200, response.body)
  return response.json<Envelope>()
}

async function postTrack(h: Harness, n: number, body: TrackPost): Promise<void> {
  const response = await h.call('POST', `/api/tracks/${n}/updates`, 'operator', body)
  assert.ok(response.statusCode < 300, response.body)
}

async function trackDisclosures(h: Harness, party: string) {
  const entries = await h.ctx.store.listAudit({ type: 'disclosure', party })
  return entries.filter((e) => String(e.subject).startsWith('track:'))
}

describe('issue 12: tracks through STIX/TAXII', () => {
  let kor: Harness
  let report: ReportRow
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
    // Track 4011: five updates in one post (one arrival instant), then a drop.
    await postTrack(kor, 4011, { reportId: report.id, updates: updates(T0, 5, 'initial') })
    await postTrack(kor, 4011, { updates: [{ kind: 'drop', atMs: T0 + 4_000 }] })
  })
  after(() => kor.close())

  it('a peer the GSOMIA lets reach sees every version: /versions/, match[version]=first|last|all, paging one at a time through versions that share their date added; its disclosure audited once', async () => {
    const id = trackObjectId('KOR', 4011)
    const all = await trackObjects(kor, 'JPN', '&match[version]=all')
    const versions = (all.objects ?? []).map((o) => o['modified'])
    assert.equal(versions.length, 6, 'five states and the drop')
    assert.deepEqual(
      (all.objects ?? []).map((o) => o['lifecycle']),
      ['initial', 'update', 'update', 'update', 'update', 'drop'],
    )
    const first = await trackObjects(kor, 'JPN', '&match[version]=first')
    assert.deepEqual(
      (first.objects ?? []).map((o) => o['lifecycle']),
      ['initial'],
    )
    const last = await trackObjects(kor, 'JPN')
    assert.deepEqual(
      (last.objects ?? []).map((o) => o['track_state']),
      ['dropped'],
    )
    const token = await kor.partyToken('JPN')
    const listed = await kor.call('GET', `${COLLECTION}/objects/${id}/versions/`, null, undefined, {
      accept: TAXII,
      authorization: `Bearer ${token}`,
    })
    assert.equal(listed.statusCode, 200, listed.body)
    assert.deepEqual(listed.json<{ versions: string[] }>().versions, versions)

    const paged: unknown[] = []
    let next = ''
    for (let page = 0; page < 10; page++) {
      const body = await trackObjects(kor, 'JPN', `&match[version]=all&limit=1${next}`)
      paged.push(...(body.objects ?? []).map((o) => o['modified']))
      if (body.more !== true) break
      next = `&next=${body.next ?? ''}`
    }
    assert.deepEqual(paged, versions, 'no version skipped where versions share a date added')

    const disclosed = await trackDisclosures(kor, 'JPN')
    assert.equal(disclosed.length, 1, 'one disclosure per track, party and path')
    assert.equal(disclosed[0]?.subject, 'track:KOR:4011')
    assert.equal(disclosed[0]?.data['path'], 'taxii')
    assert.equal(disclosed[0]?.data['agreement'], 'kor-jpn-gsomia')
  })

  it('a party the agreements do not let reach it now (USA: kor-usa is manual, nothing released) sees no version, and nothing in the audit says it was shown one', async () => {
    const all = await trackObjects(kor, 'USA', '&match[version]=all')
    assert.deepEqual(all.objects ?? [], [])
    assert.deepEqual(await trackDisclosures(kor, 'USA'), [])
    const own = await trackObjects(kor, 'KOR', '&match[version]=all')
    assert.equal((own.objects ?? []).length, 6, 'the node itself sees them all')
  })

  it('when the GSOMIA ends, JPN is served every version up to the last millisecond before the end and none from that instant on', async () => {
    const r = await ownReport(kor)
    kor.clock.ms = gsomiaEndsMs - 5_000
    await postTrack(kor, 4021, {
      reportId: r.id,
      updates: updates(gsomiaEndsMs - 5_000, 3, 'initial'),
    })
    const tracksOf = async (atMs: number) =>
      (await collectionView(kor.ctx, asPartyId('JPN'), atMs))
        .filter((e) => e.object.id === trackObjectId('KOR', 4021))
        .map((e) => e.object['lifecycle'])
    assert.deepEqual(await tracksOf(gsomiaEndsMs - 1), ['initial', 'update', 'update'])
    assert.deepEqual(await tracksOf(gsomiaEndsMs), [])
    assert.deepEqual(await tracksOf(gsomiaEndsMs + 60_000), [])
  })

  it("a withdrawn report's tracks are revoked: JPN, which held them, gets the revocation only, with no state; USA, which never did, nothing", async () => {
    const r = await ownReport(kor)
    kor.clock.ms = T0 + 600_000
    await postTrack(kor, 4031, { reportId: r.id, updates: updates(T0 + 600_000, 2, 'initial') })
    const before = await trackObjects(kor, 'JPN', `&match[id]=${trackObjectId('KOR', 4031)}`)
    assert.equal((before.objects ?? []).length, 1, 'JPN read the track')
    const withdrawn = await kor.call('POST', `/api/reports/${r.id}/withdraw`, 'operator', {
      reason: 'false alarm',
    })
    assert.ok(withdrawn.statusCode < 300, withdrawn.body)
    const id = trackObjectId('KOR', 4031)
    const all = await trackObjects(kor, 'JPN', `&match[version]=all&match[id]=${id}`)
    assert.deepEqual(
      (all.objects ?? []).map((o) => [o['revoked'], o['position']]),
      [[true, undefined]],
    )
    const usa = await trackObjects(kor, 'USA', `&match[version]=all&match[id]=${id}`)
    assert.deepEqual(usa.objects ?? [], [])
    const own = await trackObjects(kor, 'KOR', `&match[version]=all&match[id]=${id}`)
    assert.deepEqual(
      (own.objects ?? []).map((o) => o['revoked'] === true),
      [false, false, true],
      'the node itself keeps the versions, then the revocation',
    )
  })

  it('an export read back on another node recreates the same tracks with the same updates', async () => {
    const exported = (await collectionView(kor.ctx, asPartyId('KOR'), kor.ctx.now())).map(
      (e) => e.object,
    )
    const other = await makeNode({ party: 'KOR', modes: { 'kor-jpn-gsomia': 'auto' } })
    try {
      const { failures } = await ingestTaxiiObjects(other.ctx, asPartyId('KOR'), exported)
      assert.deepEqual(failures, [])
      const messagesOf = async (h: Harness, n: number) =>
        (await h.ctx.store.listTrackVersions({ originator: 'KOR', trackNumber: n })).map((v) => [
          v.seq,
          v.level,
          v.message,
        ])
      for (const n of [4011, 4021]) {
        const original = await messagesOf(kor, n)
        assert.ok(original.length > 0)
        assert.deepEqual(await messagesOf(other, n), original, `track ${n}`)
      }
      assert.equal((await other.ctx.store.getTrack('KOR', 4011))?.status, 'dropped')
      // Again: the same export changes nothing.
      const again = await ingestTaxiiObjects(other.ctx, asPartyId('KOR'), exported)
      assert.deepEqual(again.failures, [])
      assert.equal(
        (await other.ctx.store.listTrackVersions({ originator: 'KOR', trackNumber: 4011 })).length,
        6,
      )
      // A peer's TAXII client may not add tracks, whoever's they claim to be.
      const fromJpn = await ingestTaxiiObjects(other.ctx, asPartyId('JPN'), exported)
      const refused = fromJpn.failures.find((f) => f.id === trackObjectId('KOR', 4011))
      assert.match(refused?.message ?? '', /signed by its originator over the federation link/)
    } finally {
      await other.close()
    }
  })

  it('`entente import` of an export reads the tracks back: one line per track, the same versions on the other node', async () => {
    const objects = (await collectionView(kor.ctx, asPartyId('KOR'), kor.ctx.now())).map(
      (e) => e.object,
    )
    const other = await makeNode({ party: 'KOR', modes: { 'kor-jpn-gsomia': 'auto' } })
    await other.close()
    // The config a started node records in its directory (the harness starts none).
    writeFileSync(join(other.dir, CONFIG_FILE), JSON.stringify(other.config))
    const file = join(other.dir, 'export.json')
    writeFileSync(file, JSON.stringify({ type: 'bundle', id: 'bundle--x', objects }))
    const { lines, refused } = await runImport({ dir: other.dir, file })
    assert.deepEqual(refused, [])
    assert.ok(lines.includes('imported track KOR:4011 (6 versions)'), lines.join('\n'))
    assert.ok(lines.includes('imported track KOR:4021 (3 versions)'), lines.join('\n'))
    assert.ok(lines.includes('revoked track KOR:4031 (its report was withdrawn)'), lines.join('\n'))
    const imported = await withNodeContext(other.dir, undefined, (ctx) =>
      ctx.store.listTrackVersions({ originator: 'KOR', trackNumber: 4011 }),
    )
    const original = await kor.ctx.store.listTrackVersions({ originator: 'KOR', trackNumber: 4011 })
    assert.deepEqual(
      imported.map((v) => v.message),
      original.map((v) => v.message),
    )
    const again = await runImport({ dir: other.dir, file })
    assert.ok(again.lines.includes('already held track KOR:4011'), again.lines.join('\n'))
  })

  it("a track sent as its revocation only, beside a launch that shares its creator's identity, is read with that identity (its originator), as `import` reads it", async () => {
    const exported = (await collectionView(kor.ctx, asPartyId('KOR'), kor.ctx.now())).map(
      (e) => e.object,
    )
    const id = trackObjectId('KOR', 4031)
    // Only the revocation of track 4031 (its report is withdrawn here), with everything else.
    const revokedOnly = exported.filter((o) => o.id !== id || o['revoked'] === true)
    const revocation = revokedOnly.find((o) => o.id === id)
    assert.ok(revocation !== undefined, 'the export holds the revocation')
    assert.ok(
      revokedOnly.some(
        (o) => o.type !== TRACK_TYPE && o['created_by_ref'] === revocation['created_by_ref'],
      ),
      'a launch refers to the same identity',
    )
    const { failures } = await ingestTaxiiObjects(kor.ctx, asPartyId('KOR'), revokedOnly)
    assert.deepEqual(
      failures.filter((f) => f.id === id),
      [],
      'its report is withdrawn here: nothing to store, nothing refused',
    )
  })

  it('a bad track version in an import is refused naming the field, and nothing of that track is stored', async () => {
    const exported = (await collectionView(kor.ctx, asPartyId('KOR'), kor.ctx.now())).map(
      (e) => e.object,
    )
    const id = trackObjectId('KOR', 4011)
    const bad = exported.map((o) =>
      o.id === id && o['lifecycle'] === 'update' ? { ...o, quality: 99 } : o,
    )
    const other = await makeNode({ party: 'KOR', modes: { 'kor-jpn-gsomia': 'auto' } })
    try {
      const { failures } = await ingestTaxiiObjects(other.ctx, asPartyId('KOR'), bad)
      const refused = failures.find((f) => f.id === id)
      assert.match(refused?.message ?? '', /quality/)
      // Its markings went in with nothing: refused with it, not reported accepted.
      const markings = new Set(
        bad.filter((o) => o.id === id).flatMap((o) => o['object_marking_refs'] as string[]),
      )
      assert.ok(markings.size > 0)
      for (const marking of markings)
        assert.match(failures.find((f) => f.id === marking)?.message ?? '', /quality/, marking)
      assert.equal(await other.ctx.store.getTrack('KOR', 4011), undefined)
      assert.ok((await other.ctx.store.getTrack('KOR', 4021)) !== undefined, 'the others go in')
    } finally {
      await other.close()
    }
  })

  /** The export, a marking of track 4011's and a copy of it releasable to `releasableTo`. */
  async function exportWithMarking(releasableTo: string[], idSuffix: string) {
    const exported = (await collectionView(kor.ctx, asPartyId('KOR'), kor.ctx.now())).map(
      (e) => e.object,
    )
    const id = trackObjectId('KOR', 4011)
    const versions = exported.filter((o) => o.id === id)
    const markingId = (versions.at(-1)?.['object_marking_refs'] as string[] | undefined)?.[0]
    const marking = exported.find((o) => o.id === markingId)
    assert.ok(marking !== undefined && versions.length > 2)
    const extension = Object.keys(marking['extensions'] as object)[0] as string
    const props = (marking['extensions'] as Record<string, Record<string, unknown>>)[extension]
    const listed = {
      ...marking,
      id: `marking-definition--2a3f0c3e-8f2e-4d38-9d1e-${idSuffix}`,
      extensions: {
        [extension]: { ...props, releasability: 'listed', releasable_to: releasableTo },
      },
    }
    return { exported, id, versions, listed }
  }

  async function importedInto(objects: StixObject[], id: string): Promise<string> {
    const other = await makeNode({ party: 'KOR', modes: { 'kor-jpn-gsomia': 'auto' } })
    try {
      const { failures } = await ingestTaxiiObjects(other.ctx, asPartyId('KOR'), objects)
      assert.equal(await other.ctx.store.getTrack('KOR', 4011), undefined, 'no version stored')
      assert.deepEqual(
        await other.ctx.store.listTrackVersions({ originator: 'KOR', trackNumber: 4011 }),
        [],
      )
      return failures.find((f) => f.id === id)?.message ?? ''
    } finally {
      await other.close()
    }
  }

  it("a track whose last version's marking is refused stores none of its versions (its earlier run under another marking is not left behind)", async () => {
    // The last version under a marking of its own, releasable to a party no registry knows.
    const { exported, id, versions, listed } = await exportWithMarking(['ZZZ'], '6d2b9c1f7a11')
    const last = versions.at(-1)
    const bad = [
      ...exported.map((o) => (o === last ? { ...o, object_marking_refs: [listed.id] } : o)),
      listed,
    ]
    assert.match(await importedInto(bad, id), /releasableTo: .*ZZZ/)
  })

  it('a track whose later run the domain refuses (an update after its drop) stores none of its versions', async () => {
    // Runs: the states (the track's marking), the drop (JPN only), an update after the drop.
    const { exported, id, versions, listed } = await exportWithMarking(['JPN'], '6d2b9c1f7a12')
    const drop = versions.at(-1)
    const update = versions.at(-2)
    assert.ok(drop?.['lifecycle'] === 'drop' && update?.['lifecycle'] === 'update')
    const laterMs = (value: unknown) => stixTime(parseInstantMs(String(value)) + 1_000)
    const afterDrop = {
      ...update,
      modified: laterMs(drop['modified']),
      measured: laterMs(drop['ended']),
    }
    const bad = [
      ...exported.map((o) => (o === drop ? { ...o, object_marking_refs: [listed.id] } : o)),
      listed,
      afterDrop,
    ]
    assert.match(await importedInto(bad, id), /TRACK_ENDED/)
  })
})
