import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { loadNodeConfig } from '../../src/node/config.ts'
import { openStore, storeLocationFor, storeLocationOf } from '../../src/node/main.ts'

const dir = mkdtempSync(join(tmpdir(), 'entente-store-location-'))
after(() => rmSync(dir, { recursive: true, force: true }))
let files = 0

/** A node config with `store` as given (YAML), in its own file under `dir`. */
function configWith(store: string): string {
  const file = join(dir, `config-${++files}.yaml`)
  writeFileSync(
    file,
    [
      'party: KOR',
      'dataDir: ./kor',
      'listen: { port: 0, insecure: true }',
      'registry: { scenario: ./scenario.yaml }',
      store,
    ].join('\n'),
  )
  return file
}

describe('store: in the node config', () => {
  it('given no store, then the config names none (the data directory decides: SQLite in it)', () => {
    const config = loadNodeConfig(configWith(''))
    assert.equal(config.store, undefined)
    assert.deepEqual(storeLocationFor(config.dataDir, config.store), {
      sqlite: join(dir, 'kor', 'entente.db'),
    })
  })

  it('given a SQLite path, then it is made absolute against the config', () => {
    const config = loadNodeConfig(configWith('store: { sqlite: ./db/kor.db }'))
    assert.deepEqual(config.store, { sqlite: join(dir, 'db', 'kor.db') })
  })

  it('given a postgres URL with a password file and schema, then the file is made absolute', () => {
    const config = loadNodeConfig(
      configWith(
        'store: { postgres: "postgres://kor@db.example:5432/entente", passwordFile: ./pw, schema: kor }',
      ),
    )
    assert.deepEqual(config.store, {
      postgres: 'postgres://kor@db.example:5432/entente',
      passwordFile: join(dir, 'pw'),
      schema: 'kor',
    })
  })

  it('given a password in the URL, then the config is refused naming the field, without echoing it', () => {
    const file = configWith('store: { postgres: "postgres://kor:s3cret-pw@db.example/entente" }')
    assert.throws(
      () => loadNodeConfig(file),
      (error: Error & { code?: string }) =>
        error.code === 'CONFIG_INVALID' &&
        /store\.postgres: the URL holds a password; give it in passwordFile or ENTENTE_PG_PASSWORD/.test(
          error.message,
        ) &&
        !error.message.includes('s3cret-pw'),
    )
  })

  it('given another scheme or a schema that is not an SQL name, then each is refused', () => {
    assert.throws(() => loadNodeConfig(configWith('store: { postgres: "mysql://db/x" }')), {
      message: /store\.postgres: a postgres:\/\/ URL, not 'mysql:'/,
    })
    assert.throws(
      () => loadNodeConfig(configWith('store: { postgres: "postgres://db/x", schema: "Kor;" }')),
      { message: /store\.schema: a lower-case SQL name/ },
    )
  })

  it('given a data directory on SQLite, when a config names another store, then the node refuses to move', async () => {
    const dataDir = join(dir, 'settled')
    await (await openStore(dataDir)).close()
    assert.deepEqual(storeLocationOf(dataDir), { sqlite: join(dataDir, 'entente.db') })
    assert.throws(
      () => storeLocationFor(dataDir, { postgres: 'postgres://kor@db.example/entente' }),
      {
        code: 'CONFIG_INVALID',
        message: /holds SQLite .*entente\.db; move the data or fix the config/,
      },
    )
  })
})
