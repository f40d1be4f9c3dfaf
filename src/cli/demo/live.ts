import type { AuditEntry } from '../../node/store/store.ts'

/** One thing a node actually did, as the dashboard shows it (from its audit chain). */
export interface LiveEvent {
  readonly run: string
  readonly party: string
  readonly launch: string | null
  /** Seconds after that launch, or null when the event belongs to no launch. */
  readonly t: number | null
  readonly at: string
  readonly type: LiveEventType
  readonly peer: string | null
  readonly agreement: string | null
  readonly path: readonly string[] | null
  readonly reasons: readonly { readonly code: string; readonly message: string }[]
}

export const LIVE_EVENT_TYPES = [
  'ingest',
  'decision-denied',
  'held',
  'pending-approval',
  'approved',
  'sent',
  'delivered',
  'received',
  'relayed',
  'quarantined',
  'request-sent',
  'request-received',
  'answered',
] as const
export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number]

/** One party's picture changed (src/cli/demo/pictures.ts reads it from its node's API). */
export interface PictureUpdate {
  readonly run: string
  readonly party: string
  /** The tracks the entry changed, as GET /api/tracks/{originator}/{trackNumber} gives them. */
  readonly tracks: readonly unknown[]
  /** Every report the node holds (GET /api/reports), when the entry may have changed one. */
  readonly reports: readonly unknown[] | null
  /** Every product the node holds (GET /api/products), read with the reports. */
  readonly products: readonly unknown[] | null
}

/** What the demo knows that a node's audit entry does not say: which launch a report is about. */
export interface Correlation {
  readonly launchOfReport: ReadonlyMap<string, string>
  readonly launchOfRequest: ReadonlyMap<string, string>
  /** release id → report id, learnt from decision entries. */
  readonly reportOfRelease: Map<string, string>
  readonly agreementOfRelease: Map<string, string | null>
  readonly launchMs: ReadonlyMap<string, number>
}

type Draft = Omit<LiveEvent, 'run' | 'party' | 't' | 'at' | 'launch'> & {
  readonly reportId: string | null
  readonly requestId?: string
}

/** Maps one audit entry of `party`'s node to a live event, or null for bookkeeping entries. */
export function liveEventOf(
  run: string,
  party: string,
  entry: AuditEntry,
  c: Correlation,
  format: (ms: number) => string,
): LiveEvent | null {
  const draft = draftOf(entry, c)
  if (draft === null) return null
  const launch =
    draft.reportId !== null
      ? (c.launchOfReport.get(draft.reportId) ?? null)
      : draft.requestId !== undefined
        ? (c.launchOfRequest.get(draft.requestId) ?? null)
        : null
  const launchMs = launch === null ? undefined : c.launchMs.get(launch)
  const t = launchMs === undefined ? null : Math.round(entry.atMs - launchMs) / 1000
  const { reportId: _r, requestId: _q, ...rest } = draft
  return { run, party, launch, t, at: format(entry.atMs), ...rest }
}

/**
 * The report or request an entry names that the demo cannot yet place under a launch (its
 * POST has not answered yet: a node's audit stream can outrun the answer), as
 * `report:<id>` or `request:<id>`; null when the entry can be shown now.
 */
export function uncorrelated(entry: AuditEntry, c: Correlation): string | null {
  const draft = draftOf(entry, c)
  if (draft === null) return null
  if (draft.reportId !== null && !c.launchOfReport.has(draft.reportId))
    return `report:${draft.reportId}`
  if (draft.requestId !== undefined && !c.launchOfRequest.has(draft.requestId))
    return `request:${draft.requestId}`
  return null
}

function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null
}

