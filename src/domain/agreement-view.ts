import type { AgreementId } from './ids.ts'
import { intervalsInForce, statusAt, termsAt } from './status.ts'
import type { RegistryIndex } from './registry-index.ts'
import { type EpochMs, formatNullable } from './time.ts'

/** One agreement's state at an instant, as the CLI, the API and the dashboard show it. */
export interface AgreementRow {
  readonly id: string
  readonly title: string
  readonly kind: string
  readonly parties: readonly string[]
  readonly hub: string | null
  readonly status: string
  readonly since: string | null
  readonly periodEnd: string | null
  readonly pendingTermination: string | null
  readonly terminatedAt: string | null
  readonly cause: string | null
  readonly topics: 'all' | readonly string[]
  readonly release: string
}

export function agreementRows(index: RegistryIndex, atMs: EpochMs): AgreementRow[] {
  const zone = index.registry.timeZone
  return [...index.agreements.values()].map(({ agreement, lifecycle }) => {
    const status = statusAt(lifecycle, atMs)
    const terms = termsAt(lifecycle, atMs)
    const cause = status.cause
    return {
      id: agreement.id,
      title: agreement.title,
      kind: agreement.kind,
      parties: agreement.parties,
      hub: agreement.hub,
      status: status.status,
      since: formatNullable(status.since, zone),
      periodEnd: formatNullable(status.periodEnd, zone),
      pendingTermination: formatNullable(status.pendingTermination, zone),
      terminatedAt: formatNullable(status.terminatedAt, zone),
      cause:
        cause === null
          ? null
          : cause.type === 'expiry'
            ? 'expiry'
            : cause.type === 'termination'
              ? `termination of ${cause.date.toString()}`
              : `notice of termination by ${cause.by} of ${cause.date.toString()}`,
      topics: terms.topics,
      release: terms.release,
    }
  })
}

export interface AgreementHistory {
  readonly id: string
  readonly title: string
  readonly intervalsInForce: readonly {
    readonly from: string | null
    readonly until: string | null
  }[]
  readonly events: readonly {
    readonly date: string
    readonly type: string
    readonly by: string | null
    readonly applied: boolean
    readonly effect: string
  }[]
}

/** Every interval in force and every event with its effect; undefined for an unknown id. */
export function agreementHistory(index: RegistryIndex, id: string): AgreementHistory | undefined {
  const compiled = index.agreements.get(id as AgreementId)
  if (compiled === undefined) return undefined
  const zone = index.registry.timeZone
  const { agreement, lifecycle } = compiled
  return {
    id: agreement.id,
    title: agreement.title,
    intervalsInForce: intervalsInForce(lifecycle).map((i) => ({
      from: formatNullable(i.fromMs, zone),
      until: formatNullable(i.untilMs, zone),
    })),
    events: lifecycle.effects.map(({ event, applied, effect }) => ({
      date: event.date.toString(),
      type: event.type,
      by: 'by' in event ? event.by : null,
      applied,
      effect,
    })),
  }
}
