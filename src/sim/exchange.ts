import type { Allowed, Hop, Reason } from '../domain/decision.ts'
import type { Level, PartyId } from '../domain/ids.ts'
import type { ReportFacts } from '../domain/registry.ts'
import {
  agreementsBetween,
  type CompiledAgreement,
  type RegistryIndex,
} from '../domain/registry-index.ts'
import { isDenied, releaseOptions } from '../domain/release.ts'
import { EventQueue } from './event-queue.ts'
import type { InfoRequest, Launch } from './model.ts'
import type { TimelineEvent, TimelineReason } from './timeline.ts'

/** A party's own first report of a launch, from its sensors (seconds after launch). */
export interface OwnReport {
  readonly sensor: string
  readonly detectedS: number
  readonly reportedS: number
}

export interface PartyOutcome {
  readonly party: PartyId
  readonly own: OwnReport | null
  readonly receivedS: number | null
  /** The originator of the first report received, and the path it travelled. */
  readonly receivedFrom: PartyId | null
  readonly path: readonly PartyId[] | null
  readonly knowsS: number | null
  readonly events: readonly TimelineEvent[]
}

interface Transfer {
  readonly from: PartyId
  readonly to: PartyId
  readonly report: ReportFacts
  readonly hop: Hop
  readonly path: readonly PartyId[]
  readonly relay: boolean
  readonly answer: boolean
  /** The level at which a relaying holder holds the report; null for the originator. */
  readonly heldAs: Level | null
  /** For a hub's relay: the mediated agreement the report came under. */
  readonly via: CompiledAgreement | null
  /** When the engine allowed it (seconds after launch). */
  readonly decidedS: number
}

type Action =
  | { readonly kind: 'report'; readonly party: PartyId }
  | { readonly kind: 'send' | 'arrive'; readonly transfer: Transfer }
  | { readonly kind: 'request'; readonly from: PartyId; readonly to: PartyId }
  | {
      readonly kind: 'request-arrive'
      readonly from: PartyId
      readonly to: PartyId
      readonly latencyS: number
    }
  | {
      readonly kind: 'denial-arrive'
      readonly from: PartyId
      readonly to: PartyId
      readonly reasons: readonly TimelineReason[]
    }

interface PartyState {
  reportedS: number | null
  receivedS: number | null
  receivedFrom: PartyId | null
  path: readonly PartyId[] | null
  knowsS: number | null
  readonly events: TimelineEvent[]
  readonly waitingRequests: { readonly from: PartyId; readonly latencyS: number }[]
}

/**
 * The discrete-event exchange for one launch: own reports, releases through the release
 * engine with each agreement's release mode, link latency per hop, hub relays, requests and
 * answers. Pure: the same input yields the same timeline.
 */
export function runExchange(
  index: RegistryIndex,
  launch: Launch,
  ownReports: ReadonlyMap<PartyId, OwnReport>,
  requests: readonly InfoRequest[],
): PartyOutcome[] {
  return new ExchangeRun(index, launch, ownReports, requests).run()
}

class ExchangeRun {
  readonly #queue = new EventQueue<Action>()
  readonly #state = new Map<PartyId, PartyState>()
  readonly #parties: readonly PartyId[]

  readonly index: RegistryIndex
  readonly launch: Launch
  readonly ownReports: ReadonlyMap<PartyId, OwnReport>
  readonly requests: readonly InfoRequest[]

