import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { cotXmlToEvent, LAUNCH_SITE_COT_TYPE } from '../../src/interop/cot.ts'
import { reportToStixBundle } from '../../src/interop/stix.ts'
import { LAUNCH_TYPE, type StixBundle, type StixObject } from '../../src/interop/stix-objects.ts'
import { collectionIdOf } from '../../src/node/app/taxii-views.ts'
import { SqliteStore } from '../../src/node/store/sqlite/sqlite-store.ts'
import type { ReportRow } from '../../src/node/store/store.ts'
import { ISSUED } from '../../src/node/store/store.ts'
import { entente, isCleanError, ROOT, REFERENCE } from '../helpers/cli.ts'
import {
  api,
  launchReport,
  setUpNetwork,
  tearDown,
  type TestNode,
  type TestParty,
  waitFor,
} from '../helpers/nodes.ts'

const TAXII = 'application/taxii+json;version=2.1'
const work = mkdtempSync(join(tmpdir(), 'entente-interop-cli-'))
let files = 0
const file = (name: string, content?: string): string => {
  const path = join(work, `${++files}-${name}`)
  if (content !== undefined) writeFileSync(path, content)
  return path
}

async function reportsIn(dir: string): Promise<ReportRow[]> {
  const store = await SqliteStore.open(join(dir, 'entente.db'))
  try {
    return await store.listReports({})
  } finally {
    await store.close()
  }
}

/** A KOR report as another tool would hand it over: one STIX bundle, not held by any node. */
function foreignBundle(over: Partial<ReportRow> = {}): { id: string; bundle: StixBundle } {
  const id = randomUUID()
  const body = launchReport('KOR', 'MIL-II', 'handed over as STIX') as {
    launch: Record<string, unknown>
  }
  const report: ReportRow = {
    id,
    originator: 'KOR',
    level: 'MIL-II',
    localLevel: 'MIL-II',
    topic: 'dprk-missile',
    releasableTo: null,
    payload: body.launch,
    receivedFrom: null,
    agreement: null,
    path: ['KOR'],
    createdAtMs: Date.now(),
    originatorSignature: null,
    ...ISSUED,
    ...over,
  }
  return { id, bundle: reportToStixBundle(report) }
}

/** `import --dir` of the node, from a file holding `bundle`. */
const importInto = (node: TestNode, name: string, bundle: unknown) =>
  entente('import', '--dir', node.dir, '--file', file(name, JSON.stringify(bundle)))

