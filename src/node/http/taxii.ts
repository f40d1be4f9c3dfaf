import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { type StixObject, stixTime } from '../../interop/stix-objects.ts'
import { EntenteError, isEntenteError } from '../../lib/errors.ts'
import { auditAuthFailure } from './auth.ts'
import { frameworkErrorCode, frameworkErrorDetail, httpStatusOf } from './problem.ts'
import type { NodeContext } from '../app/context.ts'
import { ingestTaxiiObjects } from '../app/taxii-ingest.ts'
import { collectionIdOf, findTaxiiClient, type TaxiiClient } from '../app/taxii-views.ts'
import { taxiiCollectionRoutes } from './taxii-collection.ts'
import { productContentRoute, taxiiProductRoutes } from './taxii-products.ts'

export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1'
export const TAXII_PREFIX = '/taxii2'
export const API_ROOT = 'api'

/** The client of each request, set by the authentication hook (no decorators, no augmentation). */
const clients = new WeakMap<FastifyRequest, TaxiiClient>()

export function clientOf(request: FastifyRequest): TaxiiClient {
  const client = clients.get(request)
  if (client === undefined) throw new Error('TAXII route reached without authentication')
  return client
}

/** Sends a TAXII resource with its media type. */
export function sendTaxii(
  reply: FastifyReply,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): FastifyReply {
  return reply
    .code(status)
    .headers(headers)
    .header('content-type', TAXII_MEDIA_TYPE)
    .send(Buffer.from(JSON.stringify(body)))
}

/**
 * A TAXII 2.1 server over the node's launch reports (docs/interop.md): discovery, one API root,
 * one collection, objects, manifest, versions and status. Every client is bound to a party and
 * reads what the release engine allows that party at the time of its request.
 */
export function registerTaxii(app: FastifyInstance, ctx: NodeContext): void {
  void app.register(
    (scope, _options, done) => {
      scope.removeAllContentTypeParsers()
      scope.addContentTypeParser(
        'application/taxii+json',
        { parseAs: 'string' },
        (_req, body, next) => {
          try {
            next(null, JSON.parse(body as string))
          } catch (error) {
            next(new EntenteError('INVALID_REQUEST', 'body: not JSON', { cause: error }), undefined)
          }
        },
      )
      scope.setErrorHandler((error, _request, reply) => sendTaxiiError(reply, error))
      scope.setNotFoundHandler((request, reply) =>
        sendTaxiiError(
          reply,
          new EntenteError('NOT_FOUND', `no TAXII resource ${request.method} ${request.url}`),
        ),
      )
      scope.addHook('onRequest', async (request) => {
        clients.set(request, await authenticate(ctx, request))
        // An image's download answers in the image's media type, not TAXII's.
        if (request.routeOptions.url !== `${TAXII_PREFIX}${productContentRoute()}`)
          negotiate(request)
      })
      taxiiRootRoutes(scope, ctx)
      taxiiCollectionRoutes(scope, ctx)
      taxiiProductRoutes(scope, ctx)
      done()
    },
    { prefix: TAXII_PREFIX },
  )
}

function taxiiRootRoutes(scope: FastifyInstance, ctx: NodeContext): void {
  const statuses = new StatusStore()
  const root = `${TAXII_PREFIX}/${API_ROOT}/`
  scope.get('/', (request, reply) =>
    sendTaxii(reply, 200, {
      title: `Entente node ${ctx.party}`,
      description: `Launch reports, tracks and products held by ${ctx.party}'s node, as the agreements release them to each client's party`,
      default: `${request.protocol}://${request.host}${root}`,
      api_roots: [`${request.protocol}://${request.host}${root}`],
    }),
  )
  scope.get(`/${API_ROOT}/`, (_request, reply) =>
    sendTaxii(reply, 200, {
      title: `Entente ${ctx.party}`,
      description:
        'Early-warning launch reports, tracks, imagery and assessments (STIX 2.1, Entente extensions)',
      versions: [TAXII_MEDIA_TYPE],
      max_content_length: ctx.config.bodyLimitBytes,
    }),
  )
  scope.get<{ Params: { statusId: string } }>(
    `/${API_ROOT}/status/:statusId/`,
    (request, reply) => {
      const status = statuses.get(request.params.statusId, clientOf(request).party)
      if (status === undefined)
        throw new EntenteError('NOT_FOUND', `no status ${request.params.statusId}`)
      return sendTaxii(reply, 200, status)
    },
  )
  scope.post<{ Params: { collectionId: string } }>(
    `/${API_ROOT}/collections/:collectionId/objects/`,
    async (request, reply) => {
      const client = clientOf(request)
      requireCollection(ctx, request.params.collectionId)
      requireMediaType(request)
      if (!canWrite(client))
        throw new EntenteError('FORBIDDEN', `the role ${client.role ?? ''} may not add objects`)
      const objects = envelopeObjects(request.body)
      const requestedAt = stixTime(ctx.now())
      const outcome = await ingestTaxiiObjects(ctx, client.party, objects)
      const status = {
        id: ctx.newId(),
        status: 'complete',
        request_timestamp: requestedAt,
        total_count: objects.length,
        success_count: outcome.successes.length,
        successes: outcome.successes,
        failure_count: outcome.failures.length,
        failures: outcome.failures,
        pending_count: 0,
        pendings: [],
      }
      statuses.put(status.id, client.party, status)
      return sendTaxii(reply, 202, status)
    },
  )
}

