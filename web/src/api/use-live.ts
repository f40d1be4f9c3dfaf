import { useEffect, useState } from 'preact/hooks'
import { getJson } from './client.ts'
import type { Picture, PictureUpdate } from './pictures.ts'
import { applyPictures } from './pictures.ts'
import type { LiveEvent, RunStatus, RunView } from './types.ts'

export interface LiveState {
  /** The runs as last fetched (expected and live results). */
  readonly runs: readonly RunView[]
  /** Every live event seen on the stream, by run. */
  readonly events: ReadonlyMap<string, readonly LiveEvent[]>
  readonly statuses: ReadonlyMap<string, RunStatus>
  readonly connected: boolean
  /** Each run's parties' own pictures, as their nodes hold them: run → party → picture. */
  readonly pictures: ReadonlyMap<string, ReadonlyMap<string, Picture>>
}

const EMPTY: LiveState = {
  runs: [],
  events: new Map(),
  statuses: new Map(),
  connected: false,
  pictures: new Map(),
}

/**
 * The demo's runs and their live events: fetches /demo/api/runs, subscribes to
 * /demo/api/events (which replays the past on every connect) and refetches the runs whenever
 * one starts or ends.
 */
export function useLive(): LiveState {
  const [state, setState] = useState<LiveState>(EMPTY)
  const [version, setVersion] = useState(0)

  useEffect(() => {
    const controller = new AbortController()
    getJson<RunView[]>('/demo/api/runs', controller.signal).then(
      (runs) => setState((s) => ({ ...s, runs })),
      () => undefined,
    )
    return () => controller.abort()
  }, [version])

  useEffect(() => {
    const source = new EventSource('/demo/api/events')
    let pending: LiveEvent[] = []
    let pendingPictures: PictureUpdate[] = []
    let frame = 0
    const flush = (): void => {
      frame = 0
      const batch = pending
      const pictures = pendingPictures
      pending = []
      pendingPictures = []
      setState((s) => ({
        ...s,
        events: appendEvents(s.events, batch),
        pictures: applyPictures(s.pictures, pictures),
      }))
    }
    source.onopen = () => {
      pending = []
      pendingPictures = []
      setState((s) => ({
        ...s,
        connected: true,
        events: new Map(),
        statuses: new Map(),
        pictures: new Map(),
      }))
    }
    source.onerror = () => setState((s) => ({ ...s, connected: false }))
    source.addEventListener('live', (message: MessageEvent<string>) => {
      pending.push(JSON.parse(message.data) as LiveEvent)
      if (frame === 0) frame = window.setTimeout(flush, 100)
    })
    source.addEventListener('picture', (message: MessageEvent<string>) => {
      pendingPictures.push(JSON.parse(message.data) as PictureUpdate)
      if (frame === 0) frame = window.setTimeout(flush, 100)
    })
    source.addEventListener('run', (message: MessageEvent<string>) => {
      const run = JSON.parse(message.data) as { id: string; status: RunStatus }
      setState((s) => ({ ...s, statuses: new Map(s.statuses).set(run.id, run.status) }))
      setVersion((v) => v + 1)
    })
    return () => {
      window.clearTimeout(frame)
      source.close()
    }
  }, [])

  return state
}

function appendEvents(
  events: ReadonlyMap<string, readonly LiveEvent[]>,
  batch: readonly LiveEvent[],
): ReadonlyMap<string, readonly LiveEvent[]> {
  const next = new Map(events)
  for (const event of batch) next.set(event.run, [...(next.get(event.run) ?? []), event])
  return next
}

/** A run's status: the stream's latest word, else the fetched one. */
export function statusOf(state: LiveState, run: string): RunStatus {
  return state.statuses.get(run) ?? state.runs.find((r) => r.id === run)?.status ?? 'pending'
}

/** A run's events: from the stream, or (before it connects) from the fetched runs. */
export function eventsOf(state: LiveState, run: string): readonly LiveEvent[] {
  return state.events.get(run) ?? state.runs.find((r) => r.id === run)?.live.timeline ?? []
}
