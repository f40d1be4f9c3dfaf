import { createHash, randomUUID } from 'node:crypto'
import { createReadStream, type ReadStream } from 'node:fs'
import { mkdir, open, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { EntenteError } from '../../lib/errors.ts'
import { CHUNK_BYTES, chunkRange } from '../../protocol/product.ts'
import { PartialFile } from './partial-file.ts'

/**
 * Product files on disk (issue 17), content-addressed: one file per SHA-256 under
 * `<dataDir>/content/objects`, so the same image is stored once whoever sent it. Every write
 * streams (an upload or a chunk at a time: a 200 MB image is never in memory) into a file of
 * its own under `tmp/` or `partial/`, and becomes an object only by a rename once its digest
 * is known and checked. A transfer's partial file is named after the digest it must reach, so
 * a restarted node finds it where it left it.
 */
export interface IngestedContent {
  readonly sha256: string
  readonly sizeBytes: number
  /** The SHA-256 of each CHUNK_BYTES chunk, in order (the manifest's). */
  readonly chunks: readonly string[]
}

const HEX64 = /^[0-9a-f]{64}$/

export class ContentStore {
  readonly #objects: string
  readonly #partial: string
  readonly #tmp: string

  private constructor(root: string) {
    this.#objects = join(root, 'objects')
    this.#partial = join(root, 'partial')
    this.#tmp = join(root, 'tmp')
  }

  static async open(root: string): Promise<ContentStore> {
    const store = new ContentStore(root)
    for (const dir of [store.#objects, store.#partial, store.#tmp])
      await mkdir(dir, { recursive: true, mode: 0o700 })
    return store
  }

  #objectPath(sha256: string): string {
    if (!HEX64.test(sha256)) throw new Error(`not a SHA-256: ${sha256}`)
    return join(this.#objects, sha256)
  }

  #partialPath(sha256: string): string {
    if (!HEX64.test(sha256)) throw new Error(`not a SHA-256: ${sha256}`)
    return join(this.#partial, sha256)
  }

  async has(sha256: string): Promise<boolean> {
    return (await stat(this.#objectPath(sha256)).catch(() => null))?.isFile() === true
  }

  /**
   * Streams `source` to disk, hashing the whole and each chunk as it goes; refuses (and
   * deletes what it wrote) past `maxBytes`, or when `expectedSha256` is given and differs.
   */
  async ingest(
    source: AsyncIterable<Uint8Array>,
    maxBytes: number,
    expectedSha256?: string,
  ): Promise<IngestedContent> {
    const tmp = join(this.#tmp, randomUUID())
    const file = await open(tmp, 'wx', 0o600)
    const whole = createHash('sha256')
    const chunks: string[] = []
    let chunk = createHash('sha256')
    let inChunk = 0
    let sizeBytes = 0
    try {
      for await (const piece of source) {
        sizeBytes += piece.length
        if (sizeBytes > maxBytes)
          throw new EntenteError(
            'CONTENT_TOO_LARGE',
            `content: an image may be at most ${maxBytes} bytes (products.imageryMaxBytes)`,
            { details: [{ field: 'content', rule: `at most ${maxBytes} bytes` }] },
          )
        whole.update(piece)
        let offset = 0
        while (offset < piece.length) {
          const take = Math.min(CHUNK_BYTES - inChunk, piece.length - offset)
          chunk.update(piece.subarray(offset, offset + take))
          inChunk += take
          offset += take
          if (inChunk === CHUNK_BYTES) {
            chunks.push(chunk.digest('hex'))
            chunk = createHash('sha256')
            inChunk = 0
          }
        }
        await file.write(piece)
      }
      if (inChunk > 0) chunks.push(chunk.digest('hex'))
      if (sizeBytes === 0)
        throw new EntenteError('INVALID_REQUEST', 'content: the body is empty', {
          details: [{ field: 'content', rule: 'at least one byte' }],
        })
      const sha256 = whole.digest('hex')
      if (expectedSha256 !== undefined && sha256 !== expectedSha256)
        throw new EntenteError(
          'INVALID_REQUEST',
          `content: its SHA-256 is ${sha256}, not the imagery.sha256 posted (${expectedSha256})`,
          { details: [{ field: 'content', rule: 'the SHA-256 posted in imagery.sha256' }] },
        )
      await file.sync()
      await file.close()
      // Stored once: the same bytes uploaded again leave the object as it was.
      if (await this.has(sha256)) await rm(tmp, { force: true })
      else await rename(tmp, this.#objectPath(sha256))
      return { sha256, sizeBytes, chunks }
    } catch (error) {
      await file.close().catch(() => undefined)
      await rm(tmp, { force: true })
      throw error
    }
  }

  /** A whole object, streamed (the audited download). */
  read(sha256: string): ReadStream {
    return createReadStream(this.#objectPath(sha256), { highWaterMark: 256 * 1024 })
  }

  /** One chunk of an object, read into a buffer of at most CHUNK_BYTES. */
  async readChunk(sha256: string, sizeBytes: number, index: number): Promise<Buffer> {
    const { start, endExclusive } = chunkRange(sizeBytes, index)
    const file = await open(this.#objectPath(sha256), 'r')
    try {
      // Not zeroed: every byte of it is read from the file, or the read throws.
      const buffer = Buffer.allocUnsafe(endExclusive - start)
      const { bytesRead } = await file.read(buffer, 0, buffer.length, start)
      if (bytesRead !== buffer.length) throw new Error(`object ${sha256} is shorter than its size`)
      return buffer
    } finally {
      await file.close()
    }
  }

  /** A transfer's partial file, named after the digest it must reach (found again after a restart). */
  openPartial(sha256: string, sizeBytes: number): Promise<PartialFile> {
    return PartialFile.open(this.#partialPath(sha256), sizeBytes)
  }

  /**
   * A partial file all of whose chunks were verified becomes the object if its whole digest
   * (computed as it was written, `PartialFile.finish`) is the one it must reach; otherwise it
   * is removed, and false.
   */
  async adoptPartial(sha256: string, wholeDigest: string | null): Promise<boolean> {
    const partial = this.#partialPath(sha256)
    if (wholeDigest !== sha256) {
      await rm(partial, { force: true })
      return false
    }
    if (await this.has(sha256)) await rm(partial, { force: true })
    else await rename(partial, this.#objectPath(sha256))
    return true
  }

  /** Removes an object and any partial of it (a withdrawn product whose file no other holds). */
  async remove(sha256: string): Promise<void> {
    await rm(this.#objectPath(sha256), { force: true })
    await rm(this.#partialPath(sha256), { force: true })
  }
}
