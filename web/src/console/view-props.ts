import type { Session } from './types.ts'
import type { EventsState } from './use-events.ts'

export interface ViewProps {
  readonly session: Session
  readonly events: EventsState
}

/** Whether the signed-in role may call `route` (`METHOD /path` as the API declares it). */
export const may = (session: Session, route: string): boolean => session.allowed.includes(route)
