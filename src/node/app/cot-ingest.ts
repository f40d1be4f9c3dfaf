import { readCotLaunch } from '../../interop/cot-launch.ts'
import { uuidV5 } from '../../interop/uuid-v5.ts'
import { EntenteError, isEntenteError } from '../../lib/errors.ts'
import type { NodeConfig } from '../config.ts'
import type { NodeContext } from './context.ts'
import { checkMarking, ingestReport } from './ingest.ts'
import { reportInputSchema } from './report-input.ts'
import type { TokenRow } from '../store/store.ts'

export type CotIngestConfig = NonNullable<NonNullable<NodeConfig['cot']>['ingest']>

/** The roles whose certificate may feed launches in (as `POST /api/reports` allows). */
export const COT_INGEST_ROLES: readonly TokenRow['role'][] = ['operator', 'admin']

/** What became of one event from a sensor feed. */
export type CotIngestOutcome =
  | { readonly status: 'stored' | 'duplicate'; readonly reportId: string }
  /** Not a hostile missile or launch (a feed carries other tracks too): left alone. */
  | { readonly status: 'ignored'; readonly type: string }
  /** Made no report: the caller audits it (in aggregate, node/cot/refusal-tally.ts). */
  | { readonly status: 'rejected'; readonly uid: string | null; readonly reason: string }

/** The feed's marking must be one this node could ingest: checked when the node starts. */
export function checkCotIngestConfig(ctx: NodeContext, config: CotIngestConfig): void {
  try {
    checkMarking(ctx, {
      marking: { originator: ctx.party, level: config.level },
      releasableTo: config.releasableTo,
    })
  } catch (error) {
    if (!isEntenteError(error)) throw error
    throw new EntenteError(
      'CONFIG_INVALID',
      `cot.ingest.${error.message.replace(/^marking\./, '')}`,
    )
  }
}

/**
 * One CoT event from a sensor feed: a launch becomes a report of this node, ingested as
 * `POST /api/reports` does (decided, queued, audited). Its report id is derived from the
 * event's uid, so the feed's further events about the same launch are duplicates. An event
 * that cannot be read or makes no valid report is `rejected`, with the reason.
 */
export async function ingestCotEvent(
  ctx: NodeContext,
  config: CotIngestConfig,
  xml: string,
): Promise<CotIngestOutcome> {
  const reading = readCotLaunch(xml)
  if (reading.kind === 'other') return { status: 'ignored', type: reading.type }
  if (reading.kind === 'invalid') return rejected(reading.uid, reading.reason)
  const { uid, launch } = reading.value
  const input = reportInputSchema.safeParse({
    id: uuidV5(`cot:${ctx.party}:${uid}`),
    marking: { originator: ctx.party, level: config.level },
    topic: config.topic,
    ...(config.releasableTo === undefined ? {} : { releasableTo: config.releasableTo }),
    launch,
  })
  if (!input.success) {
    const reason = input.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    return rejected(uid, reason)
  }
  try {
    const result = await ingestReport(ctx, input.data)
    return { status: result.duplicate ? 'duplicate' : 'stored', reportId: result.report.id }
  } catch (error) {
    if (isEntenteError(error)) return rejected(uid, error.message)
    throw error
  }
}

function rejected(uid: string | null, reason: string): CotIngestOutcome {
  return { status: 'rejected', uid, reason }
}
