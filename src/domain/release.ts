import { isNonEmpty } from '../lib/result.ts'
import {
  type Allowed,
  type Denied,
  denied,
  type Ground,
  type ReleaseDecision,
  type Reason,
  reason,
} from './decision.ts'
import type { Level, PartyId } from './ids.ts'
import type { Consent, ReportFacts } from './registry.ts'
import {
  agreementsBetween,
  type CompiledAgreement,
  type CompiledTerms,
  type RegistryIndex,
  termsAtMs,
} from './registry-index.ts'
import type { EpochMs } from './time.ts'

/** May `holder` send `report` to `recipient` at `atMs`? (R0–R4; paths are routing.ts). */
export interface ReleaseQuery {
  readonly holder: PartyId
  readonly recipient: PartyId
  readonly report: ReportFacts
  /** The level at which a non-originating holder holds the report, in its own scheme. */
  readonly levelAtHolder?: Level | null
  readonly atMs: EpochMs
  readonly consents?: readonly Consent[]
  /** Among agreements that allow the release, prefer those this accepts (e.g. a relay's hub). */
  readonly prefer?: (candidate: CompiledAgreement) => boolean
}

interface Passing {
  readonly compiled: CompiledAgreement
  readonly terms: CompiledTerms
  readonly level: Level
}

export function decideRelease(index: RegistryIndex, query: ReleaseQuery): ReleaseDecision {
  const outcome = evaluate(index, query, false)
  return isDenied(outcome) ? outcome : (outcome[0] as Allowed)
}

/**
 * Every agreement under which the release is allowed, best first (preferred, then cheapest
 * link, then id), or the denial. The simulator uses this: each allowed agreement is a way
 * the report can travel, with its own release mode.
 */
export function releaseOptions(
  index: RegistryIndex,
  query: ReleaseQuery,
): readonly Allowed[] | Denied {
  return evaluate(index, query, true)
}

function evaluate(
  index: RegistryIndex,
  query: ReleaseQuery,
  all: boolean,
): readonly Allowed[] | Denied {
  const { holder, recipient, report } = query
  const originator = index.registry.parties.get(report.originator)
  if (originator !== undefined && originator.public === report.level) return [publicRelease(query)]

  const reasons: Reason[] = []
  checkReleasability(query, reasons)
  const candidates = agreementsBetween(index, holder, recipient).filter(
    (c) => !isMemberToMember(c, holder, recipient),
  )
  if (candidates.length === 0) reasons.push(noAgreement(index, holder, recipient))

  const failures: Reason[] = []
  const passing: Passing[] = []
  for (const compiled of candidates) {
    const pass = checkAgreement(index, query, compiled, failures)
    if (pass === null) continue
    if (passing.length === 0 || all) passing.push(pass)
    else if (isBetter(pass, passing[0] as Passing, query)) passing[0] = pass
  }
  if (passing.length === 0) reasons.push(...failures)

  let consent: Ground | null = null
  if (holder !== report.originator) {
    const outcome = checkConsent(index, query)
    if (isGround(outcome)) consent = outcome
    else reasons.push(outcome)
  }
  // Without a passing agreement, `reasons` holds NO_AGREEMENT or every candidate's failures.
  if (isNonEmpty(reasons)) return denied(reasons)
  if (all && query.prefer !== undefined)
    passing.sort((a, b) => rankPreferred(a, query) - rankPreferred(b, query))
  return passing.map((pass) => allowedDirect(query, pass, consent))
}

export function isDenied(outcome: readonly Allowed[] | Denied): outcome is Denied {
  return !Array.isArray(outcome)
}

function rankPreferred(pass: Passing, query: ReleaseQuery): number {
  return query.prefer?.(pass.compiled) === true ? 0 : 1
}

function publicRelease(query: ReleaseQuery): Allowed {
  const { holder, recipient, report } = query
  return {
    decision: 'allowed',
    path: [holder, recipient],
    hops: [
      {
        from: holder,
        to: recipient,
        agreement: null,
        level: null,
        release: null,
        linkLatencyMs: 0,
      },
    ],
    levelAtRecipient: null,
    reasons: [],
    grounds: [
      {
        code: 'PUBLIC',
        message: `${report.level} is ${report.originator}'s public level: no agreement is needed (R0)`,
      },
    ],
  }
}

