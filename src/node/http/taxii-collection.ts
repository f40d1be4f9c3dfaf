import type { FastifyInstance } from 'fastify'
import { STIX_MEDIA_TYPE } from '../../interop/stix-objects.ts'
import { stixTime } from '../../interop/stix-objects.ts'
import { EntenteError } from '../../lib/errors.ts'
import type { NodeContext } from '../app/context.ts'
import {
  collectionIdOf,
  collectionView,
  recordServed,
  type TaxiiEntry,
} from '../app/taxii-views.ts'
import {
  API_ROOT,
  canWrite,
  clientOf,
  requireCollection,
  sendTaxii,
  TAXII_PREFIX,
} from './taxii.ts'
import { dateHeaders, filterEntries, pageOf, parseTaxiiQuery } from './taxii-query.ts'

type CollectionParams = { Params: { collectionId: string } }
type ObjectParams = { Params: { collectionId: string; objectId: string } }

/** Collections, objects, manifest, one object (GET; DELETE refused) and its versions (TAXII 2.1 §5). */
export function taxiiCollectionRoutes(scope: FastifyInstance, ctx: NodeContext): void {
  const base = `/${API_ROOT}/collections`
  const collection = (canWriteIt: boolean) => ({
    id: collectionIdOf(ctx.party),
    title: `${ctx.party} early warning`,
    description:
      'Launch reports, their tracks, and imagery and assessments this node holds, as the agreements release them to your party now',
    can_read: true,
    can_write: canWriteIt,
    media_types: [STIX_MEDIA_TYPE],
  })
  scope.get(`${base}/`, (request, reply) =>
    sendTaxii(reply, 200, { collections: [collection(canWrite(clientOf(request)))] }),
  )
  scope.get<CollectionParams>(`${base}/:collectionId/`, (request, reply) => {
    requireCollection(ctx, request.params.collectionId)
    return sendTaxii(reply, 200, collection(canWrite(clientOf(request))))
  })
  const view = async (
    request: { params: { collectionId: string }; protocol: string; host: string },
    party: Parameters<typeof collectionView>[1],
  ) => {
    requireCollection(ctx, request.params.collectionId)
    const atMs = ctx.now()
    // Links back to this node (an image's download) are absolute, as discovery's api_roots.
    const url = `${request.protocol}://${request.host}${TAXII_PREFIX}${base}/${request.params.collectionId}/`
    return { atMs, entries: await collectionView(ctx, party, atMs, url) }
  }
  /** What a page shows a party is a disclosure of each report in it (H2), recorded before it leaves. */
  const served = async <T extends TaxiiEntry>(
    party: Parameters<typeof collectionView>[1],
    atMs: number,
    items: readonly T[],
  ): Promise<readonly T[]> => {
    await recordServed(ctx, party, 'taxii', items, atMs)
    return items
  }
  const page = async (
    request: { params: { collectionId: string }; query: unknown; protocol: string; host: string },
    party: Parameters<typeof collectionView>[1],
    objectId?: string,
    latest = true,
  ) => {
    const query = parseTaxiiQuery(request.query as Record<string, unknown>)
    const { atMs, entries } = await view(request, party)
    const all = objectId === undefined ? entries : oneObject(entries, objectId)
    const result = pageOf(filterEntries(all, query, latest), query)
    await served(party, atMs, result.items)
    return result
  }
  scope.get<CollectionParams>(`${base}/:collectionId/objects/`, async (request, reply) => {
    const p = await page(request, clientOf(request).party)
    return sendTaxii(
      reply,
      200,
      envelope(p.more, p.next, { objects: p.items.map((e) => e.object) }),
      dateHeaders(p.items),
    )
  })
  scope.get<CollectionParams>(`${base}/:collectionId/manifest/`, async (request, reply) => {
    const p = await page(request, clientOf(request).party)
    return sendTaxii(
      reply,
      200,
      envelope(p.more, p.next, { objects: p.items.map(manifestRecord) }),
      dateHeaders(p.items),
    )
  })
  scope.get<ObjectParams>(`${base}/:collectionId/objects/:objectId/`, async (request, reply) => {
    const p = await page(request, clientOf(request).party, request.params.objectId)
    return sendTaxii(
      reply,
      200,
      envelope(p.more, p.next, { objects: p.items.map((e) => e.object) }),
      dateHeaders(p.items),
    )
  })
  // TAXII 2.1 §5.7. A node never deletes what it holds: its audit chain proves what it had.
  scope.delete<ObjectParams>(`${base}/:collectionId/objects/:objectId/`, async (request) => {
    oneObject((await view(request, clientOf(request).party)).entries, request.params.objectId)
    throw new EntenteError(
      'FORBIDDEN',
      'an Entente node never deletes a report or its objects: its audit chain proves what it held',
    )
  })
  scope.get<ObjectParams>(
    `${base}/:collectionId/objects/:objectId/versions/`,
    async (request, reply) => {
      const party = clientOf(request).party
      const p = await page(request, party, request.params.objectId, false)
      return sendTaxii(
        reply,
        200,
        envelope(p.more, p.next, { versions: p.items.map((e) => e.version) }),
        dateHeaders(p.items),
      )
    },
  )
}

/** A TAXII envelope; an empty list is left out rather than sent empty. */
function envelope(
  more: boolean,
  next: string | null,
  list: Record<string, readonly unknown[]>,
): Record<string, unknown> {
  const [key, items] = Object.entries(list)[0] ?? ['objects', []]
  return {
    more,
    ...(next === null ? {} : { next }),
    ...(items.length === 0 ? {} : { [key]: items }),
  }
}

function manifestRecord(entry: TaxiiEntry) {
  return {
    id: entry.object.id,
    date_added: stixTime(entry.dateAddedMs),
    version: entry.version,
    media_type: STIX_MEDIA_TYPE,
  }
}

/** Every version of one object the client may see; 404 when it sees none. */
function oneObject(entries: readonly TaxiiEntry[], id: string): TaxiiEntry[] {
  const found = entries.filter((e) => e.object.id === id)
  if (found.length === 0)
    throw new EntenteError('NOT_FOUND', `no object ${id} in this collection for your party`)
  return found
}
