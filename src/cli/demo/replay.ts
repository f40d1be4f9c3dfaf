import { join } from 'node:path'
import type { PartyId } from '../../domain/ids.ts'
import {
  agreementsBetween,
  buildRegistryIndex,
  type RegistryIndex,
} from '../../domain/registry-index.ts'
import { formatInstant } from '../../domain/time.ts'
import type { AuditEntry } from '../../node/store/store.ts'
import type { SimulationInput } from '../../sim/model.ts'
import { firstReports, simulate, type SimulationResult } from '../../sim/simulate.ts'
import { launchTrajectory } from '../../sim/simulate.ts'
import {
  followAudit,
  type LocalNode,
  prepareNetwork,
  startNodeProcess,
  stopNodeProcess,
} from '../local-network.ts'
import { loadScenario } from '../load-scenario.ts'
import { playSunchonImagery } from './imagery.ts'
import {
  type Correlation,
  type LiveEvent,
  liveEventOf,
  liveResults,
  type PictureUpdate,
  uncorrelated,
} from './live.ts'
import { Pictures } from './pictures.ts'
import {
  CORRECTED_AFTER_S,
  correction,
  earlyEstimate,
  falseAlarm,
  firstReporter,
} from './scripted.ts'
import { secondBatches, TrackFeed } from './track-feed.ts'
import { launchTracks } from '../../sim/track-updates.ts'

export interface RunSpec {
  readonly id: string
  readonly whatIfs: readonly string[]
}

export type RunStatus = 'pending' | 'running' | 'done'

/** Seconds of simulated time before the first launch, and after the last impact. */
const LEAD_S = 20
const TAIL_S = 60
/** Real time left for the node processes to start before the exercise clock reaches its origin. */
const STARTUP_MS = 8_000
/** The seed of the sensors' measurement noise: every run of the demo measures the same. */
const TRACK_NOISE_SEED = 2019

/**
 * One replay: three fresh nodes on a shared exercise clock; each party's node ingests its own
 * detections at the simulated instants; the demo plays the release officers (approving after
 * the agreements' approval delays) and the requesters of the scenario's `requests`.
 */
