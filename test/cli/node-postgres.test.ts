import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { type CliRun, entente, isCleanError, ROOT } from '../helpers/cli.ts'
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts'

/** ./bin/entente with ENTENTE_PG_PASSWORD set, as an operator's shell would have it. */
function ententeWithPassword(password: string, ...args: string[]): CliRun {
  const result = spawnSync(`${ROOT}bin/entente`, args, {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ENTENTE_PG_PASSWORD: password },
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

describe('entente node init --store postgres://… and the commands on its data directory', () => {
  let server: TestPostgres
  let root: string
  let dir: string
  let passwordFile: string
  before(async () => {
    server = await startTestPostgres()
    root = mkdtempSync(join(tmpdir(), 'entente-pg-cli-'))
    dir = join(root, 'kor')
    passwordFile = join(root, 'pg-password')
    writeFileSync(passwordFile, `${server.bare.password}\n`, { mode: 0o600 })
  })
  after(async () => {
    rmSync(root, { recursive: true, force: true })
    await server.stop()
  })

  it('given a postgres URL and a password file, when the node is initialised, then the schema is made there and the directory records it', async () => {
    const run = entente(
      ...['node', 'init', '--party', 'KOR', '--dir', dir, '--store', server.bare.url],
      ...['--store-schema', 'kor', '--store-password-file', passwordFile],
    )
    assert.equal(run.status, 0, run.stderr)
    assert.match(run.stdout, /store schema v\d+ in PostgreSQL postgres:\/\/.*, schema kor\)/)
    assert.ok(!existsSync(join(dir, 'entente.db')), 'no SQLite file')
    const recorded = JSON.parse(readFileSync(join(dir, 'store.json'), 'utf8')) as unknown
    assert.deepEqual(recorded, { postgres: server.bare.url, schema: 'kor', passwordFile })
    assert.ok(
      !JSON.stringify(recorded).includes(server.bare.password) || server.bare.password === '',
    )
    const pool = new pg.Pool({ connectionString: server.url })
    try {
      const { rows } = await pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'kor' AND table_name = 'audit'",
      )
      assert.deepEqual(rows, [{ n: 1 }])
    } finally {
      await pool.end()
    }
  })

  it('given that directory, when a token is issued and the audit verified, then both use the PostgreSQL store', async () => {
    const issued = entente('node', 'token', '--role', 'auditor', '--dir', dir, '--label', 'pg')
    assert.equal(issued.status, 0, issued.stderr)
    const listed = entente('node', 'token', 'list', '--dir', dir, '--json')
    assert.equal(listed.status, 0, listed.stderr)
    assert.deepEqual(
      (JSON.parse(listed.stdout) as { label: string }[]).map((t) => t.label),
      ['pg'],
    )
    const pool = new pg.Pool({ connectionString: server.url, options: '-c search_path=kor' })
    try {
      const { rows } = await pool.query<{ label: string }>('SELECT label FROM tokens')
      assert.deepEqual(rows, [{ label: 'pg' }])
    } finally {
      await pool.end()
    }
    const verified = entente('audit', 'verify', '--dir', dir)
    assert.equal(verified.status, 0, verified.stderr)
    assert.match(verified.stdout, /audit chain intact: 1 entries/)
  })

  it('given the password in ENTENTE_PG_PASSWORD instead of a file, when the node is initialised, then it opens', () => {
    const other = join(root, 'jpn')
    const run = ententeWithPassword(
      server.bare.password,
      ...['node', 'init', '--party', 'JPN', '--dir', other, '--store', server.bare.url],
      ...['--store-schema', 'jpn'],
    )
    assert.equal(run.status, 0, run.stderr)
    const verified = ententeWithPassword(server.bare.password, 'audit', 'verify', '--dir', other)
    assert.equal(verified.status, 0, verified.stderr)
  })

  it('given a password in the URL, when initialising, then it is refused and not echoed', () => {
    const url = new URL(server.bare.url)
    url.password = 'hunter2secret'
    const run = entente(
      'node',
      'init',
      '--party',
      'USA',
      '--dir',
      join(root, 'usa'),
      '--store',
      url.toString(),
    )
    assert.ok(isCleanError(run), run.stderr)
    assert.match(
      run.stderr,
      /--store: the URL holds a password; give it in passwordFile or ENTENTE_PG_PASSWORD/,
    )
    assert.ok(!run.stderr.includes('hunter2secret'))
    assert.ok(!existsSync(join(root, 'usa', 'keys')), 'no keys made')
  })

  it('given a directory on SQLite, when initialised again with a postgres store, then it is refused', () => {
    const sqliteDir = join(root, 'chn')
    assert.equal(entente('node', 'init', '--party', 'CHN', '--dir', sqliteDir).status, 0)
    const run = entente(
      ...['node', 'init', '--party', 'CHN', '--dir', sqliteDir, '--store', server.bare.url],
      ...['--store-password-file', passwordFile],
    )
    assert.ok(isCleanError(run), run.stderr)
    assert.match(run.stderr, /holds SQLite .*entente\.db/)
    assert.ok(!existsSync(join(sqliteDir, 'store.json')))
  })
})
