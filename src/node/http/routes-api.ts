import { z } from 'zod'
import { type OwnCosigned, witnessSummary } from '../audit/witness.ts'
import type { PeerView } from '../../protocol/console-api.ts'
import { grantConsent, revokeConsent } from '../app/consents.ts'
import type { NodeContext } from '../app/context.ts'
import { ingestReport } from '../app/ingest.ts'
import { decidePending, releaseOnward } from '../app/releases.ts'
import { correctionInputSchema, reportInputSchema } from '../app/report-input.ts'
import { correctReport } from '../app/corrections.ts'
import { postTrackBatch, postTrackUpdates, trackView } from '../app/tracks.ts'
import { trackBatchPostSchema, trackPostSchema } from '../../protocol/track.ts'
import type { CopyStatus } from '../../domain/report-life.ts'
import { answerRequest, createRequest } from '../app/requests.ts'
import { withdrawalOf, withdrawReport } from '../app/withdrawals.ts'
import {
  RELEASE_STATES,
  type ReportRow,
  type TokenRow,
  type WithdrawalRow,
} from '../store/store.ts'
import { EntenteError } from '../../lib/errors.ts'
import { ANY_ROLE } from './auth.ts'
import { invalid } from './problem.ts'
import type { Route } from './routes.ts'
import { auditRoutes } from './routes-audit.ts'

export function parse<T>(schema: z.ZodType<T>, value: unknown, prefix: string): T {
  const result = schema.safeParse(value)
  if (!result.success) throw invalid(result.error, prefix)
  return result.data
}

const instantMs = z.iso
  .datetime({ offset: true, message: 'an ISO 8601 instant with offset' })
  .transform((s) => Date.parse(s))
const idParam = z.strictObject({ id: z.string().min(1).max(100) })
const trackNumberParam = z.coerce
  .number()
  .int()
  .min(0)
  .max(2 ** 31 - 1)
const trackParam = z.strictObject({ trackNumber: trackNumberParam })
/** Who acted, for the audit: the token's label (never the token). */
const officerOf = (ctx: NodeContext, caller: TokenRow | null): string =>
  `${ctx.party}:${caller?.label || caller?.role || 'rule'}`

/**
 * A held report as the API shows it: the row (its latest version held here), with its marking
 * in this node's scheme, and its status (issue 12): `withdrawn` (with when and why) once its
 * originator withdrew it; `superseded` when a later version exists that this node was told of
 * but may not hold; else `current`.
 */
function reportView(ctx: NodeContext, r: ReportRow, withdrawal: WithdrawalRow | undefined) {
  const status: CopyStatus =
    withdrawal !== undefined ? 'withdrawn' : r.supersededBy !== null ? 'superseded' : 'current'
  return {
    ...r,
    marking: {
      originator: r.originator,
      level: r.level,
      levelHere: r.localLevel,
      scheme: ctx.party,
    },
    status,
    ...(withdrawal === undefined ? {} : { withdrawal: withdrawalOf(withdrawal) }),
  }
}

/** The versions a report had before the one held, as the API shows them (oldest first). */
async function historyOf(ctx: NodeContext, id: string) {
  return (await ctx.store.listReportVersions(id)).map((v) => ({
    version: v.version,
    level: v.level,
    levelHere: v.localLevel,
    releasableTo: v.releasableTo,
    payload: v.payload,
    receivedFrom: v.receivedFrom,
    createdAtMs: v.createdAtMs,
    originatorSignature: v.originatorSignature,
  }))
}

const withdrawBody = z.strictObject({
  reason: z.string().trim().min(1, 'a reason, not empty').max(2_000),
})

/** The officer's note, kept in the audit (optional on the API; the console requires one). */
const verdictBody = z.strictObject({
  note: z.string().trim().min(1, 'a note, not empty').max(2_000).optional(),
})

