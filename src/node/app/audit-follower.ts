import type { AuditEntry, Store } from '../store/store.ts'

/** How often a process looks for the entries the others appended (PostgreSQL, issue 14). */
export const FOLLOW_INTERVAL_MS = 250
const FOLLOW_BATCH = 1000

/**
 * Live events across the processes of one party on a shared store: each process polls the
 * audit log by sequence and publishes to its own clients the entries it did not append
 * itself (those it publishes at once, after their commit). Appends are serialised in the
 * database and commit in seq order, so a poll after seq N never misses a later entry.
 * Polling, not LISTEN/NOTIFY: one indexed query per interval whatever the rate of commits.
 * Entries of other processes reach clients up to one interval later, so a client may see a
 * local entry before another process's entry of a lower seq; each carries its seq.
 */
export class AuditFollower {
  readonly #store: Pick<Store, 'listAudit' | 'lastAudit'>
  readonly #publish: (entry: AuditEntry) => void
  readonly #intervalMs: number
  /** Seqs this process appended and published, not yet passed by a poll. */
  readonly #local = new Set<number>()
  #lastSeq = 0
  #timer: ReturnType<typeof setTimeout> | null = null
  #running = false

  constructor(
    store: Pick<Store, 'listAudit' | 'lastAudit'>,
    publish: (entry: AuditEntry) => void,
    intervalMs = FOLLOW_INTERVAL_MS,
  ) {
    this.#store = store
    this.#publish = publish
    this.#intervalMs = intervalMs
  }

  /** Publishes an entry this process committed (the context's onAudit). */
  local = (entry: AuditEntry): void => {
    if (entry.seq > this.#lastSeq) this.#local.add(entry.seq)
    this.#publish(entry)
  }

  /** Follows from the head as it is now: what came before is history, not live events. */
  async start(): Promise<void> {
    this.#lastSeq = (await this.#store.lastAudit())?.seq ?? 0
    for (const seq of this.#local) if (seq <= this.#lastSeq) this.#local.delete(seq)
    this.#running = true
    this.#schedule(this.#intervalMs)
  }

  stop(): void {
    this.#running = false
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
  }

  /** One poll: publishes the others' entries after the last seq seen; returns how many came. */
  async poll(): Promise<number> {
    const entries = await this.#store.listAudit({ afterSeq: this.#lastSeq, limit: FOLLOW_BATCH })
    for (const entry of entries) {
      if (!this.#local.delete(entry.seq)) this.#publish(entry)
      this.#lastSeq = entry.seq
    }
    return entries.length
  }

  #schedule(delayMs: number): void {
    if (!this.#running) return
    this.#timer = setTimeout(() => {
      this.poll().then(
        (n) => this.#schedule(n === FOLLOW_BATCH ? 0 : this.#intervalMs),
        // The store is closing or the server is away for a moment: try again next interval.
        () => this.#schedule(this.#intervalMs),
      )
    }, delayMs)
    this.#timer.unref()
  }
}
