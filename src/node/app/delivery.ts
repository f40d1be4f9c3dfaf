import { verifyReceipt } from '../crypto/receipt.ts'
import type { OutboxRow } from '../store/store.ts'
import { auditedTransaction } from './audit-log.ts'
import type { NodeContext } from './context.ts'

/** How a message is posted; the HTTP edge supplies `fetch`, tests may supply their own. */
export type PostEnvelope = (
  url: string,
  envelope: string,
  timeoutMs: number,
) => Promise<{ status: number; body: unknown }>

const IDLE_POLL_MS = 1_000

/**
 * Delivers the outbox: at least once, retried with exponential backoff and jitter, resumed
 * after a restart because the outbox is durable. A message is done only when the peer's
 * signed receipt verifies against its pinned key.
 */
export class DeliveryWorker {
  readonly #ctx: NodeContext
  readonly #post: PostEnvelope
  readonly #inFlight = new Set<string>()
  #running = false
  #timer: ReturnType<typeof setTimeout> | null = null
  #loop: Promise<void> | null = null
  #wakeUp: (() => void) | null = null
  /** A wake-up that came while the loop was busy: the next sleep returns at once. */
  #woken = false

  constructor(ctx: NodeContext, post: PostEnvelope) {
    this.#ctx = ctx
    this.#post = post
  }

  start(): void {
    this.#running = true
    this.#loop = this.#run()
  }

  /** Stops taking new work and waits for the attempts in flight. */
  async stop(): Promise<void> {
    this.#running = false
    this.wake()
    await this.#loop
  }

  wake(): void {
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    const wakeUp = this.#wakeUp
    this.#wakeUp = null
    if (wakeUp === null) this.#woken = true
    else wakeUp()
  }

  async #run(): Promise<void> {
    const { concurrency } = this.#ctx.config.delivery
    const attempts = new Set<Promise<void>>()
    while (this.#running) {
      const due = await this.#ctx.store.dueMessages(this.#ctx.now(), concurrency * 4)
      let started = 0
      for (const message of due) {
        if (!this.#running || attempts.size >= concurrency) break
        if (this.#inFlight.has(message.messageId)) continue
        this.#inFlight.add(message.messageId)
        const attempt = this.#attempt(message).finally(() => {
          this.#inFlight.delete(message.messageId)
          attempts.delete(attempt)
          this.wake()
        })
        attempts.add(attempt)
        started++
      }
      // Woken early by new work or by an attempt finishing; otherwise poll for retries.
      await this.#sleep(started > 0 && attempts.size < concurrency ? 0 : IDLE_POLL_MS)
    }
    await Promise.allSettled([...attempts])
  }

  #sleep(ms: number): Promise<void> {
    if (this.#woken) {
      this.#woken = false
      return Promise.resolve()
    }
    if (ms === 0) return new Promise((resolve) => setImmediate(resolve))
    return new Promise((resolve) => {
      this.#wakeUp = resolve
      this.#timer = setTimeout(() => this.wake(), ms)
    })
  }

  async #attempt(message: OutboxRow): Promise<void> {
    const ctx = this.#ctx
    const peer = ctx.peers.get(message.recipient as never)
    try {
      if (peer === undefined) throw new Error(`no peer ${message.recipient} is configured`)
      const response = await this.#post(
        `${peer.url}/federation/inbox`,
        message.envelope,
        ctx.config.delivery.timeoutMs,
      )
      const receiptJws = (response.body as { receipt?: unknown } | null)?.receipt
      if (response.status !== 200 || typeof receiptJws !== 'string')
        throw new Error(`peer answered HTTP ${response.status}`)
      const receipt = await verifyReceipt(receiptJws, peer.signingKey, {
        messageId: message.messageId,
        receiver: message.recipient,
      })
      const nowMs = ctx.now()
      await auditedTransaction(ctx, async (tx, audit) => {
        await tx.markDelivered(message.messageId, receiptJws, nowMs)
        await audit.append(tx, {
          atMs: nowMs,
          type: 'delivery',
          party: message.recipient,
          subject: message.subjectId,
          data: {
            messageId: message.messageId,
            kind: message.kind,
            status: receipt.status,
            receivedAtMs: receipt.receivedAtMs,
            attempts: message.attempts + 1,
          },
        })
      })
    } catch (error) {
      const next = ctx.now() + this.#backoffMs(message.attempts)
      await ctx.store.transaction((tx) =>
        tx.markAttemptFailed(message.messageId, errorText(error), next),
      )
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
