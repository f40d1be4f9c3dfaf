import type { AuditEntry } from '../store/store.ts'

/** Fans committed audit entries out to live listeners (the dashboard's event stream). */
export class EventHub {
  readonly #listeners = new Set<(entry: AuditEntry) => void>()

  publish = (entry: AuditEntry): void => {
    for (const listener of this.#listeners) listener(entry)
  }

  subscribe(listener: (entry: AuditEntry) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }
}
