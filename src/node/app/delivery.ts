import { asPartyId, type PartyId } from '../../domain/ids.ts'
import { readCheckpointNote } from '../audit/merkle-log.ts'
import { recordWitness } from '../audit/witness.ts'
import type { MessageVerdict } from '../../protocol/link.ts'
import type { Delivered, LinkStatus, PeerLink } from '../link/peer-link.ts'
import { type DeliveryLeases, soleProcessLeases } from '../store/leases.ts'
import type { OutboxRow, ReleaseRow, ReportRow } from '../store/store.ts'
import { auditedTransaction } from './audit-log.ts'
import type { NodeContext } from './context.ts'
import { redecideRelease } from './disclosure.ts'
import { consentsHeld } from './release-inputs.ts'
import { denyAtEgress } from './releases.ts'
import { productStillAllowed } from './products.ts'
import { type EgressReads, trackStillAllowed } from './tracks.ts'
import type { TrackBatch } from '../../protocol/track.ts'

/** How often the durable outbox is scanned for retries that have come due. */
const SCAN_INTERVAL_MS = 1_000
/**
 * On a shared store, how often: messages other processes commit for a peer whose link is
 * held here come with a nudge (NOTIFY), and this scan finds them if a nudge was lost.
 */
const SHARED_SCAN_INTERVAL_MS = 200
/** Nudged scans start at least this far apart: under load many nudges share one scan. */
const NUDGED_SCAN_SPACING_MS = 20

/**
 * A peer's link lease and this process's message claims (shared store, issue 14): they lapse
 * this long after the last renewal, so a killed holder's link and messages move within it
 * plus one renewal period (≤ 6 s); renewed every third of it while this process lives.
 */
export const LEASE_MS = 4_500
const RENEW_EVERY_MS = LEASE_MS / 3

/** One peer's lane: messages taken from the outbox for it, and its deliveries in flight. */
interface Lane {
  readonly link: PeerLink
  readonly queue: OutboxRow[]
  inFlight: number
  /** Messages in the deliveries in flight. */
  sending: number
  /** Messages were left in the outbox because the lane was full: scan again when it drains. */
  overflowed: boolean
}

/** What `GET /api/peers` shows of one peer. */
export interface PeerDelivery extends LinkStatus {
  /** Messages taken from the outbox for this peer and not yet in a delivery. */
  readonly queued: number
  /** Whether this process holds the peer's link (always, on a store of one process). */
  readonly held: boolean
}

/**
 * Delivers the outbox: at least once, through one PeerLink per peer, retried with exponential
 * backoff and jitter, resumed after a restart because the outbox is durable. New messages come
 * straight from the transaction that stored them; the store is scanned for retries, at start,
 * when a link comes up, and when a full lane drains. Per peer, messages gather while the link's
 * window of deliveries is in flight and leave together in the next one (a frame of many on the
 * live link); an idle lane sends at once, never on a timer. Before each delivery every report
 * is decided again at that instant; a message is done only when the peer's signed receipt
 * for it verified (the link checks it) and is committed here.
 *
 * Several processes of one party on one store (PostgreSQL): each peer's link is held by one
 * process at a time through a lease it renews, and only the holder opens it and delivers to
 * that peer; every message is claimed before it is sent, so none is sent by two processes.
 * A holder that dies renews nothing: another process takes the link and the messages over.
 */
export class DeliveryWorker {
  readonly #ctx: NodeContext
  readonly #lanes = new Map<string, Lane>()
  /** Ids queued or being attempted, so that a scan does not take them twice. */
  readonly #taken = new Set<string>()
  readonly #attempts = new Set<Promise<void>>()
  /** The last state announced in the audit per peer: only up and down are. */
  readonly #announced = new Map<string, 'up' | 'down'>()
  #running = false
  #scanTimer: ReturnType<typeof setTimeout> | null = null
  #scanning = false
  #rescan = false
  readonly #leases: DeliveryLeases
  /** Peers whose link this process holds. */
  readonly #held = new Set<string>()
  #renewTimer: ReturnType<typeof setInterval> | null = null
  /** Real time (ms) the last renewal that succeeded was asked: the leases last LEASE_MS from it. */
  #renewedAtMs = 0
  #renewing = false
  #stopListening: Promise<() => Promise<void>> | null = null
  /** Peers to nudge the holders of, once the nudge in flight is done (one at a time). */
  readonly #toNudge = new Set<string>()
  #nudging = false
  #nudgedScan: ReturnType<typeof setTimeout> | null = null
  #lastScanAtMs = 0