describe('entente node token --party, export, import (real nodes on loopback)', () => {
  let net: Record<TestParty, TestNode>
  let kor: TestNode
  const ingested: Record<string, string> = {}

  before(async () => {
    net = await setUpNetwork({ KOR: { modes: { 'kor-jpn-gsomia': 'auto' } } })
    kor = net.KOR
    for (const level of ['MIL-II', 'MIL-I']) {
      const response = await api<{ report: { id: string } }>(
        kor,
        'POST',
        '/api/reports',
        launchReport('KOR', level, `a ${level} report`),
      )
      assert.equal(response.status, 201)
      ingested[level] = response.body.report.id
    }
  })
  after(async () => tearDown(net))

  it('node token --party JPN: printed once as JPN.<secret>, stored hashed, reads the collection as JPN', async () => {
    const run = entente('node', 'token', '--party', 'JPN', '--dir', kor.dir, '--label', 'jpn-cti')
    assert.equal(run.status, 0, run.stderr)
    const token = run.stdout.trim()
    assert.match(token, /^JPN\.[A-Za-z0-9_-]{43}$/)
    const secret = token.slice(4)
    for (const name of readdirSync(kor.dir).filter((f) => f.startsWith('entente.db')))
      assert.ok(!readFileSync(join(kor.dir, name)).includes(secret), `${name} holds no secret`)
    const response = await fetch(
      `${kor.url}/taxii2/api/collections/${collectionIdOf('KOR')}/objects/?match[type]=${LAUNCH_TYPE}`,
      { headers: { accept: TAXII, authorization: `Bearer ${token}` } },
    )
    assert.equal(response.status, 200)
    const { objects } = (await response.json()) as { objects: StixObject[] }
    assert.deepEqual(
      objects.map((o) => o['report_id']),
      [ingested['MIL-II']],
      'JPN sees the MIL-II report the GSOMIA covers, not the MIL-I one',
    )
    const api401 = await api(kor, 'GET', '/api/reports', undefined, token)
    assert.equal(api401.status, 401, 'a TAXII token opens nothing of /api')
  })

  it('node token: refuses the own party, a bad party id, and --role with --party', () => {
    for (const args of [
      ['--party', 'KOR'],
      ['--party', 'jpn'],
      ['--party', 'JPN', '--role', 'operator'],
      [],
    ]) {
      const run = entente('node', 'token', '--dir', kor.dir, ...args)
      assert.ok(isCleanError(run), `${args.join(' ')}: ${run.stderr}`)
    }
  })

  it('export --format stix, then import into another store: the same reports; again: already held', async () => {
    const exported = file('kor.stix.json')
    const run = entente('export', '--dir', kor.dir, '--format', 'stix', '--out', exported)
    assert.equal(run.status, 0, run.stderr)
    assert.match(run.stdout, /^wrote 2 reports \(\d+ STIX objects\) to /)
    const bundle = JSON.parse(readFileSync(exported, 'utf8')) as StixBundle
    const ids = bundle.objects.map((o) => o.id)
    assert.equal(new Set(ids).size, ids.length, 'each object once')

    const fresh = join(work, 'kor-copy')
    assert.equal(entente('node', 'init', '--party', 'KOR', '--dir', fresh).status, 0)
    const config = file(
      'kor-copy.json',
      JSON.stringify({
        party: 'KOR',
        dataDir: fresh,
        listen: { port: 0 },
        registry: { scenario: join(ROOT, REFERENCE) },
      }),
    )
    const imported = entente('import', '--dir', fresh, '--config', config, '--file', exported)
    assert.equal(imported.status, 0, imported.stderr)
    const lines = imported.stdout.trim().split('\n')
    assert.deepEqual(
      lines.sort(),
      [
        `imported ${ingested['MIL-I']} dprk-missile [KOR MIL-I]`,
        `imported ${ingested['MIL-II']} dprk-missile [KOR MIL-II]`,
      ].sort(),
    )
    const facts = (r: ReportRow) => [
      r.id,
      r.originator,
      r.level,
      r.topic,
      r.releasableTo,
      r.payload,
    ]
    const sort = (rows: ReportRow[]) =>
      [...rows].sort((a, b) => a.id.localeCompare(b.id)).map(facts)
    assert.deepEqual(sort(await reportsIn(fresh)), sort(await reportsIn(kor.dir)))

    const again = entente('import', '--dir', fresh, '--config', config, '--file', exported)
    assert.equal(again.status, 0, again.stderr)
    assert.deepEqual(
      again.stdout.trim().split('\n').sort(),
      [`already held ${ingested['MIL-I']}`, `already held ${ingested['MIL-II']}`].sort(),
    )
  })

  it('export --party JPN: only the reports the release engine allows to JPN now', () => {
    const run = entente('export', '--dir', kor.dir, '--format', 'stix', '--party', 'JPN')
    assert.equal(run.status, 0, run.stderr)
    const { objects } = JSON.parse(run.stdout) as StixBundle
    assert.deepEqual(
      objects.filter((o) => o.type === LAUNCH_TYPE).map((o) => o['report_id']),
      [ingested['MIL-II']],
    )
    assert.ok(
      isCleanError(entente('export', '--dir', kor.dir, '--format', 'stix', '--party', 'XYZ')),
    )
    assert.ok(isCleanError(entente('export', '--dir', kor.dir, '--format', 'kml')))
  })

  it('export --format cot: one CoT event per line, each report its site then its simulated track', () => {
    const run = entente('export', '--dir', kor.dir, '--format', 'cot')
    assert.equal(run.status, 0, run.stderr)
    const events = run.stdout
      .trim()
      .split('\n')
      .map((line) => {
        const parsed = cotXmlToEvent(line)
        assert.ok(parsed.ok, parsed.ok ? '' : parsed.issues)
        return parsed.value
      })
    for (const id of Object.values(ingested)) {
      const own = events.filter((e) => e.uid.startsWith(`entente.${id}.`))
      assert.equal(own[0]?.type, LAUNCH_SITE_COT_TYPE)
      assert.equal(own[0]?.uid, `entente.${id}.site`)
      assert.ok(own.length > 10, `${id}: a track of ${own.length - 1} points`)
    }
    assert.equal(events.filter((e) => e.type === LAUNCH_SITE_COT_TYPE).length, 2)
  })

  it('import while the node runs: stored, audited, and delivered to JPN by the running node', async () => {
    const { id, bundle } = foreignBundle()
    const run = importInto(kor, 'new.json', bundle)
    assert.equal(run.status, 0, run.stderr)
    assert.equal(run.stdout.trim(), `imported ${id} dprk-missile [KOR MIL-II]`)
    await waitFor(
      'JPN to receive the imported report',
      async () =>
        (await api<{ id: string }[]>(net.JPN, 'GET', '/api/reports')).body.map((r) => r.id),
      (ids) => ids.includes(id),
    )
    // The running node appends to the audit chain after the import did: still one chain.
    await api(kor, 'POST', '/api/reports', launchReport('KOR', 'MIL-II', 'after the import'))
    const verify = entente('audit', 'verify', '--dir', kor.dir)
    assert.equal(verify.status, 0, verify.stdout)
    assert.match(verify.stdout, /^audit chain intact/)
  })

  it('import of a bad bundle: one line naming the object and property, nothing stored', async () => {
    const { id, bundle } = foreignBundle()
    const broken = {
      ...bundle,
      objects: bundle.objects.filter((o) => o.type !== 'location'),
    }
    const launchId = bundle.objects.find((o) => o.type === LAUNCH_TYPE)?.id ?? ''
    const run = importInto(kor, 'bad.json', broken)
    assert.ok(isCleanError(run), run.stderr)
    assert.equal(run.stderr.trim().split('\n').length, 1)
    assert.match(
      run.stderr,
      new RegExp(`^entente: .*bad\\.json: ${launchId}: site_ref must name a location`),
    )
    assert.ok(!(await reportsIn(kor.dir)).some((r) => r.id === id), 'nothing stored')
    assert.ok(isCleanError(entente('import', '--dir', kor.dir, '--file', file('x.json', '{'))))
    assert.ok(
      isCleanError(
        entente('import', '--dir', kor.dir, '--file', file('y.json', '{"type":"bundle"}')),
      ),
    )
  })

  it("import of another party's report: refused, naming the launch and the originator", () => {
    const { bundle } = foreignBundle({
      originator: 'JPN',
      level: 'HI',
      localLevel: 'HI',
      path: ['JPN'],
    })
    const launchId = bundle.objects.find((o) => o.type === LAUNCH_TYPE)?.id ?? ''
    const run = importInto(kor, 'jpn.json', bundle)
    assert.ok(isCleanError(run), run.stderr)
    assert.match(run.stderr, new RegExp(`${launchId}: marking: the originator is JPN`))
    assert.equal(run.stderr.trim().split('\n').length, 1, 'one line for the one refused report')
  })
})