/** A release officer's approval or denial of a pending (manual) release. */
function officerVerdict(approve: boolean): Route {
  const verb = approve ? 'approve' : 'deny'
  return {
    method: 'POST',
    path: `/api/releases/:id/${verb}`,
    roles: ['release-officer', 'admin'],
    summary: `a release officer ${approve ? 'approves' : 'denies'} a pending (manual) release`,
    handler: async (ctx, request, reply, caller) => {
      const { id } = parse(idParam, request.params, 'params')
      const body = parse(verdictBody, request.body ?? {}, '')
      return reply.send(
        await decidePending(ctx, id, approve, officerOf(ctx, caller), body.note ?? null),
      )
    },
  }
}

export const apiRoutes: readonly Route[] = [
  {
    method: 'POST',
    path: '/api/reports',
    roles: ['operator', 'admin'],
    summary:
      'ingest a launch report of this party; stored durably, then released as the agreements allow',
    handler: async (ctx, request, reply) => {
      const input = parse(reportInputSchema, request.body, '')
      const result = await ingestReport(ctx, input)
      return reply.code(result.duplicate ? 200 : 201).send(result)
    },
  },
  {
    method: 'GET',
    path: '/api/reports',
    roles: ANY_ROLE,
    summary: 'the reports this node holds, marked in its own scheme, with provenance',
    handler: async (ctx, request) => {
      const q = parse(
        z.object({
          originator: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(10_000).optional(),
        }),
        request.query,
        'query',
      )
      const reports = await ctx.store.listReports(q)
      const withdrawn = new Map((await ctx.store.listWithdrawals()).map((w) => [w.reportId, w]))
      return reports.map((r) => reportView(ctx, r, withdrawn.get(r.id)))
    },
  },
  {
    method: 'GET',
    path: '/api/reports/:id',
    roles: ANY_ROLE,
    summary:
      "one report this node holds, with provenance and originatorSignature: the originator's compact JWS over its RFC 8785 canonical JSON (null if it came without one), which anyone can verify with the originator's public key",
    handler: async (ctx, request) => {
      const { id } = parse(idParam, request.params, 'params')
      const report = await ctx.store.getReport(id)
      if (report === undefined)
        throw new EntenteError('NOT_FOUND', `report '${id}' is not held here`)
      const view = reportView(ctx, report, await ctx.store.getWithdrawal(id))
      return { ...view, history: await historyOf(ctx, id) }
    },
  },
  {
    method: 'POST',
    path: '/api/reports/:id/corrections',
    roles: ['operator', 'admin'],
    summary:
      "correct one of this node's own reports: a new version (signed by this node as originator, with its own marking, which may be higher), released by the engine now to every peer; a peer that held an earlier version and may not receive this one gets a content-free superseded notice",
    handler: async (ctx, request, reply) => {
      const { id } = parse(idParam, request.params, 'params')
      const input = parse(correctionInputSchema, request.body, '')
      return reply.code(201).send(await correctReport(ctx, id, input))
    },
  },
  {
    method: 'POST',
    path: '/api/reports/:id/withdraw',
    roles: ['operator', 'admin'],
    summary:
      "withdraw one of this node's own reports (a false alarm) with a reason: signed by this node as originator, sent to every peer it went to and passed on by the hubs that relayed it; no release of it leaves any more",
    handler: async (ctx, request, reply) => {
      const { id } = parse(idParam, request.params, 'params')
      const { reason } = parse(withdrawBody, request.body, '')
      return reply.send(await withdrawReport(ctx, id, reason))
    },
  },
  {
    method: 'POST',
    path: '/api/tracks/:trackNumber/updates',
    roles: ['operator', 'admin'],
    summary:
      "post one or a batch of a track's lifecycle messages (initial, update, drop, correlate) from this party's sensors: folded into the track (an update older than the state held changes nothing), signed once as originator, decided for every peer now and queued for those allowed",
    handler: async (ctx, request, reply) => {
      const { trackNumber } = parse(trackParam, request.params, 'params')
      const post = parse(trackPostSchema, request.body, '')
      const result = await postTrackUpdates(ctx, trackNumber, post)
      return reply
        .code(result.created ? 201 : 200)
        .send({ ...result, track: trackView(ctx, result.track) })
    },
  },
  {
    method: 'POST',
    path: '/api/tracks/updates',
    roles: ['operator', 'admin'],
    summary:
      "post the lifecycle messages of many tracks of one report in one batch (each names its trackNumber; a sensor network's gateway): one originator signature and one release decision per peer for the whole batch",
    handler: async (ctx, request, reply) => {
      const post = parse(trackBatchPostSchema, request.body, '')
      const result = await postTrackBatch(ctx, post)
      return reply.code(result.created.length > 0 ? 201 : 200).send({
        ...result,
        tracks: result.tracks.map((t) => trackView(ctx, t)),
      })
    },
  },
  {
    method: 'GET',
    path: '/api/tracks',
    roles: ANY_ROLE,
    summary:
      'the tracks this node holds, its own and those it received, each at its latest state, most recently changed last',
    handler: async (ctx, request) => {
      const q = parse(
        z.strictObject({
          originator: z.string().max(10).optional(),
          reportId: z.string().max(128).optional(),
          status: z.enum(['live', 'dropped', 'correlated']).optional(),
          since: instantMs.optional(),
          limit: z.coerce.number().int().min(1).max(100_000).optional(),
        }),
        request.query,
        'query',
      )
      const { since, ...filter } = q
      const rows = await ctx.store.listTracks({
        ...filter,
        ...(since === undefined ? {} : { sinceMs: since }),
      })
      return rows.map((r) => trackView(ctx, r))
    },
  },
  {
    method: 'GET',
    path: '/api/tracks/:originator/:trackNumber',
    roles: ANY_ROLE,
    summary: 'one track this node holds, at its latest state',
    handler: async (ctx, request) => {
      const { originator, trackNumber } = parse(
        z.strictObject({ originator: z.string().min(1).max(10), trackNumber: trackNumberParam }),
        request.params,
        'params',
      )
      const row = await ctx.store.getTrack(originator, trackNumber)
      if (row === undefined)
        throw new EntenteError('NOT_FOUND', `track ${originator} ${trackNumber} is not held here`)
      return trackView(ctx, row)
    },
  },
  {
    method: 'POST',
    path: '/api/reports/:id/release',
    roles: ['operator', 'admin'],
    summary: 'pass a held report on to a peer, if the agreements and the originator allow (R4)',
    handler: async (ctx, request, reply) => {
      const { id } = parse(idParam, request.params, 'params')
      const body = parse(z.strictObject({ to: z.string() }), request.body, '')
      return reply.send(await releaseOnward(ctx, id, body.to))
    },
  },
  {
    method: 'GET',
    path: '/api/releases',
    roles: ANY_ROLE,
    summary: 'release decisions; ?state=pending-approval is the release officer queue',
    handler: async (ctx, request) =>
      ctx.store.listReleases(
        parse(
          z.object({
            state: z.enum(RELEASE_STATES).optional(),
            recipient: z.string().optional(),
            reportId: z.string().optional(),
          }),
          request.query,
          'query',
        ),
      ),
  },
  officerVerdict(true),
  officerVerdict(false),
  {
    method: 'POST',
    path: '/api/requests',
    roles: ['operator', 'admin'],
    summary: 'ask a peer for its reports on a topic whose launch time falls in a window',
    handler: async (ctx, request, reply) => {
      const body = parse(
        z.strictObject({
          to: z.string(),
          topic: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'a lower-case slug'),
          from: instantMs,
          until: instantMs,
        }),
        request.body,
        '',
      )
      return reply.code(201).send(
        await createRequest(ctx, {
          to: body.to,
          topic: body.topic,
          fromMs: body.from,
          untilMs: body.until,
        }),
      )
    },
  },
  {
    method: 'GET',
    path: '/api/requests',
    roles: ANY_ROLE,
    summary: 'requests made and received',
    handler: async (ctx, request) =>
      ctx.store.listRequests(
        parse(
          z.object({
            direction: z.enum(['incoming', 'outgoing']).optional(),
            status: z.enum(['open', 'answered', 'refused']).optional(),
          }),
          request.query,
          'query',
        ),
      ),
  },
  {
    method: 'POST',
    path: '/api/requests/:id/answer',
    roles: ['release-officer', 'admin'],
    summary: 'answer an incoming request: release what it covers, or refuse',
    handler: async (ctx, request, reply, caller) => {
      const { id } = parse(idParam, request.params, 'params')
      const body = parse(z.strictObject({ release: z.boolean() }), request.body, '')
      return reply.send(await answerRequest(ctx, id, body.release, officerOf(ctx, caller)))
    },
  },
  {
    method: 'GET',
    path: '/api/consents',
    roles: ANY_ROLE,
    summary: 'consents given and received (rule R4)',
    handler: async (ctx) => ctx.store.listConsents({}),
  },
  {
    method: 'POST',
    path: '/api/consents',
    roles: ['release-officer', 'admin'],
    summary: 'as originator, consent that a holder release a report or topic onward to a recipient',
    handler: async (ctx, request, reply) => {
      const body = parse(
        z.strictObject({
          holder: z.string(),
          recipient: z.string(),
          reportId: z.string().optional(),
          topic: z.string().optional(),
          until: instantMs.optional(),
        }),
        request.body,
        '',
      )
      return reply.code(201).send(await grantConsent(ctx, { ...body, untilMs: body.until }))
    },
  },
  {
    method: 'DELETE',
    path: '/api/consents/:id',
    roles: ['release-officer', 'admin'],
    summary: 'revoke a consent this node gave',
    handler: async (ctx, request, reply) => {
      await revokeConsent(ctx, parse(idParam, request.params, 'params').id)
      return reply.code(204).send()
    },
  },
  {
    method: 'GET',
    path: '/api/outbox',
    roles: ANY_ROLE,
    summary: 'messages to peers and their delivery state',
    handler: async (ctx, request) => {
      const q = parse(
        z.object({
          recipient: z.string().optional(),
          delivered: z.enum(['true', 'false']).optional(),
        }),
        request.query,
        'query',
      )
      const rows = await ctx.store.listOutbox({
        recipient: q.recipient,
        delivered: q.delivered === undefined ? undefined : q.delivered === 'true',
      })
      return rows.map(({ envelope: _envelope, ...row }) => row)
    },
  },
  {
    method: 'GET',
    path: '/api/peers',
    roles: ANY_ROLE,
    summary:
      "each peer's link: transport, state (up, down, connecting), last heard, backlog, frames in flight, its audit log witnessed (size, LOG_FORKs), the last checkpoint of ours it cosigned",
    handler: async (ctx): Promise<PeerView[]> => {
      const backlog = await ctx.store.backlogByRecipient()
      const witnessed = await witnessSummary(ctx)
      return ctx.peerStatus().map((p) => ({
        peer: p.peer,
        transport: p.transport,
        state: p.state,
        lastHeardAt: p.lastHeardAtMs === null ? null : new Date(p.lastHeardAtMs).toISOString(),
        backlog: backlog.get(p.peer) ?? 0,
        queued: p.queued,
        framesInFlight: p.framesInFlight,
        // Several processes on one store: whether this one holds the peer's link (issue 14).
        held: p.held,
        witnessedSize: witnessed.get(p.peer)?.witnessedSize ?? 0,
        logForks: witnessed.get(p.peer)?.logForks ?? 0,
        lastCosigned: lastCosignedOf(witnessed.get(p.peer)?.cosigned ?? null),
      }))
    },
  },
  {
    method: 'GET',
    path: '/api/quarantine',
    roles: ANY_ROLE,
    summary: 'messages from peers held because the two registries disagree, with the reasons',
    handler: async (ctx) => ctx.store.listInbox({ status: 'quarantined' }),
  },
  ...auditRoutes,
]

function lastCosignedOf(cosigned: OwnCosigned | null): PeerView['lastCosigned'] {
  if (cosigned === null) return null
  const at = new Date(cosigned.cosignedAtMs).toISOString()
  return { size: cosigned.size, at, by: cosigned.by }
}
