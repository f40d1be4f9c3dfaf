import type { TrackMessage } from '../../domain/track.ts'
import type { SensorTrack } from '../../sim/track-updates.ts'

/** One lifecycle message as POST /api/tracks/updates takes it: naming its track. */
export type NumberedMessage = TrackMessage & { readonly trackNumber: number }

/**
 * One party's tracks of one launch as its sensors' gateway posts them: the messages of each
 * simulated second in one batch, in time order. A track belongs to a report, and the party's
 * report exists only `report_delay_s` after first detection, so what is measured before the
 * report's id is known is held and posted in one batch once it is.
 */
export class TrackFeed {
  readonly #send: (body: { reportId: string; messages: NumberedMessage[] }) => Promise<unknown>
  #reportId: string | null = null
  #held: NumberedMessage[] = []
  /** Posts one after another: an update must not overtake its track's initial. */
  #chain: Promise<unknown> = Promise.resolve()

  constructor(send: (body: { reportId: string; messages: NumberedMessage[] }) => Promise<unknown>) {
    this.#send = send
  }

  push(messages: readonly NumberedMessage[]): void {
    if (this.#reportId === null) this.#held.push(...messages)
    else this.#post(this.#reportId, [...messages])
  }

  reportKnown(reportId: string): void {
    this.#reportId = reportId
    const held = this.#held
    this.#held = []
    if (held.length > 0) this.#post(reportId, held)
  }

  #post(reportId: string, messages: NumberedMessage[]): void {
    this.#chain = this.#chain.then(() => this.#send({ reportId, messages })).catch(() => undefined)
  }
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