function draftOf(entry: AuditEntry, c: Correlation): Draft | null {
  const d = entry.data
  const base = { peer: entry.party, agreement: str(d['agreement']), path: null, reasons: [] }
  switch (entry.type) {
    case 'ingest':
      return { ...base, type: 'ingest', peer: null, reportId: entry.subject }
    case 'decision': {
      const releaseId = str(d['releaseId'])
      if (releaseId !== null && entry.subject !== null) {
        c.reportOfRelease.set(releaseId, entry.subject)
        c.agreementOfRelease.set(releaseId, str(d['agreement']))
      }
      const state = d['state']
      const type =
        state === 'denied'
          ? 'decision-denied'
          : state === 'held'
            ? 'held'
            : state === 'pending-approval'
              ? 'pending-approval'
              : null
      if (type === null) return null
      const reasons = Array.isArray(d['reasons']) ? (d['reasons'] as LiveEvent['reasons']) : []
      return {
        ...base,
        type,
        path: (d['path'] as string[] | undefined) ?? null,
        reasons,
        reportId: entry.subject,
      }
    }
    case 'approval':
      return d['approved'] === true ? { ...base, type: 'approved', reportId: entry.subject } : null
    case 'send':
    case 'delivery': {
      if (d['kind'] !== 'report') return null
      const releaseId = entry.subject ?? ''
      const agreement = c.agreementOfRelease.get(releaseId) ?? null
      return {
        ...base,
        type: entry.type === 'send' ? 'sent' : 'delivered',
        agreement,
        reportId: c.reportOfRelease.get(releaseId) ?? null,
      }
    }
    case 'arrival':
    case 'quarantine': {
      if (d['kind'] !== 'report') return null
      const reasons = Array.isArray(d['reasons']) ? (d['reasons'] as LiveEvent['reasons']) : []
      const type = entry.type === 'arrival' ? 'received' : 'quarantined'
      return {
        ...base,
        type,
        path: (d['path'] as string[] | null) ?? null,
        reasons,
        reportId: str(d['reportId']),
      }
    }
    case 'relay':
      return { ...base, type: 'relayed', reportId: entry.subject }
    case 'request': {
      const type = d['direction'] === 'outgoing' ? 'request-sent' : 'request-received'
      return { ...base, type, reportId: null, requestId: entry.subject ?? '' }
    }
    case 'answer':
      return d['direction'] === 'outgoing'
        ? { ...base, type: 'answered', reportId: null, requestId: entry.subject ?? '' }
        : null
    case 'receipt':
    case 'consent':
    case 'registry':
    case 'auth-failure':
    case 'node':
    case 'disclosure':
    case 'link':
    case 'withdrawal':
    case 'correction':
    case 'track':
    case 'witness':
      return null
  }
}

export interface LivePartyResult {
  readonly party: string
  readonly reportedAt: string | null
  readonly receivedAt: string | null
  readonly receivedFrom: string | null
  readonly path: readonly string[] | null
  readonly knowsAt: string | null
  readonly warningSeconds: number | null
}

/** Per launch and party: when the node had its own report, its first receipt, its warning. */
export function liveResults(
  events: readonly LiveEvent[],
  launches: readonly { id: string; flightSeconds: number }[],
  parties: readonly string[],
): { id: string; parties: LivePartyResult[] }[] {
  return launches.map((launch) => ({
    id: launch.id,
    parties: parties.map((party) => {
      const mine = events.filter((e) => e.launch === launch.id && e.party === party && e.t !== null)
      const own = mine.find((e) => e.type === 'ingest')
      const received = mine.find((e) => e.type === 'received')
      const candidates = [own, received]
        .filter((e): e is LiveEvent => e !== undefined)
        .sort((a, b) => (a.t ?? 0) - (b.t ?? 0))
      const first = candidates[0]
      return {
        party,
        reportedAt: own?.at ?? null,
        receivedAt: received?.at ?? null,
        // The originator: the first party on the path the report travelled.
        receivedFrom: received === undefined ? null : (received.path?.[0] ?? received.peer),
        path: received?.path ?? null,
        knowsAt: first?.at ?? null,
        warningSeconds:
          first?.t == null ? null : Math.round((launch.flightSeconds - first.t) * 1000) / 1000,
      }
    }),
  }))
}
