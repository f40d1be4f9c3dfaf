import type { ReleaseMode } from '../../src/domain/agreement.ts'
import type { Allowed, Denied } from '../../src/domain/decision.ts'
import { asLevel, asPartyId, asTopic, type PartyId } from '../../src/domain/ids.ts'
import type { RegistryIndex } from '../../src/domain/registry-index.ts'
import type { Consent, ReportFacts } from '../../src/domain/registry.ts'
import { isDenied, releaseOptions } from '../../src/domain/release.ts'
import type { ReleaseState } from '../../src/node/store/store.ts'

/**
 * The egress property's oracle: what the node should disclose, worked out from the release
 * engine (src/domain) and what the test did, never from the node's own policy code
 * (src/node/app/disclosure.ts). It keeps its own record of the reports held, the consents
 * and requests received, and each release's state as the rules say it must be.
 */

export interface HeldReport {
  readonly id: string
  readonly originator: PartyId
  readonly level: string
  /** The level at which this node holds it, in its own scheme. */
  readonly localLevel: string
  readonly topic: string
  readonly releasableTo: readonly string[] | null
  readonly launchMs: number
}

export interface HeldConsent {
  readonly id: string
  readonly originator: string
  readonly holder: string
  readonly recipient: string
  readonly reportId: string | null
  readonly topic: string | null
  readonly fromMs: number
  readonly untilMs: number | null
  revokedAtMs: number | null
}

export interface HeldRequest {
  readonly id: string
  readonly requester: string
  readonly topic: string
  readonly windowFromMs: number
  readonly windowUntilMs: number
  status: 'open' | 'answered' | 'refused'
}

export interface ModelRelease {
  readonly id: string
  readonly reportId: string
  readonly recipient: string
  readonly agreement: string | null
  state: ReleaseState
  delivered: boolean
}

/** A release as planned, "recipient agreement state": to whom, under which agreement, in which state. */
export type Planned = string

export const planned = (
  recipient: string,
  agreement: string | null,
  state: ReleaseState,
): Planned => `${recipient} ${agreement ?? '(public)'} ${state}`

export class EgressOracle {
  readonly reports = new Map<string, HeldReport>()
  readonly consents = new Map<string, HeldConsent>()
  readonly requests = new Map<string, HeldRequest>()
  readonly releases = new Map<string, ModelRelease>()
  readonly #index: RegistryIndex
  readonly #node: PartyId
  readonly #modes: Readonly<Record<string, ReleaseMode>>

  constructor(index: RegistryIndex, node: PartyId, modes: Readonly<Record<string, ReleaseMode>>) {
    this.#index = index
    this.#node = node
    this.#modes = modes
  }

  /** The consents naming this node as holder in force at `atMs` (from ≤ at < until, not revoked by then). */
  consentsAt(atMs: number): Consent[] {
    return [...this.consents.values()]
      .filter(
        (c) =>
          c.holder === this.#node &&
          c.fromMs <= atMs &&
          (c.untilMs === null || atMs < c.untilMs) &&
          (c.revokedAtMs === null || atMs < c.revokedAtMs),
      )
      .map((c) => ({
        originator: asPartyId(c.originator),
        holder: asPartyId(c.holder),
        recipient: asPartyId(c.recipient),
        scope: c.reportId !== null ? { reportId: c.reportId } : { topic: asTopic(c.topic ?? '') },
        fromMs: c.fromMs,
        untilMs: c.untilMs,
      }))
  }

  /** The engine's answer for this node giving `report` to `recipient` at `atMs`. */
  options(
    report: HeldReport,
    recipient: string,
    atMs: number,
    via: string | null = null,
  ): readonly Allowed[] | Denied {
    const facts: ReportFacts = {
      id: report.id,
      originator: report.originator,
      level: asLevel(report.level),
      topic: asTopic(report.topic),
      releasableTo: report.releasableTo?.map(asPartyId) ?? null,
    }
    return releaseOptions(this.#index, {
      holder: this.#node,
      recipient: asPartyId(recipient),
      report: facts,
      levelAtHolder: report.originator === this.#node ? null : asLevel(report.localLevel),
      atMs,
      consents: this.consentsAt(atMs),
      ...(via === null ? {} : { prefer: (c) => c.agreement.id === via }),
    })
  }

  /** The mode that handles a release by `option`: the node's own policy, else the agreement's terms then. */
  modeOf(option: Allowed): ReleaseMode {
    const hop = option.hops[0]
    const agreement = hop?.agreement ?? null
    return (agreement === null ? undefined : this.#modes[agreement]) ?? hop?.release ?? 'auto'
  }

  /** Does the engine still allow this release at `atMs`, under the agreement it was decided under? */
  allowsUnder(release: ModelRelease, atMs: number): boolean {
    const report = this.reports.get(release.reportId)
    if (report === undefined) return false
    const outcome = this.options(report, release.recipient, atMs)
    return !isDenied(outcome) && outcome.some((o) => agreementOf(o) === release.agreement)
  }

  /**
   * The releases a decision at `atMs` must record: one denied, or one per agreement that
   * allows it (a relay: the first, preferring the agreement it came under), each in the state
   * its mode says — auto: released; manual: pending-approval; on-request: released when an
   * open request of the recipient covers it, else held.
   */
  plan(
    report: HeldReport,
    recipients: readonly string[],
    atMs: number,
    openRequests: readonly HeldRequest[],
    via: string | null = null,
  ): Planned[] {
    const out: Planned[] = []
    for (const recipient of recipients) {
      const outcome = this.options(report, recipient, atMs, via)
      if (isDenied(outcome)) {
        out.push(planned(recipient, null, 'denied'))
        continue
      }
      for (const option of via === null ? outcome : outcome.slice(0, 1)) {
        const mode = this.modeOf(option)
        const asked = openRequests.some((r) => r.requester === recipient && covers(r, report))
        const state: ReleaseState =
          mode === 'auto' || (mode === 'on-request' && asked)
            ? 'released'
            : mode === 'manual'
              ? 'pending-approval'
              : 'held'
        out.push(planned(recipient, agreementOf(option), state))
      }
    }
    return out.sort()
  }

  /**
   * What `viewer` may be shown of `report` at `atMs`: 'own' for the node's party and the
   * originator; else the agreements under which the engine allows it then and the mode's
   * act was done (auto; manual or on-request: a release to the viewer under it is
   * `released`); null when there is none.
   */
  shows(viewer: string, report: HeldReport, atMs: number): 'own' | Set<string | null> | null {
    if (viewer === this.#node || viewer === report.originator) return 'own'
    const outcome = this.options(report, viewer, atMs)
    if (isDenied(outcome)) return null
    const under = new Set<string | null>()
    for (const option of outcome) {
      const agreement = agreementOf(option)
      const done = [...this.releases.values()].some(
        (r) =>
          r.reportId === report.id &&
          r.recipient === viewer &&
          r.agreement === agreement &&
          r.state === 'released',
      )
      if (this.modeOf(option) === 'auto' || done) under.add(agreement)
    }
    return under.size === 0 ? null : under
  }
}

export const agreementOf = (option: Allowed): string | null => option.hops[0]?.agreement ?? null

export function covers(request: HeldRequest, report: HeldReport): boolean {
  return (
    request.topic === report.topic &&
    report.launchMs >= request.windowFromMs &&
    report.launchMs < request.windowUntilMs
  )
}
