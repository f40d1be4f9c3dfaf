import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { createServer, request as httpRequest, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { DemoServer } from '../../src/cli/demo/server.ts'
import type { Run } from '../../src/cli/demo/replay.ts'
import { loadScenario } from '../../src/cli/load-scenario.ts'
import { REFERENCE, ROOT } from '../helpers/cli.ts'

/** GET on loopback with the Host header a browser (or an attacker's page) would send. */
function get(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('M7: the demo dashboard server (in-process, loopback)', () => {
  let demo: DemoServer
  let upstream: Server
  let seenAuthorization: string | undefined
  const tokens = { admin: 'admin-secret', auditor: 'auditor-secret' }

  before(async () => {
    // A stand-in for KOR's node: it records the token the demo reads it with.
    upstream = createServer((request, response) => {
      seenAuthorization = request.headers.authorization
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end('[]')
    })
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
    const address = upstream.address()
    assert.ok(typeof address === 'object' && address !== null)
    const run = {
      spec: { id: 'baseline', whatIfs: [] },
      status: 'done',
      events: [],
      nodes: [{ party: 'KOR', url: `http://127.0.0.1:${address.port}`, tokens }],
    } as unknown as Run
    const scenario = {
      toJSON: () => {
        throw new Error('internal detail: /home/secret/path')
      },
    }
    demo = new DemoServer({
      index: loadScenario(join(ROOT, REFERENCE), []).index,
      scenario,
      runs: [run],
      webRoot: mkdtempSync(join(tmpdir(), 'entente-web-root-')),
    })
    await demo.listen(0)
  })
  after(async () => {
    await demo.close()
    await new Promise<void>((resolve) => upstream.close(() => resolve()))
  })

  it('M7: a request whose Host is not a loopback name with its port is refused (DNS rebinding)', async () => {
    for (const host of [`attacker.example:${demo.port}`, 'localhost:1', 'localhost']) {
      const response = await get(demo.port, '/demo/api/nodes/KOR/audit', host)
      assert.equal(response.status, 421, host)
    }
    assert.equal(seenAuthorization, undefined, 'nothing was proxied')
    for (const host of [`localhost:${demo.port}`, `127.0.0.1:${demo.port}`, `[::1]:${demo.port}`])
      assert.equal((await get(demo.port, '/demo/api/agreements', host)).status, 200, host)
  })

  it("M7: the nodes are read with their auditor's read-only token, never the admin's", async () => {
    const response = await get(demo.port, '/demo/api/nodes/KOR/audit', `localhost:${demo.port}`)
    assert.equal(response.status, 200, response.body)
    assert.equal(seenAuthorization, `Bearer ${tokens.auditor}`)
  })

  it("M7: a failure answers 500 without the error's internals", async () => {
    const response = await get(demo.port, '/demo/api/scenario', `localhost:${demo.port}`)
    assert.equal(response.status, 500)
    assert.doesNotMatch(response.body, /internal detail|secret/)
  })
})
