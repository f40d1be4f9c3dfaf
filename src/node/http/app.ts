import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import { EntenteError, isEntenteError } from '../../lib/errors.ts'
import type { NodeContext } from '../app/context.ts'
import { receiveEnvelope } from '../app/receive.ts'
import { EnvelopeError } from '../crypto/envelope.ts'
import { auditAuthFailure, authorize } from './auth.ts'
import { openApiDocument } from './openapi.ts'
import { sendError, sendProblem } from './problem.ts'
import type { Route } from './routes.ts'
import { apiRoutes } from './routes-api.ts'
import { registerTaxii } from './taxii.ts'

export const JOSE_MEDIA_TYPE = 'application/jose'

/** The node's HTTP edge: the only module that knows the web framework. No port is opened here. */
export function buildHttpApp(ctx: NodeContext): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: ctx.config.bodyLimitBytes })
  app.addContentTypeParser(JOSE_MEDIA_TYPE, { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  )
  app.setErrorHandler((error, _request, reply) => handleError(reply, error))
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, 404, 'NOT_FOUND', `no route ${request.method} ${request.url}`),
  )

  for (const route of apiRoutes) addRoute(app, ctx, route)
  registerTaxii(app, ctx)
  app.get('/api/health', (_request, reply) => reply.send({ ok: true, party: ctx.party }))
  app.get('/api/openapi.json', (_request, reply) => reply.send(openApiDocument(ctx, apiRoutes)))
  app.post('/federation/inbox', async (request, reply) => {
    if (typeof request.body !== 'string') {
      throw new EntenteError(
        'INVALID_REQUEST',
        `body: a compact JWE with content-type ${JOSE_MEDIA_TYPE}`,
      )
    }
    const arrival = await receiveEnvelope(ctx, request.body).catch(async (error: unknown) => {
      if (error instanceof EnvelopeError)
        await auditAuthFailure(ctx, request, '/federation/inbox', error.code)
      throw error
    })
    return reply.send({
      receipt: arrival.receipt,
      status: arrival.status,
      duplicate: arrival.duplicate,
    })
  })
  return app
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
    const code =
      status === 413
        ? 'BODY_TOO_LARGE'
        : status === 415
          ? 'UNSUPPORTED_MEDIA_TYPE'
          : 'INVALID_REQUEST'
    return sendProblem(reply, status, code, (error as Error).message)
  }
  return sendProblem(
    reply,
    500,
    'INTERNAL',
    'the node failed to handle this request; nothing was half-stored',
  )
}
