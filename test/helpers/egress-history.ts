import fc from 'fast-check'
import { RELEASE_MODES, type ReleaseMode } from '../../src/domain/agreement.ts'
import { asLevel, asTopic, type Level, type PartyId, type Topic } from '../../src/domain/ids.ts'
import { buildRegistryIndex, type CompiledAgreement } from '../../src/domain/registry-index.ts'
import type { Registry } from '../../src/domain/registry.ts'
import { instantArb, TOPICS } from './domain-arbitraries.ts'
import { historyRegistryArb } from './history-arbitraries.ts'
import { LAUNCH } from './node-harness.ts'

/**
 * Random histories of one node for the egress property (test/node/egress.property.test.ts):
 * a registry with full agreement histories, the node's party and release policy, and a list
 * of dated steps — reports ingested and received, consents granted and revoked, requests,
 * officers' verdicts, onward releases — among which the egress instants fall: delivery runs
 * and views. A step names what it acts on by a number, taken modulo what the node then holds.
 */

export const LEVELS: readonly Level[] = ['L0', 'L1', 'L2', 'L3'].map(asLevel)

/** The launches reports describe (a request's window covers one of them, or none). */
export const LAUNCH_TIMES = [
  '2019-10-31T16:35:00+09:00',
  '2019-10-31T16:38:00+09:00',
  '2020-03-02T12:00:00+09:00',
] as const
export const launchOf = (i: number) => ({ ...LAUNCH, time: LAUNCH_TIMES[i] ?? LAUNCH.time })

export type Step =
  | {
      readonly kind: 'ingest'
      readonly level: Level
      readonly topic: Topic
      readonly releasableTo: readonly number[] | null
      readonly launch: number
    }
  | {
      readonly kind: 'receive'
      readonly originator: number
      readonly via: number
      readonly level: Level
      readonly localLevel: Level
      readonly topic: Topic
      readonly releasableTo: readonly number[] | null
      readonly launch: number
    }
  | {
      readonly kind: 'consent'
      readonly originator: number
      readonly recipient: number
      /** The node is told as the recipient of a consent to another holder (M5), not as holder. */
      readonly asRecipient: boolean
      /** For the n-th report held from another party (by its id, or its topic)... */
      readonly report: number | null
      readonly byTopic: boolean
      /** ...else from the n-th peer for this topic. */
      readonly topic: Topic
      readonly untilAfterMs: number | null
    }
  | { readonly kind: 'revoke'; readonly pick: number }
  | { readonly kind: 'officer'; readonly pick: number; readonly approve: boolean }
  | {
      readonly kind: 'request'
      readonly requester: number
      /**
       * Asks as the recipient of the n-th release held for a request, for its report's topic
       * and launch (else for a report of ours, the n-th)...
       */
      readonly cover: number | null
      /** ...else for this topic and launch (none: a window that covers no launch). */
      readonly topic: Topic
      readonly launch: number | null
      /** Under `rule`, answered at once (false: the window between storing and answering). */
      readonly answerNow: boolean
    }
  | { readonly kind: 'answer'; readonly pick: number; readonly release: boolean }
  | { readonly kind: 'onward'; readonly pick: number; readonly to: number }
  | { readonly kind: 'deliver'; readonly peerUp: boolean }
  | { readonly kind: 'view'; readonly http: boolean }

export type TimedStep = Step & { readonly atMs: number }

export interface EgressCase {
  readonly registry: Registry
  readonly node: PartyId
  readonly modes: Record<string, ReleaseMode>
  readonly answerRequests: 'rule' | 'officer'
  readonly steps: readonly TimedStep[]
}

