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

/** The report an audit entry says was just stored (ingested, or arrived and accepted), if any. */
export function reportStoredBy(entry: AuditEntry): string | null {
  if (entry.type === 'ingest') return entry.subject
  const reportId = entry.data['reportId']
  return entry.type === 'arrival' && entry.data['kind'] === 'report' && typeof reportId === 'string'
    ? reportId
    : null
}
