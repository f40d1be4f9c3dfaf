import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { get } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { initNode } from '../../src/cli/node.ts'
import { entente, isCleanError, REFERENCE, ROOT } from '../helpers/cli.ts'

async function nodeDir(listen: Record<string, unknown>): Promise<{ dir: string; config: string }> {
  const root = mkdtempSync(join(tmpdir(), 'entente-node-run-'))
  const dir = join(root, 'kor')
  await initNode('KOR', dir)
  const config = join(root, 'kor.json')
  const scenario = join(ROOT, REFERENCE)
  writeFileSync(
    config,
    JSON.stringify({ party: 'KOR', dataDir: 'kor', listen, registry: { scenario } }),
  )
  return { dir, config }
}

describe('entente node: where it listens', () => {
  it('prints its https URL and the CA file its clients trust, and answers there', async () => {
    const { dir, config } = await nodeDir({ host: '127.0.0.1', port: 0 })
    const child = spawn(`${ROOT}bin/entente`, ['node', '--party', 'KOR', '--config', config], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    try {
      let out = ''
      const line = new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString()
          const found = /^entente: KOR node listening on .*$/m.exec(out)
          if (found !== null) resolve(found[0])
        })
        child.once('exit', (code) => reject(new Error(`the node exited (${code}): ${out}`)))
      })
      const printed = await line
      const caFile = join(dir, 'keys', 'ca.cert.pem')
      assert.ok(printed.includes(`clients trust ${caFile}`), printed)
      const url = /listening on (https:\/\/127\.0\.0\.1:\d+) /.exec(printed)?.[1]
      assert.ok(url !== undefined, printed)
      const status = await new Promise<number>((resolve, reject) => {
        get(`${url}/api/health`, { ca: readFileSync(caFile, 'utf8') }, (response) => {
          response.resume()
          resolve(response.statusCode ?? 0)
        }).once('error', reject)
      })
      assert.equal(status, 200)
    } finally {
      const exited = once(child, 'exit')
      child.kill('SIGTERM')
      await exited
    }
  })

  it('listen.insecure off loopback is a clean error naming listen.insecure', async () => {
    const { config } = await nodeDir({ host: '0.0.0.0', port: 0, insecure: true })
    const run = entente('node', '--party', 'KOR', '--config', config)
    assert.ok(isCleanError(run), run.stderr)
    assert.match(run.stderr, /listen\.insecure: plain HTTP is allowed only on a loopback host/)
  })
})
