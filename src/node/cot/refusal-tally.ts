import type { AuditInput } from '../store/store.ts'

/** One thing a CoT server refused: a client at connect, or an event that made no report. */
export interface Refusal {
  /** `auth-failure` for a client, `quarantine` for an event. */
  readonly type: 'auth-failure' | 'quarantine'
  readonly route: 'cot.stream' | 'cot.ingest'
  /** The client's address (no port). */
  readonly remote: string
  readonly reason: string
  /** The event's uid, when it had one. */
  readonly uid?: string | null
}

/** Distinct keys (type, route, address) kept per window; more share one key per route. */
const MAX_KEYS = 1_000
/** Distinct reasons and uids kept per key and window. */
const MAX_SAMPLES = 5

interface Window {
  readonly first: Refusal
  count: number
  sinceMs: number
  untilMs: number
  readonly reasons: Map<string, number>
  readonly uids: string[]
}

/**
 * Audits refusals in aggregate (security review M4): the first refusal of a kind from an
 * address is written at once, with its reason; the others from there are counted, and written
 * as one entry per kind and address every `intervalMs` (and at close) with the count and a few
 * reasons. Whoever can reach the port cannot make one durable entry per attempt.
 */
export class RefusalTally {
  readonly #write: (input: AuditInput) => Promise<unknown>
  readonly #now: () => number
  readonly #windows = new Map<string, Window>()
  readonly #writes = new Set<Promise<void>>()
  readonly #timer: NodeJS.Timeout

  constructor(
    write: (input: AuditInput) => Promise<unknown>,
    now: () => number,
    intervalMs = 60_000,
  ) {
    this.#write = write
    this.#now = now
    this.#timer = setInterval(() => this.flush(), intervalMs)
    this.#timer.unref()
  }

  note(refusal: Refusal): void {
    const atMs = this.#now()
    let key = `${refusal.type} ${refusal.route} ${refusal.remote}`
    if (!this.#windows.has(key) && this.#windows.size >= MAX_KEYS)
      key = `${refusal.type} ${refusal.route} *`
    const window = this.#windows.get(key)
    if (window === undefined) {
      this.#windows.set(key, {
        first: refusal,
        count: 0,
        sinceMs: atMs,
        untilMs: atMs,
        reasons: new Map(),
        uids: [],
      })
      this.#audit(entryOf(refusal, atMs, { count: 1 }))
      return
    }
    if (window.count === 0) window.sinceMs = atMs
    window.count++
    window.untilMs = atMs
    const seen = window.reasons.get(refusal.reason)
    if (seen !== undefined || window.reasons.size < MAX_SAMPLES)
      window.reasons.set(refusal.reason, (seen ?? 0) + 1)
    if (
      refusal.uid != null &&
      window.uids.length < MAX_SAMPLES &&
      !window.uids.includes(refusal.uid)
    )
      window.uids.push(refusal.uid)
  }

  /** Writes what was counted since the last flush; a key with nothing new starts afresh. */
  flush(): void {
    for (const [key, window] of this.#windows) {
      if (window.count === 0) {
        this.#windows.delete(key)
        continue
      }
      this.#audit(
        entryOf(window.first, this.#now(), {
          count: window.count,
          sinceMs: window.sinceMs,
          untilMs: window.untilMs,
          remote: key.endsWith(' *') ? '*' : window.first.remote,
          reasons: [...window.reasons].map(([reason, count]) => ({ reason, count })),
          uids: window.uids,
        }),
      )
      this.#windows.set(key, { ...window, count: 0, reasons: new Map(), uids: [] })
    }
  }

  /** Stops the timer, writes what is counted and waits for every write. */
  async close(): Promise<void> {
    clearInterval(this.#timer)
    this.flush()
    await Promise.all(this.#writes)
  }

  #audit(input: AuditInput): void {
    // A write that fails (the store is closing) loses a count, never the node.
    const write = this.#write(input).then(
      () => undefined,
      () => undefined,
    )
    this.#writes.add(write)
    void write.then(() => this.#writes.delete(write))
  }
}

function entryOf(
  refusal: Refusal,
  atMs: number,
  counts: Readonly<Record<string, unknown>> & { readonly count: number },
): AuditInput {
  const aggregate = counts.count > 1 || 'sinceMs' in counts
  return {
    atMs,
    type: refusal.type,
    party: null,
    subject: aggregate ? null : (refusal.uid ?? null),
    data:
      refusal.type === 'quarantine'
        ? {
            kind: 'cot-event',
            via: 'cot',
            route: refusal.route,
            remote: refusal.remote,
            reason: refusal.reason,
            ...counts,
          }
        : { route: refusal.route, remote: refusal.remote, reason: refusal.reason, ...counts },
  }
}
