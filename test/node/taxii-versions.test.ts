import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { initNode, issueToken } from '../../src/cli/node.ts'
import { asPartyId } from '../../src/domain/ids.ts'
import { readStixBundle, reportObjectIds } from '../../src/interop/stix.ts'
import { LAUNCH_TYPE, type StixObject } from '../../src/interop/stix-objects.ts'
import { collectionIdOf, partyTokenRow } from '../../src/node/app/taxii-views.ts'
import { nodeConfigSchema } from '../../src/node/config.ts'
import { generatePartyKeys, publicJwks } from '../../src/node/crypto/keys.ts'
import { createNode } from '../../src/node/main.ts'
import { ROOT } from '../helpers/cli.ts'

/**
 * Issue 12, item 4: TAXII 2.1 versions of a report. A correction is a new version of the same
 * objects, listed by `/versions/` and chosen by `match[version]=first|last|all` (default last)
 * on objects, one object and the manifest; a withdrawal is the launch revoked. Each version is
 * decided for the client's party on its own marking: one it may not see is never listed.
 */

const TAXII = 'application/taxii+json;version=2.1'
const COLLECTION = `/taxii2/api/collections/${collectionIdOf('KOR')}`
const T0 = Date.parse('2019-10-31T07:36:00Z')

interface Envelope {
  more?: boolean
  next?: string
  objects?: StixObject[]
}

interface Manifest {
  objects?: { id: string; version: string; date_added: string }[]
}

type Launch = Record<string, unknown>

/** All a superseded notice says: which launch, by whom, and which version supersedes it. */
const NOTICE_KEYS = [
  'created',
  'created_by_ref',
  'extensions',
  'id',
  'modified',
  'report_id',
  'spec_version',
  'superseded_by_version',
  'type',
]

const LAUNCH: Launch = {
  time: '2019-10-31T16:35:00+09:00',
  site: { lat: 39.41, lon: 125.89 },
  impact: { lat: 40.1, lon: 129.9 },
  rangeKm: 370,
  apogeeKm: 90,
  text: 'first detection',
}

/** KOR's node in-process on a clock the test moves, JPN a peer, its GSOMIA releasing as `mode`. */
async function korNode(mode: 'auto' | 'manual') {
  const dir = join(mkdtempSync(join(tmpdir(), 'entente-taxii-versions-')), 'kor')
  await initNode('KOR', dir)
  const tokens: Record<string, string> = {}
  for (const role of ['operator', 'release-officer'])
    tokens[role] = await issueToken(dir, role, role)
  const jpn = publicJwks(generatePartyKeys('JPN')).keys
  const clock = { ms: T0 }
  const config = nodeConfigSchema.parse({
    party: 'KOR',
    dataDir: dir,
    listen: { port: 0 },
    registry: { scenario: join(ROOT, 'scenarios/korea-japan-2019.yaml') },
    peers: { JPN: { url: 'http://127.0.0.1:9', keys: { signing: jpn[0], encryption: jpn[1] } } },
    release: { modes: { 'kor-jpn-gsomia': mode } },
  })
  const node = await createNode(config, { now: () => clock.ms })
  const { token, row } = partyTokenRow(asPartyId('JPN'), 'secret-of-JPN', 'test', clock.ms)
  await node.ctx.store.insertToken(row)
  tokens['JPN'] = `Basic ${Buffer.from(`JPN:${token}`).toString('base64')}`
  const app: FastifyInstance = node.app
  const auth = (who: string) => (who === 'JPN' ? (tokens['JPN'] ?? '') : `Bearer ${tokens[who]}`)
  const api = async (url: string, payload: unknown, who = 'operator') => {
    clock.ms += 1000
    const response = await app.inject({
      method: 'POST',
      url,
      headers: { authorization: auth(who) },
      payload: payload as Record<string, unknown>,
    })
    assert.ok(response.statusCode < 300, `${url}: ${response.statusCode} ${response.body}`)
    return response.json<Record<string, unknown>>()
  }
  const taxii = async <T>(path: string, who: string) => {
    const response = await app.inject({
      method: 'GET',
      url: `${COLLECTION}${path}`,
      headers: { accept: TAXII, authorization: auth(who) },
    })
    return { status: response.statusCode, body: response.json<T>() }
  }
  const issue = async (level: string, text: string): Promise<string> => {
    const created = await api('/api/reports', {
      marking: { originator: 'KOR', level },
      topic: 'dprk-missile',
      launch: { ...LAUNCH, text },
    })
    return (created['report'] as { id: string }).id
  }
  const correct = (id: string, level: string, launch: Launch) =>
    api(`/api/reports/${id}/corrections`, { marking: { originator: 'KOR', level }, launch })
  const withdraw = (id: string, reason: string) => api(`/api/reports/${id}/withdraw`, { reason })
  const post = async (objects: readonly StixObject[]) => {
    clock.ms += 1000
    const response = await app.inject({
      method: 'POST',
      url: `${COLLECTION}/objects/`,
      headers: { accept: TAXII, 'content-type': TAXII, authorization: auth('operator') },
      payload: JSON.stringify({ objects }),
    })
    assert.equal(response.statusCode, 202, response.body)
    return response.json<{ failure_count: number; failures: unknown[] }>()
  }
  return { app, store: node.ctx.store, api, taxii, issue, correct, withdraw, post }
}

