import { once } from 'node:events'
import type { Socket } from 'node:net'
import type { PartyId } from '../../domain/ids.ts'
import type { NodeContext } from '../app/context.ts'
import { reportToCot } from '../app/cot-track.ts'
import { type CotTrack, trackToCotEvent, withdrawnCotEvents } from '../../interop/cot.ts'
import {
  type Disclosable,
  type DisclosureContext,
  disclosureContext,
  mayDisclose,
  recordDisclosures,
} from '../app/disclosure.ts'
import { reportStoredBy } from '../app/event-hub.ts'
import { disclosureLabels } from '../app/release-labels.ts'
import type { ReleaseLabels } from '../../protocol/label.ts'
import { Result } from '../../lib/result.ts'
import type { TlsMaterial } from '../crypto/ca.ts'
import type { AuditEntry, ReportRow } from '../store/store.ts'
import type { RefusalTally } from './refusal-tally.ts'
import { type Client, type SocketAddress, SocketServer } from './socket-server.ts'

const ROUTE = 'cot.stream'

/**
 * CoT to TAK clients (docs/interop.md). Over TLS the client's certificate names a party: the
 * node's own, or a peer; the client receives every report held, then each report as it is
 * stored or released to that party, as far as the disclosure policy lets that party see it at
 * the instant the report is sent (`mayDisclose`), and what went to a party other than the
 * node's own is recorded (`recordDisclosures`, path `cot-stream`). Over plain TCP
 * (`insecure`, loopback only) the client sees the node's own picture.
 */
export async function startCotStream(
  ctx: NodeContext,
  listen: { readonly host: string; readonly port: number },
  tls: TlsMaterial | null,
  tally: RefusalTally,
): Promise<{ readonly address: SocketAddress; close(): Promise<void> }> {
  const refuse = (remote: string, reason: string): void =>
    tally.note({ type: 'auth-failure', route: ROUTE, remote, reason })
  const server = new SocketServer({
    tls,
    onRefused: refuse,
    onConnection: (socket, client) => {
      const viewer = viewerOf(ctx, client)
      if (!viewer.ok) {
        refuse(client.remote, viewer.issues)
        socket.destroy()
        return
      }
      void new StreamClient(ctx, socket, viewer.value).serve()
    },
  })
  const address = await server.listen(listen.host, listen.port)
  return { address, close: () => server.close() }
}

/** The party whose view this client gets, or why it gets none. */
function viewerOf(ctx: NodeContext, client: Client): Result<PartyId, string> {
  const identity = client.identity
  if (identity === null) return Result.ok(ctx.party) // plain TCP on loopback: the node's own machine
  if (identity.kind === 'role')
    return Result.fail(
      `the certificate names role ${identity.role}; the stream needs one naming a party`,
    )
  const party = identity.party as PartyId
  if (!ctx.index.registry.parties.has(party))
    return Result.fail(`the certificate names party ${party}, which is not a party of the registry`)
  return Result.ok(party)
}

/** What the policy's verdict lets a path record: the agreement it was disclosed under. */
function shownAs(
  report: ReportRow,
  verdict: NonNullable<ReturnType<typeof mayDisclose>>,
  labels: ReleaseLabels | undefined,
): Disclosable {
  const agreement = verdict === 'own' ? null : (verdict.hops[0]?.agreement ?? null)
  return { report, agreement, ...(labels === undefined ? {} : { labels }) }
}

/** A stored report never changes, nor do its CoT events: built once per report, not per client. */
const cotCache = new WeakMap<NodeContext, Map<string, string>>()
const COT_CACHE_REPORTS = 20_000

