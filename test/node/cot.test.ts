import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { initNode, issueToken } from '../../src/cli/node.ts'
import { cotXmlToEvent, LAUNCH_SITE_COT_TYPE, MISSILE_COT_TYPE } from '../../src/interop/cot.ts'
import { nodeConfigSchema } from '../../src/node/config.ts'
import { openStore, type RunningNode, startNode } from '../../src/node/main.ts'
import type { ReportRow } from '../../src/node/store/store.ts'
import { ROOT } from '../helpers/cli.ts'
import { feedEvent } from '../helpers/cot-feed.ts'
import { launchReport, sleep, waitFor } from '../helpers/nodes.ts'

/** A TCP client that keeps all it receives (a TAK client, or a sensor feed). */
class TcpClient {
  readonly socket: Socket
  text = ''
  closed = false

  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1')
    this.socket.setEncoding('utf8')
    this.socket.on('data', (chunk: string) => (this.text += chunk))
    this.socket.on('error', () => undefined)
    this.socket.on('close', () => (this.closed = true))
  }

  write(text: string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.write(text, (error) => (error ? reject(error) : resolve())),
    )
  }

  /** The CoT events received so far, read back. */
  events() {
    return this.text
      .split('</event>')
      .filter((t) => t.trim() !== '')
      .map((t) => {
        const parsed = cotXmlToEvent(`${t}</event>`)
        assert.ok(parsed.ok, parsed.ok ? '' : parsed.issues)
        return parsed.value
      })
  }
}

const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', () => resolve(true))
  })

