import type { Readable } from 'node:stream'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { asPartyId } from '../../domain/ids.ts'
import { EntenteError } from '../../lib/errors.ts'
import {
  type Manifest,
  MEDIA_TYPE_OF,
  productCorrectionSchema,
  productPostSchema,
} from '../../protocol/product.ts'
import type { NodeContext } from '../app/context.ts'
import { disclosureContext } from '../app/disclosure.ts'
import {
  productVerdict,
  productView,
  recordProductDisclosure,
  visibleProduct,
  visibleProducts,
} from '../app/product-views.ts'
import { createProduct, uploadContent } from '../app/products.ts'
import { withdrawProduct } from '../app/product-withdrawals.ts'
import { correctProduct } from '../app/product-corrections.ts'
import { appendAudit } from '../app/audit-log.ts'
import { CHUNK_AUTH_SCHEME, verifyChunkRequest } from '../crypto/chunk-request.ts'
import { ANY_ROLE, auditAuthFailure } from './auth.ts'
import { sendProblem } from './problem.ts'
import type { Route } from './routes.ts'
import { parse } from './routes-api.ts'

/**
 * Issue 17: products on the API (two-step upload: metadata, then the file streamed as
 * application/octet-stream), and the holder's side of a transfer, `GET /federation/products/
 * {id}/chunks/{index}`, authenticated as the peer and decided by the one disclosure policy.
 */
export const OCTET_STREAM = 'application/octet-stream'

const idParam = z.strictObject({ id: z.string().min(1).max(128) })
const listQuery = z.strictObject({ kind: z.enum(['imagery', 'assessment']).optional() })
const withdrawBody = z.strictObject({
  reason: z.string().trim().min(1, 'a reason, not empty').max(2_000),
})

export const productRoutes: readonly Route[] = [
  {
    method: 'POST',
    path: '/api/products',
    roles: ['operator', 'admin'],
    summary:
      "post a product of this party: an assessment (whole, signed and offered at once) or an image's metadata (its file follows by PUT /api/products/{id}/content)",
    handler: async (ctx, request, reply) => {
      const post = parse(productPostSchema, request.body, '')
      const { product, duplicate } = await createProduct(ctx, post)
      return reply.code(duplicate ? 200 : 201).send(productView(product))
    },
  },
  {
    method: 'PUT',
    path: '/api/products/:id/content',
    roles: ['operator', 'admin'],
    summary:
      "an image's file, streamed as application/octet-stream (never held whole in memory): hashed, chunked, signed with its manifest, then offered to peers",
    handler: async (ctx, request, reply) => {
      const { id } = parse(idParam, request.params, 'params')
      if (!request.headers['content-type']?.startsWith(OCTET_STREAM))
        throw new EntenteError(
          'UNSUPPORTED_MEDIA_TYPE',
          `content-type: the file is sent as ${OCTET_STREAM}`,
        )
      const row = await uploadContent(ctx, id, request.body as Readable)
      return reply.send(productView(row))
    },
  },
  {
    method: 'GET',
    path: '/api/products',
    roles: ANY_ROLE,
    summary:
      'the products this node holds (own, and peers’ whose file is whole and verified), withdrawn ones left out',
    handler: async (ctx, request) => {
      const q = parse(listQuery, request.query, 'query')
      const rows = await visibleProducts(ctx, ctx.party, ctx.now(), q)
      return rows.map(productView)
    },
  },
  {
    method: 'GET',
    path: '/api/products/:id',
    roles: ANY_ROLE,
    summary: 'one product held here, with its footprint, thumbnail or text',
    handler: async (ctx, request) => {
      const { id } = parse(idParam, request.params, 'params')
      return productView(await visibleProduct(ctx, ctx.party, id, ctx.now()))
    },
  },
  {
    method: 'GET',
    path: '/api/products/:id/content',
    roles: ANY_ROLE,
    summary: "an image's file, streamed; every download is audited",
    handler: async (ctx, request, reply) => {
      const { id } = parse(idParam, request.params, 'params')
      const nowMs = ctx.now()
      const row = await visibleProduct(ctx, ctx.party, id, nowMs)
      const manifest = row.manifest as Manifest | null
      if (row.kind !== 'imagery' || manifest === null || row.state !== 'complete')
        throw new EntenteError('NOT_FOUND', `product '${id}' has no file held here`)
      await recordProductDisclosure(ctx, row, ctx.party, nowMs, { sha256: manifest.sha256 })
      const format = (row.product as { imagery?: { format?: keyof typeof MEDIA_TYPE_OF } }).imagery
        ?.format
      return reply
        .type(format === undefined ? OCTET_STREAM : MEDIA_TYPE_OF[format])
        .header('content-length', manifest.sizeBytes)
        .header('digest', `sha-256=${Buffer.from(manifest.sha256, 'hex').toString('base64')}`)
        .send(ctx.content.read(manifest.sha256))
    },
  },
  {
    method: 'POST',
    path: '/api/products/:id/corrections',
    roles: ['operator', 'admin'],
    summary:
      "correct one of this node's own products: a new signed version with its own marking, decided for every peer now; a holder of an earlier version it may not go to is sent the content-free superseded notice",
    handler: async (ctx, request, reply) => {
      const { id } = parse(idParam, request.params, 'params')
      const post = parse(productCorrectionSchema, request.body, '')
      const { product, sentTo, supersededTo } = await correctProduct(ctx, id, post)
      return reply.code(201).send({ product: productView(product), sentTo, supersededTo })
    },
  },
  {
    method: 'POST',
    path: '/api/products/:id/withdraw',
    roles: ['operator', 'admin'],
    summary:
      "withdraw one of this node's own products with a reason: signed, sent to every peer it went to; it disappears from every holder",
    handler: async (ctx, request, reply) => {
      const { id } = parse(idParam, request.params, 'params')
      const { reason } = parse(withdrawBody, request.body, '')
      return reply.send(await withdrawProduct(ctx, id, reason))
    },
  },
]