type Kor = Awaited<ReturnType<typeof korNode>>

const launchId = (reportId: string) => reportObjectIds(reportId).launch

/** The launch versions (modified) and report_versions of one report a party gets from `path`. */
async function launches(kor: Kor, who: string, reportId: string, query = '') {
  const sep = query === '' ? '' : `&${query}`
  const { status, body } = await kor.taxii<Envelope>(
    `/objects/?match[id]=${launchId(reportId)}${sep}`,
    who,
  )
  assert.equal(status, 200, JSON.stringify(body))
  return (body.objects ?? []).map((o) => ({
    modified: String(o['modified']),
    version: (o['report_version'] as number | undefined) ?? 1,
    revoked: o['revoked'] === true,
  }))
}

async function versionsOf(kor: Kor, who: string, reportId: string) {
  return kor.taxii<{ versions?: string[]; more: boolean }>(
    `/objects/${launchId(reportId)}/versions/`,
    who,
  )
}

describe('TAXII versions of corrected and withdrawn reports (issue 12)', () => {
  let kor: Kor
  const ids: Record<string, string> = {}

  before(async () => {
    kor = await korNode('auto')
    // Corrected at the same level: both versions go to JPN under the GSOMIA.
    ids['corrected'] = await kor.issue('MIL-II', 'first detection')
    await kor.correct(ids['corrected'], 'MIL-II', { ...LAUNCH, count: 2, rangeKm: 420 })
    // Issued at MIL-I, which the GSOMIA does not cover, then corrected down to MIL-II.
    ids['lowered'] = await kor.issue('MIL-I', 'sensitive first')
    await kor.correct(ids['lowered'], 'MIL-II', { ...LAUNCH, text: 'releasable now' })
    // Issued at MIL-II, read by JPN, then withdrawn; and one at MIL-I JPN never held.
    ids['withdrawn'] = await kor.issue('MIL-II', 'false alarm')
    ids['never-held'] = await kor.issue('MIL-I', 'never shown to JPN')
    assert.equal((await launches(kor, 'JPN', ids['withdrawn'])).length, 1, 'JPN read it')
    await kor.withdraw(ids['withdrawn'], 'sensor fault')
    await kor.withdraw(ids['never-held'], 'sensor fault')
    // Issued at MIL-II, read by JPN, then corrected up to MIL-I, which the GSOMIA does not cover.
    ids['raised'] = await kor.issue('MIL-II', 'raised later')
    assert.equal((await launches(kor, 'JPN', ids['raised'])).length, 1, 'JPN read it')
    await kor.correct(ids['raised'], 'MIL-I', { ...LAUNCH, count: 3, text: 'now MIL-I' })
  })
  after(async () => {
    await kor.app.close()
    await kor.store.close()
  })

  it('a correction is a second version of the same launch: last by default, first and all on request', async () => {
    const id = ids['corrected'] ?? ''
    for (const who of ['operator', 'JPN']) {
      const all = await launches(kor, who, id, 'match[version]=all')
      assert.deepEqual(
        all.map((v) => v.version),
        [1, 2],
        `${who}: both versions, oldest first`,
      )
      const [v1, v2] = all
      assert.ok(v1 !== undefined && v2 !== undefined && v1.modified < v2.modified)
      assert.deepEqual(await launches(kor, who, id), [v2], `${who}: last by default`)
      assert.deepEqual(await launches(kor, who, id, 'match[version]=last'), [v2])
      assert.deepEqual(await launches(kor, who, id, 'match[version]=first'), [v1])
      assert.deepEqual(await launches(kor, who, id, 'match[version]=first,last'), [v1, v2])
      assert.deepEqual(await launches(kor, who, id, `match[version]=${v1.modified}`), [v1])
      const versions = await versionsOf(kor, who, id)
      assert.equal(versions.status, 200)
      assert.deepEqual(versions.body, { more: false, versions: [v1.modified, v2.modified] })
      // One object: the newest unless asked; the manifest lists versions the same way.
      const one = await kor.taxii<Envelope>(`/objects/${launchId(id)}/`, who)
      assert.deepEqual(
        one.body.objects?.map((o) => o['modified']),
        [v2.modified],
      )
      const firstOne = await kor.taxii<Envelope>(
        `/objects/${launchId(id)}/?match[version]=first`,
        who,
      )
      assert.deepEqual(
        firstOne.body.objects?.map((o) => o['modified']),
        [v1.modified],
      )
      const manifest = async (query: string) =>
        (
          await kor.taxii<Manifest>(`/manifest/?match[id]=${launchId(id)}${query}`, who)
        ).body.objects?.map((m) => m.version)
      assert.deepEqual(await manifest(''), [v2.modified])
      assert.deepEqual(await manifest('&match[version]=all'), [v1.modified, v2.modified])
      assert.deepEqual(await manifest('&match[version]=first'), [v1.modified])
    }
  })

  it('every object of the report is versioned; the correction has a marking of its own', async () => {
    const id = ids['corrected'] ?? ''
    const { body } = await kor.taxii<Envelope>('/objects/?match[version]=all', 'JPN')
    const site = (body.objects ?? []).filter((o) => o.id === reportObjectIds(id).site)
    assert.equal(site.length, 2, 'the site location in two versions')
    const created = new Set(site.map((o) => o['created']))
    assert.equal(created.size, 1, 'one created for every version')
    const markings = (body.objects ?? []).filter(
      (o) => o.id === reportObjectIds(id).marking(1) || o.id === reportObjectIds(id).marking(2),
    )
    assert.equal(markings.length, 2)
  })

  it('a version the peer may not see is never listed: the MIL-I version 1 is not there for JPN', async () => {
    const id = ids['lowered'] ?? ''
    const own = await launches(kor, 'operator', id, 'match[version]=all')
    assert.deepEqual(
      own.map((v) => v.version),
      [1, 2],
      'KOR sees both',
    )
    const jpn = await launches(kor, 'JPN', id, 'match[version]=all')
    assert.deepEqual(
      jpn.map((v) => v.version),
      [2],
      'JPN only the one the GSOMIA covers',
    )
    assert.deepEqual(await launches(kor, 'JPN', id, 'match[version]=first'), jpn)
    const versions = await versionsOf(kor, 'JPN', id)
    assert.deepEqual(versions.body.versions, [jpn[0]?.modified])
    // Nor its objects: the MIL-I version's marking is not in JPN's collection at all.
    const { body } = await kor.taxii<Envelope>('/objects/?match[version]=all', 'JPN')
    const ofV1 = (body.objects ?? []).filter((o) => o.id === reportObjectIds(id).marking(1))
    assert.deepEqual(ofV1, [])
    const text = JSON.stringify(body)
    assert.ok(!text.includes('sensitive first'), "nothing of version 1's content")
  })

  it('a withdrawal is the launch revoked, for a holder without any of its content', async () => {
    const id = ids['withdrawn'] ?? ''
    const last = await launches(kor, 'JPN', id)
    assert.equal(last.length, 1)
    assert.equal(last[0]?.revoked, true, 'the newest version is revoked')
    assert.equal((await launches(kor, 'JPN', id, 'match[version]=all')).length, 1, 'only it')
    const { body } = await kor.taxii<Envelope>('/objects/?match[version]=all', 'JPN')
    const objects = body.objects ?? []
    const text = JSON.stringify(objects.filter((o) => o['report_id'] === id))
    assert.ok(!text.includes('false alarm') && !text.includes('125.89'), text)
    assert.equal(
      objects.filter((o) => o.id === reportObjectIds(id).site).length,
      0,
      'its places are gone',
    )
    const revoked = objects.find((o) => o.id === launchId(id))
    assert.equal(revoked?.['withdrawal_reason'], 'sensor fault')
    // KOR itself keeps every version and sees the revocation last.
    const own = await launches(kor, 'operator', id, 'match[version]=all')
    assert.deepEqual(
      own.map((v) => v.revoked),
      [false, true],
    )
    const versions = await versionsOf(kor, 'operator', id)
    assert.deepEqual(
      versions.body.versions,
      own.map((v) => v.modified),
    )
  })

  it('a holder that may not see a correction gets a content-free superseded notice, not the copy known to be wrong', async () => {
    const id = ids['raised'] ?? ''
    const all = await launches(kor, 'JPN', id, 'match[version]=all')
    assert.equal(all.length, 1, 'one version: the notice')
    const { body } = await kor.taxii<Envelope>('/objects/?match[version]=all', 'JPN')
    const objects = body.objects ?? []
    const notice = objects.find((o) => o.id === launchId(id))
    assert.equal(notice?.['superseded_by_version'], 2)
    assert.deepEqual(Object.keys(notice).sort(), NOTICE_KEYS, 'superseded, not withdrawn')
    const text = JSON.stringify(objects.filter((o) => o['report_id'] === id))
    assert.ok(!text.includes('raised later') && !text.includes('now MIL-I'), text)
    assert.ok(!text.includes('125.89') && !text.includes('MIL-I'), 'no place, no marking')
    const ids_ = reportObjectIds(id)
    const ofReport = [ids_.site, ids_.impact, ids_.marking(1), ids_.marking(2)]
    assert.deepEqual(
      objects.filter((o) => o.id !== launchId(id) && ofReport.includes(o.id)),
      [],
      'none of its other objects',
    )
    // Read back, it is no report to store, and the reader is told why.
    const reading = readStixBundle({
      type: 'bundle',
      id: 'bundle--x',
      objects: objects.filter((o) => o['report_id'] === id || !o.id.startsWith(`${LAUNCH_TYPE}--`)),
    })
    assert.equal(reading.ok, false)
    assert.match(
      JSON.stringify(reading),
      /superseded_by_version: this copy is superseded by version 2/,
    )
    // KOR sees both versions with their content.
    const own = await launches(kor, 'operator', id, 'match[version]=all')
    assert.deepEqual(
      own.map((v) => v.version),
      [1, 2],
    )
  })

  it('a party that never held a withdrawn report is told nothing of it', async () => {
    const id = ids['never-held'] ?? ''
    assert.deepEqual(await launches(kor, 'JPN', id, 'match[version]=all'), [])
    assert.equal((await versionsOf(kor, 'JPN', id)).status, 404)
    assert.equal((await launches(kor, 'operator', id, 'match[version]=all')).length, 2)
  })

  it('the collection reads back: each report its newest version, withdrawn ones as withdrawn', async () => {
    const { body } = await kor.taxii<Envelope>('/objects/?match[version]=all', 'operator')
    const objects = body.objects ?? []
    const read = (reportId: string) => {
      const mine = objects.filter(
        (o) => o['report_id'] === reportId || !o.id.startsWith(`${LAUNCH_TYPE}--`),
      )
      const reading = readStixBundle({ type: 'bundle', id: 'bundle--x', objects: mine })
      assert.ok(reading.ok, JSON.stringify(reading))
      return reading.value
    }
    const corrected = read(ids['corrected'] ?? '')
    assert.equal(corrected.status, 'current')
    assert.equal(corrected.status === 'current' && corrected.report.payload['rangeKm'], 420)
    const withdrawn = read(ids['withdrawn'] ?? '')
    assert.equal(withdrawn.status, 'withdrawn')
    assert.equal(withdrawn.status === 'withdrawn' && withdrawn.withdrawal.reason, 'sensor fault')
  })
})