/** A report's events, one per line; null when they cannot be built (the report is skipped). */
function cotTextOf(
  ctx: NodeContext,
  report: ReportRow,
  viewer: PartyId,
  labels: ReleaseLabels | undefined,
): string | null {
  // Labelled for one viewer (a release): one text per report and viewer then.
  const key = labels === undefined ? report.id : `${report.id} ${viewer}`
  let cache = cotCache.get(ctx)
  if (cache === undefined) {
    cache = new Map<string, string>()
    cotCache.set(ctx, cache)
  }
  let text = cache.get(key)
  if (text === undefined) {
    try {
      text = `${reportToCot(report, labels).join('\n')}\n`
    } catch {
      return null // a report no CoT can show must not stop the stream (security review H5)
    }
    if (cache.size >= COT_CACHE_REPORTS) cache.clear()
    cache.set(key, text)
  }
  return text
}

/**
 * How long, on the node's clock, the backlog reuses one disclosure context: not past the
 * instant it was taken (an agreement may end, a consent lapse, in the next millisecond).
 */
const CONTEXT_REUSE_MS = 0
/** Disclosures of the backlog recorded in batches of at most this many reports. */
const RECORD_BATCH = 200

class StreamClient {
  readonly #ctx: NodeContext
  readonly #socket: Socket
  readonly #viewer: PartyId
  #context: DisclosureContext | null = null
  /** Sent under `#context`, not yet recorded. */
  #shown: Disclosable[] = []
  /** The reports this client was sent: a withdrawal takes them off its map (issue 12). */
  readonly #sent = new Set<string>()

  constructor(ctx: NodeContext, socket: Socket, viewer: PartyId) {
    this.#ctx = ctx
    this.#socket = socket
    this.#viewer = viewer
  }