  constructor(
    ctx: NodeContext,
    links: ReadonlyMap<PartyId, PeerLink>,
    leases: DeliveryLeases = soleProcessLeases(ctx.store),
  ) {
    this.#ctx = ctx
    this.#leases = leases
    for (const [peer, link] of links) {
      this.#lanes.set(peer, { link, queue: [], inFlight: 0, sending: 0, overflowed: false })
      link.onStateChange((status) => this.#onLinkState(status))
    }
  }

  start(): void {
    this.#running = true
    if (!this.#leases.shared) {
      for (const [peer, lane] of this.#lanes) {
        this.#held.add(peer)
        lane.link.open()
      }
      void this.#scan()
      return
    }
    // Another process committed messages for a peer: if its link is held here, take them now.
    this.#stopListening = this.#leases.onNudge((peers) => {
      if (peers.some((peer) => this.#held.has(peer))) this.#scanSoon()
    })
    this.#stopListening.catch(() => undefined) // no nudges: the periodic scan finds the work
    void this.#renew()
    this.#renewTimer = setInterval(() => void this.#renew(), RENEW_EVERY_MS)
  }

  /** Stops taking new work, waits for the deliveries in flight, closes the links. */
  async stop(): Promise<void> {
    this.#running = false
    if (this.#scanTimer !== null) clearTimeout(this.#scanTimer)
    if (this.#renewTimer !== null) clearInterval(this.#renewTimer)
    if (this.#nudgedScan !== null) clearTimeout(this.#nudgedScan)
    await this.#stopListening?.then((stop) => stop()).catch(() => undefined)
    await Promise.allSettled([...this.#attempts])
    await Promise.allSettled([...this.#lanes.values()].map((lane) => lane.link.close()))
    if (this.#leases.shared) {
      // A clean stop hands the links and the messages over at once, not at the leases' expiry.
      const held = [...this.#held]
      this.#held.clear()
      await Promise.allSettled([
        ...held.map((peer) => this.#leases.releasePeer(peer)),
        this.#leases.releaseClaims(),
      ])
    }
  }

  /**
   * Takes or renews each peer's link lease and this process's claims. A link won is opened and
   * the outbox scanned for it; a link lost (another process took it after our lease lapsed, or
   * the store has not answered for most of a lease) is closed and its messages let go.
   */
  async #renew(): Promise<void> {
    if (!this.#running || this.#renewing) return
    this.#renewing = true
    const askedAtMs = Date.now()
    try {
      const won: string[] = []
      for (const [peer, lane] of this.#lanes) {
        const holds = await this.#leases.holdPeer(peer, LEASE_MS)
        if (!this.#running) return
        if (holds && !this.#held.has(peer)) {
          this.#held.add(peer)
          lane.link.open()
          won.push(peer)
        } else if (!holds && this.#held.has(peer)) await this.#letGo(peer)
      }
      await this.#leases.renewClaims([...this.#taken], LEASE_MS)
      this.#renewedAtMs = askedAtMs
      if (won.length > 0) void this.#scan()
    } catch {
      // The store did not answer: before our leases can have lapsed, stop using them.
      if (Date.now() - this.#renewedAtMs > (2 * LEASE_MS) / 3)
        for (const peer of [...this.#held]) await this.#letGo(peer).catch(() => undefined)
    } finally {
      this.#renewing = false
    }
  }

  /** This process no longer holds `peer`'s link: close it, forget its queue, free its claims. */
  async #letGo(peer: string): Promise<void> {
    const lane = this.#lanes.get(peer)
    this.#held.delete(peer)
    if (lane === undefined) return
    for (const message of lane.queue.splice(0)) this.#taken.delete(message.messageId)
    await lane.link.close()
    await this.#leases.releaseClaims(peer)
  }

  /** Each peer's link and lane, for the API. */
  peers(): PeerDelivery[] {
    return [...this.#lanes].map(([peer, lane]) => ({
      ...lane.link.status(),
      queued: lane.queue.length,
      held: this.#held.has(peer),
    }))
  }

  /** Messages just committed to the outbox. */
  add(messages: readonly OutboxRow[]): void {
    const nowMs = this.#ctx.now()
    const touched = new Set<string>()
    const elsewhere = new Set<string>()
    const leftOut: string[] = []
    for (const message of messages) {
      // Not yet due (a relay's handling time, a retry): the periodic scan will take it.
      if (this.#taken.has(message.messageId) || message.nextAttemptAtMs > nowMs) continue
      const lane = this.#lanes.get(message.recipient)
      if (lane === undefined) {
        void this.#failed([message], `no peer ${message.recipient} is configured`)
        continue
      }
      // Another process holds this peer's link: nudged, it takes the message from the outbox.
      if (!this.#held.has(message.recipient)) {
        elsewhere.add(message.recipient)
        continue
      }
      // Bounded memory for a slow peer: the rest stays in the durable outbox for a later scan.
      if (lane.queue.length >= laneCapacity(lane.link)) {
        lane.overflowed = true
        leftOut.push(message.messageId)
        continue
      }
      this.#taken.add(message.messageId)
      lane.queue.push(message)
      touched.add(message.recipient)
    }
    for (const peer of touched) this.#pump(peer)
    if (elsewhere.size > 0) this.#nudge(elsewhere)
    // Claimed by a scan but not taken: free at once for the next scan (unclaimed fresh ones are a no-op).
    if (leftOut.length > 0) void this.#leases.unclaim(leftOut).catch(() => undefined)
  }

  /** A scan for a nudge: at once, unless one started less than NUDGED_SCAN_SPACING_MS ago. */
  #scanSoon(): void {
    if (this.#nudgedScan !== null) return
    const waitMs = Math.max(0, this.#lastScanAtMs + NUDGED_SCAN_SPACING_MS - Date.now())
    this.#nudgedScan = setTimeout(() => {
      this.#nudgedScan = null
      void this.#scan()
    }, waitMs)
  }

  /** One nudge in flight at a time: the peers named meanwhile share the next one. */
  #nudge(peers: Iterable<string>): void {
    for (const peer of peers) this.#toNudge.add(peer)
    if (this.#nudging || this.#toNudge.size === 0) return
    this.#nudging = true
    const named = [...this.#toNudge]
    this.#toNudge.clear()
    void this.#leases
      .nudge(named)
      .catch(() => undefined) // the holder's periodic scan finds them
      .finally(() => {
        this.#nudging = false
        this.#nudge([])
      })
  }

  #pump(peer: string): void {
    const lane = this.#lanes.get(peer)
    if (lane === undefined) return
    // A link known down holds its queue until it is up again (see #onLinkState).
    while (
      this.#running &&
      this.#held.has(peer) &&
      lane.inFlight < lane.link.window &&
      lane.queue.length > 0 &&
      lane.link.status().state !== 'down'
    ) {
      const batch = takeBatch(lane.queue, lane.link.maxBatch)
      lane.inFlight++
      lane.sending += batch.length
      const attempt = this.#deliver(lane, batch).finally(() => {
        this.#attempts.delete(attempt)
        lane.inFlight--
        lane.sending -= batch.length
        for (const message of batch) this.#taken.delete(message.messageId)
        if (lane.overflowed && lane.queue.length < laneCapacity(lane.link) / 2) {
          lane.overflowed = false
          void this.#scan()
        }
        this.#pump(peer)
      })
      this.#attempts.add(attempt)
    }
  }

  #onLinkState(status: LinkStatus): void {
    const { state, peer } = status
    if (state === 'up') {
      this.#pump(peer)
      void this.#scan()
    }
    if (state === 'connecting') return
    const before = this.#announced.get(peer)
    if (before === state || (before === undefined && state === 'down')) return
    this.#announced.set(peer, state)
    const atMs = this.#ctx.now()
    void auditedTransaction(this.#ctx, (tx, audit) =>
      audit.append(tx, {
        atMs,
        type: 'link',
        party: peer,
        subject: null,
        data: { event: state, transport: status.transport },
      }),
    ).catch(() => undefined) // the store is closing: the state is still shown by GET /api/peers
  }

  /** Picks up retries that have come due (and, at start, what a previous run left). */
  async #scan(): Promise<void> {
    if (!this.#running) return
    if (this.#scanning) {
      this.#rescan = true
      return
    }
    this.#scanning = true
    this.#lastScanAtMs = Date.now()
    if (this.#scanTimer !== null) clearTimeout(this.#scanTimer)
    try {
      // Peer by peer, so that one peer's backlog never hides another's retries: each scan
      // reads what the lane holds already and in flight (still undelivered) plus its room.
      for (const [peer, lane] of this.#lanes) {
        if (!this.#held.has(peer) || lane.queue.length >= laneCapacity(lane.link)) continue
        // A shared store returns none of this process's own claims (queued, in flight): room only.
        const limit = this.#leases.shared
          ? laneCapacity(lane.link) - lane.queue.length
          : laneCapacity(lane.link) + lane.sending
        this.add(await this.#leases.claimDue(this.#ctx.now(), limit, LEASE_MS, peer))
      }
    } catch {
      // The store is closing or busy; the next scan tries again.
    } finally {
      this.#scanning = false
      if (this.#rescan) {
        this.#rescan = false
        void this.#scan()
      } else if (this.#running)
        this.#scanTimer = setTimeout(
          () => void this.#scan(),
          this.#leases.shared ? SHARED_SCAN_INTERVAL_MS : SCAN_INTERVAL_MS,
        )
    }
  }

  async #deliver(lane: Lane, taken: readonly OutboxRow[]): Promise<void> {
    let allowed: readonly OutboxRow[]
    let batch = taken
    try {
      // Claimed before it leaves (shared store): a message another process holds is its to send.
      if (this.#leases.shared) {
        const claimed = await this.#leases.claim(
          taken.map((m) => m.messageId),
          LEASE_MS,
        )
        batch = taken.filter((m) => claimed.has(m.messageId))
        if (batch.length === 0) return
      }
      allowed = await this.#stillAllowed(batch)
    } catch (error) {
      return this.#failed(batch, errorText(error))
    }
    if (allowed.length === 0) return
    let delivered: Delivered
    try {
      delivered = await lane.link.deliver(
        allowed.map((m) => ({ messageId: m.messageId, envelope: m.envelope })),
      )
    } catch (error) {
      return this.#failed(allowed, errorText(error))
    }
    await this.#record(allowed, delivered)
  }

  /**
   * Before every delivery (the first, a retry after days, a relay after its handling time)
   * the engine is asked again at this instant for every report in it (H1); a release no longer
   * allowed is denied with its reasons and its message withdrawn from the outbox, unsent.
   */
  async #stillAllowed(batch: readonly OutboxRow[]): Promise<OutboxRow[]> {
    const ctx = this.#ctx
    const atMs = ctx.now()
    const consents = batch.some((m) => m.kind === 'report')
      ? await consentsHeld(ctx.store, ctx.party, atMs)
      : []
    const allowed: OutboxRow[] = []
    const denied: { message: OutboxRow; release: ReleaseRow | undefined; reasons: Reasons }[] = []
    const tracksDenied: { message: OutboxRow; reasons: Reasons }[] = []
    const trackReads: EgressReads = new Map()
    const productsDenied: { message: OutboxRow; reasons: Reasons }[] = []
    for (const message of batch) {
      if (message.kind === 'track') {
        // A batch of track updates has no release row: its decision is made again here.
        const verdict = await trackStillAllowed(ctx, message, atMs, trackReads)
        if (verdict.ok) allowed.push(message)
        else tracksDenied.push({ message, reasons: verdict.reasons })
        continue
      }
      if (message.kind === 'product') {
        // Issue 17: asked again through the one disclosure policy, at this instant.
        const verdict = await productStillAllowed(ctx, message, atMs)
        if (verdict.ok) allowed.push(message)
        else productsDenied.push({ message, reasons: verdict.reasons })
        continue
      }
      if (message.kind !== 'report') {
        allowed.push(message)
        continue
      }
      const release = await ctx.store.getRelease(message.subjectId)
      const report: ReportRow | undefined =
        release === undefined ? undefined : await ctx.store.getReport(release.reportId)
      const withdrawn =
        release !== undefined && (await ctx.store.getWithdrawal(release.reportId)) !== undefined
      const verdict =
        release === undefined
          ? null
          : redecideRelease(ctx, report, release, atMs, consents, withdrawn)
      if (verdict?.ok === true) allowed.push(message)
      else denied.push({ message, release, reasons: verdict?.ok === false ? verdict.reasons : [] })
    }
    if (denied.length > 0 || tracksDenied.length > 0 || productsDenied.length > 0)
      await auditedTransaction(ctx, async (tx, audit) => {
        for (const { message, reasons } of productsDenied) {
          await tx.withdrawMessage(message.messageId, 'withdrawn: delivery', atMs)
          await audit.append(tx, {
            atMs,
            type: 'decision',
            party: message.recipient,
            subject: message.subjectId,
            data: {
              kind: 'product',
              decision: 'denied',
              egress: 'delivery',
              withdrawnMessageId: message.messageId,
              reasons,
            },
          })
        }
        for (const { message, release, reasons } of denied) {
          if (release === undefined)
            await tx.withdrawMessage(message.messageId, 'withdrawn: no release row', atMs)
          else await denyAtEgress(tx, audit, release, reasons, atMs, 'delivery', message.messageId)
        }
        for (const { message, reasons } of tracksDenied) {
          await tx.withdrawMessage(message.messageId, 'withdrawn: delivery', atMs)
          const { batch } = (JSON.parse(message.envelope) as { payload: { batch: TrackBatch } })
            .payload
          await audit.append(tx, {
            atMs,
            type: 'decision',
            party: message.recipient,
            subject: batch.reportId,
            data: {
              kind: 'track',
              batchId: batch.batchId,
              decision: 'denied',
              egress: 'delivery',
              withdrawnMessageId: message.messageId,
              reasons,
            },
          })
        }
      })
    return allowed
  }

  /** One commit for a delivery's receipt: every message marked delivered, each audited. */
  async #record(batch: readonly OutboxRow[], delivered: Delivered): Promise<void> {
    const nowMs = this.#ctx.now()
    const recipient = batch[0]?.recipient
    const witness =
      recipient === undefined
        ? undefined
        : await recordWitness(
            this.#ctx,
            asPartyId(recipient),
            delivered.witness === undefined
              ? undefined
              : { note: delivered.witness.presented, answer: delivered.witness.answer },
            delivered.receiverLog?.checkpoint,
          ).catch(() => undefined)
    await auditedTransaction(this.#ctx, async (tx, audit) => {
      for (const input of witness?.audit ?? []) await audit.append(tx, input)
      for (const message of batch) {
        const verdict = delivered.verdicts.get(message.messageId) as MessageVerdict
        await tx.markDelivered(message.messageId, delivered.receipt, nowMs)
        const data = {
          messageId: message.messageId,
          kind: message.kind,
          status: verdict.status,
          verdict: verdict.verdict,
          ...(verdict.codes.length > 0 ? { codes: verdict.codes } : {}),
          receivedAtMs: delivered.receivedAtMs,
          attempts: message.attempts + 1,
          // Issue 13: where the receipt (kept with the message) is proven in the peer's log.
          ...(delivered.receiverLog === undefined
            ? {}
            : {
                receiptLeaf: {
                  index: delivered.receiverLog.index,
                  size: readCheckpointNote(delivered.receiverLog.checkpoint)?.size ?? null,
                },
              }),
        }
        await audit.append(tx, {
          atMs: nowMs,
          type: 'delivery',
          party: message.recipient,
          subject: message.subjectId,
          data,
        })
      }
    })
      .then(() => witness?.committed())
      .catch(() => undefined) // not recorded (store closing): sent again later; receipts are idempotent
  }

  async #failed(batch: readonly OutboxRow[], error: string): Promise<void> {
    const ctx = this.#ctx
    await ctx.store
      .transaction(async (tx) => {
        for (const message of batch)
          await tx.markAttemptFailed(
            message.messageId,
            error,
            ctx.now() + this.#backoffMs(message.attempts),
          )
      })
      .catch(() => undefined)
    // Its retry is taken by a later scan: the claim goes (the holder's scans take it again).
    await this.#leases.unclaim(batch.map((m) => m.messageId)).catch(() => undefined)
  }

  /** Exponential backoff with "equal jitter": half fixed, half random, capped. */
  #backoffMs(attempts: number): number {
    const { initialBackoffMs, maxBackoffMs } = this.#ctx.config.delivery
    const base = Math.min(maxBackoffMs, initialBackoffMs * 2 ** Math.min(attempts, 20))
    return Math.round(base / 2 + (this.#ctx.random() * base) / 2)
  }
}

type Reasons = Parameters<typeof denyAtEgress>[3]

/**
 * The next delivery's messages, in outbox order, cut before a second message about the same
 * subject (a consent granted then revoked): the receiver checks each message against what it
 * has committed, so a message that depends on another must come in a later frame.
 */
function takeBatch(queue: OutboxRow[], max: number): OutboxRow[] {
  const subjects = new Set<string>()
  let n = 0
  let bytes = 0
  while (n < queue.length && n < max) {
    const message = queue[n] as OutboxRow
    if (subjects.has(message.subjectId)) break
    // Bounded by size too (batches of track updates are large): the peer's frame limit holds.
    bytes += message.envelope.length
    if (n > 0 && bytes > MAX_DELIVERY_BYTES) break
    subjects.add(message.subjectId)
    n++
  }
  return queue.splice(0, n)
}

/** A delivery's envelopes add up to at most this (the listener takes frames up to 64 MiB). */
const MAX_DELIVERY_BYTES = 8 * 1024 * 1024

/** Messages a lane holds in memory at most: two windows of full deliveries, at least 1,000. */
function laneCapacity(link: PeerLink): number {
  return Math.max(1_000, 2 * link.window * link.maxBatch)
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return text.slice(0, 300)
}
