import { createHash } from 'node:crypto'
import { asPartyId } from '../../domain/ids.ts'
import { CHUNK_BYTES, chunkRange, type Manifest, type Product } from '../../protocol/product.ts'
import type { AuditEntry, ProductRow } from '../store/store.ts'
import { appendAudit } from './audit-log.ts'
import type { NodeContext, Peer } from './context.ts'
import type { PartialFile } from '../store/partial-file.ts'

/**
 * The receiving side of an image (issue 17): once a `product` message is accepted, its file is
 * fetched chunk by chunk from the peer that sent it (a resumable, authenticated download; the
 * holder asks its policy before each chunk), a few at once. Each chunk is verified against the
 * originator's signed manifest and written straight to its place in a partial file; every
 * PERSIST_EVERY_CHUNKS the file is made durable and only then counted in the store. A restart of
 * either side re-hashes what the file holds beyond that count against the manifest, so it
 * resumes after the last verified chunk and fetches none twice but those in flight. A chunk
 * that does not verify is refused and fetched again. The product becomes visible only when the
 * whole file verifies (its SHA-256 computed as the chunks are written, in file order: the file
 * is not read once more) and is renamed into place.
 */

/**
 * Fetches one chunk from a holder; a refusal or a failure is a status, never the bytes. The
 * bytes may be read into `into` (a chunk's buffer the caller reuses once it has written them).
 */
export type ChunkSource = (
  holder: Peer,
  productId: string,
  index: number,
  into?: Buffer,
) => Promise<{ readonly status: number; readonly bytes: Uint8Array | null }>

export interface TransferOptions {
  /** Attempts per chunk (a bad or failed fetch) before the transfer waits for the next scan. */
  readonly attemptsPerChunk: number
  /** How long a transfer waits after a holder's refusal or failure before it asks again. */
  readonly retryMs: number
}

export interface TransferCounts {
  /** Chunks fetched, including those refused and fetched again. */
  fetched: number
  refused: number
  completed: number
}

/**
 * Requests to the holder at once: its disk, the network and our hashing overlap. Two move
 * 200 MB as fast as four on free cores (130–140 MB/s, bench:products) with less memory, and a
 * kill loses at most two chunks in flight.
 */
export const CHUNKS_IN_FLIGHT = 2
/** The count in the store moves (after one fdatasync) every this many chunks, not every one. */
export const PERSIST_EVERY_CHUNKS = 16

/** How a run ended: every chunk written, a chunk not had, or the product withdrawn, or we stop. */
type Outcome = 'done' | 'failed' | 'withdrawn' | 'stopped'

/** What one run of a transfer did, for its audit entry. */
interface RunFigures {
  /** The first chunk this run had to fetch (all before it were held). */
  readonly resumedAt: number
  /** Chunks held at the start: counted in the store, or found by their hashes on disk. */
  readonly heldAtStart: number
  /** Chunks fetched by this run, including those refused and fetched again. */
  fetched: number
}

/** Chunks verified so far: how many from the first on, and those beyond that came early. */
class VerifiedPrefix {
  count = 0
  /** The count the store holds (durable): it is never moved back. */
  persisted: number
  readonly #beyond = new Set<number>()

  constructor(persisted: number) {
    this.persisted = persisted
  }

  add(index: number): void {
    if (index < this.count) return
    this.#beyond.add(index)
    while (this.#beyond.delete(this.count)) this.count++
  }
}

export class ProductTransfers {
  readonly #ctx: NodeContext
  readonly #source: ChunkSource
  readonly #options: TransferOptions
  readonly #running = new Map<string, Promise<void>>()
  readonly #timers = new Set<NodeJS.Timeout>()
  /** Products withdrawn while this node runs: a transfer under way stops at its next chunk. */
  readonly #withdrawn = new Set<string>()
  #stopped = false
  #unsubscribe: (() => void) | null = null
  readonly counts: TransferCounts = { fetched: 0, refused: 0, completed: 0 }

  constructor(ctx: NodeContext, source: ChunkSource, options: Partial<TransferOptions> = {}) {
    this.#ctx = ctx
    this.#source = source
    this.#options = { attemptsPerChunk: 3, retryMs: 2_000, ...options }
  }

  /** Resumes every transfer left unfinished, and starts each new one as it is accepted. */
  async start(): Promise<void> {
    this.#unsubscribe = this.#ctx.events.subscribe((entry) => this.#onAudit(entry))
    await this.scan()
  }

  #onAudit(entry: AuditEntry): void {
    if (entry.type === 'arrival' && entry.data['kind'] === 'product') void this.scan()
    if (entry.type === 'withdrawal' && entry.subject !== null) {
      this.#withdrawn.add(entry.subject)
      void this.#forget(entry.subject)
    }
  }

