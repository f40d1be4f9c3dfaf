import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import { reportToStixBundle } from '../../src/interop/stix.ts'
import { LAUNCH_TYPE } from '../../src/interop/stix-objects.ts'
import { collectionIdOf } from '../../src/node/app/taxii-views.ts'
import { LAUNCH_TEMPLATE, levelsOf } from './api-cases.ts'
import { type FuzzNode, type FuzzParty, PARTIES, pick } from './harness.ts'
import {
  authOf,
  type BodySpec,
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
  rawBodyArb,
} from './request-parts.ts'
import { longString, mutationsOf } from './values.ts'

/** TAXII 2.1 requests: odd filters, cursors, headers and credentials; mutated STIX envelopes. */

export const TAXII_MEDIA = 'application/taxii+json;version=2.1'

const RESOURCES = {
  discovery: '/taxii2/',
  root: '/taxii2/api/',
  collections: '/taxii2/api/collections/',
  collection: '/taxii2/api/collections/:cid/',
  objects: '/taxii2/api/collections/:cid/objects/',
  manifest: '/taxii2/api/collections/:cid/manifest/',
  object: '/taxii2/api/collections/:cid/objects/:oid/',
  versions: '/taxii2/api/collections/:cid/objects/:oid/versions/',
  status: '/taxii2/api/status/:sid/',
  unknown: '/taxii2/api/collections/:cid/bogus/',
} as const
type Resource = keyof typeof RESOURCES

/** The report a POSTed envelope carries, made into STIX when the request is built. */
export interface StixReportSpec {
  readonly id: string
  readonly originator: string
  readonly level: string
  readonly topic: string
  readonly launch: Readonly<Record<string, unknown>>
}

export interface TaxiiCase {
  readonly surface: 'taxii'
  readonly method: 'GET' | 'POST' | 'DELETE'
  readonly resource: Resource
  /** Null: the node's own collection. */
  readonly collection: string | null
  readonly object: IdRef
  readonly query: readonly QueryPair[]
  readonly credential: Credential
  readonly accept: string | null
  readonly body: BodySpec
  readonly stix: StixReportSpec | null
}

const ACCEPT = fc.constantFrom<string | null>(
  null,
  TAXII_MEDIA,
  TAXII_MEDIA,
  'application/taxii+json',
  'application/taxii+json; version=2.1',
  'application/*',
  '*/*',
  '*/*;q=0',
  'application/json',
  'text/html',
  'application/taxii+json;version=2.0',
  '',
  ',,,',
  ';;;',
  'application/taxii+json;version=2.1;q=0.5, text/html',
  `${'text/html,'.repeat(500)}${TAXII_MEDIA}`,
)

/** 600 instants: about what fits in a 16 KiB request line. */
const LONG_VERSIONS = Array.from({ length: 600 }, (_, i) =>
  new Date(Date.parse('2019-10-31T07:36:00Z') + i).toISOString(),
).join(',')

const CURSOR_TEXT = [
  '0 x',
  '1572507360000 entente-launch--x',
  ' ',
  'x',
  '99999999999999999999 y',
  '-1 z',
  '1 ',
]
const FILTERS = (node: FuzzParty) => ({
  added_after: [
    '2019-10-31T00:00:00Z',
    '2019-10-31T07:36:00.000Z',
    '2030-01-01T00:00:00Z',
    '1970-01-01T00:00:00Z',
  ],
  limit: ['1', '2', '1000', '1001', '0', '-1', '1.5', '1e3', String(2 ** 53)],
  next: CURSOR_TEXT.map((t) => Buffer.from(t).toString('base64url')),
  'match[id]': [
    `${LAUNCH_TYPE}--00000000-0000-5000-8000-000000000000`,
    `identity--${collectionIdOf(node)}`,
  ],
  'match[type]': [
    LAUNCH_TYPE,
    'identity',
    'location',
    'relationship',
    'marking-definition',
    `${LAUNCH_TYPE},location`,
  ],
  'match[version]': [
    LONG_VERSIONS,
    'last',
    'first',
    'all',
    '1970-01-01T00:00:00.000Z',
    '2019-10-31T07:36:00.000Z',
  ],
  'match[spec_version]': ['2.1', '2.0', '2.1,2.0'],
})

/** A launch with every field but `impact` (a launch gives a heading or an impact). */
const { impact: _impact, ...STIX_LAUNCH } = LAUNCH_TEMPLATE

function stixSpecArb(originator: fc.Arbitrary<string>): fc.Arbitrary<StixReportSpec> {
  return originator.chain((party) =>
    fc.record({
      id: fc.uuid(),
      originator: fc.constant(party),
      level: fc.constantFrom(...levelsOf(isFuzzParty(party) ? party : 'KOR')),
      topic: fc.constantFrom('dprk-missile', 'dprk-nuclear'),
      launch: fc
        .record({
          apogeeKm: fc.integer({ min: 20, max: 1_000 }),
          rangeKm: fc.integer({ min: 50, max: 1_500 }),
        })
        .map((varied) => ({ ...STIX_LAUNCH, ...varied })),
    }),
  )
}

const isFuzzParty = (p: string): p is FuzzParty => (PARTIES as readonly string[]).includes(p)

/** The party a credential writes as: its own party for Basic/party tokens, else the node's. */
function writerOf(c: Credential, own: FuzzParty): string {
  if (c.kind === 'party') return c.party
  if (c.kind === 'basic' && c.party !== '') return c.party
  return own
}