function allowedDirect(query: ReleaseQuery, best: Passing, consent: Ground | null): Allowed {
  const { holder, recipient, report } = query
  const agreement = best.compiled.agreement
  const atHolder = holder === report.originator ? `${holder} ${report.level}` : `the report`
  const grounds: Ground[] = [
    {
      code: 'DIRECT_AGREEMENT',
      message: `${agreement.id} is in force, covers ${report.topic} and maps ${atHolder} to ${recipient} ${best.level} (R2)`,
    },
    consent ?? { code: 'ORIGINATOR', message: `${holder} is the originator (R3)` },
  ]
  return {
    decision: 'allowed',
    path: [holder, recipient],
    hops: [
      {
        from: holder,
        to: recipient,
        agreement: agreement.id,
        level: best.level,
        release: best.terms.release,
        linkLatencyMs: agreement.linkLatencyMs,
      },
    ],
    levelAtRecipient: best.level,
    reasons: [],
    grounds,
  }
}

function isBetter(candidate: Passing, current: Passing, query: ReleaseQuery): boolean {
  if (query.prefer === undefined) return false // candidates come cheapest-first, then by id
  return query.prefer(candidate.compiled) && !query.prefer(current.compiled)
}

/** R5: a mediated agreement never carries a transfer between two of its non-hub members. */
function isMemberToMember(compiled: CompiledAgreement, from: PartyId, to: PartyId): boolean {
  const { kind, hub } = compiled.agreement
  return kind === 'mediated' && hub !== from && hub !== to
}

function checkReleasability(query: ReleaseQuery, reasons: Reason[]): void {
  const list = query.report.releasableTo
  if (list === null || list.includes(query.recipient)) return
  const message =
    list.length === 0
      ? `the report is marked for no foreign release`
      : `the report is releasable only to ${list.join(', ')}; ${query.recipient} is not among them`
  reasons.push(reason('NOT_RELEASABLE_TO', message))
}

function noAgreement(index: RegistryIndex, holder: PartyId, recipient: PartyId): Reason {
  const mediated = agreementsBetween(index, holder, recipient)
    .filter((c) => isMemberToMember(c, holder, recipient))
    .map(
      (c) =>
        `${c.agreement.id} is mediated through ${c.agreement.hub ?? '?'}, so its members do not exchange directly`,
    )
  const suffix = mediated.length > 0 ? ` (${mediated.join('; ')})` : ''
  return reason(
    'NO_AGREEMENT',
    `${holder} and ${recipient} share no agreement that permits a direct transfer${suffix}`,
  )
}

/** R2 for one agreement: records every failing condition, returns the mapping if none. */
function checkAgreement(
  index: RegistryIndex,
  query: ReleaseQuery,
  compiled: CompiledAgreement,
  failures: Reason[],
): Passing | null {
  const { atMs, report } = query
  const id = compiled.agreement.id
  const before = failures.length
  if (atMs < compiled.fromMs || atMs >= compiled.untilMs) failures.push(notInForce(compiled, atMs))
  const terms = termsAtMs(compiled, atMs)
  if (!terms.allTopics && !terms.topics.has(report.topic)) {
    const scope = [...terms.topics].join(', ')
    failures.push(reason('TOPIC_OUT_OF_SCOPE', `${id} covers ${scope}, not ${report.topic}`, id))
  }
  const level = levelAtRecipient(query, compiled, terms)
  if (level === null) failures.push(notCovered(index, query, compiled, terms))
  return failures.length === before && level !== null ? { compiled, terms, level } : null
}

function notInForce(compiled: CompiledAgreement, atMs: number): Reason {
  const id = compiled.agreement.id
  let when: string
  if (atMs >= compiled.untilMs) when = `it ended at ${compiled.endText ?? '?'}`
  else if (compiled.startText === null) when = `it has not entered into force`
  else when = `it enters into force at ${compiled.startText}`
  return reason('AGREEMENT_NOT_IN_FORCE', `${id} is not in force: ${when}`, id)
}

