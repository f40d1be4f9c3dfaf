import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

/**
 * A PostgreSQL server for one test file, with a database of its own. `ENTENTE_PG_URL`
 * (`postgres://user@host:port/db`; its database is used to create ours) points at an
 * existing server; otherwise a throwaway cluster is made with Debian's initdb in a temporary
 * directory, started on a free loopback port as an unprivileged user (PostgreSQL refuses
 * root), and removed by `stop`. `npm test`'s pretest installs Debian's postgresql if missing.
 */
export interface TestPostgres {
  /** The URL of this file's own database (with the password, if the server wants one). */
  readonly url: string
  /** The same URL without its password, and the password (empty when the URL has none). */
  readonly bare: { readonly url: string; readonly password: string }
  /** A name for a fresh, empty schema in it: one per store a test opens. */
  freshSchema(): string
  /** Drops the database (an existing server) or stops and removes the cluster. */
  stop(): Promise<void>
}

const UNPRIVILEGED_USER = 'entente-pg'

export function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return undefined
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin')
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => {
        if (address === null || typeof address === 'string') reject(new Error('no port'))
        else resolve(address.port)
      })
    })
  })
}

function run(command: string, args: readonly string[]): void {
  const result = spawnSync(command, args, { encoding: 'utf8' })
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr || result.stdout}`)
}

const isRoot = (): boolean => process.getuid?.() === 0

/** As root: the unprivileged user the cluster runs as (created once), and its uid and gid. */
function clusterUser(): { name: string; uid: number; gid: number } | undefined {
  if (!isRoot()) return undefined
  const id = (flag: string) => spawnSync('id', [flag, UNPRIVILEGED_USER], { encoding: 'utf8' })
  if (id('-u').status !== 0)
    run('useradd', [
      '--system',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      UNPRIVILEGED_USER,
    ])
  return {
    name: UNPRIVILEGED_USER,
    uid: Number(id('-u').stdout.trim()),
    gid: Number(id('-g').stdout.trim()),
  }
}

/** Runs a PostgreSQL program as the cluster's user (or as ourselves when not root). */
function asClusterUser(user: { name: string } | undefined, bin: string, args: string[]): void {
  if (user === undefined) run(bin, args)
  else run('runuser', ['-u', user.name, '--', bin, ...args])
}

async function startCluster(durable: boolean): Promise<{ adminUrl: string; stop: () => void }> {
  const bin = postgresBinDir()
  if (bin === undefined)
    throw new Error('PostgreSQL is not installed (npm test installs it; or set ENTENTE_PG_URL)')
  const user = clusterUser()
  const dir = mkdtempSync(join(tmpdir(), 'entente-pg-'))
  chmodSync(dir, 0o700)
  if (user !== undefined) chownSync(dir, user.uid, user.gid)
  const data = join(dir, 'data')
  const port = await freePort()
  // Loopback TCP asks for a password (SCRAM), so that the store's password path is exercised.
  const password = randomBytes(12).toString('hex')
  const pwfile = join(dir, 'pwfile')
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 })
  if (user !== undefined) chownSync(pwfile, user.uid, user.gid)
  asClusterUser(user, join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    `--pwfile=${pwfile}`,
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ])
  // A throwaway cluster: no fsync (the store's durability is the server's, not under test here),
  // unless durable (the benchmarks: commits flushed, as SQLite's synchronous=FULL).
  const unsafe = durable ? '' : ' -c fsync=off -c full_page_writes=off'
  const serverOptions = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1${unsafe}`
  asClusterUser(user, join(bin, 'pg_ctl'), [
    '-D',
    data,
    '-o',
    serverOptions,
    '-l',
    join(dir, 'server.log'),
    '-w',
    'start',
  ])
  let stopped = false
  const stop = (): void => {
    if (stopped) return
    stopped = true
    try {
      asClusterUser(user, join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }
  // A test file that dies without its after hook still leaves no server behind.
  process.once('exit', stop)
  return { adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, stop }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

export async function startTestPostgres(
  options: { readonly durable?: boolean } = {},
): Promise<TestPostgres> {
  const existing = process.env.ENTENTE_PG_URL
  const cluster = existing === undefined ? await startCluster(options.durable ?? false) : undefined
  const adminUrl = existing ?? cluster?.adminUrl ?? ''
  const database = `entente_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: adminUrl })
  await admin.connect()
  try {
    await admin.query(`CREATE DATABASE ${database}`)
  } finally {
    await admin.end()
  }
  let schemas = 0
  const url = withDatabase(adminUrl, database)
  const parsed = new URL(url)
  const password = decodeURIComponent(parsed.password)
  parsed.password = ''
  return {
    url,
    bare: { url: parsed.toString(), password },
    freshSchema: () => `s${++schemas}`,
    stop: async () => {
      if (cluster !== undefined) return cluster.stop()
      const client = new pg.Client({ connectionString: adminUrl })
      await client.connect()
      try {
        await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
      } finally {
        await client.end()
      }
    },
  }
}
