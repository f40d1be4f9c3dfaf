import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import { AUDIT_TYPES, RELEASE_STATES } from '../../src/node/store/store.ts'
import { type FuzzNode, type FuzzParty, PARTIES, type PoolName } from './harness.ts'
import {
  authOf,
  type BodySpec,
  bodyArb,
  bodyOf,
  type Credential,
  credentialArb,
  describeBody,
  type IdRef,
  idOf,
  idRefArb,
  type QueryPair,
  queryArb,
  queryString,
} from './request-parts.ts'

/** Mutated requests to the node's own API (/api/...), with every role's token and none. */

export interface ApiCase {
  readonly surface: 'api'
  readonly method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH' | 'HEAD' | 'OPTIONS'
  /** The route template, e.g. `POST /api/releases/:id/approve`. */
  readonly route: string
  readonly id: IdRef | null
  readonly query: readonly QueryPair[]
  readonly credential: Credential
  readonly body: BodySpec
}

const LEVELS: Record<FuzzParty, readonly string[]> = {
  KOR: ['PUBLIC', 'MIL-III', 'MIL-II', 'MIL-I'],
  JPN: ['PUBLIC', 'HI', 'GOKUHI', 'TOKUTEI-HIMITSU'],
  USA: ['UNCLASSIFIED', 'CONFIDENTIAL', 'SECRET', 'TOP-SECRET'],
}
export const levelsOf = (party: FuzzParty): readonly string[] => LEVELS[party]

const TOPICS = ['dprk-missile', 'dprk-nuclear', 'cyber'] as const

/** A launch as a watch centre reports it (valid for `POST /api/reports`). */
export const launchArb = fc.record(
  {
    time: fc
      .integer({ min: Date.parse('2019-10-30T00:00:00Z'), max: Date.parse('2019-11-01T00:00:00Z') })
      .map((ms) => new Date(ms).toISOString()),
    site: fc.record({
      lat: fc.double({ min: 38, max: 41, noNaN: true }),
      lon: fc.constant(125.89),
    }),
    headingDeg: fc.integer({ min: 0, max: 359 }),
    rangeKm: fc.integer({ min: 50, max: 1_500 }),
    apogeeKm: fc.integer({ min: 20, max: 1_000 }),
    count: fc.integer({ min: 1, max: 4 }),
    confidence: fc.constantFrom('low', 'medium', 'high'),
    text: fc.string({ maxLength: 30 }),
  },
  { requiredKeys: ['time', 'site', 'headingDeg', 'rangeKm', 'apogeeKm'] },
)

/** Every field a launch may have, for mutation paths. */
export const LAUNCH_TEMPLATE = {
  time: '2019-10-31T16:35:00+09:00',
  site: { lat: 39.41, lon: 125.89 },
  headingDeg: 68,
  impact: { lat: 40.1, lon: 129.9 },
  rangeKm: 370,
  apogeeKm: 90,
  count: 1,
  confidence: 'high',
  text: 'a launch',
  launchId: 'L-1',
}

function reportBase(party: FuzzParty) {
  return fc.record(
    {
      id: fc.uuid(),
      marking: fc.record({
        originator: fc.constant(party),
        // Above the public level: a public report may carry no releasability (L7).
        level: fc.constantFrom(...LEVELS[party].slice(1)),
      }),
      topic: fc.constantFrom(...TOPICS),
      releasableTo: fc.subarray([...PARTIES]),
      launch: launchArb,
    },
    { requiredKeys: ['marking', 'topic', 'launch'] },
  )
}

const reportTemplate = (party: FuzzParty) => ({
  id: '6f1d9a2e-7c1b-4a55-9d7e-2b8c5c1f0a11',
  marking: { originator: party, level: LEVELS[party][2] },
  topic: 'dprk-missile',
  releasableTo: ['JPN'],
  launch: LAUNCH_TEMPLATE,
})

const WINDOW = { from: '2019-10-31T00:00:00+09:00', until: '2019-11-01T00:00:00+09:00' }

interface RouteSpec {
  readonly method: ApiCase['method']
  readonly path: string
  readonly pools?: readonly PoolName[]
  readonly query?: Readonly<Record<string, readonly string[]>>
  readonly body?: { readonly base: fc.Arbitrary<unknown>; readonly template: unknown }
  readonly weight: number
}

