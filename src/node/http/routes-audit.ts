import { z } from 'zod'
import { agreementRows } from '../../domain/agreement-view.ts'
import { accountFor } from '../app/audit-query.ts'
import { merkleLogOf } from '../app/audit-log.ts'
import { heldCheckpoints, proveEntry } from '../audit/proofs.ts'
import { verifyStoredChain } from '../audit/verify.ts'
import { AUDIT_TYPES } from '../store/store.ts'
import { ANY_ROLE } from './auth.ts'
import { streamAuditEvents } from './event-stream.ts'
import { parse } from './routes-api.ts'
import type { Route } from './routes.ts'

const instantMs = z.iso
  .datetime({ offset: true, message: 'an ISO 8601 instant with offset' })
  .transform((s) => Date.parse(s))

const auditQuery = z.object({
  type: z.enum(AUDIT_TYPES).optional(),
  party: z.string().optional(),
  subject: z.string().optional(),
  from: instantMs.optional(),
  to: instantMs.optional(),
  afterSeq: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).optional(),
})

export const auditRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/api/audit',
    roles: ['auditor', 'admin'],
    summary:
      'the tamper-evident audit chain, filtered (type, party, subject, from, to, afterSeq, limit)',
    handler: async (ctx, request) => {
      const q = parse(auditQuery, request.query, 'query')
      return ctx.store.listAudit({
        type: q.type,
        party: q.party,
        subject: q.subject,
        fromMs: q.from,
        untilMs: q.to,
        afterSeq: q.afterSeq,
        limit: q.limit,
      })
    },
  },
  {
    method: 'GET',
    path: '/api/audit/verify',
    roles: ['auditor', 'admin'],
    summary: 'recompute the hash chain and check the signed checkpoints',
    handler: (ctx) => verifyStoredChain(ctx.store, ctx.keys.signingPublic),
  },
  {
    method: 'GET',
    path: '/api/audit/checkpoint',
    roles: ['auditor', 'admin'],
    summary:
      "the audit log's latest C2SP checkpoint (signed now if the log grew) and the largest one its peers cosigned",
    handler: async (ctx) => {
      const latest = await merkleLogOf(ctx).checkpoint()
      const cosigned = (await heldCheckpoints(ctx.store)).filter((c) => c.cosigners.length > 0)
      const best = cosigned.at(-1)
      return {
        origin: latest.origin,
        size: latest.size,
        rootHash: Buffer.from(latest.rootHash).toString('base64'),
        note: latest.note,
        cosigned:
          best === undefined
            ? null
            : { size: best.size, cosigners: best.cosigners, note: best.note },
      }
    },
  },
  {
    method: 'GET',
    path: '/api/audit/proof/:seq',
    roles: ['auditor', 'admin'],
    summary:
      'a C2SP tlog-proof of audit entry seq (the entry as its extra data) under the most cosigned checkpoint that covers it',
    handler: async (ctx, request) => {
      const { seq } = parse(
        z.object({ seq: z.coerce.number().int().min(1) }),
        request.params,
        'params',
      )
      const log = merkleLogOf(ctx)
      if ((await log.sync()) >= seq && (log.lastSigned()?.size ?? 0) < seq) await log.checkpoint()
      await log.flush()
      return { seq, proof: await proveEntry(ctx.store, log, seq) }
    },
  },
  {
    method: 'GET',
    path: '/api/audit/account',
    roles: ['auditor', 'admin'],
    summary: 'what was shared with, received from and asked by one party in a window',
    handler: async (ctx, request) => {
      const q = parse(
        z.object({ party: z.string(), from: instantMs, to: instantMs }),
        request.query,
        'query',
      )
      return accountFor(ctx.store, q.party, q.from, q.to)
    },
  },
  {
    method: 'GET',
    path: '/api/agreements',
    roles: ANY_ROLE,
    summary: 'status of every agreement in this node registry at an instant (default now)',
    handler: (ctx, request) => {
      const q = parse(z.object({ at: instantMs.optional() }), request.query, 'query')
      return agreementRows(ctx.index, q.at ?? ctx.now())
    },
  },
  {
    method: 'GET',
    path: '/api/events',
    roles: ANY_ROLE,
    summary:
      'server-sent events: the audit entries the caller may see (all for auditor and admin; ' +
      'for operator and release-officer those about reports, releases, deliveries, requests and ' +
      'consents), after ?afterSeq= (or Last-Event-ID), then each as it commits',
    handler: async (ctx, request, reply, caller) => {
      const { afterSeq } = parse(
        z.object({
          afterSeq: z.coerce.number().int().min(0).optional(),
          access_token: z.string().optional(),
        }),
        request.query,
        'query',
      )
      const lastEventId = parse(
        z.coerce.number().int().min(0).optional(),
        request.headers['last-event-id'],
        'headers.last-event-id',
      )
      await streamAuditEvents(ctx, reply, caller?.role ?? 'operator', afterSeq ?? lastEventId ?? 0)
    },
  },
  {
    method: 'GET',
    path: '/api/node',
    roles: 'public',
    summary: 'who this node is: its party and public keys (its peers are not published)',
    handler: (ctx) => ({ party: ctx.party, publicKeys: ctx.publicJwks }),
  },
]