describe('TAXII versions under an officer’s approval (issue 12)', () => {
  let kor: Kor
  after(async () => {
    await kor.app.close()
    await kor.store.close()
  })

  it('an approval lets go the version it was given for, not the correction that followed', async () => {
    kor = await korNode('manual')
    const id = await kor.issue('MIL-II', 'first detection')
    const pending = async () =>
      (await kor.store.listReleases({ reportId: id, state: 'pending-approval' })).map((r) => r.id)
    const [v1Release] = await pending()
    assert.ok(v1Release !== undefined, 'version 1 waits for the officer')
    assert.deepEqual(await launches(kor, 'JPN', id), [], 'nothing before the approval')
    await kor.api(`/api/releases/${v1Release}/approve`, {}, 'release-officer')
    assert.deepEqual(
      (await launches(kor, 'JPN', id)).map((v) => v.version),
      [1],
    )
    await kor.correct(id, 'MIL-II', { ...LAUNCH, count: 2 })
    // Version 2 waits for the officer: JPN sees nothing of it, nor version 1 known to be wrong,
    // only the content-free notice (as the federation sends), dated before version 2.
    const waiting = await kor.taxii<Envelope>(`/objects/${launchId(id)}/?match[version]=all`, 'JPN')
    const notices = waiting.body.objects ?? []
    assert.deepEqual(
      notices.map((o) => o['superseded_by_version']),
      [2],
    )
    assert.deepEqual(Object.keys(notices[0] ?? {}).sort(), NOTICE_KEYS, 'no content, no marking')
    const [v2Release] = await pending()
    assert.ok(v2Release !== undefined, 'version 2 waits for the officer')
    await kor.api(`/api/releases/${v2Release}/approve`, {}, 'release-officer')
    const approved = await launches(kor, 'JPN', id, 'match[version]=all')
    assert.deepEqual(
      approved.map((v) => v.version),
      [1, 2],
    )
    assert.ok(
      String(notices[0]?.['modified']) < (approved[1]?.modified ?? ''),
      'version 2 is newer than the notice a client may hold',
    )
  })
})

