import { createHash } from 'node:crypto'
import { asPartyId } from '../../domain/ids.ts'
import { chunkRange, type Manifest, type Product } from '../../protocol/product.ts'
import type { AuditEntry, ProductRow } from '../store/store.ts'
import { appendAudit } from './audit-log.ts'
import type { NodeContext, Peer } from './context.ts'

/**
 * The receiving side of an image (issue 17): once a `product` message is accepted, its file is
 * fetched chunk by chunk from the peer that sent it (a resumable, authenticated download; the
 * holder asks its policy before each chunk). Each chunk is verified against the originator's
 * signed manifest, written straight to a partial file, made durable, and only then counted in
 * the store, so that a restart of either side resumes after the last verified chunk. A chunk
 * that does not verify is refused and fetched again. The product becomes visible only when the
 * whole file verifies and is renamed into place.
 */

/** Fetches one chunk from a holder; a refusal or a failure is a status, never the bytes. */
export type ChunkSource = (
  holder: Peer,
  productId: string,
  index: number,
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

export class ProductTransfers {
  readonly #ctx: NodeContext
  readonly #source: ChunkSource
  readonly #options: TransferOptions
  readonly #running = new Map<string, Promise<void>>()
  readonly #timers = new Set<NodeJS.Timeout>()
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
    if (entry.type === 'withdrawal' && entry.subject !== null) void this.#forget(entry.subject)
  }

  /** Starts a transfer for every product still transferring that is not running already. */
  async scan(): Promise<void> {
    if (this.#stopped) return
    for (const row of await this.#ctx.store.listProducts({ state: 'transferring' }))
      if (!this.#running.has(row.id)) {
        const run = this.#transfer(row.id).finally(() => this.#running.delete(row.id))
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
    const manifest = row.manifest as Manifest
    const holder =
      row.receivedFrom === null ? undefined : ctx.peers.get(asPartyId(row.receivedFrom))
    if (holder === undefined) return
    // Chunks fetched by this run (a resumed one starts after the last verified): the audit says.
    const run = { resumedAt: row.verifiedChunks, fetched: 0 }
    const total = manifest.chunks.length
    const fetch = (index: number) => this.#fetchVerified(holder, row, manifest, index, run)
    // One chunk fetched ahead while the one before is made durable: the network and the disk
    // overlap, and a crash loses at most that one chunk in flight.
    let ahead: Promise<Uint8Array | null> | null = fetch(row.verifiedChunks)
    for (let index = row.verifiedChunks; index < total && ahead !== null; index++) {
      const bytes: Uint8Array | null = await ahead
      ahead = null
      if (this.#stopped) return
      if ((await ctx.store.getProduct(id))?.withdrawal != null) return this.#forget(id)
      if (bytes === null) return this.#retryLater()
      if (index + 1 < total) ahead = fetch(index + 1)
      await ctx.content.writeChunk(manifest.sha256, index, bytes)
      // Counted only once durable on disk: a restart resumes after it, never before a hole.
      await ctx.store.setProductProgress(id, index + 1, ctx.now())
    }
    await ahead
    await this.#complete(row, manifest, run)
  }

  async #fetchVerified(
    holder: Peer,
    row: ProductRow,
    manifest: Manifest,
    index: number,
    run: { fetched: number },
  ): Promise<Uint8Array | null> {
    const { start, endExclusive } = chunkRange(manifest.sizeBytes, index)
    for (let attempt = 0; attempt < this.#options.attemptsPerChunk; attempt++) {
      if (this.#stopped) return null
      const got = await this.#source(holder, row.id, index).catch(() => ({
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
    run: { resumedAt: number; fetched: number },
  ): Promise<void> {
    const ctx = this.#ctx
    const whole = await ctx.content.completePartial(manifest.sha256, manifest.sizeBytes)
    if (!whole) {
      // Every chunk verified, the whole did not: start again from the first (never shown).
      await ctx.store.setProductProgress(row.id, 0, ctx.now())
      await this.#note(row, 'file-refused', { rule: "the file's SHA-256 is not the product's" })
      return this.#retryLater()
    }
    const held = await ctx.store.getProduct(row.id)
    if (held === undefined || held.version !== row.version) return
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
      fetchedThisRun: run.fetched,
      title: product.title,
    })
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
