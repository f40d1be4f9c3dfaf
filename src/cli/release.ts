import type { ReleaseDecision } from '../domain/decision.ts'
import { asLevel, asTopic, isSlug, type PartyId } from '../domain/ids.ts'
import { hasLevel } from '../domain/party.ts'
import type { RegistryIndex } from '../domain/registry-index.ts'
import { decideRelease } from '../domain/release.ts'
import { findReleasePath } from '../domain/routing.ts'
import type { EpochMs } from '../domain/time.ts'
import { EntenteError } from '../lib/errors.ts'

export interface ReleaseArgs {
  readonly from: string
  readonly to: string
  readonly level: string
  readonly topic: string
  readonly originator?: string | undefined
  readonly releasableTo?: readonly string[] | undefined
  readonly atMs: EpochMs
}

/**
 * Checks the question against the registry (bad input is an error, not a denial), then decides.
 * Errors name the field as the asker wrote it: `--level` on the command line, `level` in a query.
 */
export function answerRelease(
  index: RegistryIndex,
  args: ReleaseArgs,
  field: (name: string) => string = (name) => `--${name}`,
): ReleaseDecision {
  const holder = knownParty(index, args.from, field('from'))
  const recipient = knownParty(index, args.to, field('to'))
  const originatorId = knownParty(index, args.originator ?? args.from, field('originator'))
  if (holder === recipient) {
    throw new EntenteError(
      'INVALID_ARGUMENT',
      `${field('to')}: the recipient must differ from the holder (${holder})`,
    )
  }
  const originator = index.registry.parties.get(originatorId)
  if (originator === undefined || !hasLevel(originator, args.level)) {
    const levels = originator?.levels.join(', ') ?? ''
    throw new EntenteError(
      'UNKNOWN_LEVEL',
      `${field('level')}: '${args.level}' is not a level of ${originatorId} (levels: ${levels})`,
    )
  }
  if (!isSlug(args.topic)) {
    throw new EntenteError(
      'INVALID_ARGUMENT',
      `${field('topic')}: '${args.topic}' is not a lower-case slug such as dprk-missile`,
    )
  }
  const releasableTo =
    args.releasableTo?.map((p) => knownParty(index, p, field('releasable-to'))) ?? null
  const report = {
    id: null,
    originator: originatorId,
    level: asLevel(args.level),
    topic: asTopic(args.topic),
    releasableTo,
  }
  if (holder === originatorId) return findReleasePath(index, { recipient, report, atMs: args.atMs })
  return decideRelease(index, { holder, recipient, report, atMs: args.atMs })
}

export function knownParty(index: RegistryIndex, id: string, option: string): PartyId {
  if (index.registry.parties.has(id as PartyId)) return id as PartyId
  const known = [...index.registry.parties.keys()].join(', ')
  throw new EntenteError(
    'UNKNOWN_PARTY',
    `${option}: '${id}' is not a party of the scenario (parties: ${known})`,
  )
}

export function renderDecision(decision: ReleaseDecision, question: string): string {
  if (decision.decision === 'allowed') {
    const hops = decision.hops.map(
      (h) =>
        `  ${h.from} → ${h.to}  under ${h.agreement ?? '(public, no agreement)'}  as ${h.level ?? 'public'}  release ${h.release ?? '-'}`,
    )
    const grounds = decision.grounds.map((g) => `  ${g.code}: ${g.message}`)
    return [
      `${question}: ALLOWED by ${decision.path.join(' → ')}`,
      ...hops,
      'Why:',
      ...grounds,
    ].join('\n')
  }
  const reasons = decision.reasons.map((r) => {
    const where = r.hop === null ? '' : `[via ${r.hop.from} → ${r.hop.to}] `
    return `  ${r.code}: ${where}${r.message}`
  })
  return [`${question}: DENIED`, 'Why:', ...reasons].join('\n')
}

/** The JSON contract of `entente release --json`. */
export function decisionJson(decision: ReleaseDecision): object {
  return {
    decision: decision.decision,
    path: decision.path,
    hops: decision.hops.map((h) => ({
      from: h.from,
      to: h.to,
      agreement: h.agreement,
      level: h.level,
      release: h.release,
    })),
    levelAtRecipient: decision.levelAtRecipient,
    reasons: decision.reasons.map((r) => ({
      code: r.code,
      message: r.message,
      ...(r.agreement === null ? {} : { agreement: r.agreement }),
      ...(r.hop === null ? {} : { hop: r.hop }),
    })),
    grounds: decision.grounds,
  }
}
