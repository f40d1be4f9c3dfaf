import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after } from 'node:test'
import { PostgresStore } from '../../src/node/store/postgres/postgres-store.ts'
import { SqliteStore } from '../../src/node/store/sqlite/sqlite-store.ts'
import type { Store } from '../../src/node/store/store.ts'
import { startTestPostgres } from '../helpers/postgres.ts'
import { storeContract } from './store.contract.ts'

/** Every Store implementation, each opening a fresh empty store: one contract for all. */
const dir = mkdtempSync(join(tmpdir(), 'entente-store-'))
const postgres = await startTestPostgres()
after(async () => {
  rmSync(dir, { recursive: true, force: true })
  await postgres.stop()
})
let files = 0

const STORES: readonly (readonly [name: string, open: () => Promise<Store>])[] = [
  ['SqliteStore (file)', () => SqliteStore.open(join(dir, `store-${++files}.db`))],
  ['SqliteStore (:memory:)', () => SqliteStore.open(':memory:')],
  [
    'PostgresStore',
    () => PostgresStore.open({ url: postgres.url, schema: postgres.freshSchema() }),
  ],
]

for (const [name, open] of STORES) storeContract(name, open)
