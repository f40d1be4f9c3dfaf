import { isNonEmpty } from '../lib/result.ts'
import { type Allowed, denied, type ReleaseDecision, type Reason } from './decision.ts'
import type { PartyId } from './ids.ts'
import type { Consent, ReportFacts } from './registry.ts'
import { type CompiledAgreement, type RegistryIndex } from './registry-index.ts'
import { decideRelease } from './release.ts'
import type { EpochMs } from './time.ts'

export interface PathQuery {
  readonly recipient: PartyId
  /** Asked by the originator, who holds the report. */
  readonly report: ReportFacts
  readonly atMs: EpochMs
  readonly consents?: readonly Consent[]
}

interface RelayPath {
  readonly decision: Allowed
  readonly latencyMs: number
  readonly key: string
}

/**
 * R6: the direct transfer if allowed, else the best relay O → K → X whose both hops are
 * allowed (fewest hops, then lowest configured latency, then agreement ids), else a denial
 * with the reasons of the direct attempt and of each candidate path.
 */
export function findReleasePath(index: RegistryIndex, query: PathQuery): ReleaseDecision {
  const originator = query.report.originator
  const direct = decideRelease(index, { ...query, holder: originator })
  if (direct.decision === 'allowed') return direct

  const reasons: Reason[] = [...direct.reasons]
  let best: RelayPath | null = null
  for (const via of relayCandidates(index, originator, query.recipient)) {
    const path = tryRelay(index, query, via, reasons)
    if (path !== null && (best === null || isShorter(path, best))) best = path
  }
  if (best !== null) return withRelayGround(best.decision, direct.reasons)
  return isNonEmpty(reasons) ? denied(reasons) : direct
}

/** Parties linked by some agreement both to the originator and to the recipient. */
function relayCandidates(index: RegistryIndex, from: PartyId, to: PartyId): PartyId[] {
  const fromRow = index.between.get(from)
  const toRow = index.between.get(to)
  if (fromRow === undefined || toRow === undefined) return []
  return [...fromRow.keys()].filter((k) => k !== to && toRow.has(k)).sort()
}

function tryRelay(
  index: RegistryIndex,
  query: PathQuery,
  via: PartyId,
  reasons: Reason[],
): RelayPath | null {
  const { report, recipient, atMs, consents } = query
  const prefer = (c: CompiledAgreement): boolean =>
    c.agreement.kind === 'mediated' && c.agreement.hub === via
  const first = decideRelease(index, {
    holder: report.originator,
    recipient: via,
    report,
    atMs,
    consents,
    prefer,
  })
  if (first.decision === 'denied') {
    reasons.push(...first.reasons.map((r) => ({ ...r, hop: { from: report.originator, to: via } })))
    return null
  }
  const second = decideRelease(index, {
    holder: via,
    recipient,
    report,
    levelAtHolder: first.levelAtRecipient,
    atMs,
    consents,
    prefer,
  })
  if (second.decision === 'denied') {
    reasons.push(...second.reasons.map((r) => ({ ...r, hop: { from: via, to: recipient } })))
    return null
  }
  return joinHops(index, first, second)
}

function joinHops(index: RegistryIndex, first: Allowed, second: Allowed): RelayPath {
  const hops = [...first.hops, ...second.hops]
  const hub = hops[0]?.to
  const relayMs = hops
    .map((h) => (h.agreement === null ? undefined : index.agreements.get(h.agreement)))
    .filter((c) => c?.agreement.kind === 'mediated' && c.agreement.hub === hub)
    .reduce((ms, c) => Math.max(ms, (c?.agreement.relayDelayS ?? 0) * 1000), 0)
  const latencyMs = hops.reduce((ms, h) => ms + h.linkLatencyMs, 0) + relayMs
  const decision: Allowed = {
    decision: 'allowed',
    path: [...first.path, ...second.path.slice(1)],
    hops,
    levelAtRecipient: second.levelAtRecipient,
    reasons: [],
    grounds: [...first.grounds, ...second.grounds],
  }
  return { decision, latencyMs, key: hops.map((h) => h.agreement ?? '').join(' ') }
}

function isShorter(a: RelayPath, b: RelayPath): boolean {
  if (a.decision.hops.length !== b.decision.hops.length) {
    return a.decision.hops.length < b.decision.hops.length
  }
  if (a.latencyMs !== b.latencyMs) return a.latencyMs < b.latencyMs
  return a.key < b.key
}

function withRelayGround(decision: Allowed, directReasons: readonly Reason[]): Allowed {
  const why = directReasons.map((r) => `${r.code}: ${r.message}`).join('; ')
  const path = decision.path.join(' → ')
  return {
    ...decision,
    grounds: [
      { code: 'RELAY_PATH', message: `direct transfer denied (${why}); relayed by ${path} (R6)` },
      ...decision.grounds,
    ],
  }
}
