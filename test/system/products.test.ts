import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { after, before, describe, test } from 'node:test'
import Sqlite from 'better-sqlite3'
import { CHUNK_BYTES } from '../../src/protocol/product.ts'
import {
  api,
  setUpNetwork,
  startProcess,
  stopProcess,
  tearDown,
  waitFor,
} from '../helpers/nodes.ts'
import type { TestNode, TestParty } from '../helpers/nodes.ts'
import { imageryPost } from '../helpers/products.ts'

/**
 * Issue 17 with real processes on loopback: JPN posts an image of 64 MiB (generated to disk,
 * never held in memory), KOR fetches it chunk by chunk; KOR is killed (SIGKILL) half-way and
 * restarted, and resumes after the last chunk it had verified, fetching none it holds again.
 */

const CHUNKS = 64
let net: Record<TestParty, TestNode>
const scratch = mkdtempSync(join(tmpdir(), 'entente-products-sys-'))
const file = join(scratch, 'image.bin')

async function sha256Of(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256')
  for await (const piece of stream) hash.update(piece)
  return hash.digest('hex')
}

before(async () => {
  // Random bytes streamed to disk, one chunk at a time.
  await pipeline(
    Readable.from(
      (function* () {
        for (let i = 0; i < CHUNKS; i++) yield randomBytes(CHUNK_BYTES)
      })(),
    ),
    createWriteStream(file),
  )
  net = await setUpNetwork({ JPN: { modes: { 'kor-jpn-gsomia': 'auto' } } })
})

after(async () => {
  await tearDown(net)
  rmSync(scratch, { recursive: true, force: true })
})

/** KOR's durable progress, read from its database as a restarted KOR would. */
function verifiedAtKor(id: string): number {
  const db = new Sqlite(join(net.KOR.dir, 'entente.db'), { readonly: true, fileMustExist: true })
  try {
    const row = db.prepare('SELECT verified_chunks AS n FROM products WHERE id = ?').get(id) as
      { n: number } | undefined
    return row?.n ?? 0
  } finally {
    db.close()
  }
}

describe('products between processes (issue 17)', () => {
  test('KOR killed half-way through an image resumes after its last verified chunk', async () => {
    const created = await api<{ id: string }>(
      net.JPN,
      'POST',
      '/api/products',
      imageryPost(),
      net.JPN.tokens.operator,
    )
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const id = created.body.id
    const uploaded = await fetch(`${net.JPN.url}/api/products/${id}/content`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${net.JPN.tokens.operator}`,
        'content-type': 'application/octet-stream',
      },
      body: Readable.toWeb(createReadStream(file)) as ReadableStream,
      duplex: 'half',
    })
    assert.equal(uploaded.status, 200, await uploaded.clone().text())
    const expected = await sha256Of(createReadStream(file))

    const before = await waitFor(
      'KOR to count its first chunks (it counts every few)',
      () => Promise.resolve(verifiedAtKor(id)),
      (n) => n >= 1,
      60_000,
    )
    await stopProcess(net.KOR, 'SIGKILL')
    const verified = verifiedAtKor(id)
    assert.ok(verified >= before, 'the progress recorded survives the kill')
    assert.ok(verified < CHUNKS, `killed half-way (at ${verified} of ${CHUNKS} chunks)`)
    const listed = async () =>
      (await api<{ id: string; state: string }[]>(net.KOR, 'GET', '/api/products')).body
    await startProcess(net.KOR, 60_000)
    await waitFor('KOR to hold the whole image', listed, (l) => l.some((p) => p.id === id), 120_000)
    const audit = await api<{ data: Record<string, unknown> }[]>(
      net.KOR,
      'GET',
      `/api/audit?subject=${encodeURIComponent(id)}&type=arrival`,
    )
    const done = audit.body.find((e) => e.data['event'] === 'content-verified')
    assert.ok(done !== undefined, 'the verification is audited')
    // The store counts every few dozen chunks; those written since are found on disk by their
    // hashes, so the restart resumes at or after the count and fetches only what it lacks.
    const held = Number(done.data['heldAtStart'])
    assert.ok(Number(done.data['resumedAtChunk']) >= verified, 'resumed after the chunks counted')
    assert.ok(held >= verified, 'every chunk counted is held after the restart')
    const download = await fetch(`${net.KOR.url}/api/products/${id}/content`, {
      headers: { authorization: `Bearer ${net.KOR.tokens.admin}` },
    })
    assert.equal(download.status, 200)
    const body = download.body
    assert.ok(body !== null)
    assert.equal(await sha256Of(Readable.fromWeb(body as never)), expected, 'the same file')
    // USA may not receive it: nothing of it is held there.
    const usa = await api<{ id: string }[]>(net.USA, 'GET', '/api/products')
    assert.equal(usa.body.filter((p) => p.id === id).length, 0)
  })
})
