// The stores a benchmark runs on (issue 14): SQLite by default; with ENTENTE_STORE=postgres,
// SQLite, then PostgreSQL with one KOR process and with two, printed side by side.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { StoreLocation } from '../src/node/store/location.ts'
// The tests' throwaway cluster (Debian's initdb, a free port, an unprivileged user), here with
// fsync on: commits are as durable as SQLite's synchronous=FULL ones. ENTENTE_PG_URL: a server.
import { startTestPostgres } from '../test/helpers/postgres.ts'

export interface StoreSetup {
  /** The figures' prefix: sqlite, pg1, pg2. */
  readonly name: string
  readonly store: 'sqlite' | 'postgres'
  /** KOR processes on the one store. */
  readonly processes: 1 | 2
}

export function storeSetups(): StoreSetup[] {
  const wanted = process.env['ENTENTE_STORE'] ?? 'sqlite'
  if (wanted === 'sqlite') return [{ name: 'sqlite', store: 'sqlite', processes: 1 }]
  if (wanted !== 'postgres')
    throw new Error(`ENTENTE_STORE: 'sqlite' or 'postgres', not '${wanted}'`)
  return [
    { name: 'sqlite', store: 'sqlite', processes: 1 },
    { name: 'pg1', store: 'postgres', processes: 1 },
    { name: 'pg2', store: 'postgres', processes: 2 },
  ]
}

/**
 * Runs `body` with KOR's store location for `setup` (undefined: SQLite in its data
 * directory); a PostgreSQL server lives for the run only.
 */
export async function withStore<T>(
  setup: StoreSetup,
  root: string,
  body: (kor: StoreLocation | undefined) => Promise<T>,
): Promise<T> {
  if (setup.store === 'sqlite') return body(undefined)
  const server = await startTestPostgres({ durable: true })
  try {
    const passwordFile = join(root, 'pg-password')
    writeFileSync(passwordFile, `${server.bare.password}\n`, { mode: 0o600 })
    return await body({ postgres: server.bare.url, schema: 'kor', passwordFile })
  } finally {
    await server.stop()
  }
}

/** Each figure once per setup, in columns: the stores side by side. */
export function printBeside(
  name: string,
  setups: readonly StoreSetup[],
  figures: readonly Record<string, number>[],
): void {
  const keys = [...new Set(figures.flatMap((f) => Object.keys(f)))]
  const head = setups.map((s) => (s.store === 'sqlite' ? 'SQLite' : `PostgreSQL ×${s.processes}`))
  console.log(`${name.padEnd(10)} ${''.padEnd(28)} ${head.map((h) => h.padStart(14)).join(' ')}`)
  for (const key of keys) {
    const cells = figures.map((f) => {
      const value = f[key]
      return (value === undefined ? '—' : value.toLocaleString('en-US')).padStart(14)
    })
    console.log(`${name.padEnd(10)} ${key.padEnd(28)} ${cells.join(' ')}`)
  }
}

/** One record of every setup's figures, prefixed with its name (for the JSON line). */
export function prefixed(
  setups: readonly StoreSetup[],
  figures: readonly Record<string, number>[],
): Record<string, number> {
  return Object.fromEntries(
    setups.flatMap((s, i) =>
      Object.entries(figures[i] ?? {}).map(([k, v]) => [`${s.name}_${k}`, v]),
    ),
  )
}
