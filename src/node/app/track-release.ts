import type { Allowed } from '../../domain/decision.ts'
import { decisionValidUntil, registryInstants } from '../../domain/decision-validity.ts'
import { asLevel, asPartyId, asTopic, type Level, type PartyId } from '../../domain/ids.ts'
import type { Consent } from '../../domain/registry.ts'
import { isDenied, releaseOptions } from '../../domain/release.ts'
import type { NodeContext } from './context.ts'
import { releaseModeOf } from './release-inputs.ts'

/**
 * Release decisions for tracks (issue 12). Every batch of track updates is decided for every
 * peer, before it is queued and again when it leaves, so the engine would be asked tens of
 * thousands of times a second. A decision is cached only for as long as nothing the engine
 * reads can change it: until the next instant at which an agreement of the registry starts,
 * ends or changes terms, or a consent in force starts or ends (src/domain/decision-validity.ts).
 * Consents granted or revoked and releases let go by an officer are part of the key, so a
 * change there is a different question, never a stale answer.
 */

/** The marking a batch of track messages carries: the report's, or the batch's own. */
export interface TrackFacts {
  readonly originator: string
  readonly reportId: string
  readonly topic: string
  readonly level: string
  readonly releasableTo: readonly string[] | null
}

export interface TrackQuestion {
  readonly holder: PartyId
  readonly recipient: PartyId
  readonly facts: TrackFacts
  /** The level at which a non-originating holder holds it, in its own scheme. */
  readonly levelAtHolder: Level | null
  readonly atMs: number
  /** The originators' consents (R4) in force at `atMs`. */
  readonly consents: readonly Consent[]
  /**
   * Agreements under which an officer or a request's answer released the track's report to the
   * recipient; `any`: the handling is not this node's to check (a peer's transfer to us).
   */
  readonly releasedUnder: ReadonlySet<string> | 'any'
}

export type TrackVerdict =
  | {
      readonly ok: true
      readonly agreement: string | null
      readonly levelAtRecipient: Level | null
      /** Every option the engine allows (the receiver matches the agreement named). */
      readonly options: readonly Allowed[]
      readonly validUntilMs: number
    }
  | {
      readonly ok: false
      readonly reasons: readonly { readonly code: string; readonly message: string }[]
      readonly validUntilMs: number
    }

interface Cached {
  readonly fromMs: number
  readonly verdict: TrackVerdict
}

/** Beyond this many keys the cache starts again (bounded memory; a miss only costs time). */
const MAX_CACHED = 50_000

export class TrackDecider {
  readonly #ctx: NodeContext
  readonly #instants: readonly number[]
  readonly #cache = new Map<string, Cached>()
  /** Decisions made (cache misses) and answered from the cache, for the benchmark. */
  decided = 0
  cached = 0

  constructor(ctx: NodeContext) {
    this.#ctx = ctx
    this.#instants = registryInstants(ctx.index)
  }

  /** The verdict, and whether the engine was asked now (a fresh decision is audited). */
  decide(q: TrackQuestion): { verdict: TrackVerdict; fresh: boolean } {
    const key = keyOf(q)
    const hit = this.#cache.get(key)
    if (hit !== undefined && q.atMs >= hit.fromMs && q.atMs < hit.verdict.validUntilMs) {
      this.cached++
      return { verdict: hit.verdict, fresh: false }
    }
    this.decided++
    const verdict = this.#ask(q)
    if (this.#cache.size >= MAX_CACHED) this.#cache.clear()
    this.#cache.set(key, { fromMs: q.atMs, verdict })
    return { verdict, fresh: true }
  }

  #ask(q: TrackQuestion): TrackVerdict {
    const ctx = this.#ctx
    const validUntilMs = decisionValidUntil(this.#instants, q.consents, q.atMs)
    const outcome = releaseOptions(ctx.index, {
      holder: q.holder,
      recipient: q.recipient,
      report: {
        id: q.facts.reportId,
        originator: asPartyId(q.facts.originator),
        level: asLevel(q.facts.level),
        topic: asTopic(q.facts.topic),
        releasableTo: q.facts.releasableTo?.map(asPartyId) ?? null,
      },
      levelAtHolder: q.levelAtHolder,
      atMs: q.atMs,
      consents: q.consents,
    })
    if (isDenied(outcome))
      return {
        ok: false,
        reasons: outcome.reasons.map((r) => ({ code: r.code, message: r.message })),
        validUntilMs,
      }
    // A track leaves without a further act only where its report would: an `auto` agreement,
    // or one under which an officer or a request's answer let the report go to this recipient.
    for (const option of outcome) {
      const agreement = option.hops[0]?.agreement ?? null
      const released = q.releasedUnder === 'any' || q.releasedUnder.has(agreement ?? '')
      if (released || releaseModeOf(ctx, option) === 'auto')
        return {
          ok: true,
          agreement,
          levelAtRecipient: option.levelAtRecipient,
          options: outcome,
          validUntilMs,
        }
    }
    const modes = outcome.map(
      (o) => `${o.hops[0]?.agreement ?? 'public'}: ${releaseModeOf(ctx, o)}`,
    )
    return {
      ok: false,
      reasons: [
        {
          code: 'NOT_RELEASED',
          message: `the agreements allowing it need an officer's approval or a request (${modes.join(', ')}), and the track's report was not released to ${q.recipient} under them`,
        },
      ],
      validUntilMs,
    }
  }
}

function keyOf(q: TrackQuestion): string {
  const f = q.facts
  return [
    q.holder,
    q.recipient,
    q.levelAtHolder ?? '',
    f.originator,
    f.level,
    f.topic,
    f.releasableTo?.join(',') ?? '*',
    q.consents
      .map(
        (c) =>
          `${c.originator}>${c.holder}>${c.recipient}:${'reportId' in c.scope ? c.scope.reportId : c.scope.topic}:${c.fromMs}:${c.untilMs}`,
      )
      .sort()
      .join(';'),
    // A report released by an officer is this report's own matter: the report joins the key.
    q.releasedUnder === 'any'
      ? 'any'
      : q.releasedUnder.size === 0
        ? ''
        : `${f.reportId}:${[...q.releasedUnder].sort().join(',')}`,
  ].join('|')
}

const deciders = new WeakMap<NodeContext, TrackDecider>()

/** The node's one decider (its cache lives as long as the node's context). */
export function trackDecider(ctx: NodeContext): TrackDecider {
  let decider = deciders.get(ctx)
  if (decider === undefined) deciders.set(ctx, (decider = new TrackDecider(ctx)))
  return decider
}
