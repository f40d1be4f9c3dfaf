import { type Receipt, verifyReceipt } from '../crypto/receipt.ts'
import type { OutboxRow } from '../store/store.ts'
import { auditedTransaction } from './audit-log.ts'
import { redecideRelease } from './disclosure.ts'
import { consentsHeld } from './release-inputs.ts'
import { denyAtEgress } from './releases.ts'
import type { NodeContext } from './context.ts'

/** How a message is posted; the composition root supplies `fetch`, tests may supply their own. */
export type PostEnvelope = (
  url: string,
  envelope: string,
  timeoutMs: number,
) => Promise<{ status: number; body: unknown }>

/** How often the durable outbox is scanned for retries that have come due. */
const SCAN_INTERVAL_MS = 1_000

/**
 * Delivers the outbox: at least once, retried with exponential backoff and jitter, resumed
 * after a restart because the outbox is durable. New messages come straight from the
 * transaction that stored them; the store is scanned only for retries and at start. A message
 * is done only when the peer's signed receipt verifies against its pinned key.
 */
export class DeliveryWorker {
  readonly #ctx: NodeContext
  readonly #post: PostEnvelope
  readonly #ready: OutboxRow[] = []
  /** Ids queued or being attempted, so that a scan does not take them twice. */
  readonly #taken = new Set<string>()
  readonly #attempts = new Set<Promise<void>>()
  #running = false
  #scanTimer: ReturnType<typeof setTimeout> | null = null
  #scanning = false
  /** Receipts verified but not yet committed: recorded together, one durable commit per batch. */
  #receipts: { message: OutboxRow; jws: string; receipt: Receipt; done: () => void }[] = []

  constructor(ctx: NodeContext, post: PostEnvelope) {
    this.#ctx = ctx
    this.#post = post
  }

  start(): void {
    this.#running = true
    void this.#scan()
  }

  /** Stops taking new work and waits for the attempts in flight. */
  async stop(): Promise<void> {
    this.#running = false
    if (this.#scanTimer !== null) clearTimeout(this.#scanTimer)
    await Promise.allSettled([...this.#attempts])
  }

  /** Messages just committed to the outbox. */
  add(messages: readonly OutboxRow[]): void {
    const nowMs = this.#ctx.now()
    for (const message of messages) {
      // Not yet due (a relay's handling time, a retry): the periodic scan will take it.
      if (this.#taken.has(message.messageId) || message.nextAttemptAtMs > nowMs) continue
      this.#taken.add(message.messageId)
      this.#ready.push(message)
    }
    this.#pump()
  }

  #pump(): void {
    const { concurrency } = this.#ctx.config.delivery
    while (this.#running && this.#attempts.size < concurrency) {
      const message = this.#ready.shift()
      if (message === undefined) return
      const attempt = this.#attempt(message).finally(() => {
        this.#attempts.delete(attempt)
        this.#taken.delete(message.messageId)
        this.#pump()
      })
      this.#attempts.add(attempt)
    }
  }

  /** Picks up retries that have come due (and, at start, what a previous run left). */
  async #scan(): Promise<void> {
    if (!this.#running || this.#scanning) return
    this.#scanning = true
    try {
      const due = await this.#ctx.store.dueMessages(this.#ctx.now(), 500)
      this.add(due)
    } catch {
      // The store is closing or busy; the next scan tries again.
    } finally {
      this.#scanning = false
      if (this.#running) this.#scanTimer = setTimeout(() => void this.#scan(), SCAN_INTERVAL_MS)
    }
  }

  async #attempt(message: OutboxRow): Promise<void> {
    const ctx = this.#ctx
    const peer = ctx.peers.get(message.recipient as never)
    try {
      if (message.kind === 'report' && !(await this.#stillAllowed(message))) return
      if (peer === undefined) throw new Error(`no peer ${message.recipient} is configured`)
      const response = await this.#post(
        `${peer.url}/federation/inbox`,
        message.envelope,
        ctx.config.delivery.timeoutMs,
      )
      const receiptJws = (response.body as { receipt?: unknown } | null)?.receipt
      if (response.status !== 200 || typeof receiptJws !== 'string') {
        throw new Error(`peer answered HTTP ${response.status}`)
      }
      const receipt = await verifyReceipt(receiptJws, peer.signingKey, {
        messageId: message.messageId,
        sender: ctx.party,
        receiver: message.recipient,
        envelope: message.envelope,
      })
      await this.#record(message, receiptJws, receipt)
    } catch (error) {
      const next = ctx.now() + this.#backoffMs(message.attempts)
      await ctx.store
        .transaction((tx) => tx.markAttemptFailed(message.messageId, errorText(error), next))
        .catch(() => undefined)
    }
  }

  /**
   * Before every attempt (the first, a retry after days, a relay after its handling time)
   * the engine is asked again at this instant (H1); a release no longer allowed is denied with
   * its reasons and its message withdrawn from the outbox, unsent.
   */
  async #stillAllowed(message: OutboxRow): Promise<boolean> {
    const ctx = this.#ctx
    const release = await ctx.store.getRelease(message.subjectId)
    const atMs = ctx.now()
    if (release === undefined) {
      await ctx.store.withdrawMessage(message.messageId, 'withdrawn: no release row', atMs)
      return false
    }
    const report = await ctx.store.getReport(release.reportId)
    const consents = await consentsHeld(ctx.store, ctx.party, atMs)
    const verdict = redecideRelease(ctx, report, release, atMs, consents)
    if (verdict.ok) return true
    await auditedTransaction(ctx, (tx, audit) =>
      denyAtEgress(tx, audit, release, verdict.reasons, atMs, 'delivery', message.messageId),
    )
    return false
  }

  /** Queues a verified receipt; the first in a batch commits the batch on the next turn. */
  #record(message: OutboxRow, jws: string, receipt: Receipt): Promise<void> {
    return new Promise((done) => {
      this.#receipts.push({ message, jws, receipt, done })
      if (this.#receipts.length === 1) setImmediate(() => void this.#flushReceipts())
    })
  }

  async #flushReceipts(): Promise<void> {
    const batch = this.#receipts
    this.#receipts = []
    const nowMs = this.#ctx.now()
    try {
      await auditedTransaction(this.#ctx, async (tx, audit) => {
        for (const { message, jws, receipt } of batch) {
          await tx.markDelivered(message.messageId, jws, nowMs)
          const data = {
            messageId: message.messageId,
            kind: message.kind,
            status: receipt.status,
            receivedAtMs: receipt.receivedAtMs,
            attempts: message.attempts + 1,
          }
          await audit.append(tx, {
            atMs: nowMs,
            type: 'delivery',
            party: message.recipient,
            subject: message.subjectId,
            data,
          })
        }
      })
    } finally {
      // Not recorded (store closing): the messages stay due and are sent again; receipts are idempotent.
      for (const item of batch) item.done()
    }
  }

  /** Exponential backoff with "equal jitter": half fixed, half random, capped. */
  #backoffMs(attempts: number): number {
    const { initialBackoffMs, maxBackoffMs } = this.#ctx.config.delivery
    const base = Math.min(maxBackoffMs, initialBackoffMs * 2 ** Math.min(attempts, 20))
    return Math.round(base / 2 + (this.#ctx.random() * base) / 2)
  }
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return text.slice(0, 300)
}
