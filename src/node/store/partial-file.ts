import { createHash, type Hash } from 'node:crypto'
import { constants } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { CHUNK_BYTES, chunkRange } from '../../protocol/product.ts'

/**
 * A transfer's partial file (issue 17), open for as long as the transfer runs. Verified chunks
 * are written at their place, in any order, and made durable together by `sync` (one
 * fdatasync every 16 chunks, not one a chunk). What a crash left unsynced is not
 * trusted but found again by `resume`, which re-hashes the file against the manifest.
 *
 * The whole file's SHA-256 is computed as the chunks are written, in file order: a chunk that
 * comes in turn is hashed from its buffer, one that came early is read back from the file when
 * its turn comes. So the file is not read once more at the end, and at most one chunk of it is
 * in memory here.
 */
export class PartialFile {
  readonly #file: FileHandle
  readonly #sizeBytes: number
  readonly #chunkCount: number
  readonly #whole: Hash = createHash('sha256')
  /** The first chunk not yet in the whole digest. */
  #next = 0
  /** Chunks written beyond `#next`, waiting for their turn in the digest. */
  readonly #early = new Set<number>()
  #catchingUp: Promise<void> | null = null
  #scratch: Buffer | null = null
  /** What reading an early chunk back failed with, if it did. */
  #readError: Error | undefined = undefined

  private constructor(file: FileHandle, sizeBytes: number) {
    this.#file = file
    this.#sizeBytes = sizeBytes
    this.#chunkCount = Math.ceil(sizeBytes / CHUNK_BYTES)
  }

  static async open(path: string, sizeBytes: number): Promise<PartialFile> {
    // Read-write, created if absent, never truncated: earlier chunks stay where they are.
    const file = await open(path, constants.O_RDWR | constants.O_CREAT, 0o600)
    return new PartialFile(file, sizeBytes)
  }

  /**
   * Reads what the file holds, once, at the start of a run, and returns the chunks that hash
   * as the originator signed them (`chunkHashes`, the manifest's). Every chunk is hashed, the
   * ones the store counted too: after a crash that count can cover chunks the file lost (a new
   * file not yet in its synced directory), and trusting it made the whole digest fail and the
   * transfer start again. A hole or a torn write hashes otherwise and is fetched.
   */
  async resume(chunkHashes: readonly string[]): Promise<Set<number>> {
    const held = new Set<number>()
    const fileBytes = (await this.#file.stat()).size
    for (let index = 0; index < this.#chunkCount; index++) {
      const bytes = await this.#readChunk(index, fileBytes)
      if (bytes === null) break
      const verified = createHash('sha256').update(bytes).digest('hex') === chunkHashes[index]
      if (!verified) continue
      held.add(index)
      if (index === this.#next) {
        this.#whole.update(bytes)
        this.#next++
      } else this.#early.add(index)
    }
    // Early chunks are read back when their turn comes.
    return held
  }

  /** Writes one verified chunk at its place; durable once a later `sync` resolves. */
  async write(index: number, bytes: Uint8Array): Promise<void> {
    let written = 0
    while (written < bytes.length) {
      const { bytesWritten } = await this.#file.write(
        bytes,
        written,
        bytes.length - written,
        index * CHUNK_BYTES + written,
      )
      written += bytesWritten
    }
    // The caller reuses `bytes` once this resolves: hashed now, if it is its turn.
    if (index === this.#next && this.#catchingUp === null) {
      this.#whole.update(bytes)
      this.#next++
    } else this.#early.add(index)
    if (this.#early.has(this.#next)) this.#catchingUp ??= this.#catchUp()
  }

  /** Reads back, in turn, the chunks that were written before their turn. */
  async #catchUp(): Promise<void> {
    try {
      while (this.#early.delete(this.#next)) {
        const bytes = await this.#readChunk(this.#next, Infinity)
        if (bytes === null) break
        this.#whole.update(bytes)
        this.#next++
      }
    } catch (error) {
      // Unreadable (the disk): `finish` throws it, and the transfer is tried again as it is —
      // not refused as a file whose digest is wrong, and not fetched again from the start.
      this.#readError ??= error instanceof Error ? error : new Error(String(error))
    } finally {
      this.#catchingUp = null
    }
  }

  /**
   * Once every chunk is written: the file cut to its size and made durable, and the SHA-256
   * of the whole. Null while a chunk is missing; throws what reading one back failed with.
   */
  async finish(): Promise<string | null> {
    while (this.#catchingUp !== null) await this.#catchingUp
    if (this.#readError !== undefined) throw this.#readError
    if (this.#next !== this.#chunkCount) return null
    await this.#file.truncate(this.#sizeBytes)
    await this.#file.datasync()
    return this.#whole.digest('hex')
  }

  async sync(): Promise<void> {
    await this.#file.datasync()
  }

  async close(): Promise<void> {
    await this.#file.close()
  }

  /** One chunk into the scratch buffer (valid until the next read); null past the file's end. */
  async #readChunk(index: number, fileBytes: number): Promise<Buffer | null> {
    const { start, endExclusive } = chunkRange(this.#sizeBytes, index)
    if (endExclusive > fileBytes) return null
    const length = endExclusive - start
    this.#scratch ??= Buffer.allocUnsafe(CHUNK_BYTES)
    const { bytesRead } = await this.#file.read(this.#scratch, 0, length, start)
    return bytesRead === length ? this.#scratch.subarray(0, length) : null
  }
}
