import { z } from 'zod'
import { agreementRows } from '../../domain/agreement-view.ts'
import { accountFor } from '../app/audit-query.ts'
import { verifyAuditChain } from '../audit/verify.ts'
import { AUDIT_TYPES } from '../store/store.ts'
import { ANY_ROLE } from './auth.ts'
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
    handler: async (ctx) =>
      verifyAuditChain(
        await ctx.store.listAudit({ limit: Number.MAX_SAFE_INTEGER }),
        await ctx.store.listCheckpoints(),
        ctx.keys.signingPublic,
      ),
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
    summary: 'server-sent events: every audit entry as it is committed (after ?afterSeq=)',
    handler: async (ctx, request, reply) => {
      const { afterSeq } = parse(
        z.object({
          afterSeq: z.coerce.number().int().min(0).optional(),
          access_token: z.string().optional(),
        }),
        request.query,
        'query',
      )
      reply.hijack()
      const raw = reply.raw
      raw.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      })
      const write = (entry: { seq: number }): void => {
        raw.write(`id: ${entry.seq}\nevent: audit\ndata: ${JSON.stringify(entry)}\n\n`)
      }
      // Entries committed while the history is replayed wait, then go out unless already sent.
      // (Live entries may come slightly out of seq order: concurrent transactions publish
      // after their commits, so nothing is dropped for being "older" than the last one sent.)
      const waiting: { seq: number }[] = []
      let replaying = true
      const unsubscribe = ctx.events.subscribe((entry) =>
        replaying ? waiting.push(entry) : write(entry),
      )
      const replayed = new Set<number>()
      for (const entry of await ctx.store.listAudit({ afterSeq: afterSeq ?? 0, limit: 100_000 })) {
        replayed.add(entry.seq)
        write(entry)
      }
      replaying = false
      for (const entry of waiting) if (!replayed.has(entry.seq)) write(entry)
      const ping = setInterval(() => raw.write(': ping\n\n'), 15_000)
      request.raw.on('close', () => {
        clearInterval(ping)
        unsubscribe()
      })
    },
  },
  {
    method: 'GET',
    path: '/api/node',
    roles: 'public',
    summary: 'who this node is: party, peers, public keys',
    handler: (ctx) => ({
      party: ctx.party,
      peers: [...ctx.peers.values()].map((p) => ({ party: p.party, url: p.url })),
      publicKeys: ctx.publicJwks,
    }),
  },
]