  async serve(): Promise<void> {
    // Subscribed before the backlog is read: a report stored meanwhile may come twice, never not.
    const unsubscribe = this.#ctx.events.subscribe((entry) => {
      // Whatever goes wrong with one live report ends no process (security review H5).
      this.#live(entry).catch(() => this.#socket.destroy())
    })
    this.#socket.once('close', unsubscribe)
    this.#socket.resume() // what a client sends (pings) is read and dropped
    try {
      for (const report of await this.#ctx.store.listReports({})) {
        if (this.#socket.destroyed) break
        const context = await this.#contextFor(false)
        // A slow client is waited for, and the node serves others meanwhile.
        if (!this.#send(report, context)) {
          await Promise.race([once(this.#socket, 'drain'), once(this.#socket, 'close')])
          await this.#contextFor(true)
        } else await new Promise<void>((resolve) => setImmediate(resolve))
        if (this.#shown.length >= RECORD_BATCH) await this.#record()
      }
      await this.#record()
    } catch {
      this.#socket.destroy() // the store is closing (the node is stopping), or the client went away
    }
  }

  /** A report just stored, or released to this viewer by an officer: decided now. */
  async #live(entry: AuditEntry): Promise<void> {
    if (entry.type === 'withdrawal') return this.#withdrawn(entry)
    if (entry.type === 'track') return this.#tracks(entry)
    const reportId = reportStoredBy(entry) ?? this.#releasedTo(entry)
    if (reportId === null || this.#socket.destroyed) return
    const report = await this.#ctx.store.getReport(reportId)
    if (report === undefined) return
    const context = await disclosureContext(this.#ctx, this.#viewer, this.#ctx.now())
    const verdict = mayDisclose(this.#ctx, report, context)
    if (verdict === null) return
    const labels = disclosureLabels(this.#ctx, report, this.#viewer, verdict)
    const text = cotTextOf(this.#ctx, report, this.#viewer, labels)
    if (text === null || !this.#socket.writable) return
    const shown = shownAs(report, verdict, labels)
    // On the record before it leaves: a failed record sends nothing.
    await recordDisclosures(this.#ctx, this.#viewer, 'cot-stream', [shown], context.atMs)
    this.#sent.add(report.id)
    this.#socket.write(text)
  }

  /**
   * A report this client was sent is withdrawn: its events again with `stale` now (TAK removes
   * them). Only to a client that holds them already, so the removal shows nothing new.
   */
  async #withdrawn(entry: AuditEntry): Promise<void> {
    const reportId = entry.subject
    if (reportId === null || !this.#sent.has(reportId) || !this.#socket.writable) return
    const report = await this.#ctx.store.getReport(reportId)
    if (report === undefined) return
    const reason = typeof entry.data['reason'] === 'string' ? entry.data['reason'] : ''
    this.#sent.delete(reportId)
    this.#socket.write(`${withdrawnCotEvents(report, this.#ctx.now(), reason).join('\n')}\n`)
  }

  /**
   * A batch of tracks applied here: each track's latest state as one event, if the viewer may
   * see the track's report now and the track carries the report's marking (a track with its
   * own marking is not shown to another party here: it would need its own decision).
   */
  async #tracks(entry: AuditEntry): Promise<void> {
    const originator = entry.data['originator']
    const numbers = entry.data['tracks']
    if (typeof originator !== 'string' || !Array.isArray(numbers) || entry.subject === null) return
    const report = await this.#ctx.store.getReport(entry.subject)
    const own = this.#viewer === this.#ctx.party
    const context = own ? null : await disclosureContext(this.#ctx, this.#viewer, this.#ctx.now())
    const verdict =
      report === undefined || context === null ? null : mayDisclose(this.#ctx, report, context)
    if (!own && (report === undefined || verdict === null)) return
    const lines: string[] = []
    for (const n of numbers) {
      if (typeof n !== 'number') continue
      const track = await this.#ctx.store.getTrack(originator, n)
      if (track === undefined) continue
      const sameMarking =
        report !== undefined &&
        track.level === report.level &&
        JSON.stringify(track.releasableTo) === JSON.stringify(report.releasableTo)
      if (!own && !sameMarking) continue
      try {
        lines.push(trackToCotEvent(track as unknown as CotTrack))
      } catch {
        // a track no CoT can show must not stop the stream (security review H5)
      }
    }
    if (lines.length === 0 || !this.#socket.writable) return
    if (!own && report !== undefined && verdict !== null && context !== null) {
      const shown = shownAs(
        report,
        verdict,
        disclosureLabels(this.#ctx, report, this.#viewer, verdict),
      )
      await recordDisclosures(this.#ctx, this.#viewer, 'cot-stream', [shown], context.atMs)
    }
    this.#socket.write(`${lines.join('\n')}\n`)
  }

  #releasedTo(entry: AuditEntry): string | null {
    return entry.type === 'approval' &&
      entry.party === this.#viewer &&
      entry.data['approved'] === true
      ? entry.subject
      : null
  }

  /** Sends the report if the policy lets the viewer see it under `context`; false: wait for drain. */
  #send(report: ReportRow, context: DisclosureContext): boolean {
    const verdict = mayDisclose(this.#ctx, report, context)
    if (verdict === null) return true
    const labels = disclosureLabels(this.#ctx, report, this.#viewer, verdict)
    const text = cotTextOf(this.#ctx, report, this.#viewer, labels)
    if (text === null || !this.#socket.writable) return true
    const more = this.#socket.write(text)
    this.#sent.add(report.id)
    this.#shown.push(shownAs(report, verdict, labels))
    return more
  }

  /** The context the backlog decides under: renewed after a wait or once the clock moved on. */
  async #contextFor(waited: boolean): Promise<DisclosureContext> {
    const nowMs = this.#ctx.now()
    const current = this.#context
    if (current !== null && !waited && nowMs - current.atMs <= CONTEXT_REUSE_MS) return current
    await this.#record()
    this.#context = await disclosureContext(this.#ctx, this.#viewer, nowMs)
    return this.#context
  }

  /** Records what was sent under the current context (at its instant). */
  async #record(): Promise<void> {
    const shown = this.#shown
    if (shown.length === 0 || this.#context === null) return
    this.#shown = []
    await recordDisclosures(this.#ctx, this.#viewer, 'cot-stream', shown, this.#context.atMs)
  }
}