const pick = fc.nat({ max: 1_000 })
const topic = fc.constantFrom(...TOPICS).map(asTopic)
/** Public (L0) reports need no agreement; agreements cover L1 and L2, never L3. */
const level = fc.oneof(
  { weight: 1, arbitrary: fc.constant(LEVELS[0] as Level) },
  { weight: 6, arbitrary: fc.constantFrom(LEVELS[1] as Level, LEVELS[2] as Level) },
  { weight: 1, arbitrary: fc.constant(LEVELS[3] as Level) },
)
/** Most reports carry no list (one in five does). */
const releasableTo = fc.oneof(
  { weight: 4, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.uniqueArray(fc.nat({ max: 3 }), { maxLength: 3 }) },
)
const launch = fc.nat({ max: LAUNCH_TIMES.length - 1 })
const DAY_MS = 86_400_000

/** A whole number of milliseconds in [min, max] (fc.integer stops at 32 bits). */
const msBetween = (min: number, max: number): fc.Arbitrary<number> =>
  fc
    .double({ min: 0, max: 1, noNaN: true })
    .map((f) => Math.min(max, min + Math.floor(f * (max - min + 1))))

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .record({
        kind: fc.constant('ingest' as const),
        level,
        topic,
        releasableTo,
        launch,
      })
      // A node refuses a public-level report with a releasability list (review L7).
      .map((s) => (s.level === LEVELS[0] ? { ...s, releasableTo: null } : s)),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('receive' as const),
      originator: pick,
      via: pick,
      level,
      localLevel: level,
      topic,
      releasableTo,
      launch,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('consent' as const),
      originator: pick,
      recipient: pick,
      asRecipient: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, fc.constant(true)),
      report: fc.option(pick, { nil: null, freq: 4 }), // null one time in four
      byTopic: fc.boolean(),
      topic,
      untilAfterMs: fc.oneof(fc.constant(null), msBetween(1, 60 * DAY_MS)),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('revoke' as const), pick }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('officer' as const), pick, approve: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('request' as const),
      requester: pick,
      cover: fc.option(pick, { nil: null }),
      topic,
      launch: fc.option(launch, { nil: null, freq: 4 }),
      answerNow: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, fc.constant(false)),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('answer' as const), pick, release: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('onward' as const), pick, to: pick }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('deliver' as const), peerUp: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('view' as const),
      http: fc.constant(false),
    }),
  },
)

/**
 * Instants where things change or hold for the node's agreements: near a boundary (entry
 * into force, termination, each amendment's effect: the instant itself, a millisecond either
 * side, an hour, a day, a month on), inside an interval in force, or anywhere from a year
 * before the first boundary to a year after the last.
 */
function instantNear(compiled: readonly CompiledAgreement[]): fc.Arbitrary<number> {
  const boundaries = compiled
    .flatMap((c) => [c.fromMs, c.untilMs, ...c.versions.map((v) => v.fromMs)])
    .filter(Number.isFinite)
  if (boundaries.length === 0) return instantArb
  const offsets = [-DAY_MS, -1, 0, 1, 3_600_000, DAY_MS, 30 * DAY_MS]
  const near = fc
    .tuple(fc.constantFrom(...boundaries), fc.constantFrom(...offsets))
    .map(([b, d]) => b + d)
  const min = Math.min(...boundaries) - 365 * DAY_MS
  const max = Math.max(...boundaries) + 365 * DAY_MS
  const inForce = compiled.filter((c) => c.fromMs < c.untilMs)
  const inside =
    inForce.length === 0
      ? near
      : fc
          .tuple(fc.constantFrom(...inForce), msBetween(0, 3 * 365 * DAY_MS))
          .map(([c, d]) => c.fromMs + Math.min(d, c.untilMs - c.fromMs - 1))
  return fc.oneof(
    { weight: 2, arbitrary: near },
    { weight: 3, arbitrary: inside },
    msBetween(min, max),
  )
}

/**
 * A case's instants: most within two months of one instant — often the month and a half
 * before one of the node's agreements ends or is amended, so that what was decided before is
 * delivered or shown after — the rest anywhere.
 */
