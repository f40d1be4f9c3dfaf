import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { z } from 'zod'
import { EntenteError } from '../../lib/errors.ts'
import { PostgresStore } from './postgres/postgres-store.ts'
import { SqliteStore } from './sqlite/sqlite-store.ts'
import type { Store } from './store.ts'

/**
 * Where a node's store lives: a SQLite file (the default, in the data directory) or a
 * PostgreSQL database (several node processes of one party may share it). The password is
 * never part of it: it comes from `passwordFile` or the ENTENTE_PG_PASSWORD variable.
 */
export type StoreLocation =
  | { readonly sqlite: string }
  | { readonly postgres: string; readonly passwordFile?: string; readonly schema?: string }

/** Why `url` is not a PostgreSQL URL this node accepts, or null. */
export function postgresUrlProblem(url: string): string | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return `'${url}' is not a URL such as postgres://entente@db.example:5432/entente`
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')
    return `a postgres:// URL, not '${parsed.protocol}'`
  if (parsed.password !== '')
    return 'the URL holds a password; give it in passwordFile or ENTENTE_PG_PASSWORD instead'
  if (parsed.searchParams.has('password'))
    return 'the URL holds a password parameter; give it in passwordFile or ENTENTE_PG_PASSWORD instead'
  return null
}

const postgresUrl = z.string().superRefine((url, context) => {
  const problem = postgresUrlProblem(url)
  if (problem !== null) context.addIssue({ code: 'custom', message: problem })
})

export const storeLocationSchema = z.union([
  z.strictObject({ sqlite: z.string().min(1) }),
  z.strictObject({
    postgres: postgresUrl,
    /** A file holding the password only (a trailing newline is ignored); relative to the config. */
    passwordFile: z.string().min(1).optional(),
    /** The schema of this node's tables, for several nodes in one database; default public. */
    schema: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL name (letters, digits, _)')
      .optional(),
  }),
])

/** The location with its file paths made absolute against `base` (the config's folder). */
export function resolveStoreLocation(location: StoreLocation, base: string): StoreLocation {
  if ('sqlite' in location) return { sqlite: resolve(base, location.sqlite) }
  return location.passwordFile === undefined
    ? location
    : { ...location, passwordFile: resolve(base, location.passwordFile) }
}

/** Whether both name one database (the password file aside). */
export function sameStore(a: StoreLocation, b: StoreLocation): boolean {
  if ('sqlite' in a || 'sqlite' in b) return 'sqlite' in a && 'sqlite' in b && a.sqlite === b.sqlite
  return a.postgres === b.postgres && a.schema === b.schema
}

/** One line naming the store, for messages: never a password (a location holds none). */
export function describeStoreLocation(location: StoreLocation): string {
  if ('sqlite' in location) return `SQLite ${location.sqlite}`
  const schema = location.schema === undefined ? '' : `, schema ${location.schema}`
  return `PostgreSQL ${location.postgres}${schema}`
}

/**
 * Opens (creating and migrating) the store at `location`. `envPassword` is the
 * ENTENTE_PG_PASSWORD the caller read, used when the location names no password file.
 */
export async function openStoreAt(location: StoreLocation, envPassword?: string): Promise<Store> {
  if ('sqlite' in location) return SqliteStore.open(location.sqlite)
  let password = envPassword
  if (location.passwordFile !== undefined) {
    try {
      password = readFileSync(location.passwordFile, 'utf8').replace(/\r?\n$/, '')
    } catch {
      throw new EntenteError(
        'FILE_NOT_READABLE',
        `store.passwordFile: cannot read ${location.passwordFile}`,
      )
    }
  }
  return PostgresStore.open({
    url: location.postgres,
    ...(password === undefined ? {} : { password }),
    ...(location.schema === undefined ? {} : { schema: location.schema }),
  })
}
