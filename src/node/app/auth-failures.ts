import type { AuditInput } from '../store/store.ts'
import { auditedTransaction } from './audit-log.ts'
import type { NodeContext } from './context.ts'

/**
 * Failed authentications, audited in aggregate (issue 10, M4): each refusal before the caller
 * is known (no token, an unknown, expired or revoked one, an envelope whose sender is not
 * verified) is counted in memory per (source address, route family, minute of the node's
 * clock); each count becomes ONE `auth-failure` entry once its minute is over (or when the node
 * stops). An anonymous caller thus makes at most one durable write per source, family and
 * minute, however many requests it sends.
 */

export const AUTH_FAILURE_FAMILIES = ['api', 'taxii', 'federation'] as const
export type AuthFailureFamily = (typeof AUTH_FAILURE_FAMILIES)[number]

export interface AuthFailure {
  readonly remote: string
  readonly family: AuthFailureFamily
  /** The route pattern (or path) refused. */
  readonly route: string
  /** Why, for the node's own audit (never a token). */
  readonly reason: string
}

const MINUTE_MS = 60_000
/** Sources counted separately in one minute; the rest are counted together as `(other)`. */
const MAX_SOURCES_PER_MINUTE = 1_000
/** Distinct routes and reasons kept per count; the rest are counted as `(other)`. */
const MAX_DISTINCT = 20
const OTHER = '(other)'
/** Longer routes and reasons are cut (they are ours, but a bound costs nothing). */
const MAX_KEY_CHARS = 200

interface Tally {
  readonly minuteStartMs: number
  readonly remote: string
  readonly family: AuthFailureFamily
  count: number
  firstAtMs: number
  lastAtMs: number
  readonly reasons: Map<string, number>
  readonly routes: Map<string, number>
}

export class AuthFailureLog {
  readonly #ctx: NodeContext
  readonly #tallies = new Map<string, Tally>()

  constructor(ctx: NodeContext) {
    this.#ctx = ctx
  }

  /** Counts one refusal; writes the counts of minutes already over, if any (never throws). */
  async count(failure: AuthFailure): Promise<void> {
    const atMs = this.#ctx.now()
    const minuteStartMs = Math.floor(atMs / MINUTE_MS) * MINUTE_MS
    const due = this.#take((t) => t.minuteStartMs < minuteStartMs)
    this.#tally(failure, atMs, minuteStartMs)
    await this.#write(due)
  }

  /** Writes the counts of minutes that are over (a timer calls it). */
  flushDue(): Promise<void> {
    const minuteStartMs = Math.floor(this.#ctx.now() / MINUTE_MS) * MINUTE_MS
    return this.#write(this.#take((t) => t.minuteStartMs < minuteStartMs))
  }

  /** Writes every count, the current minute's too (at stop). */
  flushAll(): Promise<void> {
    return this.#write(this.#take(() => true))
  }

  /** Refusals counted and not yet written. */
  get pending(): number {
    let n = 0
    for (const t of this.#tallies.values()) n += t.count
    return n
  }

  #tally(failure: AuthFailure, atMs: number, minuteStartMs: number): void {
    const keyOf = (remote: string): string => `${minuteStartMs} ${failure.family} ${remote}`
    let key = keyOf(failure.remote)
    if (!this.#tallies.has(key) && this.#sourcesIn(minuteStartMs) >= MAX_SOURCES_PER_MINUTE)
      key = keyOf(OTHER)
    let tally = this.#tallies.get(key)
    if (tally === undefined) {
      tally = {
        minuteStartMs,
        remote: key === keyOf(failure.remote) ? failure.remote : OTHER,
        family: failure.family,
        count: 0,
        firstAtMs: atMs,
        lastAtMs: atMs,
        reasons: new Map(),
        routes: new Map(),
      }
      this.#tallies.set(key, tally)
    }
    tally.count += 1
    tally.lastAtMs = atMs
    bump(tally.reasons, failure.reason)
    bump(tally.routes, failure.route)
  }

  #sourcesIn(minuteStartMs: number): number {
    let n = 0
    for (const t of this.#tallies.values()) if (t.minuteStartMs === minuteStartMs) n += 1
    return n
  }

  /** Removes the matching counts at once, so that concurrent flushes never write one twice. */
  #take(match: (t: Tally) => boolean): Tally[] {
    const taken: Tally[] = []
    for (const [key, tally] of this.#tallies) {
      if (!match(tally)) continue
      taken.push(tally)
      this.#tallies.delete(key)
    }
    return taken
  }

  async #write(tallies: readonly Tally[]): Promise<void> {
    if (tallies.length === 0) return
    const atMs = this.#ctx.now()
    try {
      await auditedTransaction(this.#ctx, async (tx, audit) => {
        for (const tally of tallies) await audit.append(tx, entryOf(tally, atMs))
      })
    } catch {
      // The store is closing: these counts are lost, and a refusal never becomes a 500.
    }
  }
}

function bump(counts: Map<string, number>, value: string): void {
  const key = value.slice(0, MAX_KEY_CHARS)
  const k = counts.has(key) || counts.size < MAX_DISTINCT ? key : OTHER
  counts.set(k, (counts.get(k) ?? 0) + 1)
}

function entryOf(tally: Tally, atMs: number): AuditInput {
  return {
    atMs,
    type: 'auth-failure',
    party: null,
    subject: null,
    data: {
      remote: tally.remote,
      family: tally.family,
      count: tally.count,
      fromMs: tally.minuteStartMs,
      untilMs: tally.minuteStartMs + MINUTE_MS,
      firstAtMs: tally.firstAtMs,
      lastAtMs: tally.lastAtMs,
      reasons: Object.fromEntries(tally.reasons),
      routes: Object.fromEntries(tally.routes),
    },
  }
}

const logs = new WeakMap<NodeContext, AuthFailureLog>()

/** The one log of a node (made on first use). */
export function authFailuresOf(ctx: NodeContext): AuthFailureLog {
  let log = logs.get(ctx)
  if (log === undefined) {
    log = new AuthFailureLog(ctx)
    logs.set(ctx, log)
  }
  return log
}
