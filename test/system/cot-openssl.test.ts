import assert from 'node:assert/strict'
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { initNode, issueToken } from '../../src/cli/node.ts'
import { cotXmlToEvent } from '../../src/interop/cot.ts'
import { nodeConfigSchema } from '../../src/node/config.ts'
import { type RunningNode, startNode } from '../../src/node/main.ts'
import type { ReportRow } from '../../src/node/store/store.ts'
import { ROOT } from '../helpers/cli.ts'
import { feedEvent } from '../helpers/cot-feed.ts'
import { type ClientFiles, clientCert } from '../helpers/cot-tls.ts'
import { launchReport, waitFor } from '../helpers/nodes.ts'

/** Debian's OpenSSL command line, a TLS client that shares no code with node:tls's use here. */
const OPENSSL = '/usr/bin/openssl'

/** `openssl s_client` to a loopback port, keeping what it prints; ended by the test. */
class SClient {
  readonly process: ChildProcessWithoutNullStreams
  stdout = ''
  stderr = ''
  readonly exited: Promise<number | null>

  constructor(port: number, args: readonly string[]) {
    // -quiet: no session dump, and standard input's end does not close the connection.
    this.process = spawn(OPENSSL, ['s_client', '-connect', `127.0.0.1:${port}`, '-quiet', ...args])
    this.process.stdout.setEncoding('utf8').on('data', (text: string) => (this.stdout += text))
    this.process.stderr.setEncoding('utf8').on('data', (text: string) => (this.stderr += text))
    this.exited = new Promise((resolve) => this.process.once('close', (code) => resolve(code)))
  }

  stop(): Promise<number | null> {
    this.process.kill()
    return this.exited
  }
}

const withCert = (files: ClientFiles) => [
  '-cert',
  files.certFile,
  '-key',
  files.keyFile,
  '-CAfile',
  files.caFile,
  // The node's server certificate is checked too: by the CA and for the address dialled.
  '-verify_return_error',
  '-verify_ip',
  '127.0.0.1',
]

/** KOR's node in-process with its CoT servers over TLS; Debian's `openssl s_client` as the client. */
describe('CoT over TLS, seen by openssl s_client', () => {
  let node: RunningNode
  let report: ReportRow
  const certs: Record<string, ClientFiles> = {}

  before(async () => {
    assert.ok(existsSync(OPENSSL), `${OPENSSL} is needed (Debian: apt-get install openssl)`)
    const root = mkdtempSync(join(tmpdir(), 'entente-cot-openssl-'))
    const dir = join(root, 'kor')
    await initNode('KOR', dir)
    for (const [name, identity] of [
      ['KOR', { kind: 'party', party: 'KOR' }],
      ['operator', { kind: 'role', role: 'operator' }],
    ] as const)
      certs[name] = await clientCert(dir, 'KOR', identity, join(root, name))
    node = await startNode(
      nodeConfigSchema.parse({
        party: 'KOR',
        dataDir: dir,
        listen: { port: 0 },
        registry: { scenario: join(ROOT, 'scenarios/korea-japan-2019.yaml') },
        cot: {
          stream: { port: 0 },
          ingest: { port: 0, level: 'MIL-II', topic: 'dprk-missile' },
        },
      }),
    )
    const response = await node.app.inject({
      method: 'POST',
      url: '/api/reports',
      headers: { authorization: `Bearer ${await issueToken(dir, 'operator', 'op')}` },
      payload: launchReport('KOR', 'MIL-II', 'seen through openssl'),
    })
    assert.equal(response.statusCode, 201, response.body)
    report = response.json<{ report: ReportRow }>().report
  })
  after(() => node.stop())

  it("with the node's own party certificate, the stream sends well-formed CoT events of the report", async () => {
    const client = new SClient(node.cot.stream?.port ?? 0, withCert(certs['KOR'] as ClientFiles))
    await waitFor(
      'the site and track of the report',
      () => Promise.resolve(client.stdout),
      (text) => text.includes(`uid="entente.${report.id}.track"`) && text.endsWith('</event>\n'),
    )
    await client.stop()
    const events = client.stdout
      .split('\n')
      .filter((line) => line.startsWith('<event '))
      .map((line) => cotXmlToEvent(line))
    assert.ok(events.length > 2 && events.every((e) => e.ok), 'every event reads back')
    assert.match(client.stderr, /verify return:1/, 'openssl verified the server against the CA')
  })

  it('without a client certificate, the handshake fails: openssl says the server required one', async () => {
    const client = new SClient(node.cot.stream?.port ?? 0, [
      '-CAfile',
      certs['KOR']?.caFile ?? '',
      '-verify_return_error',
    ])
    client.process.stdin.end()
    const code = await client.exited
    assert.notEqual(code, 0)
    assert.match(client.stderr, /alert certificate required/)
    assert.doesNotMatch(client.stdout, /<event/)
  })

  it("H7: with an operator's certificate, a launch event written to s_client becomes a report", async () => {
    const client = new SClient(
      node.cot.ingest?.port ?? 0,
      withCert(certs['operator'] as ClientFiles),
    )
    client.process.stdin.write(`${feedEvent('openssl.t1')}\n`)
    const reports = await waitFor(
      'the feed report',
      () => node.ctx.store.listReports({}),
      (list) => list.some((r) => r.payload['launchId'] === 'openssl.t1'),
    )
    await client.stop()
    assert.equal(reports.find((r) => r.payload['launchId'] === 'openssl.t1')?.originator, 'KOR')
  })
})
