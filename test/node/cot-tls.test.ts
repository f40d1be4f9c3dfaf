import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { initNode, issueToken } from '../../src/cli/node.ts'
import { appendAudit } from '../../src/node/app/audit-log.ts'
import { nodeConfigSchema } from '../../src/node/config.ts'
import { generatePartyKeys, publicJwks } from '../../src/node/crypto/keys.ts'
import { type RunningNode, startNode } from '../../src/node/main.ts'
import type { ReleaseRow, ReportRow } from '../../src/node/store/store.ts'
import { ROOT } from '../helpers/cli.ts'
import { feedEvent } from '../helpers/cot-feed.ts'
import { type ClientFiles, clientCert, nodeCa, TlsClient } from '../helpers/cot-tls.ts'
import { launchReport, waitFor } from '../helpers/nodes.ts'
import { koreanLaunchReport } from '../helpers/reports.ts'

const SCENARIO = join(ROOT, 'scenarios/korea-japan-2019.yaml')

/**
 * KOR's node in-process with both CoT servers over TLS (real sockets, real SQLite, the node's
 * CA from `node init`). Each test connects from its own loopback address, so that the first
 * refusal of each is audited at once (refusals are aggregated per address).
 */
describe('Cursor-on-Target over TLS with client certificates', () => {
  let node: RunningNode
  let dir = ''
  let root = ''
  let ca = ''
  let officer = ''
  let operator = ''
  const certs: Record<string, ClientFiles> = {}
  const ports = { stream: 0, ingest: 0 }

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'entente-cot-tls-'))
    dir = join(root, 'kor')
    await initNode('KOR', dir)
    await initNode('KOR', join(root, 'impostor')) // another CA, same party name
    operator = await issueToken(dir, 'operator', 'operator')
    officer = await issueToken(dir, 'release-officer', 'officer')
    ca = nodeCa(dir)
    const issue = async (name: string, identity: Parameters<typeof clientCert>[2], from = dir) =>
      (certs[name] = await clientCert(from, 'KOR', identity, join(root, 'clients', name)))
    await issue('KOR', { kind: 'party', party: 'KOR' })
    await issue('USA', { kind: 'party', party: 'USA' })
    await issue('CHN', { kind: 'party', party: 'CHN' })
    await issue('operator', { kind: 'role', role: 'operator' })
    await issue('auditor', { kind: 'role', role: 'auditor' })
    await issue('impostor', { kind: 'role', role: 'operator' }, join(root, 'impostor'))
    const usa = publicJwks(generatePartyKeys('USA')).keys
    node = await startNode(
      nodeConfigSchema.parse({
        party: 'KOR',
        dataDir: dir,
        listen: { port: 0 },
        registry: { scenario: SCENARIO },
        // A peer that is never up: approved releases wait in the outbox, which is not tested here.
        peers: {
          USA: { url: 'http://127.0.0.1:9', keys: { signing: usa[0], encryption: usa[1] } },
        },
        cot: {
          stream: { port: 0 },
          ingest: { port: 0, level: 'MIL-II', topic: 'dprk-missile' },
        },
      }),
    )
    ports.stream = node.cot.stream?.port ?? 0
    ports.ingest = node.cot.ingest?.port ?? 0
  })
  after(() => node.stop())

  const stream = (name: string, from: string) =>
    new TlsClient(ports.stream, { ca, key: certs[name]?.key, cert: certs[name]?.cert, from })
  const ingest = (name: string | null, from: string) =>
    new TlsClient(ports.ingest, {
      ca,
      ...(name === null ? {} : { key: certs[name]?.key, cert: certs[name]?.cert }),
      from,
    })
  const postReport = async (text: string, releasableTo?: string[]): Promise<ReportRow> => {
    const body = { ...launchReport('KOR', 'MIL-II', text), ...(releasableTo && { releasableTo }) }
    const response = await node.app.inject({
      method: 'POST',
      url: '/api/reports',
      headers: { authorization: `Bearer ${operator}` },
      payload: body,
    })
    assert.equal(response.statusCode, 201, response.body)
    return response.json<{ report: ReportRow }>().report
  }
  /** A report as if it had arrived from its originator, stored after every other. */
  const storeArrived = async (over: Partial<ReportRow>): Promise<ReportRow> => {
    const report = koreanLaunchReport({
      id: node.ctx.newId(),
      receivedFrom: over.originator ?? null,
      createdAtMs: Date.now(),
      ...over,
      payload: { ...koreanLaunchReport().payload, time: new Date().toISOString(), ...over.payload },
    })
    await node.ctx.store.transaction((tx) => tx.insertReport(report))
    return report
  }
  const authFailures = async (remote: string) =>
    (await node.ctx.store.listAudit({ type: 'auth-failure' })).filter(
      (e) => e.data['remote'] === remote,
    )
  const feedReports = async () =>
    (await node.ctx.store.listReports({})).filter((r) => r.payload['launchId'] !== undefined)

  it('given no insecure, when the node starts, then both servers speak TLS', () => {
    assert.equal(node.cot.stream?.transport, 'tls')
    assert.equal(node.cot.ingest?.transport, 'tls')
  })

  it("stream: a peer party's certificate sees only what the disclosure policy lets that party see, decided when each report is sent", async () => {
    const open = await postReport('releasable to anyone')
    const jpnOnly = await postReport('releasable to JPN only', ['JPN'])
    const usasOwn = await storeArrived({ originator: 'USA', level: 'SECRET', localLevel: 'MIL-II' })
    const own = stream('KOR', '127.0.0.21')
    const usa = stream('USA', '127.0.0.22')
    await waitFor(
      "USA's own report, the last of the backlog",
      () => Promise.resolve(usa.reportIds()),
      (ids) => ids.includes(usasOwn.id),
    )
    await waitFor(
      'the node sees all three',
      () => Promise.resolve(own.reportIds()),
      (ids) => [open.id, jpnOnly.id, usasOwn.id].every((id) => ids.includes(id)),
    )
    assert.deepEqual(usa.reportIds(), [usasOwn.id], 'kor-usa is manual: nothing approved yet')
    // An officer approves the release to USA: the stream shows it to USA then.
    const releases = (await node.ctx.store.listReleases({ recipient: 'USA' })).filter(
      (r: ReleaseRow) => r.reportId === open.id && r.agreement === 'kor-usa',
    )
    assert.equal(releases.length, 1, JSON.stringify(releases))
    const approved = await node.app.inject({
      method: 'POST',
      url: `/api/releases/${releases[0]?.id ?? ''}/approve`,
      headers: { authorization: `Bearer ${officer}` },
    })
    assert.equal(approved.statusCode, 200, approved.body)
    await waitFor(
      'the approved report on USA’s stream',
      () => Promise.resolve(usa.reportIds()),
      (ids) => ids.includes(open.id),
    )
    assert.ok(!usa.reportIds().includes(jpnOnly.id), 'never what USA may not see')
    const disclosures = await node.ctx.store.listAudit({ type: 'disclosure', party: 'USA' })
    assert.deepEqual(
      disclosures.filter((e) => e.data['path'] === 'cot-stream').map((e) => e.subject),
      [open.id],
      'recorded once; USA reading its own report back is no disclosure',
    )
    // A new USA client's backlog is decided now: the approved report, its own, not the other.
    const again = stream('USA', '127.0.0.22')
    await waitFor(
      'the backlog',
      () => Promise.resolve(again.reportIds()),
      (ids) => ids.includes(usasOwn.id),
    )
    assert.deepEqual(again.reportIds(), [open.id, usasOwn.id])
    for (const client of [own, usa, again]) client.socket.destroy()
  })

  it('stream: a role certificate, or a party outside the registry, is refused at connect and audited', async () => {
    for (const [name, from, expected] of [
      ['operator', '127.0.0.31', /names role operator; the stream needs one naming a party/],
      ['CHN', '127.0.0.32', /names party CHN, which is not a party of the registry/],
    ] as const) {
      const client = stream(name, from)
      await client.done
      assert.equal(client.text, '', 'no event before the refusal')
      const [entry] = await waitFor(
        `${name} audited`,
        () => authFailures(from),
        (e) => e.length > 0,
      )
      assert.equal(entry?.data['route'], 'cot.stream')
      assert.match(String(entry?.data['reason']), expected)
    }
  })

  it('H7: a feed without a certificate cannot ingest: the handshake fails and is audited', async () => {
    const feed = ingest(null, '127.0.0.41')
    void feed.write(feedEvent('h7.no-cert')).catch(() => undefined)
    await feed.done
    assert.ok(feed.error !== null, 'the client sees the handshake fail')
    const [entry] = await waitFor(
      'audited',
      () => authFailures('127.0.0.41'),
      (e) => e.length > 0,
    )
    assert.equal(entry?.data['route'], 'cot.ingest')
    assert.equal(entry?.data['reason'], 'TLS handshake: ERR_SSL_PEER_DID_NOT_RETURN_A_CERTIFICATE')
    assert.deepEqual(await feedReports(), [])
  })

  it('H7: a feed with a certificate from another CA cannot ingest', async () => {
    const feed = ingest('impostor', '127.0.0.42')
    void feed.write(feedEvent('h7.impostor')).catch(() => undefined)
    await feed.done
    const [entry] = await waitFor(
      'audited',
      () => authFailures('127.0.0.42'),
      (e) => e.length > 0,
    )
    assert.equal(entry?.data['route'], 'cot.ingest')
    assert.equal(entry?.data['reason'], 'TLS handshake: UNABLE_TO_VERIFY_LEAF_SIGNATURE')
    assert.deepEqual(await feedReports(), [])
  })

  it('H7: a certificate whose role may not ingest (auditor), or that names a party, is closed at connect and audited', async () => {
    for (const [name, from] of [
      ['auditor', '127.0.0.43'],
      ['USA', '127.0.0.44'],
    ] as const) {
      const feed = ingest(name, from)
      void feed.write(feedEvent(`h7.${name}`)).catch(() => undefined)
      await feed.done
      const [entry] = await waitFor(
        'audited',
        () => authFailures(from),
        (e) => e.length > 0,
      )
      assert.equal(entry?.data['route'], 'cot.ingest')
      assert.match(
        String(entry?.data['reason']),
        /a feed needs a role that may ingest \(operator, admin\)$/,
      )
    }
    assert.deepEqual(await feedReports(), [])
  })

  it("H7: an operator's certificate ingests (the server checked by the client against the node's CA)", async () => {
    const feed = ingest('operator', '127.0.0.45')
    assert.equal(await feed.connected(), true)
    await feed.write(feedEvent('h7.operator'))
    const reports = await waitFor('the report', feedReports, (r) => r.length > 0)
    assert.deepEqual(
      reports.map((r) => r.payload['launchId']),
      ['h7.operator'],
    )
    feed.socket.destroy()
  })

  it('H5: a stored report claiming apogeeKm 1e12 neither stops the stream nor the node', async () => {
    const huge = await storeArrived({
      originator: 'KOR',
      receivedFrom: null,
      payload: { apogeeKm: 1e12 },
    })
    const own = stream('KOR', '127.0.0.51')
    await waitFor(
      'the backlog up to the huge report',
      () => Promise.resolve(own.reportIds()),
      (ids) => ids.includes(huge.id),
    )
    // Live too: a report arriving with the same claim, announced as an arrival is.
    const live = await storeArrived({
      originator: 'KOR',
      receivedFrom: null,
      payload: { apogeeKm: 1e12 },
    })
    await appendAudit(node.ctx, {
      atMs: node.ctx.now(),
      type: 'arrival',
      party: null,
      subject: live.id,
      data: { kind: 'report', reportId: live.id },
    })
    const after = await postReport('after the huge ones')
    await waitFor(
      'the reports after it',
      () => Promise.resolve(own.reportIds()),
      (ids) => ids.includes(live.id) && ids.includes(after.id),
    )
    const ofHuge = own.events().filter((e) => e.uid.startsWith(`entente.${huge.id}.`))
    assert.ok(ofHuge.length >= 1 && ofHuge.length <= 1_001, `${ofHuge.length} events, bounded`)
    assert.equal(own.closed, false, 'the client is still connected')
    own.socket.destroy()
  })
})

