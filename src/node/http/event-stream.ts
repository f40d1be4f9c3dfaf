import type { ServerResponse } from 'node:http'
import type { FastifyReply } from 'fastify'
import type { NodeContext } from '../app/context.ts'
import type { AuditEntry, AuditType } from '../store/store.ts'
import type { Role } from './auth.ts'

/**
 * What an operator or a release officer may follow on the event stream: the entries about
 * what the API's own routes already show them (reports, releases, outbox, quarantine,
 * requests, consents, and GET /api/peers: the links). Never `auth-failure` (sources and reasons), `node` (starts, policy,
 * tokens), `registry` or `disclosure` (who read what): those are the auditors'.
 */
export const OPERATOR_EVENT_TYPES = [
  'ingest',
  'decision',
  'approval',
  'send',
  'delivery',
  'receipt',
  'arrival',
  'quarantine',
  'relay',
  'request',
  'answer',
  'consent',
  /** A peer's link up or down: what a watch officer needs to know first. */
  'link',
  /** A report withdrawn by its originator, here or at a peer. */
  'withdrawal',
  /** A report corrected by its originator, or a copy told it is superseded. */
  'correction',
  /** A batch of track updates applied here: the picture moved. */
  'track',
] as const satisfies readonly AuditType[]

const OPERATOR_TYPES: ReadonlySet<AuditType> = new Set(OPERATOR_EVENT_TYPES)

/** Which entries a role's stream carries. */
export function eventFilterFor(role: Role): (entry: AuditEntry) => boolean {
  switch (role) {
    case 'auditor':
    case 'admin':
      return () => true
    case 'operator':
    case 'release-officer':
      return (entry) => OPERATOR_TYPES.has(entry.type)
  }
}

/** Entries replayed at most on connect; the client asks again with a later `afterSeq`. */
const MAX_REPLAYED = 100_000
const REPLAY_PAGE = 1_000
/** Frames queued for a client that reads too slowly before its stream is ended. */
const MAX_QUEUED_FRAMES = 10_000
const PING_MS = 15_000

/**
 * Server-sent events: the audit entries after `afterSeq` the caller's role may see, then each
 * new one as it commits. Writes wait for the socket to drain; a client that falls more than
 * MAX_QUEUED_FRAMES behind is disconnected (it resumes with `afterSeq` or Last-Event-ID).
 */
export async function streamAuditEvents(
  ctx: NodeContext,
  reply: FastifyReply,
  role: Role,
  afterSeq: number,
): Promise<void> {
  reply.hijack()
  const sse = new SseWriter(reply.raw)
  const visible = eventFilterFor(role)
  // Entries committed while the history is replayed wait, then go out unless already sent.
  // (Live entries may come slightly out of seq order: concurrent transactions publish
  // after their commits, so nothing is dropped for being "older" than the last one sent.)
  const waiting: AuditEntry[] = []
  let replaying = true
  const unsubscribe = ctx.events.subscribe((entry) => {
    if (!visible(entry)) return
    if (!replaying) sse.send(frameOf(entry))
    else if (waiting.push(entry) > MAX_QUEUED_FRAMES) sse.end()
  })
  const ping = setInterval(() => sse.send(': ping\n\n'), PING_MS)
  sse.onClose(() => {
    clearInterval(ping)
    unsubscribe()
  })
  const replayed = new Set<number>()
  let cursor = afterSeq
  for (let scanned = 0; scanned < MAX_REPLAYED && !sse.closed; scanned += REPLAY_PAGE) {
    const page = await ctx.store.listAudit({ afterSeq: cursor, limit: REPLAY_PAGE })
    for (const entry of page) {
      cursor = entry.seq
      if (!visible(entry)) continue
      replayed.add(entry.seq)
      if (!(await sse.write(frameOf(entry)))) return
    }
    if (page.length < REPLAY_PAGE) break
  }
  replaying = false
  for (const entry of waiting.splice(0)) if (!replayed.has(entry.seq)) sse.send(frameOf(entry))
}

const frameOf = (entry: AuditEntry): string =>
  `id: ${entry.seq}\nevent: audit\ndata: ${JSON.stringify(entry)}\n\n`

/** One client's stream: writes that respect `drain`, a bounded queue, one close. */
class SseWriter {
  readonly #raw: ServerResponse
  readonly #queue: string[] = []
  #closed = false

  constructor(raw: ServerResponse) {
    this.#raw = raw
    raw.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    })
    raw.on('drain', () => this.#flush())
    raw.on('close', () => {
      this.#closed = true
      this.#queue.length = 0
    })
  }

  get closed(): boolean {
    return this.#closed
  }

  onClose(listener: () => void): void {
    if (this.#closed) listener()
    else this.#raw.once('close', listener)
  }

  /** Writes now, or queues behind a full socket; ends the stream when the queue overflows. */
  send(frame: string): void {
    if (this.#closed) return
    if (this.#queue.length > 0 || this.#raw.writableNeedDrain) {
      if (this.#queue.push(frame) > MAX_QUEUED_FRAMES) this.end()
      return
    }
    this.#raw.write(frame)
  }

  /** Writes and waits until the socket can take more; false once the client has gone. */
  async write(frame: string): Promise<boolean> {
    this.send(frame)
    if (!this.#closed && this.#raw.writableNeedDrain)
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.#raw.off('drain', done)
          this.#raw.off('close', done)
          resolve()
        }
        this.#raw.once('drain', done)
        this.#raw.once('close', done)
      })
    return !this.#closed
  }

  end(): void {
    if (this.#closed) return
    this.#closed = true
    this.#queue.length = 0
    this.#raw.end()
  }

  #flush(): void {
    while (this.#queue.length > 0 && !this.#closed && !this.#raw.writableNeedDrain) {
      const frame = this.#queue.shift()
      if (frame !== undefined) this.#raw.write(frame)
    }
  }
}
