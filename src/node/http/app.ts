import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { ServerOptions } from 'node:https'
import { EntenteError, isEntenteError } from '../../lib/errors.ts'
import { appendAudit } from '../app/audit-log.ts'
import { authFailuresOf } from '../app/auth-failures.ts'
import type { NodeContext } from '../app/context.ts'
import { receiveEnvelope } from '../app/receive.ts'
import { EnvelopeError } from '../crypto/envelope.ts'
import { type InboxPost, inboxPostSchema } from '../../protocol/link.ts'
import { auditAuthFailure, authorize } from './auth.ts'
import { openApiDocument } from './openapi.ts'
import { frameworkErrorCode, frameworkErrorDetail, sendError, sendProblem } from './problem.ts'
import type { Route } from './routes.ts'
import { apiRoutes } from './routes-api.ts'
import { OCTET_STREAM, productRoutes, registerProductFederation } from './routes-products.ts'
import { sessionRoutes } from './routes-session.ts'
import { registerConsole } from './console-static.ts'
import { registerTaxii, sendTaxiiError, TAXII_PREFIX } from './taxii.ts'

export const JOSE_MEDIA_TYPE = 'application/jose'
/** How often the counts of failed authentications are checked for a minute that is over. */
const AUTH_FAILURE_FLUSH_MS = 10_000

/**
 * The node's HTTP edge: the only module that knows the web framework. No port is opened here;
 * with `https` (see tls.ts) the server it will listen with is HTTPS, else plain HTTP.
 */
export function buildHttpApp(
  ctx: NodeContext,
  https: ServerOptions | null = null,
): FastifyInstance {
  const app = Fastify({
    https,
    logger: false,
    bodyLimit: ctx.config.bodyLimitBytes,
    // A path parameter too long (414) or a malformed URL (400): the same error bodies as ours.
    frameworkErrors: (error, request, reply) => {
      void (request.url.startsWith(TAXII_PREFIX)
        ? sendTaxiiError(reply, error)
        : handleError(reply, error))
    },
  })
  app.addContentTypeParser(JOSE_MEDIA_TYPE, { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  )
  // An image's file (issue 17) is streamed to its handler unread, never parsed into memory.
  app.addContentTypeParser(OCTET_STREAM, (_req, payload, done) => done(null, payload))
  app.setErrorHandler((error, _request, reply) => handleError(reply, error))
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 404, 'NOT_FOUND', `no route ${request.method} ${request.url}`),
  )

  const routes: readonly Route[] = [...apiRoutes, ...productRoutes, ...sessionRoutes(() => routes)]
  for (const route of routes) addRoute(app, ctx, route)
  registerConsole(app)
  registerTaxii(app, ctx)
  app.get('/api/health', (_request, reply) => reply.send({ ok: true, party: ctx.party }))
  app.get('/api/openapi.json', (_request, reply) => reply.send(openApiDocument(ctx, routes)))
  app.post('/federation/inbox', async (request, reply) => {
    const post = inboxPostOf(request.body)
    const arrival = await receiveEnvelope(ctx, post.envelope, post.checkpoint).catch(
      async (error: unknown) => {
        if (error instanceof EnvelopeError) await auditRefusedEnvelope(ctx, request, error)
        throw error
      },
    )
    return reply.send({
      receipt: arrival.receipt,
      status: arrival.status,
      duplicate: arrival.duplicate,
    })
  })
  registerProductFederation(app, ctx)
  auditAuthFailuresInAggregate(app, ctx)
  return app
}

/**
 * The inbox takes a bare compact JWE (application/jose), or the HTTPS link's JSON with the
 * sender's checkpoint beside it (issue 13; application/json, src/protocol/link.ts).
 */
function inboxPostOf(body: unknown): InboxPost {
  if (typeof body === 'string') return { envelope: body }
  const parsed = inboxPostSchema.safeParse(body)
  if (parsed.success) return parsed.data
  const issue = parsed.error.issues[0]
  const path = ['body', ...(issue?.path ?? [])].join('.')
  throw new EntenteError(
    'INVALID_REQUEST',
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? `${path}: ${issue?.message ?? 'invalid'}`
      : `body: a compact JWE with content-type ${JOSE_MEDIA_TYPE}, or JSON { envelope, checkpoint }`,
  )
}

/**
 * A refusal before the sender is verified is counted with the other failed authentications;
 * an envelope whose signature verified but that is not for us is audited on its own.
 */
async function auditRefusedEnvelope(
  ctx: NodeContext,
  request: FastifyRequest,
  error: EnvelopeError,
): Promise<void> {
  if (error.verifiedSender === null)
    return auditAuthFailure(ctx, request, '/federation/inbox', error.reason)
  await appendAudit(ctx, {
    atMs: ctx.now(),
    type: 'auth-failure',
    party: error.verifiedSender,
    subject: null,
    data: { route: '/federation/inbox', reason: error.code, remote: request.ip },
  })
}

/** Writes each minute's counts once it is over, and every count when the app closes. */
function auditAuthFailuresInAggregate(app: FastifyInstance, ctx: NodeContext): void {
  const log = authFailuresOf(ctx)
  const timer = setInterval(() => void log.flushDue(), AUTH_FAILURE_FLUSH_MS)
  timer.unref()
  app.addHook('onClose', async () => {
    clearInterval(timer)
    await log.flushAll()
  })
}

function addRoute(app: FastifyInstance, ctx: NodeContext, route: Route): void {
  app.route({
    method: route.method,
    url: route.path,
    handler: async (request, reply) => {
      const caller = route.roles === 'public' ? null : await authorize(ctx, request, route.roles)
      return route.handler(ctx, request, reply, caller)
    },
  })
}

function handleError(reply: FastifyReply, error: unknown): FastifyReply {
  if (isEntenteError(error)) return sendError(reply, error)
  if (error instanceof EnvelopeError)
    return sendProblem(
      reply,
      error.code === 'ENVELOPE_MALFORMED' ? 400 : 401,
      error.code,
      error.message,
    )
  const status = (error as { statusCode?: unknown }).statusCode
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = frameworkErrorCode(status)
    return sendProblem(reply, status, code, frameworkErrorDetail(status, error))
  }
  return sendProblem(
    reply,
    500,
    'INTERNAL',
    'the node failed to handle this request; nothing was half-stored',
  )
}