describe('Cursor-on-Target config: TLS unless insecure on loopback', () => {
  const parse = (cot: unknown) =>
    nodeConfigSchema.safeParse({
      party: 'KOR',
      dataDir: '/tmp/x',
      listen: { port: 0 },
      registry: { scenario: SCENARIO },
      cot,
    })

  it('the stream listens on 8089 by default (TAK), the ingest on 8090, both TLS', () => {
    const parsed = parse({ stream: {}, ingest: { level: 'MIL-II', topic: 'dprk-missile' } })
    assert.ok(parsed.success)
    assert.deepEqual([parsed.data.cot?.stream?.port, parsed.data.cot?.ingest?.port], [8089, 8090])
    assert.equal(parsed.data.cot?.stream?.insecure, undefined)
  })

  it('insecure: true is refused off loopback, naming the field', () => {
    for (const host of ['0.0.0.0', '192.0.2.1', '::', 'tak.example.org']) {
      const parsed = parse({ stream: { host, insecure: true } })
      assert.equal(parsed.success, false, host)
      const issue = parsed.error?.issues[0]
      assert.deepEqual(issue?.path, ['cot', 'stream', 'insecure'])
      assert.match(issue?.message ?? '', /only on a loopback host/)
    }
    for (const host of ['127.0.0.1', '::1', 'localhost'])
      assert.ok(parse({ ingest: { host, insecure: true, level: 'L', topic: 't' } }).success, host)
  })

  it('insecure takes only true, and stream and ingest may not share a port', () => {
    assert.equal(parse({ stream: { insecure: false } }).success, false)
    const shared = parse({ stream: { port: 9000 }, ingest: { port: 9000, level: 'L', topic: 't' } })
    assert.deepEqual(shared.error?.issues[0]?.path, ['cot', 'ingest', 'port'])
  })

  it('a data directory from before the TLS certificates gets them at start; half a pair stops it, naming the files', async () => {
    const { existsSync, rmSync } = await import('node:fs')
    const dir = join(mkdtempSync(join(tmpdir(), 'entente-cot-old-')), 'kor')
    await initNode('KOR', dir)
    const files = ['ca.key.pem', 'ca.cert.pem', 'server.key.pem', 'server.cert.pem']
    for (const f of [...files, 'link.key.pem', 'link.cert.pem']) rmSync(join(dir, 'keys', f))
    const config = nodeConfigSchema.parse({
      party: 'KOR',
      dataDir: dir,
      // Plain HTTP: an HTTPS API would create the certificate at start (test/node/https.test.ts).
      listen: { port: 0, insecure: true },
      registry: { scenario: SCENARIO },
      cot: { stream: { port: 0 } },
    })
    const node = await startNode(config)
    await node.stop()
    for (const f of files) assert.ok(existsSync(join(dir, 'keys', f)), `${f} made at start`)
    rmSync(join(dir, 'keys', 'server.cert.pem'))
    await assert.rejects(startNode(config), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'KEYS_UNREADABLE')
      assert.match(error.message, /only half of the node's server certificate/)
      return true
    })
  })
})
