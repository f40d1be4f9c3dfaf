// A report's life: version 1 is issued, later versions correct it (each with its own marking)
// or withdraw it (with a reason). The life is a fold over its versions, each checked against
// the one before; the disclosure of a new version to the holders of earlier ones is
// planned in `report-disclosure.ts`.
import { isNonEmpty, type NonEmpty, Result } from '../lib/result.ts'
import type { Level, PartyId, Topic } from './ids.ts'
import type { ReportFacts } from './registry.ts'
import type { EpochMs } from './time.ts'

export const VERSION_KINDS = ['issued', 'corrected', 'withdrawn'] as const
export type VersionKind = (typeof VERSION_KINDS)[number]

/** What a report says (the launch facts). The domain carries it and never looks inside. */
export type ReportContent = Readonly<Record<string, unknown>>

interface VersionBase {
  /** 1 for the issued version, one more for each version after it. */
  readonly version: number
  /** The party that signed this version: the report's originator, always the same one. */
  readonly originator: PartyId
  readonly atMs: EpochMs
}

/** A version that says something: the issued report or a correction, each with its marking. */
export interface ContentVersion<C = ReportContent> extends VersionBase {
  readonly kind: 'issued' | 'corrected'
  /** The originator's marking of this version, in its own scheme. */
  readonly level: Level
  /** The only parties this version may ever reach; empty: no foreign release; null: no list. */
  readonly releasableTo: readonly PartyId[] | null
  readonly content: C
}

/** The originator retracts the report. It carries no content and no marking, only a reason. */
export interface Withdrawal extends VersionBase {
  readonly kind: 'withdrawn'
  /** Sent to every holder, whatever its level: it must say nothing the report does not. */
  readonly reason: string
}

export type ReportVersion<C = ReportContent> = ContentVersion<C> | Withdrawal

export interface ReportLife<C = ReportContent> {
  readonly id: string
  /** The report's topic, the same for every version. */
  readonly topic: Topic
  /** In order: the issued version first, each next one numbered one more. */
  readonly versions: readonly [ContentVersion<C>, ...ReportVersion<C>[]]
}

export const LIFE_REFUSAL_CODES = [
  'VERSION_NOT_NEXT',
  'KIND_OUT_OF_ORDER',
  'AFTER_WITHDRAWAL',
  'WITHDRAWAL_WITHOUT_REASON',
  'ORIGINATOR_CHANGED',
  'INSTANT_BEFORE_PREVIOUS',
] as const
export type LifeRefusalCode = (typeof LIFE_REFUSAL_CODES)[number]

/** One rule a version breaks. */
export interface LifeIssue {
  readonly code: LifeRefusalCode
  readonly message: string
}

/** The new life, or every rule the version breaks (the life it was offered to is unchanged). */
export type LifeOutcome<C> = Result<ReportLife<C>, NonEmpty<LifeIssue>>

/** A report's life begins with version 1, issued. */
export function startLife<C>(id: string, topic: Topic, first: ReportVersion<C>): LifeOutcome<C> {
  const issues: LifeIssue[] = []
  if (first.version !== 1)
    issues.push(issue('VERSION_NOT_NEXT', `${id}: the first version is 1, not ${first.version}`))
  if (first.kind !== 'issued')
    issues.push(issue('KIND_OUT_OF_ORDER', `${id}: version 1 is issued, not ${first.kind}`))
  if (isNonEmpty(issues)) return Result.fail(issues)
  return Result.ok({ id, topic, versions: [first as ContentVersion<C>] })
}

/** The life with `next` appended, if it follows the last version by every rule. */
export function applyVersion<C>(life: ReportLife<C>, next: ReportVersion<C>): LifeOutcome<C> {
  const last = latestVersion(life)
  const originator = life.versions[0].originator
  const name = `${life.id} v${next.version}`
  const issues: LifeIssue[] = []
  if (last.kind === 'withdrawn') {
    const message = `${name}: ${life.id} was withdrawn in v${last.version}; nothing follows a withdrawal`
    issues.push(issue('AFTER_WITHDRAWAL', message))
  }
  if (next.version !== last.version + 1) {
    const message = `${name}: the next version after v${last.version} is v${last.version + 1}`
    issues.push(issue('VERSION_NOT_NEXT', message))
  }
  if (next.kind === 'issued') {
    const message = `${name}: a report is issued once, as v1; a later version corrects or withdraws it`
    issues.push(issue('KIND_OUT_OF_ORDER', message))
  }
  if (next.originator !== originator) {
    const message = `${name} is signed by ${next.originator}, but ${originator} originated ${life.id}; the originator never changes`
    issues.push(issue('ORIGINATOR_CHANGED', message))
  }
  if (next.atMs < last.atMs) {
    const message = `${name} is dated ${next.atMs - last.atMs} ms before v${last.version}; a version is never dated before the one it follows`
    issues.push(issue('INSTANT_BEFORE_PREVIOUS', message))
  }
  if (next.kind === 'withdrawn' && next.reason.trim() === '') {
    const message = `${name}: a withdrawal says why; its reason is empty`
    issues.push(issue('WITHDRAWAL_WITHOUT_REASON', message))
  }
  if (isNonEmpty(issues)) return Result.fail(issues)
  return Result.ok({ ...life, versions: [...life.versions, next] })
}

/** The life folded from its versions in the order given (a store reading them back). */
export function replayLife<C>(
  id: string,
  topic: Topic,
  versions: NonEmpty<ReportVersion<C>>,
): LifeOutcome<C> {
  const [first, ...rest] = versions
  let outcome = startLife(id, topic, first)
  for (const next of rest) {
    if (!outcome.ok) return outcome
    outcome = applyVersion(outcome.value, next)
  }
  return outcome
}

export const LIFE_STATUSES = ['current', 'withdrawn'] as const
/** current: the report stands (its latest version is its word) · withdrawn: retracted. */
export type LifeStatus = (typeof LIFE_STATUSES)[number]

export function statusOf(life: ReportLife<unknown>): LifeStatus {
  return latestVersion(life).kind === 'withdrawn' ? 'withdrawn' : 'current'
}

export const COPY_STATUSES = ['current', 'superseded', 'withdrawn'] as const
/** A holder's copy: the latest version · an earlier one, known to be wrong · retracted. */
export type CopyStatus = (typeof COPY_STATUSES)[number]

/** The status of a copy at version `held` (a content version of this life). */
export function copyStatus(life: ReportLife<unknown>, held: number): CopyStatus {
  const version = life.versions[held - 1]
  if (version === undefined || version.kind === 'withdrawn')
    throw new RangeError(`${life.id} has no content version ${held}`)
  if (statusOf(life) === 'withdrawn') return 'withdrawn'
  return held === latestVersion(life).version ? 'current' : 'superseded'
}

export function latestVersion<C>(life: ReportLife<C>): ReportVersion<C> {
  return life.versions[life.versions.length - 1] ?? life.versions[0]
}

/** The latest version that says something (the one before a withdrawal, if withdrawn). */
export function latestContent<C>(life: ReportLife<C>): ContentVersion<C> {
  return life.versions.findLast((v) => v.kind !== 'withdrawn') ?? life.versions[0]
}

/** What the release engine needs to decide one content version (each has its own marking). */
export function factsOf(life: ReportLife<unknown>, version: ContentVersion<unknown>): ReportFacts {
  return {
    id: life.id,
    originator: version.originator,
    level: version.level,
    topic: life.topic,
    releasableTo: version.releasableTo,
  }
}

function issue(code: LifeRefusalCode, message: string): LifeIssue {
  return { code, message }
}
