import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance, InjectOptions } from 'fastify'
import { initNode, issueToken } from '../../src/cli/node.ts'
import { asPartyId } from '../../src/domain/ids.ts'
import { reportToStixBundle } from '../../src/interop/stix.ts'
import { LAUNCH_TYPE, type StixObject } from '../../src/interop/stix-objects.ts'
import { collectionIdOf, partyTokenRow } from '../../src/node/app/taxii-views.ts'
import { nodeConfigSchema } from '../../src/node/config.ts'
import { generatePartyKeys, publicJwks } from '../../src/node/crypto/keys.ts'
import { createNode } from '../../src/node/main.ts'
import type { Store } from '../../src/node/store/store.ts'
import { ISSUED } from '../../src/node/store/store.ts'
import { ROOT } from '../helpers/cli.ts'

const TAXII = 'application/taxii+json;version=2.1'
const COLLECTION = `/taxii2/api/collections/${collectionIdOf('KOR')}`
/** With the what-if gsomia-lapsed, the Korea–Japan GSOMIA ends at this instant. */
const GSOMIA_END_MS = Date.parse('2019-11-23T00:00:00+09:00')

interface Envelope {
  more?: boolean
  next?: string
  objects?: StixObject[]
}

/** KOR's node in-process (no port), on a clock the test moves, with JPN as a peer. */
describe('TAXII 2.1 server (one node, inject)', () => {
  let app: FastifyInstance
  let store: Store
  let clockMs = Date.parse('2019-10-31T07:36:00Z')
  const tokens: Record<string, string> = {}
  const reportIds: Record<string, string> = {}

  before(async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'entente-taxii-')), 'kor')
    await initNode('KOR', dir)
    for (const role of ['operator', 'auditor']) tokens[role] = await issueToken(dir, role, role)
    const jpn = publicJwks(generatePartyKeys('JPN')).keys
    const config = nodeConfigSchema.parse({
      party: 'KOR',
      dataDir: dir,
      listen: { port: 0 },
      registry: {
        scenario: join(ROOT, 'scenarios/korea-japan-2019.yaml'),
        whatIfs: ['gsomia-lapsed'],
      },
      peers: { JPN: { url: 'http://127.0.0.1:9', keys: { signing: jpn[0], encryption: jpn[1] } } },
      // The GSOMIA released on request: a TAXII read shows only what a request's answer let go
      // (test/node/egress.test.ts, H3). Here the engine's view is the subject: release at once.
      release: { modes: { 'kor-jpn-gsomia': 'auto' } },
    })
    const node = await createNode(config, { now: () => clockMs })
    app = node.app
    store = node.ctx.store
    for (const party of ['JPN', 'USA']) {
      const { token, row } = partyTokenRow(
        asPartyId(party),
        `secret-of-${party}`,
        'test client',
        clockMs,
      )
      await store.insertToken(row)
      tokens[party] = token
    }
    for (const [name, level, releasableTo] of [
      ['covered', 'MIL-II', undefined],
      ['level-i', 'MIL-I', undefined],
      ['usa-only', 'MIL-II', ['USA']],
    ] as const) {
      clockMs += 1000
      const response = await app.inject({
        method: 'POST',
        url: '/api/reports',
        headers: { authorization: `Bearer ${tokens['operator'] ?? ''}` },
        payload: {
          marking: { originator: 'KOR', level },
          topic: 'dprk-missile',
          ...(releasableTo === undefined ? {} : { releasableTo }),
          launch: {
            time: '2019-10-31T16:35:00+09:00',
            site: { lat: 39.41, lon: 125.89 },
            headingDeg: 68,
            rangeKm: 370,
            apogeeKm: 90,
            text: name,
          },
        },
      })
      assert.equal(response.statusCode, 201, response.body)
      reportIds[name] = response.json<{ report: { id: string } }>().report.id
    }
  })
  after(async () => {
    await app.close()
    await store.close()
  })

  const basic = (party: string, token: string) =>
    `Basic ${Buffer.from(`${party}:${token}`).toString('base64')}`
  const as = (who: string) =>
    who === 'JPN' || who === 'USA' ? basic(who, tokens[who] ?? '') : `Bearer ${tokens[who] ?? ''}`
  const get = (
    url: string,
    who: string | null = 'operator',
    headers: Record<string, string> = {},
  ) =>
    app.inject({
      method: 'GET',
      url,
      headers: { accept: TAXII, ...(who === null ? {} : { authorization: as(who) }), ...headers },
    })
  const post = (objects: unknown, who: string, contentType = TAXII) =>
    app.inject({
      method: 'POST',
      url: `${COLLECTION}/objects/`,
      headers: { accept: TAXII, 'content-type': contentType, authorization: as(who) },
      payload: JSON.stringify({ objects }),
    } satisfies InjectOptions)
  const launchTexts = async (who: string): Promise<string[]> => {
    const response = await get(`${COLLECTION}/objects/?match[type]=${LAUNCH_TYPE}`, who)
    assert.equal(response.statusCode, 200, response.body)
    return (response.json<Envelope>().objects ?? []).map((o) => String(o['description'])).sort()
  }

  it('discovery and the API root answer in the TAXII media type', async () => {
    const discovery = await get('/taxii2/')
    assert.equal(discovery.statusCode, 200)
    assert.equal(discovery.headers['content-type'], TAXII)
    const { api_roots: roots } = discovery.json<{ api_roots: string[] }>()
    assert.match(roots[0] ?? '', /\/taxii2\/api\/$/)
    const root = (await get('/taxii2/api/')).json<{
      versions: string[]
      max_content_length: number
    }>()
    assert.deepEqual(root.versions, [TAXII])
    assert.ok(root.max_content_length > 0)
    const collections = (await get('/taxii2/api/collections/', 'JPN')).json<{
      collections: { id: string; can_read: boolean; can_write: boolean; media_types: string[] }[]
    }>()
    assert.deepEqual(
      collections.collections.map((c) => [c.id, c.can_read, c.can_write, c.media_types]),
      [[collectionIdOf('KOR'), true, true, ['application/stix+json;version=2.1']]],
    )
    assert.equal(
      (await get(`${COLLECTION}/`, 'auditor')).json<{ can_write: boolean }>().can_write,
      false,
    )
  })

  it('authentication: 401 with a TAXII error body and a challenge; peer tokens open nothing else', async () => {
    const none = await get('/taxii2/', null)
    assert.equal(none.statusCode, 401)
    assert.equal(none.headers['content-type'], TAXII)
    assert.match(String(none.headers['www-authenticate']), /Basic/)
    assert.deepEqual(Object.keys(none.json<object>()).sort(), [
      'description',
      'error_code',
      'http_status',
      'title',
    ])
    assert.equal(none.json<{ http_status: string }>().http_status, '401')
    assert.equal(
      (await get('/taxii2/', null, { authorization: basic('JPN', 'wrong') })).statusCode,
      401,
    )
    assert.equal(
      (await get('/taxii2/', null, { authorization: basic('USA', tokens['JPN'] ?? '') }))
        .statusCode,
      401,
      'a token is bound to its party',
    )
    assert.equal(
      (await get('/taxii2/', null, { authorization: `Bearer ${tokens['JPN'] ?? ''}` })).statusCode,
      200,
    )
    const api = await app.inject({
      method: 'GET',
      url: '/api/reports',
      headers: { authorization: `Bearer ${tokens['JPN'] ?? ''}` },
    })
    assert.equal(api.statusCode, 401, 'a peer-party TAXII token is not a node API token')
  })

  it('content negotiation: 406 for another Accept, 415 for another body type', async () => {
    const refused = await get('/taxii2/', 'operator', { accept: 'application/json' })
    assert.equal(refused.statusCode, 406)
    assert.equal(refused.json<{ http_status: string }>().http_status, '406')
    assert.equal(
      (await get('/taxii2/', 'operator', { accept: 'application/taxii+json' })).statusCode,
      200,
    )
    assert.equal((await post([], 'JPN', 'application/json')).statusCode, 415)
    assert.equal((await get('/taxii2/api/collections/nope/objects/')).statusCode, 404)
  })

  it('each party reads what the release engine allows it now, and nothing once the agreement ends', async () => {
    assert.deepEqual(await launchTexts('operator'), ['covered', 'level-i', 'usa-only'])
    assert.deepEqual(await launchTexts('JPN'), ['covered'], 'GSOMIA: MIL-II only, not REL TO USA')
    const covered = reportToStixBundle({ ...(await store.getReport(reportIds['covered'] ?? ''))! })
    const launchId = covered.objects.find((o) => o.type === LAUNCH_TYPE)?.id ?? ''
    assert.equal((await get(`${COLLECTION}/objects/${launchId}/`, 'JPN')).statusCode, 200)
    const saved = clockMs
    clockMs = GSOMIA_END_MS - 1
    assert.deepEqual(await launchTexts('JPN'), ['covered'], 'still in force a millisecond before')
    clockMs = GSOMIA_END_MS
    assert.deepEqual(await launchTexts('JPN'), [], 'the GSOMIA has ended')
    assert.equal((await get(`${COLLECTION}/objects/${launchId}/`, 'JPN')).statusCode, 404)
    assert.deepEqual(await launchTexts('operator'), ['covered', 'level-i', 'usa-only'])
    clockMs = saved
  })

  it('DELETE of an object: 403 with a TAXII error for what the client sees, 404 for what it does not', async () => {
    const held = async (name: string) =>
      reportToStixBundle({ ...(await store.getReport(reportIds[name] ?? ''))! }).objects.find(
        (o) => o.type === LAUNCH_TYPE,
      )?.id ?? ''
    const del = (id: string, who: string) =>
      app.inject({
        method: 'DELETE',
        url: `${COLLECTION}/objects/${id}/`,
        headers: { accept: TAXII, authorization: as(who) },
      })
    const refused = await del(await held('covered'), 'operator')
    assert.equal(refused.statusCode, 403)
    assert.equal(refused.headers['content-type'], TAXII)
    assert.match(refused.json<{ description: string }>().description, /never deletes/)
    assert.equal((await del(await held('level-i'), 'JPN')).statusCode, 404, 'JPN cannot see it')
    assert.deepEqual(await launchTexts('operator'), ['covered', 'level-i', 'usa-only'])
  })

  it('pages with limit and next, in date-added order, with the date headers', async () => {
    const all = (await get(`${COLLECTION}/objects/`)).json<Envelope>()
    assert.equal(all.more, false)
    const objects = all.objects ?? []
    assert.ok(objects.length > 10)
    const seen: StixObject[] = []
    let next: string | undefined
    let pages = 0
    do {
      const response = await get(
        `${COLLECTION}/objects/?limit=4${next === undefined ? '' : `&next=${next}`}`,
      )
      assert.equal(response.statusCode, 200)
      assert.ok(response.headers['x-taxii-date-added-first'])
      assert.ok(response.headers['x-taxii-date-added-last'])
      const page = response.json<Envelope>()
      assert.ok((page.objects ?? []).length <= 4)
      seen.push(...(page.objects ?? []))
      assert.equal(page.more, page.next !== undefined)
      next = page.next
      pages++
    } while (next !== undefined)
    assert.equal(pages, Math.ceil(objects.length / 4))
    assert.deepEqual(seen, objects)
    assert.equal((await get(`${COLLECTION}/objects/?limit=0`)).statusCode, 400)
    assert.equal((await get(`${COLLECTION}/objects/?next=garbage`)).statusCode, 400)
    assert.equal((await get(`${COLLECTION}/objects/?added_after=yesterday`)).statusCode, 400)
  })

  it('filters by added_after, match[id], match[type], match[version] and match[spec_version]', async () => {
    const manifest = (await get(`${COLLECTION}/manifest/`)).json<{
      objects: { id: string; date_added: string; version: string; media_type: string }[]
    }>().objects
    const launch = manifest.find((m) => m.id.startsWith(`${LAUNCH_TYPE}--`))
    assert.ok(launch)
    assert.equal(launch.media_type, 'application/stix+json;version=2.1')
    const ids = async (query: string) =>
      ((await get(`${COLLECTION}/objects/?${query}`)).json<Envelope>().objects ?? []).map(
        (o) => o.id,
      )
    const dates = [...new Set(manifest.map((m) => m.date_added))].sort()
    assert.ok(dates.length >= 3)
    const afterFirst = await ids(`added_after=${dates[0] ?? ''}`)
    assert.ok(afterFirst.length > 0 && afterFirst.length < manifest.length)
    assert.deepEqual(await ids(`match[id]=${launch.id}`), [launch.id])
    assert.equal((await ids(`match[type]=${LAUNCH_TYPE},location`)).length, 6)
    assert.deepEqual(await ids(`match[id]=${launch.id}&match[version]=${launch.version}`), [
      launch.id,
    ])
    assert.deepEqual(await ids(`match[id]=${launch.id}&match[version]=all`), [launch.id])
    assert.deepEqual(
      await ids(`match[id]=${launch.id}&match[version]=2000-01-01T00:00:00.000Z`),
      [],
    )
    assert.deepEqual(await ids('match[spec_version]=2.0'), [])
    assert.equal((await ids('match[spec_version]=2.1')).length, manifest.length)
    const versions = (await get(`${COLLECTION}/objects/${launch.id}/versions/`)).json<{
      versions: string[]
      more: boolean
    }>()
    assert.deepEqual(versions, { more: false, versions: [launch.version] })
    assert.equal((await get(`${COLLECTION}/objects/${launch.id}/versions/`, 'JPN')).statusCode, 200)
    assert.equal(
      (await get(`${COLLECTION}/objects/indicator--2ed6657d-e927-568b-95e1-2665a8aea6a2/`))
        .statusCode,
      404,
    )
  })

  it("POSTed envelopes are a party's reports, re-checked like federation arrivals, with a status", async () => {
    const jpnReport = {
      id: '5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      originator: 'JPN',
      level: 'HI',
      localLevel: 'HI',
      topic: 'dprk-missile',
      releasableTo: null,
      payload: {
        time: '2019-10-31T16:36:00+09:00',
        site: { lat: 39.4, lon: 125.9 },
        headingDeg: 70,
        rangeKm: 350,
        apogeeKm: 80,
        count: 1,
        confidence: 'medium',
      },
      receivedFrom: null,
      agreement: null,
      path: ['JPN'],
      createdAtMs: clockMs,
    }
    const objects = reportToStixBundle(jpnReport).objects
    const accepted = await post(objects, 'JPN')
    assert.equal(accepted.statusCode, 202, accepted.body)
    const status = accepted.json<{
      id: string
      status: string
      total_count: number
      success_count: number
      failure_count: number
    }>()
    assert.deepEqual(
      [status.status, status.total_count, status.success_count, status.failure_count],
      ['complete', objects.length, objects.length, 0],
    )
    const stored = await store.getReport(jpnReport.id)
    assert.deepEqual(
      [stored?.receivedFrom, stored?.agreement, stored?.localLevel],
      ['JPN', 'kor-jpn-gsomia', 'MIL-III'],
    )
    assert.equal((await get(`/taxii2/api/status/${status.id}/`, 'JPN')).statusCode, 200)
    assert.equal(
      (await get(`/taxii2/api/status/${status.id}/`, 'USA')).statusCode,
      404,
      "another party's status",
    )

    const forged = reportToStixBundle({
      ...jpnReport,
      id: '6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      originator: 'KOR',
      level: 'MIL-II',
    }).objects
    const refused = (await post(forged, 'JPN')).json<{
      failure_count: number
      failures: { message: string }[]
    }>()
    assert.equal(refused.failure_count > 0, true)
    assert.match(refused.failures[0]?.message ?? '', /may add JPN's reports only/)

    // M6, M8: a JPN report claiming the id of a report KOR holds is refused as a conflict,
    // without saying whose the id is.
    const claim = reportToStixBundle({ ...jpnReport, id: reportIds['covered'] ?? '' }).objects
    const claimed = (await post(claim, 'JPN')).json<{ failures: { message: string }[] }>()
    const message = claimed.failures[0]?.message ?? ''
    assert.match(message, /ID_CONFLICT/)
    assert.doesNotMatch(message, /originator|KOR/)

    clockMs = GSOMIA_END_MS + 1000
    const late = reportToStixBundle({
      ...jpnReport,
      id: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    }).objects
    const quarantined = (await post(late, 'JPN')).json<{
      failures: { id: string; message: string }[]
    }>()
    assert.match(
      quarantined.failures.find((f) => f.id.startsWith(LAUNCH_TYPE))?.message ?? '',
      /quarantined: .*AGREEMENT_NOT_IN_FORCE|quarantined: .*NO_AGREEMENT/,
    )
    assert.equal(await store.getReport('7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'), undefined)
    assert.ok(
      (await store.listAudit({ type: 'quarantine' })).some(
        (e) => e.subject === '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      ),
    )

    const own = reportToStixBundle({
      ...jpnReport,
      id: '8a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      originator: 'KOR',
      level: 'MIL-III',
      localLevel: 'MIL-III',
      path: ['KOR'],
    }).objects
    assert.equal((await post(own, 'operator')).json<{ failure_count: number }>().failure_count, 0)
    assert.equal((await store.getReport('8a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d'))?.originator, 'KOR')
    assert.equal((await post(own, 'auditor')).statusCode, 403)
    const indicator = { type: 'indicator', id: 'indicator--2ed6657d-e927-568b-95e1-2665a8aea6a2' }
    assert.equal(
      (await post([indicator], 'operator')).json<{ failure_count: number }>().failure_count,
      1,
    )
    assert.equal(
      (
        await app.inject({
          method: 'POST',
          url: `${COLLECTION}/objects/`,
          headers: { 'content-type': TAXII, authorization: as('JPN') },
          payload: '{"objects": 3}',
        })
      ).statusCode,
      400,
    )
  })

  it('one POST of many launches ingests them side by side; the same launch twice is stored once', async () => {
    const ids = Array.from(
      { length: 20 },
      (_, i) => `9a1b2c3d-4e5f-4a6b-8c7d-${String(i).padStart(12, '0')}`,
    )
    const bundles = ids.map(
      (id, i) =>
        reportToStixBundle({
          id,
          originator: 'KOR',
          level: 'MIL-III',
          localLevel: 'MIL-III',
          topic: 'dprk-missile',
          releasableTo: null,
          payload: {
            time: '2019-10-31T16:36:00+09:00',
            site: { lat: 39.4, lon: 125.9 },
            headingDeg: 70,
            rangeKm: 300 + i,
            apogeeKm: 80,
          },
          receivedFrom: null,
          agreement: null,
          path: ['KOR'],
          createdAtMs: clockMs,
        }).objects,
    )
    const objects = [...bundles.flat(), ...(bundles[0] ?? [])]
    const status = (await post(objects, 'operator')).json<{
      total_count: number
      success_count: number
    }>()
    assert.deepEqual([status.total_count, status.success_count], [objects.length, objects.length])
    const ingested = (await store.listAudit({ type: 'ingest', limit: 10_000 })).filter(
      (e) => e.subject !== null && ids.includes(e.subject),
    )
    assert.deepEqual(ingested.map((e) => e.subject).sort(), [...ids].sort())
    for (const [i, id] of ids.entries())
      assert.equal((await store.getReport(id))?.payload['rangeKm'], 300 + i)
  })

  it('a third party’s report shows to a peer only with the originator’s consent (R4), until revoked', async () => {
    clockMs = GSOMIA_END_MS - 86_400_000 // the GSOMIA in force: only the consent is in question
    const fromUsa = {
      id: 'usa-report-held-by-kor',
      originator: 'USA',
      level: 'SECRET',
      localLevel: 'MIL-II',
      topic: 'dprk-missile',
      releasableTo: null,
      payload: {
        time: '2019-10-31T16:35:00+09:00',
        site: { lat: 39.41, lon: 125.89 },
        text: 'usa',
      },
      receivedFrom: 'USA',
      agreement: 'kor-usa',
      path: ['USA', 'KOR'],
      createdAtMs: clockMs,
      originatorSignature: null,
      ...ISSUED,
    }
    await store.insertReport(fromUsa)
    assert.ok((await launchTexts('operator')).includes('usa'), 'KOR holds it')
    assert.ok(!(await launchTexts('JPN')).includes('usa'), 'no consent: not shown to JPN')
    await store.insertConsent({
      id: 'consent-usa-jpn',
      originator: 'USA',
      holder: 'KOR',
      recipient: 'JPN',
      reportId: null,
      topic: 'dprk-missile',
      fromMs: clockMs - 1000,
      untilMs: null,
      revokedAtMs: null,
    })
    assert.ok((await launchTexts('JPN')).includes('usa'), 'shown once USA consents')
    await store.revokeConsent('consent-usa-jpn', clockMs)
    assert.ok(!(await launchTexts('JPN')).includes('usa'), 'hidden again once revoked')
  })
})