  /** Starts a transfer for every product still transferring that is not running already. */
  async scan(): Promise<void> {
    if (this.#stopped) return
    for (const row of await this.#ctx.store.listProducts({ state: 'transferring' }))
      if (!this.#running.has(row.id)) {
        const run = this.#transfer(row.id)
          .catch((error: unknown) => this.#failed(row, error))
          .finally(() => this.#running.delete(row.id))
        this.#running.set(row.id, run)
      }
  }

  /** Waits for the transfers in flight (tests, the benchmark). */
  async settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running.values())
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#unsubscribe?.()
    for (const timer of this.#timers) clearTimeout(timer)
    await Promise.allSettled(this.#running.values())
  }

  async #transfer(id: string): Promise<void> {
    const ctx = this.#ctx
    const row = await ctx.store.getProduct(id)
    if (row === undefined || row.state !== 'transferring' || row.manifest === null) return
    if (row.withdrawal !== null) return this.#forget(id)
    const manifest = row.manifest as Manifest
    const holder =
      row.receivedFrom === null ? undefined : ctx.peers.get(asPartyId(row.receivedFrom))
    if (holder === undefined) return
    const total = manifest.chunks.length
    const partial = await ctx.content.openPartial(manifest.sha256, manifest.sizeBytes)
    let outcome: Outcome
    let run: RunFigures
    let wholeDigest: string | null = null
    const progress = new VerifiedPrefix(row.verifiedChunks)
    try {
      // Every chunk on disk is found by its hash, so a kill loses none of them (a crash only
      // what was unsynced), and a count the store holds for chunks now lost is not believed.
      const held = await partial.resume(manifest.chunks)
      for (const index of held) progress.add(index)
      const todo: number[] = []
      for (let index = 0; index < total; index++) if (!held.has(index)) todo.push(index)
      run = { resumedAt: progress.count, heldAtStart: held.size, fetched: 0 }
      if (held.size > 0 && held.size < total)
        await this.#note(row, 'transfer-resumed', {
          resumedAtChunk: run.resumedAt,
          heldAtStart: run.heldAtStart,
          chunks: total,
        })
      outcome = await this.#fetchAll(id, holder, row, manifest, partial, todo, progress, run)
      if (outcome === 'done') wholeDigest = await partial.finish()
      // What was verified is counted before the file is closed, whatever stopped the run.
      if (outcome !== 'withdrawn') await this.#persist(id, partial, progress)
    } finally {
      await partial.close()
    }
    if (outcome === 'withdrawn') return this.#forget(id)
    if (outcome === 'failed') return this.#retryLater()
    if (outcome === 'done') await this.#complete(row, manifest, run, wholeDigest)
  }

  /**
   * CHUNKS_IN_FLIGHT requests at once, each chunk verified and written at its place as it
   * comes; the count in the store moves every PERSIST_EVERY_CHUNKS, after one fdatasync.
   */
  async #fetchAll(
    id: string,
    holder: Peer,
    row: ProductRow,
    manifest: Manifest,
    partial: PartialFile,
    todo: readonly number[],
    progress: VerifiedPrefix,
    run: RunFigures,
  ): Promise<Outcome> {
    let next = 0
    let outcome: Outcome = 'done'
    let persisting = false
    const worker = async (): Promise<void> => {
      // One buffer a request, reused: the garbage of a 200 MB transfer is not 200 MB of chunks.
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES)
      while (outcome === 'done' && next < todo.length) {
        const index = todo[next++] as number
        const bytes = await this.#fetchVerified(holder, row, manifest, index, run, buffer)
        // The first worker to stop says why: a later one's failure never hides a withdrawal.
        if (outcome === 'done') {
          if (this.#stopped) outcome = 'stopped'
          else if (this.#withdrawn.has(id)) outcome = 'withdrawn'
          else if (bytes === null) outcome = 'failed'
        }
        // A chunk that came verified is kept, unless its product was withdrawn meanwhile.
        if (bytes === null || outcome === 'withdrawn') return
        await partial.write(index, bytes)
        progress.add(index)
        if (outcome !== 'done') return
        if (!persisting && progress.count - progress.persisted >= PERSIST_EVERY_CHUNKS) {
          persisting = true
          try {
            await this.#persist(id, partial, progress)
          } finally {
            persisting = false
          }
          // A withdrawal that reached the store by another way than our events stops it too.
          if ((await this.#ctx.store.getProduct(id))?.withdrawal != null) outcome = 'withdrawn'
        }
      }
    }
    // A worker that throws (the disk) stops the others before they take another chunk.
    const guarded = () =>
      worker().catch((error: unknown) => {
        if (outcome === 'done') outcome = 'failed'
        throw error
      })
    const workers = Array.from({ length: Math.min(CHUNKS_IN_FLIGHT, todo.length) }, guarded)
    const settled = await Promise.allSettled(workers)
    for (const result of settled) if (result.status === 'rejected') throw result.reason
    return outcome
  }

  /** Counts the verified prefix in the store, once it is durable on disk (never before a hole). */
  async #persist(id: string, partial: PartialFile, progress: VerifiedPrefix): Promise<void> {
    const count = progress.count
    if (count <= progress.persisted) return
    await partial.sync()
    await this.#ctx.store.setProductProgress(id, count, this.#ctx.now())
    progress.persisted = Math.max(progress.persisted, count)
  }

  async #fetchVerified(
    holder: Peer,
    row: ProductRow,
    manifest: Manifest,
    index: number,
    run: { fetched: number },
    buffer: Buffer,
  ): Promise<Uint8Array | null> {
    const { start, endExclusive } = chunkRange(manifest.sizeBytes, index)
    for (let attempt = 0; attempt < this.#options.attemptsPerChunk; attempt++) {
      if (this.#stopped) return null
      const got = await this.#source(holder, row.id, index, buffer).catch(() => ({
        status: 0,
        bytes: null,
      }))
      if (got.bytes === null) {
        // A refusal (403: the holder's policy) or a failure: no chunk, ask again later.
        await this.#note(row, 'refused-by-holder', { index, status: got.status })
        return null
      }
      this.counts.fetched++
      run.fetched++
      const digest = createHash('sha256').update(got.bytes).digest('hex')
      if (got.bytes.length === endExclusive - start && digest === manifest.chunks[index])
        return got.bytes
      this.counts.refused++
      await this.#note(row, 'chunk-refused', {
        index,
        attempt: attempt + 1,
        rule: "its SHA-256 is not the manifest's, as the originator signed it",
      })
    }
    return null
  }

  async #complete(
    row: ProductRow,
    manifest: Manifest,
    run: RunFigures,
    wholeDigest: string | null,
  ): Promise<void> {
    const ctx = this.#ctx
    if (!(await ctx.content.adoptPartial(manifest.sha256, wholeDigest))) {
      // Every chunk verified, the whole did not: start again from the first (never shown).
      await ctx.store.setProductProgress(row.id, 0, ctx.now())
      await this.#note(row, 'file-refused', { rule: "the file's SHA-256 is not the product's" })
      return this.#retryLater()
    }
    const held = await ctx.store.getProduct(row.id)
    // A correction that arrived meanwhile keeps the file (issue 17): it is whole now too.
    if (held === undefined || (held.manifest as Manifest | null)?.sha256 !== manifest.sha256) return
    const product = held.product as Product
    await ctx.store.putProduct({
      ...held,
      state: 'complete',
      verifiedChunks: manifest.chunks.length,
      updatedAtMs: ctx.now(),
    })
    this.counts.completed++
    await this.#note(row, 'content-verified', {
      sha256: manifest.sha256,
      sizeBytes: manifest.sizeBytes,
      chunks: manifest.chunks.length,
      resumedAtChunk: run.resumedAt,
      heldAtStart: run.heldAtStart,
      fetchedThisRun: run.fetched,
      title: product.title,
    })
  }

  /** A transfer that threw (the disk, the store): noted, and tried again later — never a crash. */
  async #failed(row: ProductRow, error: unknown): Promise<void> {
    const rule = error instanceof Error ? error.message : String(error)
    await this.#note(row, 'transfer-failed', { rule }).catch(() => undefined)
    this.#retryLater()
  }

  #retryLater(): void {
    if (this.#stopped) return
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      void this.scan()
    }, this.#options.retryMs)
    timer.unref()
    this.#timers.add(timer)
  }

  /** A withdrawn product: its file (or what arrived of it) is removed, unless another holds it. */
  async #forget(id: string): Promise<void> {
    const ctx = this.#ctx
    const row = await ctx.store.getProduct(id)
    const sha256 = (row?.manifest as Manifest | null | undefined)?.sha256
    if (row === undefined || sha256 === undefined || row.withdrawal === null) return
    const shared = (await ctx.store.listProducts({ kind: 'imagery' })).some(
      (p) =>
        p.id !== id && p.withdrawal === null && (p.manifest as Manifest | null)?.sha256 === sha256,
    )
    if (!shared) await ctx.content.remove(sha256)
  }

  async #note(row: ProductRow, event: string, data: Record<string, unknown>): Promise<void> {
    await appendAudit(this.#ctx, {
      atMs: this.#ctx.now(),
      type: 'arrival',
      party: row.receivedFrom,
      subject: row.id,
      data: { kind: 'product-content', productId: row.id, event, ...data },
    })
  }
}