export function canWrite(client: TaxiiClient): boolean {
  return client.role === null || client.role === 'operator' || client.role === 'admin'
}

export function requireCollection(ctx: NodeContext, id: string): void {
  if (id !== collectionIdOf(ctx.party)) throw new EntenteError('NOT_FOUND', `no collection ${id}`)
}

function requireMediaType(request: FastifyRequest): void {
  const type = (request.headers['content-type'] ?? '').replaceAll(' ', '').toLowerCase()
  if (type !== TAXII_MEDIA_TYPE && type !== 'application/taxii+json')
    throw new EntenteError('UNSUPPORTED_MEDIA_TYPE', `content-type: must be ${TAXII_MEDIA_TYPE}`)
}

function envelopeObjects(body: unknown): StixObject[] {
  const objects = (body as { objects?: unknown } | null)?.objects
  const valid =
    Array.isArray(objects) &&
    objects.every(
      (o) =>
        typeof o === 'object' &&
        o !== null &&
        typeof (o as StixObject).id === 'string' &&
        typeof (o as StixObject).type === 'string',
    )
  if (!valid)
    throw new EntenteError(
      'INVALID_REQUEST',
      'body: a TAXII envelope whose objects each have a type and an id',
    )
  return objects as StixObject[]
}

/** 406 unless the client accepts the TAXII media type (an absent Accept accepts anything). */
function negotiate(request: FastifyRequest): void {
  const accept = request.headers.accept
  if (accept === undefined) return
  const ranges = accept.split(',').map((r) =>
    r
      .replaceAll(' ', '')
      .toLowerCase()
      .replace(/;q=[0-9.]+/, ''),
  )
  const ok = ranges.some((r) =>
    [TAXII_MEDIA_TYPE, 'application/taxii+json', 'application/*', '*/*'].includes(r),
  )
  if (!ok)
    throw new EntenteError(
      'NOT_ACCEPTABLE',
      `accept: this server produces ${TAXII_MEDIA_TYPE} only`,
    )
}

/** `Authorization: Bearer token` or `Basic base64(party:token)`; failures are audited. */
async function authenticate(ctx: NodeContext, request: FastifyRequest): Promise<TaxiiClient> {
  const credentials = credentialsOf(request.headers.authorization)
  const client = credentials === null ? null : await findTaxiiClient(ctx, credentials)
  if (client !== null) return client
  await auditAuthFailure(
    ctx,
    request,
    // The route pattern, not the path: a caller cannot fill the audit with paths of its own.
    request.routeOptions.url ?? `${TAXII_PREFIX} (no such route)`,
    credentials === null ? 'no credentials' : 'unknown token',
  )
  throw new EntenteError(
    'UNAUTHORIZED',
    'TAXII needs HTTP Basic (party:token) or a bearer token valid for this node',
  )
}

function credentialsOf(header: string | undefined): { party: string | null; token: string } | null {
  if (header?.startsWith('Bearer ') === true) return { party: null, token: header.slice(7).trim() }
  if (header?.startsWith('Basic ') !== true) return null
  const text = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8')
  const colon = text.indexOf(':')
  return colon <= 0 ? null : { party: text.slice(0, colon), token: text.slice(colon + 1) }
}

/** The TAXII 2.1 error message resource. */
export function sendTaxiiError(reply: FastifyReply, error: unknown): FastifyReply {
  const framework = (error as { statusCode?: unknown }).statusCode
  const status = isEntenteError(error)
    ? httpStatusOf(error.code)
    : typeof framework === 'number' && framework >= 400 && framework < 500
      ? framework
      : 500
  const code = isEntenteError(error)
    ? error.code
    : status < 500
      ? frameworkErrorCode(status)
      : 'INTERNAL'
  const description =
    status === 500
      ? 'the node failed to handle this request; nothing was half-stored'
      : isEntenteError(error)
        ? error.message
        : frameworkErrorDetail(status, error)
  if (status === 401)
    void reply.header(
      'www-authenticate',
      'Basic realm="entente-taxii", Bearer realm="entente-taxii"',
    )
  return sendTaxii(reply, status, {
    title: code,
    description,
    error_code: code,
    http_status: String(status),
  })
}

/** Status resources of recent POSTs, in memory (a restart forgets them; the reports stay). */
class StatusStore {
  readonly #byId = new Map<string, { party: string; status: unknown }>()
  put(id: string, party: string, status: unknown): void {
    this.#byId.set(id, { party, status })
    if (this.#byId.size > 1000) this.#byId.delete(this.#byId.keys().next().value ?? '')
  }
  get(id: string, party: string): unknown {
    const entry = this.#byId.get(id)
    return entry?.party === party ? entry.status : undefined
  }
}
