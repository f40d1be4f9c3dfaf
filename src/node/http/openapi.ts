import { z } from 'zod'
import { inboxPostSchema } from '../../protocol/link.ts'
import type { NodeContext } from '../app/context.ts'
import type { Route } from './routes.ts'

/** A minimal OpenAPI 3.1 description, built from the same route table the server uses. */
export function openApiDocument(ctx: NodeContext, routes: readonly Route[]): object {
  const paths: Record<string, Record<string, object>> = {}
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}')
    const params = [...route.path.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }))
    paths[path] = {
      ...paths[path],
      [route.method.toLowerCase()]: {
        summary: route.summary,
        parameters: params,
        security: route.roles === 'public' ? [] : [{ bearer: [] }],
        'x-entente-roles': route.roles,
        responses: { default: { description: 'JSON; errors are application/problem+json' } },
      },
    }
  }
  paths['/federation/inbox'] = {
    post: {
      summary:
        'a peer node posts a signed and encrypted envelope (compact JWE over a compact JWS); answered with a signed receipt',
      requestBody: {
        content: {
          'application/jose': { schema: { type: 'string' } },
          // Issue 13: the sender's checkpoint beside the envelope, to witness (src/protocol/link.ts).
          'application/json': { schema: z.toJSONSchema(inboxPostSchema) },
        },
      },
      responses: {
        '200': { description: '{ receipt, status, duplicate }' },
        '401': { description: 'not signed by a pinned peer' },
      },
    },
  }
  paths['/federation/products/{id}/chunks/{index}'] = {
    get: {
      summary:
        'a peer fetches one chunk (1 MiB) of an image released to it, authenticated by a chunk request signed with its key (authorization: Entente-Peer <JWS>); the policy is asked for each chunk',
      responses: {
        '200': { description: 'application/octet-stream: the chunk' },
        '401': { description: 'not a chunk request signed by a pinned peer' },
        '403': { description: 'the product is not released to that peer now' },
      },
    },
  }
  return {
    openapi: '3.1.0',
    info: { title: `Entente node ${ctx.party}`, version: '0.1.0' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths,
  }
}
