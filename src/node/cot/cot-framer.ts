const END = '</event>'

/**
 * Cuts a CoT stream (XML events one after another, TAK protocol version 0) into events on
 * `</event>`, however TCP splits or joins them. Text that grows past `maxEventChars` without
 * an end is dropped, so that a broken feed cannot fill the node's memory.
 */
export class CotFramer {
  readonly #maxEventChars: number
  #buffer = ''

  constructor(maxEventChars = 64 * 1024) {
    this.#maxEventChars = maxEventChars
  }

  /** The events completed by `text`, in order; `dropped` when an overlong remainder was cut. */
  push(text: string): { readonly events: string[]; readonly dropped: boolean } {
    this.#buffer += text
    const events: string[] = []
    for (let end = this.#buffer.indexOf(END); end >= 0; end = this.#buffer.indexOf(END)) {
      const event = this.#buffer.slice(0, end + END.length).trim()
      this.#buffer = this.#buffer.slice(end + END.length)
      events.push(event)
    }
    const dropped = this.#buffer.length > this.#maxEventChars
    if (dropped) this.#buffer = ''
    return { events, dropped }
  }
}