  constructor(
    index: RegistryIndex,
    launch: Launch,
    ownReports: ReadonlyMap<PartyId, OwnReport>,
    requests: readonly InfoRequest[],
  ) {
    this.index = index
    this.launch = launch
    this.ownReports = ownReports
    this.requests = requests
    this.#parties = [...index.registry.parties.keys()].sort()
    for (const party of this.#parties) {
      this.#state.set(party, {
        reportedS: null,
        receivedS: null,
        receivedFrom: null,
        path: null,
        knowsS: null,
        events: [],
        waitingRequests: [],
      })
    }
  }

  run(): PartyOutcome[] {
    for (const party of this.#parties) {
      const own = this.ownReports.get(party)
      if (own === undefined) continue
      this.#emit({ type: 'detected', t: own.detectedS, party, sensor: own.sensor })
      this.#queue.push(own.reportedS, { kind: 'report', party })
    }
    for (let next = this.#queue.pop(); next !== undefined; next = this.#queue.pop()) {
      this.#handle(next.t, next.item)
    }
    return this.#parties.map((party) => this.#outcome(party))
  }

  #outcome(party: PartyId): PartyOutcome {
    const s = this.#of(party)
    const events = s.events.sort((a, b) => a.t - b.t)
    return {
      party,
      own: this.ownReports.get(party) ?? null,
      receivedS: s.receivedS,
      receivedFrom: s.receivedFrom,
      path: s.path,
      knowsS: s.knowsS,
      events,
    }
  }

  #of(party: PartyId): PartyState {
    const state = this.#state.get(party)
    if (state === undefined) throw new Error(`party ${party} is not in the registry`)
    return state
  }

  #emit(event: TimelineEvent): void {
    this.#of(event.party).events.push(event)
  }

  #atMs(t: number): number {
    return this.launch.timeMs + Math.round(t * 1000)
  }

  #handle(t: number, action: Action): void {
    switch (action.kind) {
      case 'report':
        return this.#onReport(t, action.party)
      case 'send':
        return this.#onSend(t, action.transfer)
      case 'arrive':
        return this.#onArrive(t, action.transfer)
      case 'request':
        return this.#onRequest(t, action.from, action.to)
      case 'request-arrive':
        return this.#onRequestArrive(t, action.from, action.to, action.latencyS)
      case 'denial-arrive':
        this.#emit({
          type: 'denial-received',
          t,
          party: action.to,
          from: action.from,
          reasons: action.reasons,
        })
    }
  }

  #ownReport(party: PartyId): ReportFacts | null {
    const level = this.launch.marking.get(party)
    if (level === undefined) return null
    return {
      id: `${this.launch.id}/${party}`,
      originator: party,
      level,
      topic: this.launch.topic,
      releasableTo: null,
    }
  }

  /** A party knows of the launch at its first own report or receipt; its requests start then. */
  #learn(party: PartyId, t: number): void {
    const state = this.#of(party)
    if (state.knowsS !== null) return
    state.knowsS = t
    for (const request of this.requests) {
      if (request.launch !== this.launch.id || request.from !== party) continue
      this.#queue.push(t + request.afterS, { kind: 'request', from: party, to: request.to })
    }
  }

  #onReport(t: number, party: PartyId): void {
    const state = this.#of(party)
    state.reportedS = t
    this.#emit({ type: 'reported', t, party })
    this.#learn(party, t)
    const report = this.#ownReport(party)
    if (report !== null) {
      for (const to of this.#parties) {
        if (to !== party) this.#release(t, party, to, report, null, [party], null)
      }
    }
    for (const waiting of state.waitingRequests.splice(0))
      this.#answer(t, party, waiting.from, waiting.latencyS)
  }

  /** Every agreement that allows the transfer is a way for the report to go, each by its mode. */
  #release(
    t: number,
    holder: PartyId,
    to: PartyId,
    report: ReportFacts,
    heldAs: Level | null,
    path: readonly PartyId[],
    /** For a hub's relay: the mediated agreement the report came under. */
    via: CompiledAgreement | null,
  ): void {
    const prefer = via === null ? undefined : (c: CompiledAgreement) => c === via
    const outcome = releaseOptions(this.index, {
      holder,
      recipient: to,
      report,
      levelAtHolder: heldAs,
      atMs: this.#atMs(t),
      prefer,
    })
    if (isDenied(outcome)) {
      this.#emit({
        type: 'release-denied',
        t,
        party: holder,
        to,
        originator: report.originator,
        reasons: reasonsOf(outcome.reasons),
      })
      return
    }
    for (const option of outcome) this.#schedule(t, holder, to, report, option, path, via, heldAs)
  }

  #schedule(
    t: number,
    holder: PartyId,
    to: PartyId,
    report: ReportFacts,
    option: Allowed,
    path: readonly PartyId[],
    via: CompiledAgreement | null,
    heldAs: Level | null,
  ): void {
    const hop = option.hops[0] as Hop
    const compiled = hop.agreement === null ? undefined : this.index.agreements.get(hop.agreement)
    // The hub's handling time applies to every relay, whichever agreement carries it on.
    const relay = via !== null
    const leaveS = t + (via?.agreement.relayDelayS ?? 0)
    const transfer: Transfer = {
      from: holder,
      to,
      report,
      hop,
      path: [...path, to],
      relay,
      answer: false,
      heldAs,
      via,
      decidedS: t,
    }
    const base = { party: holder, to, originator: report.originator, agreement: hop.agreement }
    switch (hop.release ?? 'auto') {
      case 'auto':
        return this.#queue.push(leaveS, { kind: 'send', transfer })
      case 'manual': {
        const releaseAtS = leaveS + (compiled?.agreement.approvalDelayS ?? 0)
        this.#emit({ type: 'release-queued', t, ...base, releaseAtS })
        return this.#queue.push(releaseAtS, { kind: 'send', transfer })
      }
      case 'on-request':
        return this.#emit({ type: 'release-held', t, ...base, releaseAtS: null })
    }
  }

  /**
   * As a node does at every egress (an approval, an answer, a relay after its handling time),
   * the engine is asked again at the instant the report leaves: a release no longer allowed by
   * the agreement it was decided under does not leave.
   */
  #stillAllowed(t: number, transfer: Transfer): boolean {
    // The engine is pure: asked again at the instant it allowed the transfer, it says the same.
    if (t === transfer.decidedS) return true
    const { from, to, report, hop, heldAs, via } = transfer
    const outcome = releaseOptions(this.index, {
      holder: from,
      recipient: to,
      report,
      levelAtHolder: heldAs,
      atMs: this.#atMs(t),
      prefer: via === null ? undefined : (c: CompiledAgreement) => c === via,
    })
    if (!isDenied(outcome) && outcome.some((o) => o.hops[0]?.agreement === hop.agreement))
      return true
    const reasons = isDenied(outcome)
      ? reasonsOf(outcome.reasons)
      : [
          {
            code: 'AGREEMENT_NO_LONGER_ALLOWS',
            message: `${hop.agreement ?? 'a public release'} no longer allows it`,
          },
        ]
    this.#emit({
      type: 'release-denied',
      t,
      party: from,
      to,
      originator: report.originator,
      reasons,
    })
    return false
  }

  #onSend(t: number, transfer: Transfer): void {
    if (!this.#stillAllowed(t, transfer)) return
    const { from, to, report, hop, relay, answer } = transfer
    this.#emit({
      type: 'sent',
      t,
      party: from,
      to,
      originator: report.originator,
      agreement: hop.agreement,
      relay,
      answer,
    })
    this.#queue.push(t + hop.linkLatencyMs / 1000, { kind: 'arrive', transfer })
  }

  #onArrive(t: number, transfer: Transfer): void {
    const { from, to, report, hop, path } = transfer
    this.#emit({
      type: 'received',
      t,
      party: to,
      from,
      originator: report.originator,
      agreement: hop.agreement,
      path,
      level: hop.level,
    })
    const state = this.#of(to)
    if (state.receivedS === null) {
      state.receivedS = t
      state.receivedFrom = report.originator
      state.path = path
    }
    this.#learn(to, t)
    const compiled = hop.agreement === null ? undefined : this.index.agreements.get(hop.agreement)
    if (compiled === undefined || transfer.relay) return
    const { kind, hub, parties } = compiled.agreement
    if (kind !== 'mediated' || hub !== to) return
    // The hub relays what it receives under a mediated agreement to the other members (R4).
    for (const member of [...parties].sort()) {
      if (member === to || member === report.originator) continue
      this.#release(t, to, member, report, hop.level, path, compiled)
    }
  }

  #onRequest(t: number, from: PartyId, to: PartyId): void {
    this.#emit({ type: 'request-sent', t, party: from, to })
    const latencyS = this.#linkLatencyS(from, to)
    this.#queue.push(t + latencyS, { kind: 'request-arrive', from, to, latencyS })
  }

  #onRequestArrive(t: number, from: PartyId, to: PartyId, latencyS: number): void {
    this.#emit({ type: 'request-received', t, party: to, from })
    const asked = this.#of(to)
    if (asked.reportedS === null) asked.waitingRequests.push({ from, latencyS })
    else this.#answer(t, to, from, latencyS)
  }

  /** An answer leaves after the agreement's approval delay, whatever its release mode. */
  #answer(t: number, asked: PartyId, requester: PartyId, requestLatencyS: number): void {
    const report = this.#ownReport(asked)
    if (report === null) return
    const outcome = releaseOptions(this.index, {
      holder: asked,
      recipient: requester,
      report,
      atMs: this.#atMs(t),
    })
    if (isDenied(outcome)) {
      const reasons = reasonsOf(outcome.reasons)
      this.#emit({ type: 'answer-denied', t, party: asked, to: requester, reasons })
      this.#queue.push(t + requestLatencyS, {
        kind: 'denial-arrive',
        from: asked,
        to: requester,
        reasons,
      })
      return
    }
    // The answer goes by whichever allowed agreement brings it soonest.
    const { hop, approvalS } = this.#fastestAnswer(outcome)
    if (approvalS > 0) {
      this.#emit({
        type: 'release-queued',
        t,
        party: asked,
        to: requester,
        originator: asked,
        agreement: hop.agreement,
        releaseAtS: t + approvalS,
      })
    }
    const transfer: Transfer = {
      from: asked,
      to: requester,
      report,
      hop,
      path: [asked, requester],
      relay: false,
      answer: true,
      heldAs: null,
      via: null,
      decidedS: t,
    }
    this.#queue.push(t + approvalS, { kind: 'send', transfer })
  }

  #fastestAnswer(options: readonly Allowed[]): { hop: Hop; approvalS: number } {
    let best: { hop: Hop; approvalS: number } | null = null
    for (const option of options) {
      const hop = option.hops[0] as Hop
      const compiled = hop.agreement === null ? undefined : this.index.agreements.get(hop.agreement)
      const approvalS = compiled?.agreement.approvalDelayS ?? 0
      const arrival = approvalS + hop.linkLatencyMs / 1000
      if (best === null || arrival < best.approvalS + best.hop.linkLatencyMs / 1000)
        best = { hop, approvalS }
    }
    if (best === null) throw new Error('an allowed outcome has at least one option')
    return best
  }

  /** A request travels over the cheapest link between the two parties. */
  #linkLatencyS(from: PartyId, to: PartyId): number {
    // Agreements come cheapest first; a request is not classified, so any link will do.
    return (agreementsBetween(this.index, from, to)[0]?.agreement.linkLatencyMs ?? 0) / 1000
  }
}

function reasonsOf(reasons: readonly Reason[]): TimelineReason[] {
  return reasons.map((r) => ({ code: r.code, message: r.message }))
}