const ISO = ['2019-10-31T00:00:00Z', '2019-11-01T00:00:00+09:00', '2020-01-01T00:00:00Z']

/** The API's routes, each with valid bodies and queries to mutate. */
function routes(party: FuzzParty): RouteSpec[] {
  const peers = PARTIES.filter((p) => p !== party)
  const peer = fc.constantFrom(...peers)
  // A valid consent names a holder and another recipient, neither of them this party.
  const pair = fc.constantFrom(
    ...peers.flatMap((holder) =>
      peers.filter((r) => r !== holder).map((recipient) => ({ holder, recipient })),
    ),
  )
  const consent = fc.oneof(
    fc.record({ pair, topic: fc.constantFrom(...TOPICS) }).map(({ pair: p, topic }) => ({
      ...p,
      topic,
    })),
    fc
      .record({
        pair,
        reportId: fc.nat().map((index) => ({ $pool: 'reports', index })),
        until: fc.constant('2019-12-01T00:00:00Z'),
      })
      .map(({ pair: p, ...rest }) => ({ ...p, ...rest })),
  )
  return [
    {
      method: 'POST',
      path: '/api/reports',
      body: { base: reportBase(party), template: reportTemplate(party) },
      weight: 12,
    },
    {
      method: 'POST',
      path: '/api/requests',
      body: {
        base: fc.record({
          to: peer,
          topic: fc.constantFrom(...TOPICS),
          from: fc.constant(WINDOW.from),
          until: fc.constant(WINDOW.until),
        }),
        template: { to: peers[0], topic: 'dprk-missile', ...WINDOW },
      },
      weight: 5,
    },
    {
      method: 'POST',
      path: '/api/consents',
      body: {
        base: consent,
        template: {
          holder: peers[0],
          recipient: 'USA',
          reportId: 'x',
          topic: 'dprk-missile',
          until: ISO[0],
        },
      },
      weight: 5,
    },
    ...(['approve', 'deny'] as const).map((verb): RouteSpec => ({
      method: 'POST',
      path: `/api/releases/:id/${verb}`,
      pools: ['pendingReleases', 'releases'],
      body: { base: fc.constant({}), template: { officer: 'x' } },
      weight: 5,
    })),
    {
      method: 'POST',
      path: '/api/requests/:id/answer',
      pools: ['incomingRequests', 'outgoingRequests'],
      body: { base: fc.record({ release: fc.boolean() }), template: { release: true } },
      weight: 5,
    },
    {
      method: 'POST',
      path: '/api/reports/:id/release',
      pools: ['reports'],
      body: { base: fc.record({ to: peer }), template: { to: peers[0] } },
      weight: 4,
    },
    { method: 'DELETE', path: '/api/consents/:id', pools: ['ownConsents', 'consents'], weight: 2 },
    {
      method: 'GET',
      path: '/api/reports',
      query: { originator: [...PARTIES], limit: ['1', '10', '10000'] },
      weight: 3,
    },
    {
      method: 'GET',
      path: '/api/releases',
      query: { state: [...RELEASE_STATES], recipient: [...PARTIES], reportId: ['x'] },
      weight: 2,
    },
    {
      method: 'GET',
      path: '/api/requests',
      query: { direction: ['incoming', 'outgoing'], status: ['open', 'answered', 'refused'] },
      weight: 2,
    },
    { method: 'GET', path: '/api/consents', weight: 1 },
    {
      method: 'GET',
      path: '/api/outbox',
      query: { recipient: [...PARTIES], delivered: ['true', 'false'] },
      weight: 1,
    },
    { method: 'GET', path: '/api/quarantine', weight: 1 },
    {
      method: 'GET',
      path: '/api/audit',
      query: {
        type: [...AUDIT_TYPES],
        party: [...PARTIES],
        subject: ['x'],
        from: ISO,
        to: ISO,
        afterSeq: ['0', '5'],
        limit: ['1', '100'],
      },
      weight: 2,
    },
    { method: 'GET', path: '/api/audit/verify', weight: 1 },
    {
      method: 'GET',
      path: '/api/audit/account',
      query: { party: [...PARTIES], from: ISO, to: ISO },
      weight: 2,
    },
    { method: 'GET', path: '/api/agreements', query: { at: ISO }, weight: 1 },
    { method: 'GET', path: '/api/node', weight: 1 },
    { method: 'GET', path: '/api/health', weight: 1 },
    { method: 'GET', path: '/api/openapi.json', weight: 1 },
    { method: 'GET', path: '/api/reports/:id', pools: ['reports'], weight: 1 },
    {
      method: 'PUT',
      path: '/api/reports',
      body: { base: reportBase(party), template: reportTemplate(party) },
      weight: 1,
    },
    { method: 'PATCH', path: '/api/releases/:id/approve', pools: ['pendingReleases'], weight: 1 },
    { method: 'HEAD', path: '/api/reports', weight: 1 },
    { method: 'OPTIONS', path: '/api/reports', weight: 1 },
  ]
}