export class Run {
  readonly spec: RunSpec
  readonly input: SimulationInput
  readonly index: RegistryIndex
  readonly expected: SimulationResult
  readonly events: LiveEvent[] = []
  /** Each party's own picture, as its node holds it. */
  readonly pictures: Pictures
  status: RunStatus = 'pending'
  nodes: LocalNode[] = []
  readonly #file: string
  readonly #speed: number
  readonly #onEvent: (event: LiveEvent) => void
  readonly #timers = new Set<ReturnType<typeof setTimeout>>()
  readonly #streams: AbortController[] = []
  readonly #corr: Correlation & {
    launchOfReport: Map<string, string>
    launchOfRequest: Map<string, string>
  }
  readonly #knows = new Set<string>()
  /** Entries that wait for their report's or request's launch (see `uncorrelated`). */
  readonly #waiting = new Map<string, { node: LocalNode; entry: AuditEntry }[]>()
  #originMs = 0
  #startedAtMs = 0

  constructor(
    file: string,
    spec: RunSpec,
    speed: number,
    onEvent: (event: LiveEvent) => void,
    onPicture: (update: PictureUpdate) => void = () => undefined,
  ) {
    this.spec = spec
    this.pictures = new Pictures(spec.id, onPicture)
    this.#file = file
    this.#speed = speed
    this.#onEvent = onEvent
    this.input = loadScenario(file, spec.whatIfs).input
    this.index = buildRegistryIndex(this.input.registry)
    this.expected = simulate(this.input, spec.whatIfs)
    const launchMs = new Map(this.input.launches.map((l) => [l.id, l.timeMs]))
    this.#corr = {
      launchOfReport: new Map(),
      launchOfRequest: new Map(),
      reportOfRelease: new Map(),
      agreementOfRelease: new Map(),
      launchMs,
    }
  }

  get zone(): string {
    return this.index.registry.timeZone
  }

  /**
   * Runs the replay to its end; resolves when the last launch's impact is a minute past.
   * `onStarted` hears of the nodes once they answer (the demo prints their consoles).
   */
  async play(root: string, onStarted?: (nodes: readonly LocalNode[]) => void): Promise<void> {
    this.status = 'running'
    const launches = this.input.launches
    this.#originMs = Math.min(...launches.map((l) => l.timeMs)) - LEAD_S * 1000
    this.#startedAtMs = Date.now() + STARTUP_MS
    this.nodes = await prepareNetwork({
      root: join(root, this.spec.id),
      scenario: this.#file,
      parties: [...this.input.registry.parties.keys()],
      options: Object.fromEntries(
        [...this.input.registry.parties.keys()].map((p) => [
          p,
          { whatIfs: this.spec.whatIfs, answerRequests: 'officer' as const },
        ]),
      ),
      clock: {
        originAt: formatInstant(this.#originMs, this.zone),
        startedAtMs: this.#startedAtMs,
        speed: this.#speed,
      },
    })
    await Promise.all(this.nodes.map((n) => startNodeProcess(n)))
    onStarted?.(this.nodes)
    for (const node of this.nodes) this.#follow(node)
    this.#scheduleReports()
    this.#scheduleScripted()
    // Issue 17: Japan holds an image of Sunchon, Korea asks for it (in the background).
    void playSunchonImagery(this.nodes, (line) => process.stdout.write(`${line}\n`))
    const endMs =
      Math.max(...this.expected.launches.map((l) => Date.parse(l.impactAt))) + TAIL_S * 1000
    await new Promise<void>((resolve) => this.#at(endMs, resolve))
    this.status = 'done'
  }

  /** The simulated instant now, on the nodes' shared clock. */
  simNow(): number {
    return this.#originMs + (Date.now() - this.#startedAtMs) * this.#speed
  }

  #at(simMs: number, fn: () => void): void {
    const delay = Math.max(
      0,
      this.#startedAtMs + (simMs - this.#originMs) / this.#speed - Date.now(),
    )
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      fn()
    }, delay)
    this.#timers.add(timer)
  }

  #scheduleReports(): void {
    for (const [i, launch] of this.input.launches.entries()) {
      // The launch as the model flies it, boost phase included, so nodes and model agree.
      const trajectory = launchTrajectory(launch)
      const tracks = launchTracks(launch, i, trajectory, this.input.sensors, TRACK_NOISE_SEED)
      for (const [party, own] of firstReports(trajectory, this.input.sensors)) {
        const node = this.#node(party)
        const level = launch.marking.get(party)
        if (node === undefined || level === undefined) continue
        const plain = {
          marking: { originator: party, level },
          topic: launch.topic,
          launch: {
            time: formatInstant(launch.timeMs, this.zone),
            site: launch.site,
            impact: launch.impact,
            rangeKm: launch.rangeKm,
            apogeeKm: launch.apogeeKm,
            launchId: launch.id,
            text: `${own.sensor} detection`,
          },
        }
        const corrected = i === 0 && party === firstReporter(trajectory, this.input)
        const body = corrected ? earlyEstimate(plain) : plain
        // The party's sensors' tracks, posted as its gateway would, once a second of demo time.
        const feed = new TrackFeed((batch) =>
          this.#post(node, 'operator', '/api/tracks/updates', batch),
        )
        for (const batch of secondBatches(tracks.filter((t) => t.party === party)))
          this.#at(batch.atMs, () => feed.push(batch.messages))
        this.#at(launch.timeMs + own.reportedS * 1000, () => {
          void this.#post<{ report: { id: string } }>(node, 'operator', '/api/reports', body).then(
            (r) => {
              if (r === null) return
              this.#corr.launchOfReport.set(r.report.id, launch.id)
              this.#release(`report:${r.report.id}`)
              feed.reportKnown(r.report.id)
              if (corrected)
                this.#correctLater(node, r.report.id, correction(plain, launch), launch.id)
            },
          )
        })
      }
    }
  }

  /** The scripted correction: count 1 → 2 and the range measured, 30 s after the report. */
  #correctLater(node: LocalNode, reportId: string, body: unknown, launchId: string): void {
    this.#at(this.simNow() + CORRECTED_AFTER_S * 1000, () => {
      const path = `/api/reports/${reportId}/corrections`
      void this.#post<{ report: { id: string } }>(node, 'operator', path, body).then((r) => {
        if (r === null) return
        this.#corr.launchOfReport.set(r.report.id, launchId)
        this.#release(`report:${r.report.id}`)
      })
    })
  }

  /** The scripted false alarm: issued, then withdrawn 20 s later (see scripted.ts). */
  #scheduleScripted(): void {
    const alarm = falseAlarm(this.input, this.zone)
    const node = alarm === null ? undefined : this.#node(alarm.party)
    if (alarm === null || node === undefined) return
    this.#at(alarm.issueAtMs, () => {
      void this.#post<{ report: { id: string } }>(
        node,
        'operator',
        '/api/reports',
        alarm.body,
      ).then((r) => {
        if (r === null) return
        const path = `/api/reports/${r.report.id}/withdraw`
        this.#at(alarm.withdrawAtMs, () => {
          void this.#post(node, 'operator', path, { reason: alarm.reason })
        })
      })
    })
  }

  #node(party: string): LocalNode | undefined {
    return this.nodes.find((n) => n.party === party)
  }

  async #post<T>(
    node: LocalNode,
    role: 'operator' | 'release-officer',
    path: string,
    body: unknown,
    /** A conflict that is no mistake (a release the engine denied meanwhile): not printed. */
    quietConflict = false,
  ): Promise<T | null> {
    try {
      const response = await fetch(`${node.url}${path}`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${node.tokens[role]}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      })
      if (quietConflict && response.status === 409) return null
      if (!response.ok) throw new Error(`HTTP ${response.status}: ${await response.text()}`)
      return (await response.json()) as T
    } catch (error) {
      process.stderr.write(`entente demo: ${node.party} ${path}: ${(error as Error).message}\n`)
      return null
    }
  }

  /** Follows a node's audit stream; turns entries into live events and plays the officers. */
  #follow(node: LocalNode): void {
    const abort = new AbortController()
    this.#streams.push(abort)
    void followAudit(node, abort.signal, (entry) => this.#onEntry(node, entry))
  }

  #onEntry(node: LocalNode, entry: AuditEntry): void {
    this.pictures.onEntry(node, entry)
    if (entry.type === 'decision' && entry.data['state'] === 'pending-approval')
      this.#approveLater(node, entry)
    if (entry.type === 'request' && entry.data['direction'] === 'incoming')
      this.#answerLater(node, entry)
    this.#show(node, entry)
  }

  /** Shows an entry as a live event, or keeps it until its launch is known. */
  #show(node: LocalNode, entry: AuditEntry): void {
    const key = uncorrelated(entry, this.#corr)
    if (key !== null) {
      this.#waiting.set(key, [...(this.#waiting.get(key) ?? []), { node, entry }])
      return
    }
    const event = liveEventOf(this.spec.id, node.party, entry, this.#corr, (ms) =>
      formatInstant(ms, this.zone),
    )
    if (event === null) return
    this.events.push(event)
    this.#onEvent(event)
    if ((event.type === 'ingest' || event.type === 'received') && event.launch !== null)
      this.#learn(node.party, event.launch)
  }

  /** Shows the entries that waited for `key`, now that its launch is known. */
  #release(key: string): void {
    const waiting = this.#waiting.get(key) ?? []
    this.#waiting.delete(key)
    for (const { node, entry } of waiting) this.#show(node, entry)
  }

  /** The officer approves after the agreement's approval delay (the relay's after its handling). */
  #approveLater(node: LocalNode, entry: AuditEntry): void {
    const releaseId = String(entry.data['releaseId'])
    const agreement = this.index.agreements.get(String(entry.data['agreement']) as never)?.agreement
    const delayS = agreement?.approvalDelayS ?? 0
    // A report withdrawn or corrected while its release waited is denied at egress: no error.
    const path = `/api/releases/${releaseId}/approve`
    this.#at(
      entry.atMs + delayS * 1000,
      () => void this.#post(node, 'release-officer', path, {}, true),
    )
  }

  /** Requests are answered after the approval delay of the fastest agreement between the two. */
  #answerLater(node: LocalNode, entry: AuditEntry): void {
    const requester = entry.party as PartyId
    const links = agreementsBetween(this.index, node.party as PartyId, requester)
    const delayS = Math.min(...links.map((c) => c.agreement.approvalDelayS), Infinity)
    const requestId = entry.subject ?? ''
    this.#at(
      entry.atMs + (Number.isFinite(delayS) ? delayS : 0) * 1000,
      () =>
        void this.#post(node, 'release-officer', `/api/requests/${requestId}/answer`, {
          release: true,
        }),
    )
  }

  /** A party that first knows of a launch makes the scenario's requests `after_s` later. */
  #learn(party: string, launchId: string): void {
    const key = `${party}/${launchId}`
    if (this.#knows.has(key)) return
    this.#knows.add(key)
    const launch = this.input.launches.find((l) => l.id === launchId)
    const node = this.#node(party)
    if (launch === undefined || node === undefined) return
    for (const request of this.input.requests.filter(
      (r) => r.launch === launchId && r.from === party,
    )) {
      const body = {
        to: request.to,
        topic: launch.topic,
        from: formatInstant(launch.timeMs - 60_000, this.zone),
        until: formatInstant(launch.timeMs + 60_000, this.zone),
      }
      this.#at(this.simNow() + request.afterS * 1000, () => {
        void this.#post<{ id: string }>(node, 'operator', '/api/requests', body).then((r) => {
          if (r === null) return
          this.#corr.launchOfRequest.set(r.id, launchId)
          this.#release(`request:${r.id}`)
        })
      })
    }
  }

  live(): { launches: ReturnType<typeof liveResults>; timeline: readonly LiveEvent[] } {
    const launches = this.expected.launches.map((l) => ({
      id: l.id,
      flightSeconds: l.flightSeconds,
    }))
    return {
      launches: liveResults(this.events, launches, [...this.input.registry.parties.keys()]),
      timeline: this.events,
    }
  }

  async stop(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer)
    for (const stream of this.#streams) stream.abort()
    await Promise.all(this.nodes.map((n) => stopNodeProcess(n)))
  }
}