function notCovered(
  index: RegistryIndex,
  query: ReleaseQuery,
  compiled: CompiledAgreement,
  terms: CompiledTerms,
): Reason {
  const { recipient } = query
  const id = compiled.agreement.id
  const held = heldDescription(query)
  if (terms.levelsFrom === 'rows')
    return reason('LEVEL_NOT_COVERED', `${id} maps no level of ${recipient} to ${held}`, id)
  const [party] = held.split(' ')
  const policies = [party ?? '', recipient].map((p) => policyName(index, p)).join(' and ')
  return reason(
    'NO_EQUIVALENT_CLASSIFICATION',
    `${id} takes its equivalence from the parties' SPIF policies, and ${policies} give ${held} no equivalent classification at ${recipient}`,
    id,
  )
}

function policyName(index: RegistryIndex, party: string): string {
  const policy = index.registry.parties.get(party as PartyId)?.policy
  return policy === undefined
    ? `${party} (no SPIF policy)`
    : `${party}'s ${policy.name} (${policy.id})`
}

function heldDescription(query: ReleaseQuery): string {
  const { holder, report } = query
  if (holder === report.originator || !query.levelAtHolder)
    return `${report.originator} ${report.level}`
  return `${holder} ${query.levelAtHolder}`
}

/**
 * The level at the recipient. The originator maps its own level; a hub relaying under a
 * mediated agreement maps the originator's level straight across (R2); any other holder maps
 * the level at which it holds the report, or the originator's level if a row names it.
 */
function levelAtRecipient(
  query: ReleaseQuery,
  compiled: CompiledAgreement,
  terms: CompiledTerms,
): Level | null {
  const { holder, recipient, report } = query
  const viaOriginator = terms.levels.get(report.originator)?.get(report.level)?.get(recipient)
  if (holder === report.originator) return viaOriginator ?? null
  const agreement = compiled.agreement
  if (agreement.kind === 'mediated' && agreement.hub === holder) return viaOriginator ?? null
  const held = query.levelAtHolder
  if (held) return terms.levels.get(holder)?.get(held)?.get(recipient) ?? viaOriginator ?? null
  return viaOriginator ?? null
}

/** R4: the originator's consent, explicit or standing (a mediated agreement with this hub). */
function checkConsent(index: RegistryIndex, query: ReleaseQuery): Reason | Ground {
  const { holder, recipient, report, atMs } = query
  const explicit = query.consents?.find((c) => consentCovers(c, query))
  if (explicit !== undefined) {
    return {
      code: 'EXPLICIT_CONSENT',
      message: `${report.originator} consented that ${holder} release this to ${recipient} (R4)`,
    }
  }
  for (const compiled of agreementsBetween(index, holder, recipient)) {
    const agreement = compiled.agreement
    if (agreement.kind !== 'mediated' || agreement.hub !== holder) continue
    if (!agreement.parties.includes(report.originator)) continue
    if (atMs < compiled.fromMs || atMs >= compiled.untilMs) continue
    const terms = termsAtMs(compiled, atMs)
    if (!terms.allTopics && !terms.topics.has(report.topic)) continue
    return {
      code: 'STANDING_CONSENT',
      message: `${agreement.id}, in force with hub ${holder}, gives ${report.originator}'s standing consent to relay ${report.topic} to ${recipient} (R4)`,
    }
  }
  return reason(
    'NO_ORIGINATOR_CONSENT',
    `${holder} is not the originator and has neither ${report.originator}'s explicit consent to release to ${recipient} nor a mediated agreement in force with hub ${holder} covering ${report.originator}, ${recipient} and ${report.topic}`,
  )
}

function isGround(outcome: Reason | Ground): outcome is Ground {
  return !('hop' in outcome)
}

function consentCovers(consent: Consent, query: ReleaseQuery): boolean {
  const { holder, recipient, report, atMs } = query
  if (consent.originator !== report.originator || consent.holder !== holder) return false
  if (consent.recipient !== recipient) return false
  if (atMs < consent.fromMs || (consent.untilMs !== null && atMs >= consent.untilMs)) return false
  return 'reportId' in consent.scope
    ? consent.scope.reportId === report.id
    : consent.scope.topic === report.topic
}