export function apiCaseArb(party: FuzzParty): fc.Arbitrary<ApiCase> {
  const peers = PARTIES.filter((p) => p !== party)
  const credential = credentialArb(peers, party)
  const cases = routes(party).map((r) => ({
    weight: r.weight,
    arbitrary: fc.record({
      surface: fc.constant('api' as const),
      method: fc.constant(r.method),
      route: fc.constant(`${r.method} ${r.path}`),
      id: r.path.includes(':id') ? idRefArb(r.pools ?? []) : fc.constant(null),
      query: queryArb(r.query ?? {}),
      credential,
      body:
        r.body === undefined
          ? fc.constant({ kind: 'none' as const })
          : bodyArb(r.body.base, r.body.template),
    }),
  }))
  return fc.oneof(...cases, { weight: 3, arbitrary: eventsCaseArb(peers, party) })
}

/**
 * The live event stream never ends for a valid request, so it is fuzzed only where it must
 * refuse: without a valid token, or with an `afterSeq` that is not a count.
 */
function eventsCaseArb(peers: readonly FuzzParty[], own: FuzzParty): fc.Arbitrary<ApiCase> {
  const refused = credentialArb(peers, own).filter((c) => c.kind !== 'role' && c.kind !== 'query')
  // Each fails `afterSeq`'s rule (a count); '' and '0x10' would pass (Number coerces them).
  const badSeq = fc.constantFrom('-1', 'x', '1.5', '1e400', 'NaN', '-0.1', 'Infinity', '1,2')
  return fc.oneof(
    fc.record({
      surface: fc.constant('api' as const),
      method: fc.constant('GET' as const),
      route: fc.constant('GET /api/events'),
      id: fc.constant(null),
      query: fc.constant([]),
      credential: refused,
      body: fc.constant({ kind: 'none' as const }),
    }),
    fc.record({
      surface: fc.constant('api' as const),
      method: fc.constant('GET' as const),
      route: fc.constant('GET /api/events'),
      id: fc.constant(null),
      query: badSeq.map((v): QueryPair[] => [['afterSeq', v, true]]),
      credential: fc
        .constantFrom('operator', 'auditor')
        .map((role) => ({ kind: 'role' as const, role })),
      body: fc.constant({ kind: 'none' as const }),
    }),
  )
}

export function apiRequest(node: FuzzNode, c: ApiCase): InjectOptions {
  const path = c.route.slice(c.method.length + 1)
  const url = c.id === null ? path : path.replace(':id', idOf(node, c.id))
  const auth = authOf(node, c.credential)
  const body = bodyOf(node, c.body)
  return {
    method: c.method,
    url: `${url}${queryString([...c.query, ...auth.query])}`,
    headers: {
      ...(auth.header === undefined ? {} : { authorization: auth.header }),
      ...(body.contentType === undefined ? {} : { 'content-type': body.contentType }),
    },
    ...(body.payload === undefined ? {} : { payload: body.payload }),
  }
}

export function describeApiCase(c: ApiCase): string {
  return `${c.route} as ${c.credential.kind === 'role' ? c.credential.role : c.credential.kind}: ${describeBody(c.body)}`
}
