import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { PartialFile } from '../../src/node/store/partial-file.ts'
import { CHUNK_BYTES, chunkRange } from '../../src/protocol/product.ts'

/**
 * Issue 17: a transfer's partial file written in any order, its whole digest computed as the
 * chunks come, and a restart that finds by their hashes the chunks written but never counted.
 */

const dir = mkdtempSync(join(tmpdir(), 'entente-partial-'))
after(() => rmSync(dir, { recursive: true, force: true }))

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

function image(chunks: number, tailBytes: number) {
  const bytes = randomBytes((chunks - 1) * CHUNK_BYTES + tailBytes)
  const chunk = (index: number) => {
    const { start, endExclusive } = chunkRange(bytes.length, index)
    return bytes.subarray(start, endExclusive)
  }
  const hashes = Array.from({ length: chunks }, (_, i) => sha256(chunk(i)))
  return { bytes, chunk, hashes }
}

describe('a partial file (issue 17)', () => {
  test('chunks written out of order give the whole SHA-256, and only once all are written', async () => {
    const { bytes, chunk } = image(5, 1234)
    const file = await PartialFile.open(join(dir, 'out-of-order'), bytes.length)
    for (const index of [3, 1, 0, 4]) {
      // The caller reuses its buffer once a write resolves: the digest must not read it later.
      const reused = Buffer.from(chunk(index))
      await file.write(index, reused)
      reused.fill(0)
    }
    assert.equal(await file.finish(), null, 'chunk 2 is missing: no digest')
    await file.write(2, Buffer.from(chunk(2)))
    assert.equal(await file.finish(), sha256(bytes), "the whole file's SHA-256")
    await file.close()
    assert.equal(statSync(join(dir, 'out-of-order')).size, bytes.length, 'cut to its size')
  })

  test('a restart holds the counted chunks and finds those written since; a torn one is not held', async () => {
    const { bytes, chunk, hashes } = image(6, 99)
    const path = join(dir, 'resumed')
    const before = await PartialFile.open(path, bytes.length)
    for (const index of [0, 1, 2, 4]) await before.write(index, chunk(index))
    const torn = Buffer.from(chunk(3))
    torn[17] = (torn[17] ?? 0) ^ 0xff
    await before.write(3, torn)
    await before.close()
    const after = await PartialFile.open(path, bytes.length)
    const held = await after.resume(hashes)
    assert.deepEqual(
      [...held].sort((a, b) => a - b),
      [0, 1, 2, 4],
      'found by their hashes; 3 (torn) and 5 (absent) to fetch',
    )
    await after.write(5, chunk(5))
    await after.write(3, chunk(3))
    assert.equal(await after.finish(), sha256(bytes), 'the whole digest covers what was held')
    await after.close()
  })

  test('a chunk the store counted but the file lost (a crash) is fetched again, not believed', async () => {
    const { bytes, chunk, hashes } = image(4, 500)
    const path = join(dir, 'stale-count')
    const before = await PartialFile.open(path, bytes.length)
    for (const index of [0, 1, 2]) await before.write(index, chunk(index))
    await before.close()
    // The store counts 3 chunks, but chunk 1 came back from the crash as zeros.
    const handle = await open(path, 'r+')
    await handle.write(Buffer.alloc(chunk(1).length), 0, chunk(1).length, CHUNK_BYTES)
    await handle.close()
    const after = await PartialFile.open(path, bytes.length)
    const held = await after.resume(hashes)
    assert.deepEqual(
      [...held].sort((a, b) => a - b),
      [0, 2],
      'chunk 1 no longer hashes right',
    )
    await after.write(1, chunk(1))
    await after.write(3, chunk(3))
    assert.equal(await after.finish(), sha256(bytes), 'whole, with chunk 1 fetched again')
    await after.close()
  })
})
