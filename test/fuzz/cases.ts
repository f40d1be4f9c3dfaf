import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import { apiCaseArb, apiRequest, type ApiCase, describeApiCase } from './api-cases.ts'
import { type FuzzNode, remember } from './harness.ts'
import { describeInboxCase, type InboxCase, inboxCaseArb, inboxRequest } from './inbox-cases.ts'
import { describeTaxiiCase, type TaxiiCase, taxiiCaseArb, taxiiRequest } from './taxii-cases.ts'

/** The three surfaces' cases as one: one arbitrary, one way to build, name and describe them. */

export const SURFACES = ['api', 'taxii', 'inbox'] as const
export type Surface = (typeof SURFACES)[number]
export type FuzzCase = ApiCase | TaxiiCase | InboxCase

export function caseArb(
  node: FuzzNode,
  w: Readonly<Record<Surface, number>>,
): fc.Arbitrary<FuzzCase> {
  const all: { arbitrary: fc.Arbitrary<FuzzCase>; weight: number }[] = [
    { arbitrary: apiCaseArb(node.party), weight: w.api },
    { arbitrary: taxiiCaseArb(node.party), weight: w.taxii },
    { arbitrary: inboxCaseArb(node), weight: w.inbox },
  ]
  return fc.oneof(...all.filter((a) => a.weight > 0))
}

export async function requestOf(node: FuzzNode, c: FuzzCase, salt: number): Promise<InjectOptions> {
  switch (c.surface) {
    case 'api':
      return apiRequest(node, c)
    case 'taxii':
      return taxiiRequest(node, c, salt)
    case 'inbox':
      return inboxRequest(node, c)
  }
}

export function routeOfCase(c: FuzzCase): string {
  switch (c.surface) {
    case 'api':
      return c.route
    case 'taxii':
      return `${c.method} ${c.resource}`
    case 'inbox':
      return c.garbage !== null ? 'POST garbage' : `POST ${c.variant.kind}`
  }
}

export function describeCase(c: FuzzCase): string {
  switch (c.surface) {
    case 'api':
      return describeApiCase(c)
    case 'taxii':
      return describeTaxiiCase(c)
    case 'inbox':
      return describeInboxCase(c)
  }
}

/** Ids from successful answers, for later cases to refer to (pools). */
export function learn(node: FuzzNode, c: FuzzCase, status: number, body: string): void {
  if (status >= 300 || c.surface === 'inbox' || body === '') return
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    return
  }
  const v = value as Record<string, unknown>
  if (c.surface === 'taxii') {
    const objects = Array.isArray(v['objects']) ? (v['objects'] as { id?: unknown }[]) : []
    remember(node, 'stixIds', ...objects.map((o) => o.id))
    remember(node, 'nextCursors', v['next'])
    if (status === 202) remember(node, 'statusIds', v['id'])
    return
  }
  if (c.route === 'POST /api/reports') {
    const releases = Array.isArray(v['releases'])
      ? (v['releases'] as { id: unknown; state: unknown }[])
      : []
    remember(node, 'reports', (v['report'] as { id?: unknown } | undefined)?.id)
    remember(
      node,
      'pendingReleases',
      ...releases.filter((r) => r.state === 'pending-approval').map((r) => r.id),
    )
  }
  if (c.route === 'POST /api/requests') remember(node, 'outgoingRequests', v['id'])
  if (c.route === 'POST /api/consents') remember(node, 'ownConsents', v['id'])
}
