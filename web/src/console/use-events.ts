import { useEffect, useState } from 'preact/hooks'
import type { AuditEntry } from './types.ts'

export interface EventsState {
  /** Grows with every batch of entries: views refetch what they show when it changes. */
  readonly version: number
  /** The entries this role may follow, in the order they came. */
  readonly entries: readonly AuditEntry[]
  readonly connected: boolean
}

/** Entries arriving together are applied together (one refetch per view, not one per entry). */
const BATCH_MS = 50

/**
 * The node's event stream (GET /api/events, the session cookie): every audit entry the role
 * may see, replayed on connect, then each as it commits. EventSource resumes with
 * Last-Event-ID after a dropped connection; it stops for good on 401 (signed out).
 */
export function useEvents(): EventsState {
  const [state, setState] = useState<EventsState>({ version: 0, entries: [], connected: false })
  useEffect(() => {
    const source = new EventSource('/api/events')
    let pending: AuditEntry[] = []
    let timer = 0
    const flush = (): void => {
      timer = 0
      const batch = pending
      pending = []
      setState((s) => ({ ...s, version: s.version + 1, entries: [...s.entries, ...batch] }))
    }
    source.onopen = () => setState((s) => ({ ...s, connected: true }))
    source.onerror = () => setState((s) => ({ ...s, connected: false }))
    source.addEventListener('audit', (message: MessageEvent<string>) => {
      pending.push(JSON.parse(message.data) as AuditEntry)
      if (timer === 0) timer = window.setTimeout(flush, BATCH_MS)
    })
    return () => {
      window.clearTimeout(timer)
      source.close()
    }
  }, [])
  return state
}
