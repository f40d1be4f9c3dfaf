import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { entente, REFERENCE, ROOT } from '../helpers/cli.ts'
import { launchReport } from '../helpers/nodes.ts'
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts'

/** Starts `entente node` and resolves with its URL once it listens. */
async function startProcess(config: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(`${ROOT}bin/entente`, ['node', '--party', 'KOR', '--config', config], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ENTENTE_EXIT_WITH_PARENT: '1' },
  })
  let out = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      const found = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)
      if (found?.[1] !== undefined) resolve(found[1])
    })
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.once('exit', (code) => reject(new Error(`the node exited (${code}): ${out}`)))
  })
  return { child, url }
}

describe('two KOR processes on one PostgreSQL database (issue 14)', () => {
  let server: TestPostgres
  let root: string
  let dir: string
  const configs: string[] = []
  let token = ''
  before(async () => {
    server = await startTestPostgres()
    root = mkdtempSync(join(tmpdir(), 'entente-pg-processes-'))
    dir = join(root, 'kor')
    const passwordFile = join(root, 'pg-password')
    writeFileSync(passwordFile, `${server.bare.password}\n`, { mode: 0o600 })
    const init = entente(
      ...['node', 'init', '--party', 'KOR', '--dir', dir, '--store', server.bare.url],
      ...['--store-schema', 'kor', '--store-password-file', passwordFile],
    )
    assert.equal(init.status, 0, init.stderr)
    const issued = entente('node', 'token', '--role', 'operator', '--dir', dir)
    assert.equal(issued.status, 0, issued.stderr)
    token = issued.stdout.trim()
    for (const n of [1, 2]) {
      const config = join(root, `kor-${n}.json`)
      writeFileSync(
        config,
        JSON.stringify({
          party: 'KOR',
          dataDir: 'kor',
          store: { postgres: server.bare.url, schema: 'kor', passwordFile },
          listen: { host: '127.0.0.1', port: 0, insecure: true },
          registry: { scenario: join(ROOT, REFERENCE) },
        }),
      )
      configs.push(config)
    }
  })
  after(async () => {
    rmSync(root, { recursive: true, force: true })
    await server.stop()
  })

  it('given both running, when reports go through each and one is killed, then every report is held once and the audit verifies', async () => {
    const [one, two] = await Promise.all(configs.map(startProcess))
    assert.ok(one !== undefined && two !== undefined)
    const post = (url: string, i: number) =>
      fetch(`${url}/api/reports`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(launchReport('KOR', 'MIL-II', `burst ${i}`)),
      }).then((r) => r.status)
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(i % 2 === 0 ? one.url : two.url, i)),
    )
    assert.deepEqual(new Set(statuses), new Set([201]))
    const exited = once(two.child, 'exit')
    two.child.kill('SIGKILL')
    await exited
    assert.equal(await post(one.url, 20), 201, 'the survivor goes on')
    const listed = await fetch(`${one.url}/api/reports`, {
      headers: { authorization: `Bearer ${token}` },
    })
    const reports = (await listed.json()) as { id: string }[]
    assert.equal(reports.length, 21)
    assert.equal(new Set(reports.map((r) => r.id)).size, 21, 'each report once')
    const stopped = once(one.child, 'exit')
    one.child.kill('SIGTERM')
    await stopped
    const verified = entente('audit', 'verify', '--dir', dir)
    assert.equal(verified.status, 0, verified.stderr)
    assert.match(verified.stdout, /audit chain intact: \d+ entries/)
  })
})