const chunkParams = z.strictObject({
  id: z.string().min(1).max(128),
  index: z.coerce.number().int().min(0).max(1_000_000),
})

/** The holder's side of a transfer: one chunk, to a pinned peer the policy lets receive it now. */
export function registerProductFederation(app: FastifyInstance, ctx: NodeContext): void {
  app.get('/federation/products/:id/chunks/:index', async (request, reply) => {
    const { id, index } = parse(chunkParams, request.params, 'params')
    const route = '/federation/products/chunks'
    const header = request.headers.authorization ?? ''
    const nowMs = ctx.now()
    const auth = header.startsWith(`${CHUNK_AUTH_SCHEME} `)
      ? verifyChunkRequest(
          header.slice(CHUNK_AUTH_SCHEME.length + 1),
          (party) => ctx.peers.get(asPartyId(party))?.signingKey,
          {
            aud: ctx.party,
            productId: id,
            index,
            nowMs,
            skewMs: ctx.config.clockSkewS * 1000,
          },
        )
      : ({ ok: false, reason: `no ${CHUNK_AUTH_SCHEME} authorization` } as const)
    if (!auth.ok) {
      await auditAuthFailure(ctx, request, route, auth.reason)
      return sendProblem(
        reply,
        401,
        'UNAUTHORIZED',
        `a chunk is served to a pinned peer only: ${auth.reason}`,
      )
    }
    const peer = asPartyId(auth.iss)
    const row = await ctx.store.getProduct(id)
    const manifest = row?.manifest as Manifest | null | undefined
    const dc = await disclosureContext(ctx, peer, nowMs)
    // Asked again for every chunk, once, as every product egress asks (`productVerdict`): an
    // agreement that lapsed meanwhile, a withdrawal or a correction stops the transfer.
    const verdict = row === undefined ? null : productVerdict(ctx, row, dc)
    if (row === undefined || manifest === null || manifest === undefined || verdict === null) {
      await appendAudit(ctx, {
        atMs: nowMs,
        type: 'decision',
        party: peer,
        subject: id,
        data: { kind: 'product', decision: 'denied', egress: 'chunk', index },
      })
      return sendProblem(reply, 403, 'FORBIDDEN', `product '${id}' is not released to ${peer} now`)
    }
    if (index >= manifest.chunks.length)
      return sendProblem(
        reply,
        404,
        'NOT_FOUND',
        `product '${id}' has ${manifest.chunks.length} chunks`,
      )
    const agreement = verdict === 'own' ? null : (verdict.hops[0]?.agreement ?? null)
    await recordProductDisclosure(ctx, row, peer, nowMs, { agreement, sha256: manifest.sha256 })
    const bytes = await ctx.content.readChunk(manifest.sha256, manifest.sizeBytes, index)
    return reply.type(OCTET_STREAM).send(bytes)
  })
}
