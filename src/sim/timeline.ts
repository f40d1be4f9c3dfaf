import type { AgreementId, PartyId } from '../domain/ids.ts'

/** A denial reason as the timeline carries it. */
export interface TimelineReason {
  readonly code: string
  readonly message: string
}

interface At {
  /** Seconds after launch. */
  readonly t: number
  /** The party at which the event happens. */
  readonly party: PartyId
}

/** What happened, to whom, when: the simulator's timeline (shared/docs/simulation-model.md). */
export type TimelineEvent =
  | (At & { readonly type: 'detected'; readonly sensor: string })
  | (At & { readonly type: 'reported' })
  | (At & {
      readonly type: 'release-denied'
      readonly to: PartyId
      readonly originator: PartyId
      readonly reasons: readonly TimelineReason[]
    })
  | (At & {
      readonly type: 'release-held' | 'release-queued'
      readonly to: PartyId
      readonly originator: PartyId
      readonly agreement: AgreementId | null
      /** For a queued (manual) release, when the officer's approval lets it leave. */
      readonly releaseAtS: number | null
    })
  | (At & {
      readonly type: 'sent'
      readonly to: PartyId
      readonly originator: PartyId
      readonly agreement: AgreementId | null
      readonly relay: boolean
      readonly answer: boolean
    })
  | (At & {
      readonly type: 'received'
      readonly from: PartyId
      readonly originator: PartyId
      readonly agreement: AgreementId | null
      readonly path: readonly PartyId[]
      readonly level: string | null
    })
  | (At & { readonly type: 'request-sent'; readonly to: PartyId })
  | (At & { readonly type: 'request-received'; readonly from: PartyId })
  | (At & {
      readonly type: 'answer-denied'
      readonly to: PartyId
      readonly reasons: readonly TimelineReason[]
    })
  | (At & {
      readonly type: 'denial-received'
      readonly from: PartyId
      readonly reasons: readonly TimelineReason[]
    })

export type TimelineEventType = TimelineEvent['type']
