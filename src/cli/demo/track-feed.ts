import type { TrackMessage } from '../../domain/track.ts'
import type { SensorTrack } from '../../sim/track-updates.ts'

/** One lifecycle message as POST /api/tracks/updates takes it: naming its track. */
export type NumberedMessage = TrackMessage & { readonly trackNumber: number }

/** Messages per POST: well inside a node's default body limit (256 KiB) at ~600 bytes each. */
export const MAX_MESSAGES_PER_POST = 100
/**
 * Real time between two POSTs of one feed, at least: at 1× a sensor's 1 Hz is untouched; at 60×
 * the node gets four batches a second instead of sixty, and keeps time for its reports.
 */
export const MIN_POST_INTERVAL_MS = 250

/**
 * One party's tracks of one launch as its sensors' gateway posts them, in time order. A track
 * belongs to a report, and the party's report exists only `report_delay_s` after first
 * detection, so what is measured before the report's id is known is held until it is. One POST
 * at a time: what is measured while one is in flight goes in the next (so a node slower than
 * the demo's clock gets fewer, larger batches instead of a growing queue, and an update never
 * overtakes its track's initial).
 */
export class TrackFeed {
  readonly #send: (body: { reportId: string; messages: NumberedMessage[] }) => Promise<unknown>
  #reportId: string | null = null
  #due: NumberedMessage[] = []
  #sending = false

  constructor(send: (body: { reportId: string; messages: NumberedMessage[] }) => Promise<unknown>) {
    this.#send = send
  }

  push(messages: readonly NumberedMessage[]): void {
    this.#due.push(...messages)
    void this.#drain()
  }

  reportKnown(reportId: string): void {
    this.#reportId = reportId
    void this.#drain()
  }

  async #drain(): Promise<void> {
    if (this.#sending || this.#reportId === null) return
    this.#sending = true
    try {
      while (this.#due.length > 0) {
        this.#due = latestUpdates(this.#due)
        const messages = this.#due.splice(0, MAX_MESSAGES_PER_POST)
        await Promise.all([
          this.#send({ reportId: this.#reportId, messages }).catch(() => undefined),
          new Promise((resolve) => setTimeout(resolve, MIN_POST_INTERVAL_MS)),
        ])
      }
    } finally {
      this.#sending = false
    }
  }
}

/**
 * What a gateway behind its sensors sends when it falls behind: of a track's updates waiting
 * one after the other, the latest only (an earlier one would change nothing a later one does
 * not; lifecycle messages all stay, in order). At 60× the demo measures sixty updates a track
 * per real second, more than three nodes on two cores take beside their reports.
 */
export function latestUpdates(due: readonly NumberedMessage[]): NumberedMessage[] {
  const kept: NumberedMessage[] = []
  const lastUpdateAt = new Map<number, number>()
  for (const message of due) {
    const at = lastUpdateAt.get(message.trackNumber)
    if (message.kind === 'update' && at !== undefined) {
      kept[at] = message
      continue
    }
    if (message.kind === 'update') lastUpdateAt.set(message.trackNumber, kept.length)
    else lastUpdateAt.delete(message.trackNumber)
    kept.push(message)
  }
  return kept
}

/** Message time, for a batch's schedule: a drop's own instant or its state's. */
export function messageAtMs(message: TrackMessage): number {
  switch (message.kind) {
    case 'initial':
    case 'update':
      return message.state.atMs
    case 'drop':
    case 'correlate':
      return message.atMs
  }
}

/**
 * A party's tracks of a launch as batches of one simulated second each, posted at the last
 * instant in that second (so every message in it is measured by then).
 */
export function secondBatches(
  tracks: readonly SensorTrack[],
): { atMs: number; messages: NumberedMessage[] }[] {
  const bySecond = new Map<number, NumberedMessage[]>()
  for (const track of tracks)
    for (const message of track.messages) {
      const second = Math.floor(messageAtMs(message) / 1000)
      const list = bySecond.get(second) ?? []
      list.push({ ...message, trackNumber: track.trackNumber })
      bySecond.set(second, list)
    }
  return [...bySecond.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, messages]) => {
      messages.sort((a, b) => messageAtMs(a) - messageAtMs(b))
      return { atMs: Math.max(...messages.map(messageAtMs)), messages }
    })
}
