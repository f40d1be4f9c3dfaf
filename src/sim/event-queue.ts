/**
 * A min-priority queue of timed actions. Ties are broken by insertion order, which is what
 * makes a run deterministic: the same input schedules the same actions in the same order.
 */
export class EventQueue<T> {
  readonly #heap: { t: number; seq: number; item: T }[] = []
  #seq = 0

  get size(): number {
    return this.#heap.length
  }

  push(t: number, item: T): void {
    const heap = this.#heap
    heap.push({ t, seq: this.#seq++, item })
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.#less(i, parent)) break
      this.#swap(i, parent)
      i = parent
    }
  }

  /** The earliest action with its time, or undefined when the queue is empty. */
  pop(): { t: number; item: T } | undefined {
    const heap = this.#heap
    const top = heap[0]
    if (top === undefined) return undefined
    const last = heap.pop()
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last
      this.#siftDown(0)
    }
    return { t: top.t, item: top.item }
  }

  #siftDown(start: number): void {
    const n = this.#heap.length
    let i = start
    for (;;) {
      const left = 2 * i + 1
      const right = left + 1
      let smallest = i
      if (left < n && this.#less(left, smallest)) smallest = left
      if (right < n && this.#less(right, smallest)) smallest = right
      if (smallest === i) return
      this.#swap(i, smallest)
      i = smallest
    }
  }

  #less(a: number, b: number): boolean {
    const x = this.#heap[a]
    const y = this.#heap[b]
    if (x === undefined || y === undefined) return false
    return x.t < y.t || (x.t === y.t && x.seq < y.seq)
  }

  #swap(a: number, b: number): void {
    const heap = this.#heap
    const x = heap[a]
    const y = heap[b]
    if (x === undefined || y === undefined) return
    heap[a] = y
    heap[b] = x
  }
}
