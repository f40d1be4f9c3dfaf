import assert from 'node:assert/strict'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import Sqlite from 'better-sqlite3'
import fc from 'fast-check'
import { openNote } from '../../../src/lib/signed-note.ts'
import { parseCheckpoint } from '../../../src/lib/tlog-checkpoint.ts'
import { checkpointSigner, checkpointVerifier } from '../../../src/node/audit/checkpoint-note.ts'
import { canonicalJson } from '../../../src/node/audit/hash.ts'
import { MerkleLog, auditLeaf, logOrigin } from '../../../src/node/audit/merkle-log.ts'
import { verifyStoredChain } from '../../../src/node/audit/verify.ts'
import { SqliteStore } from '../../../src/node/store/sqlite/sqlite-store.ts'
import { AUDIT_TYPES } from '../../../src/node/store/store.ts'

const keys = generateKeyPairSync('ed25519')
const origin = logOrigin('KOR')
const dirs: string[] = []
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

async function storeWith(entries: number): Promise<{ store: SqliteStore; file: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'entente-merkle-'))
  dirs.push(dir)
  const file = join(dir, 'node.db')
  const store = await SqliteStore.open(file)
  for (let i = 1; i <= entries; i++)
    await store.appendAudit({
      atMs: 1_572_566_400_000 + i,
      type: i % 2 === 0 ? 'request' : 'decision',
      party: 'JPN',
      subject: `s-${i}`,
      data: { i },
    })
  return { store, file }
}

const newLog = (store: SqliteStore) =>
  new MerkleLog(store, origin, checkpointSigner(origin, keys.privateKey), () => 1_572_566_500_000)

describe('the audit as an RFC 6962 Merkle log with C2SP checkpoints', () => {
  it('a leaf is exactly the canonical JSON of the whole entry (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          seq: fc.integer({ min: 1 }),
          atMs: fc.integer({ min: 0 }),
          type: fc.constantFrom(...AUDIT_TYPES),
          party: fc.option(fc.string(), { nil: null }),
          subject: fc.option(fc.string(), { nil: null }),
          data: fc.dictionary(fc.string(), fc.jsonValue()),
          prevHash: fc.string({ minLength: 1, maxLength: 64 }),
          hash: fc.string({ minLength: 1, maxLength: 64 }),
        }),
        (entry) => {
          const data = JSON.parse(JSON.stringify(entry.data)) as Record<string, unknown>
          const full = { ...entry, data }
          assert.equal(Buffer.from(auditLeaf(full)).toString('utf8'), canonicalJson(full))
        },
      ),
      { numRuns: 300 },
    )
  })

  it('given 30 entries, the checkpoint note names the node, the size and the root, signed by its key', async () => {
    const { store } = await storeWith(30)
    const log = newLog(store)
    const checkpoint = await log.checkpoint()
    await log.flush()
    const opened = openNote(checkpoint.note, [checkpointVerifier(origin, keys.publicKey)])
    assert.ok(opened.ok, 'the note verifies with the node key')
    const parsed = parseCheckpoint(opened.value.text)
    assert.ok(parsed.ok)
    assert.equal(parsed.value.origin, 'entente/KOR')
    assert.equal(parsed.value.size, 30)
    assert.deepEqual(await verifyStoredChain(store, keys.publicKey), {
      ok: true,
      entries: 30,
      checkpoints: 1,
      lastSeq: 30,
      lastHash: (await store.lastAudit())?.hash,
    })
    await store.close()
  })

  it('a second checkpoint at the same size is the first one, not a new row', async () => {
    const { store } = await storeWith(5)
    const log = newLog(store)
    const first = await log.checkpoint()
    const again = await log.checkpoint()
    await log.flush()
    assert.equal(again.note, first.note)
    assert.equal((await store.listCheckpoints()).length, 1)
    await store.close()
  })

  it('when the tail is deleted after a checkpoint, verify names the truncation and no new checkpoint is signed', async () => {
    const { store, file } = await storeWith(20)
    const log = newLog(store)
    await log.checkpoint()
    await log.flush()
    await store.close()
    const db = new Sqlite(file)
    db.prepare('DELETE FROM audit WHERE seq > 12').run()
    db.close()
    const reopened = await SqliteStore.open(file)
    const result = await verifyStoredChain(reopened, keys.publicKey)
    assert.equal(result.ok, false)
    assert.match(!result.ok ? result.problem : '', /only 12 entries are stored/)
    await reopened.appendAudit({ atMs: 1, type: 'node', party: null, subject: null, data: {} })
    await assert.rejects(newLog(reopened).checkpoint(), { code: 'CONFLICT' })
    await reopened.close()
  })

  it('when an entry is edited and the chain re-hashed, the Merkle root no longer matches the signed one', async () => {
    const { store, file } = await storeWith(8)
    const log = newLog(store)
    await log.checkpoint()
    await log.flush()
    await store.close()
    const db = new Sqlite(file)
    // The 'data' of entry 3 edited: the chain from there is recomputed by a fresh store below.
    const rows = db.prepare('SELECT * FROM audit ORDER BY seq').all() as { seq: number }[]
    db.prepare('DELETE FROM audit').run()
    db.close()
    const rewritten = await SqliteStore.open(file)
    for (const row of rows as unknown as {
      seq: number
      at_ms: number
      type: 'request'
      party: string
      subject: string
      data: string
    }[])
      await rewritten.appendAudit({
        atMs: row.at_ms,
        type: row.type,
        party: row.party,
        subject: row.subject,
        data: row.seq === 3 ? { i: 333 } : (JSON.parse(row.data) as Record<string, unknown>),
      })
    const result = await verifyStoredChain(rewritten, keys.publicKey)
    assert.equal(result.ok, false)
    assert.match(!result.ok ? result.problem : '', /Merkle root of the stored entries differs/)
    await rewritten.close()
  })
})