/** KOR's node in-process with both CoT servers on free ports (real sockets, real SQLite). */
describe('Cursor-on-Target over TCP (one node, real sockets)', () => {
  let node: RunningNode
  let stopped = false
  let operator = ''
  const ports = { stream: 0, ingest: 0 }

  before(async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'entente-cot-')), 'kor')
    await initNode('KOR', dir)
    operator = await issueToken(dir, 'operator', 'operator')
    node = await startNode(
      nodeConfigSchema.parse({
        party: 'KOR',
        dataDir: dir,
        listen: { port: 0 },
        registry: { scenario: join(ROOT, 'scenarios/korea-japan-2019.yaml') },
        // Plain TCP on loopback: these tests are about CoT, not TLS (test/node/cot-tls.test.ts).
        cot: {
          stream: { port: 0, insecure: true },
          ingest: { port: 0, insecure: true, level: 'MIL-II', topic: 'dprk-missile' },
        },
      }),
    )
    ports.stream = node.cot.stream?.port ?? 0
    ports.ingest = node.cot.ingest?.port ?? 0
  })
  after(() => (stopped ? undefined : node.stop()))

  const postReport = async (text: string): Promise<ReportRow> => {
    const response = await node.app.inject({
      method: 'POST',
      url: '/api/reports',
      headers: { authorization: `Bearer ${operator}` },
      payload: launchReport('KOR', 'MIL-II', text),
    })
    assert.equal(response.statusCode, 201, response.body)
    return response.json<{ report: ReportRow }>().report
  }
  const feedReports = async () =>
    (await node.ctx.store.listReports({})).filter((r) => r.payload['launchId'] !== undefined)
  const cotQuarantines = async () =>
    (await node.ctx.store.listAudit({ type: 'quarantine' })).filter((e) => e.data['via'] === 'cot')

  it('given a cot section, when the node starts, then both servers listen; without one, none', () => {
    assert.ok(ports.stream > 0 && ports.ingest > 0)
    const { cot: _cot, ...withoutCot } = node.ctx.config
    assert.equal(nodeConfigSchema.parse(withoutCot).cot, undefined, 'off by default')
  })

  it('stream: a TAK client gets the site and simulated track of every report held, then each new one', async () => {
    const held = await postReport('held before connecting')
    const tak = new TcpClient(ports.stream)
    const of = (id: string) => tak.events().filter((e) => e.uid.startsWith(`entente.${id}.`))
    await waitFor(
      'the held report',
      () => Promise.resolve(of(held.id).length),
      (n) => n > 2,
    )
    const [site, ...track] = of(held.id)
    assert.equal(site?.type, LAUNCH_SITE_COT_TYPE)
    assert.deepEqual([site?.lat, site?.lon], [39.41, 125.89])
    assert.equal(site?.timeMs, Date.parse(String(held.payload['time'])))
    assert.ok(track.every((e) => e.type === MISSILE_COT_TYPE))
    assert.ok(
      track.every((e, i) => i === 0 || e.timeMs > (track[i - 1]?.timeMs ?? 0)),
      'track points in time order',
    )
    const apogeeM = Math.max(...track.map((e) => e.haeM))
    assert.ok(apogeeM > 80_000 && apogeeM <= 90_500, `apogee ${apogeeM} m near the reported 90 km`)
    const fresh = await postReport('stored while connected')
    await waitFor(
      'the new report',
      () => Promise.resolve(of(fresh.id).length),
      (n) => n > 2,
    )
    assert.match(of(fresh.id)[0]?.remarks ?? '', /^\[KOR MIL-II\] dprk-missile: stored while/)
    tak.socket.destroy()
  })

  it('stream (issue 12): each track update is an event for the track’s uid, stale three intervals on; a drop, and a withdrawal of the report, send the events again stale now', async () => {
    const report = await postReport('tracked, then withdrawn')
    const tak = new TcpClient(ports.stream)
    const of = (uid: string) => tak.events().filter((e) => e.uid === uid)
    await waitFor(
      'the report',
      () => Promise.resolve(of(`entente.${report.id}.site`).length),
      (n) => n > 0,
    )
    const t0 = Date.parse('2019-10-31T07:35:10Z')
    const state = (atMs: number) => ({
      atMs,
      position: { lat: 39.6, lon: 126.4, altM: 40_000 },
      velocity: { eastMps: 1_500, northMps: 100, upMps: 700 },
      quality: 7,
      phase: 'boost',
      impact: null,
      lost: false,
      boosting: true,
      dataMode: 'simulated',
      sensor: 'green-pine-1',
    })
    const postTrack = async (body: unknown) => {
      const response = await node.app.inject({
        method: 'POST',
        url: '/api/tracks/9001/updates',
        headers: { authorization: `Bearer ${operator}` },
        payload: body as object,
      })
      assert.ok(response.statusCode < 300, response.body)
    }
    await postTrack({ reportId: report.id, updates: [{ kind: 'initial', state: state(t0) }] })
    const uid = 'entente.track.KOR.9001'
    await waitFor(
      'the track',
      () => Promise.resolve(of(uid).length),
      (n) => n === 1,
    )
    assert.equal(of(uid)[0]?.timeMs, t0)
    assert.equal(of(uid)[0]?.staleMs, t0 + 3_000)
    assert.equal(of(uid)[0]?.haeM, 40_000)
    await postTrack({ updates: [{ kind: 'drop', atMs: t0 + 5_000 }] })
    await waitFor(
      'the drop',
      () => Promise.resolve(of(uid).length),
      (n) => n === 2,
    )
    assert.equal(of(uid)[1]?.staleMs, of(uid)[1]?.timeMs, 'stale at its end: removed')
    assert.equal(of(uid)[1]?.timeMs, t0 + 5_000)

    const withdrawn = await node.app.inject({
      method: 'POST',
      url: `/api/reports/${report.id}/withdraw`,
      headers: { authorization: `Bearer ${operator}` },
      payload: { reason: 'false alarm' },
    })
    assert.equal(withdrawn.statusCode, 200, withdrawn.body)
    const site = `entente.${report.id}.site`
    await waitFor(
      'the removal',
      () => Promise.resolve(of(site).length),
      (n) => n === 2,
    )
    const removal = of(site)[1]
    assert.equal(removal?.staleMs, removal?.timeMs)
    assert.match(removal?.remarks ?? '', /withdrawn by KOR: false alarm/)
    assert.equal(of(`entente.${report.id}.track`).at(-1)?.staleMs, removal?.staleMs)
    tak.socket.destroy()
  })

  it('ingest: events split across chunks or several per chunk each become one report, once per uid', async () => {
    const feed = new TcpClient(ports.ingest)
    const first = feedEvent('radar-7.t1')
    for (const part of [first.slice(0, 40), first.slice(40, 200), first.slice(200)]) {
      await feed.write(part)
      await sleep(20)
    }
    // Two events in one chunk, and a later sighting of the same launch (same uid).
    await feed.write(`${feedEvent('radar-7.t2')}\n${feedEvent('radar-7.t2')}\n`)
    const reports = await waitFor('two feed reports', feedReports, (r) => r.length >= 2)
    await sleep(200)
    assert.deepEqual((await feedReports()).map((r) => r.payload['launchId']).sort(), [
      'radar-7.t1',
      'radar-7.t2',
    ])
    const report = reports.find((r) => r.payload['launchId'] === 'radar-7.t1')
    assert.deepEqual(
      [report?.originator, report?.level, report?.topic, report?.receivedFrom],
      ['KOR', 'MIL-II', 'dprk-missile', null],
    )
    assert.deepEqual(report?.payload['site'], { lat: 39.41, lon: 125.89 })
    assert.equal(report?.payload['headingDeg'], 68)
    const ingests = await node.ctx.store.listAudit({ type: 'ingest', subject: report?.id ?? '' })
    assert.equal(ingests.length, 1, 'audited as an ingest, as POST /api/reports does')
    feed.socket.destroy()
  })

  it('ingest: a bad event is audited with its reason, other tracks are ignored, the connection carries on', async () => {
    const feed = new TcpClient(ports.ingest)
    await feed.write(
      [
        'garbage that is no XML</event>',
        feedEvent('radar-7.t3', { launch: 'apogeeKm="90"' }),
        feedEvent('radar-7.t4', { launch: 'rangeKm="370" apogeeKm="9000"' }),
        feedEvent('friendly-1', { type: 'a-f-G-U-C' }),
        feedEvent('radar-7.t5'),
      ].join(''),
    )
    await waitFor('the good event after the bad ones', feedReports, (r) =>
      r.some((x) => x.payload['launchId'] === 'radar-7.t5'),
    )
    // M4: the first refusal from an address is written at once; the next are counted (below).
    const entries = await cotQuarantines()
    assert.equal(entries.length, 1, JSON.stringify(entries.map((e) => e.data)))
    assert.equal(entries[0]?.subject, null)
    assert.match(String(entries[0]?.data['reason']), /^CoT: /)
    assert.deepEqual([entries[0]?.data['count'], entries[0]?.data['remote']], [1, '127.0.0.1'])
    assert.equal(feed.closed, false, 'the connection is still open')
    const launchIds = (await feedReports()).map((r) => r.payload['launchId'])
    assert.ok(!launchIds.includes('friendly-1'), 'a friendly unit makes no report')
    feed.socket.destroy()
  })

  it('graceful shutdown: connected clients are closed and both ports refuse connections', async () => {
    const tak = new TcpClient(ports.stream)
    const feed = new TcpClient(ports.ingest)
    await waitFor(
      'the backlog',
      () => Promise.resolve(tak.text.length),
      (n) => n > 0,
    )
    await node.stop()
    stopped = true
    await waitFor('both clients closed', () => Promise.resolve(tak.closed && feed.closed), Boolean)
    assert.equal(await refused(ports.stream), true)
    assert.equal(await refused(ports.ingest), true)
    // The refusals counted since the first one are written as one entry when the node stops.
    const store = await openStore(node.ctx.config.dataDir)
    const cot = (await store.listAudit({ type: 'quarantine' })).filter(
      (e) => e.data['via'] === 'cot',
    )
    await store.close()
    assert.equal(cot.length, 2, JSON.stringify(cot.map((e) => e.data)))
    assert.equal(cot[1]?.data['count'], 2)
    assert.deepEqual(cot[1]?.data['uids'], ['radar-7.t3', 'radar-7.t4'])
    const reasons = cot[1]?.data['reasons'] as { reason: string; count: number }[]
    assert.equal(reasons.length, 2)
    assert.equal(
      reasons[0]?.reason,
      'detail/launch@rangeKm: missing (a launch report needs rangeKm and apogeeKm)',
    )
    assert.match(reasons[1]?.reason ?? '', /^launch\.apogeeKm: /)
  })
})

describe('Cursor-on-Target config', () => {
  it('a feed marking the node could not ingest is refused before the node records a start', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'entente-cot-bad-')), 'kor')
    await initNode('KOR', dir)
    const config = nodeConfigSchema.parse({
      party: 'KOR',
      dataDir: dir,
      listen: { port: 0 },
      registry: { scenario: join(ROOT, 'scenarios/korea-japan-2019.yaml') },
      cot: { ingest: { port: 0, level: 'NOPE', topic: 'dprk-missile' } },
    })
    await assert.rejects(startNode(config), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'CONFIG_INVALID')
      assert.match(error.message, /^cot\.ingest\.level: 'NOPE'/)
      return true
    })
    const store = await openStore(dir)
    assert.deepEqual(await store.listAudit({}), [], 'nothing audited: the node never started')
    await store.close()
  })
})