function instantsArb(registry: Registry, node: PartyId): fc.Arbitrary<fc.Arbitrary<number>> {
  const all = [...buildRegistryIndex(registry).agreements.values()]
  const own = all.filter((c) => c.agreement.parties.includes(node))
  const at = instantNear(own.length === 0 ? all : own)
  const changes = own
    .flatMap((c) => [c.untilMs, ...c.versions.slice(1).map((v) => v.fromMs)])
    .filter(Number.isFinite)
  const change = changes.length === 0 ? at : fc.constantFrom(...changes)
  const beforeChange = fc.tuple(change, msBetween(0, 45 * DAY_MS)).map(([b, d]) => b - d)
  return fc
    .oneof(beforeChange, at)
    .map((baseMs) =>
      fc.oneof(
        { weight: 4, arbitrary: msBetween(baseMs, baseMs + 60 * DAY_MS) },
        { weight: 1, arbitrary: at },
      ),
    )
}

export const egressCaseArb: fc.Arbitrary<EgressCase> = historyRegistryArb.chain((registry) => {
  const parties = [...registry.parties.keys()]
  const agreementIds = registry.agreements.map((a) => a.id as string)
  const nodeAndInstants = fc
    .constantFrom(...parties)
    .chain((node) => instantsArb(registry, node).map((at) => ({ node, at })))
  return nodeAndInstants.chain(({ node, at }) =>
    fc.record({
      registry: fc.constant(registry),
      node: fc.constant(node),
      modes: fc
        .subarray(agreementIds, { maxLength: Math.min(2, agreementIds.length) })
        .chain((ids) =>
          fc
            .tuple(...ids.map(() => fc.constantFrom(...RELEASE_MODES)))
            .map((modes) => Object.fromEntries(ids.map((id, i) => [id, modes[i] ?? 'auto']))),
        ),
      answerRequests: fc.constantFrom('rule' as const, 'officer' as const),
      steps: fc
        .tuple(
          fc.array(fc.tuple(stepArb, at), { minLength: 3, maxLength: 12 }),
          at,
          fc.boolean(),
          // The HTTP route is slow to build: through it at one final egress in 25.
          fc.oneof({ weight: 24, arbitrary: fc.constant(false) }, fc.constant(true)),
        )
        .map(([steps, egressAt, peerUp, http]) => {
          const timed = steps.map(([step, atMs]) => ({ ...step, atMs }))
          timed.sort((a, b) => a.atMs - b.atMs)
          const last = Math.max(egressAt, timed.at(-1)?.atMs ?? egressAt)
          // The final egress instant: a delivery run, then every party's view.
          timed.push({ kind: 'deliver', peerUp, atMs: last }, { kind: 'view', http, atMs: last })
          return timed
        }),
    }),
  )
})

export const iso = (ms: number): string =>
  Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms)

/** A case in a few lines, to read a counterexample: the registry's histories, the node, the steps. */
export function describeCase(c: EgressCase): string {
  const lines = [
    `node ${c.node}; modes ${JSON.stringify(c.modes)}; requests answered by ${c.answerRequests}`,
  ]
  for (const a of c.registry.agreements) {
    const hub = a.hub === null ? '' : ` hub ${a.hub}`
    const terms = JSON.stringify(a.terms)
    const term = `initial ${a.term.initial.toString()} renewal ${a.term.renewal?.toString() ?? '-'} notice ${a.term.notice?.toString() ?? '-'}`
    lines.push(`${a.id}: ${a.kind} ${a.parties.join(',')}${hub}; ${term}; ${terms}`)
    for (const e of a.events) {
      const what = 'by' in e ? ` by ${e.by}` : 'changes' in e ? ` ${JSON.stringify(e.changes)}` : ''
      lines.push(`  ${e.date.toString()} ${e.type}${what}`)
    }
  }
  for (const { atMs, kind, ...rest } of c.steps)
    lines.push(`${iso(atMs)} ${kind} ${JSON.stringify(rest)}`)
  return lines.join('\n')
}