describe('import reads versions back (issue 12)', () => {
  const nodes: Kor[] = []
  after(async () => {
    for (const kor of nodes) {
      await kor.app.close()
      await kor.store.close()
    }
  })
  const objectsOf = async (kor: Kor, query: string) =>
    (await kor.taxii<Envelope>(`/objects/?${query}`, 'operator')).body.objects ?? []

  it("KOR's export into another KOR store: the newest version stored, a withdrawn report withdrawn", async () => {
    const source = await korNode('auto')
    const copy = await korNode('auto')
    const later = await korNode('auto')
    nodes.push(source, copy, later)
    const corrected = await source.issue('MIL-II', 'first detection')
    await source.correct(corrected, 'MIL-I', { ...LAUNCH, count: 2, rangeKm: 420 })
    const withdrawn = await source.issue('MIL-II', 'false alarm')
    await source.withdraw(withdrawn, 'sensor fault')
    const all = await objectsOf(source, 'match[version]=all')

    const status = await copy.post(all)
    assert.equal(status.failure_count, 0, JSON.stringify(status.failures))
    const held = await copy.store.getReport(corrected)
    assert.equal(held?.level, 'MIL-I', "the correction's marking")
    assert.equal(held?.payload['rangeKm'], 420, "the correction's facts")
    assert.equal(held?.version, 2, 'issued, then corrected, as at the source')
    assert.equal((await copy.store.listReportVersions(corrected))[0]?.payload['rangeKm'], 370)
    const again = await copy.post(all)
    assert.equal(again.failure_count, 0)
    assert.equal((await copy.store.getReport(corrected))?.version, 2, 'the same export again')
    assert.equal((await copy.store.getReport(withdrawn))?.payload['text'], 'false alarm')
    assert.equal((await copy.store.getWithdrawal(withdrawn))?.reason, 'sensor fault')

    // A store that holds version 1 only takes version 2 as a correction of it.
    assert.equal(
      (await later.post(await objectsOf(source, 'match[version]=first'))).failure_count,
      0,
    )
    assert.equal((await later.store.getReport(corrected))?.version, 1)
    assert.equal((await later.post(all)).failure_count, 0)
    const now = await later.store.getReport(corrected)
    assert.equal(now?.version, 2)
    assert.equal(now?.payload['count'], 2)
    assert.equal((await later.store.listReportVersions(corrected)).length, 1, 'version 1 kept')
  })
})
