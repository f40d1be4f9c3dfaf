import type { FastifyInstance } from 'fastify'
import type { NodeContext } from '../app/context.ts'
import { recordProductDisclosure } from '../app/product-views.ts'
import { productDownload } from '../app/taxii-products.ts'
import { API_ROOT, clientOf, requireCollection } from './taxii.ts'

type ContentParams = { Params: { collectionId: string; productId: string } }

/** The download's route under the TAXII prefix (its url: `productContentUrl` of the collection's). */
export function productContentRoute(): string {
  // A function, not a constant: this module and taxii.ts import each other.
  return `/${API_ROOT}/collections/:collectionId/products/:productId/content`
}

/**
 * An image's file for a TAXII client (issue 17): the `url` of its artifact, authenticated as
 * every TAXII request (a peer party's token), decided again now, audited as a download is
 * (`product-content`) before the first byte leaves, and streamed from the content store.
 */
export function taxiiProductRoutes(scope: FastifyInstance, ctx: NodeContext): void {
  scope.get<ContentParams>(productContentRoute(), async (request, reply) => {
    requireCollection(ctx, request.params.collectionId)
    const { party } = clientOf(request)
    const nowMs = ctx.now()
    const download = await productDownload(ctx, party, request.params.productId, nowMs)
    const { row, manifest } = download
    const detail = { agreement: download.agreement, sha256: manifest.sha256, via: 'taxii' }
    await recordProductDisclosure(ctx, row, party, nowMs, detail)
    return reply
      .code(200)
      .type(download.mediaType)
      .header('content-length', manifest.sizeBytes)
      .header('digest', `sha-256=${Buffer.from(manifest.sha256, 'hex').toString('base64')}`)
      .send(ctx.content.read(manifest.sha256))
  })
}