/** The objects of a POSTed envelope, from the spec (the same shape for every spec). */
export function stixEnvelope(spec: StixReportSpec, createdAtMs: number): { objects: unknown[] } {
  const report = {
    id: spec.id,
    originator: spec.originator,
    level: spec.level,
    localLevel: spec.level,
    topic: spec.topic,
    releasableTo: null,
    payload: spec.launch,
    receivedFrom: null,
    agreement: null,
    path: [spec.originator],
    createdAtMs,
  }
  return { objects: [...reportToStixBundle(report).objects] }
}

export function taxiiCaseArb(party: FuzzParty): fc.Arbitrary<TaxiiCase> {
  const peers = PARTIES.filter((p) => p !== party)
  const template = stixEnvelope(
    {
      id: '6f1d9a2e-7c1b-4a55-9d7e-2b8c5c1f0a11',
      originator: party,
      level: levelsOf(party)[2] ?? '',
      topic: 'dprk-missile',
      launch: STIX_LAUNCH,
    },
    0,
  )
  const collection = fc.oneof(
    { arbitrary: fc.constant(null), weight: 8 },
    {
      arbitrary: fc.constantFrom(
        collectionIdOf(peers[0] ?? 'JPN'),
        'x',
        longString(5_000),
        '%',
        encodeURIComponent('\u202e'),
        '%ED%A0%80',
      ),
      weight: 1,
    },
  )
  const resource = fc.constantFrom<Resource>(
    'discovery',
    'root',
    'collections',
    'collection',
    'objects',
    'objects',
    'objects',
    'manifest',
    'manifest',
    'object',
    'object',
    'versions',
    'status',
    'unknown',
  )
  const read = fc.record({
    surface: fc.constant('taxii' as const),
    method: fc.constantFrom<'GET' | 'DELETE'>('GET', 'GET', 'GET', 'GET', 'DELETE'),
    resource,
    collection,
    object: idRefArb(['stixIds', 'statusIds']),
    query: queryArb(FILTERS(party)),
    credential: credentialArb(peers, party),
    accept: ACCEPT,
    body: fc.constant({ kind: 'none' as const }),
    stix: fc.constant(null),
  })
  const write = credentialArb(peers, party).chain((credential) =>
    fc.record({
      surface: fc.constant('taxii' as const),
      method: fc.constant('POST' as const),
      resource: fc.constantFrom<Resource>(
        'objects',
        'objects',
        'objects',
        'collections',
        'object',
        'status',
      ),
      collection,
      object: idRefArb(['stixIds']),
      query: fc.constant([]),
      credential: fc.constant(credential),
      accept: ACCEPT,
      stix: stixSpecArb(fc.constant(writerOf(credential, party))),
      body: fc.oneof(
        {
          arbitrary: fc.record({
            kind: fc.constant('json' as const),
            base: fc.constant({ $stix: true }),
            mutations: mutationsOf(template),
          }),
          weight: 10,
        },
        { arbitrary: rawBodyArb, weight: 2 },
        { arbitrary: fc.constant({ kind: 'none' as const }), weight: 1 },
      ),
    }),
  )
  return fc.oneof({ arbitrary: read, weight: 3 }, { arbitrary: write, weight: 2 })
}

const POST_TYPES = [
  TAXII_MEDIA,
  TAXII_MEDIA,
  'application/taxii+json',
  'application/json',
  'application/stix+json;version=2.1',
  'application/taxii+json; version=2.1',
]

export function taxiiRequest(
  node: FuzzNode,
  c: TaxiiCase,
  contentTypeIndex: number,
): InjectOptions {
  const cid = c.collection ?? collectionIdOf(node.party)
  const url = RESOURCES[c.resource]
    .replace(':cid', cid)
    .replace(':oid', idOf(node, c.object))
    .replace(':sid', idOf(node, c.object))
  const auth = authOf(node, c.credential)
  const body =
    c.body.kind === 'json' && c.stix !== null
      ? bodyOf(
          node,
          { ...c.body, base: stixEnvelope(c.stix, node.clock.ms) },
          POST_TYPES[contentTypeIndex % POST_TYPES.length],
        )
      : bodyOf(node, c.body)
  return {
    method: c.method,
    url: `${url}${queryString(withPools(node, c.query))}`,
    headers: {
      ...(auth.header === undefined ? {} : { authorization: auth.header }),
      ...(c.accept === null ? {} : { accept: c.accept }),
      ...(body.contentType === undefined ? {} : { 'content-type': body.contentType }),
    },
    ...(body.payload === undefined ? {} : { payload: body.payload }),
  }
}

/** `next` and `match[id]` sometimes take a cursor or an object id the node gave out. */
function withPools(node: FuzzNode, query: readonly QueryPair[]): QueryPair[] {
  return query.map(([k, v, e], i): QueryPair => {
    if (k === 'next' && i % 2 === 0) return [k, pick(node, 'nextCursors', v.length) ?? v, e]
    if (k === 'match[id]' && i % 2 === 0) return [k, pick(node, 'stixIds', v.length) ?? v, e]
    return [k, v, e]
  })
}

export function describeTaxiiCase(c: TaxiiCase): string {
  const who = c.credential.kind === 'role' ? c.credential.role : c.credential.kind
  const q = c.query.map(([k, v]) => `${k}=${v.slice(0, 40)}`).join('&')
  return `${c.method} ${c.resource}${q === '' ? '' : `?${q}`} as ${who}, accept ${c.accept ?? '(none)'}: ${describeBody(c.body)}`
}
