import fc from 'fast-check'
import { ROLES, type Role } from '../../src/node/http/auth.ts'
import { type FuzzNode, type FuzzParty, pick, POOL_NAMES, type PoolName } from './harness.ts'
import {
  applyMutations,
  brief,
  describeMutation,
  jsonText,
  longString,
  type Mutation,
  mutationsOf,
  oddValue,
} from './values.ts'

/** The parts of an HTTP request every surface shares: who calls, which id, which body. */

export type Credential =
  | { readonly kind: 'none' }
  | { readonly kind: 'role'; readonly role: Role }
  /** A peer party's TAXII token (`JPN.<secret>`) as a bearer token. */
  | { readonly kind: 'party'; readonly party: FuzzParty }
  /** `Basic base64(party:secret)`; `secret` null is that party's real one. */
  | { readonly kind: 'basic'; readonly party: string; readonly secret: string | null }
  | { readonly kind: 'header'; readonly value: string }
  | { readonly kind: 'query'; readonly role: Role }

/** A path parameter: an id the node handed out (by pool and index), or a literal. */
export type IdRef =
  | { readonly pool: PoolName; readonly index: number }
  | { readonly literal: string; readonly encode: boolean }

export type BodySpec =
  | { readonly kind: 'none' }
  | { readonly kind: 'json'; readonly base: unknown; readonly mutations: readonly Mutation[] }
  | { readonly kind: 'raw'; readonly text: string; readonly contentType: string | null }

export type QueryPair = readonly [key: string, value: string, encode: boolean]

/** Header values a client can actually send: printable ASCII. */
const headerText = fc
  .string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) })
  .map((s) => s.slice(0, 200))

export function credentialArb(
  peers: readonly FuzzParty[],
  own: FuzzParty,
): fc.Arbitrary<Credential> {
  const role = fc.constantFrom(...ROLES)
  const anyParty = fc.constantFrom<string>(...peers, own, 'ZZZ', '', 'kor', 'KOR:JPN')
  return fc.oneof(
    { arbitrary: fc.constant({ kind: 'none' as const }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('role' as const), role }), weight: 16 },
    {
      arbitrary: fc.record({
        kind: fc.constant('party' as const),
        party: fc.constantFrom(...peers),
      }),
      weight: 2,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant('basic' as const),
        party: anyParty,
        secret: fc.oneof(fc.constant(null), headerText),
      }),
      weight: 2,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant('header' as const),
        value: fc.oneof(
          fc.constantFrom(
            'Bearer',
            'Bearer ',
            'Bearer  ',
            'Basic',
            'Basic !!!',
            'bearer x',
            'Digest x',
          ),
          headerText.map((t) => `Bearer ${t}`),
          headerText.map((t) => `Basic ${t}`),
          headerText,
        ),
      }),
      weight: 2,
    },
    { arbitrary: fc.record({ kind: fc.constant('query' as const), role }), weight: 1 },
  )
}

/** The Authorization header (and query token) of a credential on a node. */
export function authOf(
  node: FuzzNode,
  c: Credential,
): { header: string | undefined; query: QueryPair[] } {
  switch (c.kind) {
    case 'none':
      return { header: undefined, query: [] }
    case 'role':
      return { header: `Bearer ${node.tokens[c.role]}`, query: [] }
    case 'party':
      return { header: `Bearer ${node.partyTokens[c.party] ?? ''}`, query: [] }
    case 'basic': {
      const real = node.partyTokens[c.party]
      const secret = c.secret ?? real ?? node.tokens.operator
      return {
        header: `Basic ${Buffer.from(`${c.party}:${secret}`).toString('base64')}`,
        query: [],
      }
    }
    case 'header':
      return { header: c.value, query: [] }
    case 'query':
      return { header: undefined, query: [['access_token', node.tokens[c.role], true]] }
  }
}

const RAW_ID = ['%', '%zz', '%E0%A4%A', '%00', '%2F', '..', '%2e%2e', '.', '%20', '+']

/** A path parameter for ids held in `pools` (most often a real one), or an odd literal. */
export function idRefArb(pools: readonly PoolName[]): fc.Arbitrary<IdRef> {
  const literal = fc.oneof(
    oddValue.map((v) => String(typeof v === 'string' ? v : JSON.stringify(v)).slice(0, 5_000)),
    fc.uuid(),
    fc.constantFrom(longString(101), longString(5_000), longString(20_000)),
  )
  return fc.oneof(
    {
      arbitrary: fc.record({
        pool: fc.constantFrom(...(pools.length > 0 ? pools : POOL_NAMES)),
        index: fc.nat(),
      }),
      weight: 6,
    },
    { arbitrary: fc.record({ literal, encode: fc.constant(true) }), weight: 3 },
    {
      arbitrary: fc.record({ literal: fc.constantFrom(...RAW_ID), encode: fc.constant(false) }),
      weight: 1,
    },
  )
}

/** The id in the URL: a pool's entry (a fresh UUID when the pool is empty) or the literal. */
export function idOf(node: FuzzNode, ref: IdRef): string {
  if ('pool' in ref)
    return encodeOdd(pick(node, ref.pool, ref.index) ?? '6f1d9a2e-7c1b-4a55-9d7e-2b8c5c1f0a11')
  return ref.encode ? encodeOdd(ref.literal) : ref.literal
}

const LONE_SURROGATE = /([\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff])/

/** encodeURIComponent, except that a lone surrogate becomes the invalid UTF-8 it would be. */
export function encodeOdd(text: string): string {
  return text
    .split(LONE_SURROGATE)
    .map((part, i) => (i % 2 === 1 ? '%ED%A0%80' : encodeURIComponent(part)))
    .join('')
}

export function queryString(pairs: readonly QueryPair[]): string {
  if (pairs.length === 0) return ''
  const enc = (s: string, e: boolean) => (e ? encodeOdd(s) : s)
  return `?${pairs.map(([k, v, e]) => `${enc(k, e)}=${enc(v, e)}`).join('&')}`
}

/** A value for a query parameter: valid ones from `valid`, or odd text. */
export function queryValueArb(valid: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...(valid.length > 0 ? valid : [''])), weight: 3 },
    {
      arbitrary: oddValue.map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''))),
      weight: 3,
    },
  )
}

/** Query pairs: some of the valid keys with good or odd values, repeats and unknown keys. */
export function queryArb(
  spec: Readonly<Record<string, readonly string[]>>,
): fc.Arbitrary<QueryPair[]> {
  const keys = Object.keys(spec)
  const known =
    keys.length === 0
      ? fc.constant<QueryPair[]>([])
      : fc.array(
          fc
            .constantFrom(...keys)
            .chain((k) => queryValueArb(spec[k] ?? []).map((v): QueryPair => [k, v, true])),
          { maxLength: 4 },
        )
  const odd = fc.array(
    fc.oneof(
      fc.tuple(
        fc.constantFrom('__proto__', 'constructor', 'x[y]', 'limit[]', '', 'a'.repeat(300)),
        queryValueArb([]),
        fc.constant(true),
      ),
      fc.tuple(fc.constantFrom(...RAW_ID), fc.constantFrom(...RAW_ID), fc.constant(false)),
    ),
    { maxLength: 2 },
  )
  return fc
    .tuple(
      known,
      fc.oneof({ arbitrary: fc.constant([]), weight: 4 }, { arbitrary: odd, weight: 1 }),
    )
    .map(([a, b]) => [...a, ...b])
}

/** A JSON body: `base` mutated (mostly), or a body of the wrong kind altogether. */
export function bodyArb(base: fc.Arbitrary<unknown>, template: unknown): fc.Arbitrary<BodySpec> {
  return fc.oneof(
    {
      arbitrary: fc.record({
        kind: fc.constant('json' as const),
        base,
        mutations: mutationsOf(template),
      }),
      weight: 12,
    },
    { arbitrary: rawBodyArb, weight: 2 },
    { arbitrary: fc.constant({ kind: 'none' as const }), weight: 1 },
  )
}

export const contentTypeArb: fc.Arbitrary<string | null> = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jose',
  'application/taxii+json;version=2.1',
  'application/stix+json;version=2.1',
  'application/octet-stream',
  '*/*',
  '',
  'application/json; version=a; version=b',
  null,
)

export const rawBodyArb: fc.Arbitrary<BodySpec> = fc.record({
  kind: fc.constant('raw' as const),
  text: fc.oneof(
    fc.constantFrom(
      '',
      '{',
      '}',
      '[',
      'null',
      'true',
      '0',
      '"x"',
      '{"a":1,"a":2}',
      '{"__proto__":{"x":1}}',
      '{"constructor":{"prototype":{"x":1}}}',
      '\u0000',
      '\ufeff{}',
      'NaN',
      '[1,]',
      '{"a":1e999}',
    ),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.json({ maxDepth: 3 }),
    fc.constantFrom(50, 5_000, 30_000).map((d) => `${'['.repeat(d)}${']'.repeat(d)}`),
    fc.constantFrom(300_000).map((n) => `"${longString(n)}"`),
  ),
  contentType: contentTypeArb,
})

/** Replaces `{ $pool, index }` markers in a body base with ids the node holds. */
export function resolveRefs(node: FuzzNode, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveRefs(node, v))
  if (typeof value !== 'object' || value === null) return value
  const marker = value as { $pool?: PoolName; index?: number }
  if (marker.$pool !== undefined)
    return pick(node, marker.$pool, marker.index ?? 0) ?? '6f1d9a2e-7c1b-4a55-9d7e-2b8c5c1f0a11'
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(node, v)]))
}

/** The payload and content type of a body spec. */
export function bodyOf(
  node: FuzzNode,
  body: BodySpec,
  jsonType = 'application/json',
): { payload?: string; contentType?: string } {
  switch (body.kind) {
    case 'none':
      return {}
    case 'json': {
      const value = applyMutations(resolveRefs(node, body.base), body.mutations)
      return { payload: jsonText(value) ?? '', contentType: jsonType }
    }
    case 'raw':
      return {
        payload: body.text,
        ...(body.contentType === null ? {} : { contentType: body.contentType }),
      }
  }
}

export function describeBody(body: BodySpec): string {
  switch (body.kind) {
    case 'none':
      return 'no body'
    case 'json':
      return body.mutations.length === 0
        ? 'valid body'
        : body.mutations.map(describeMutation).join('; ')
    case 'raw':
      return `raw ${brief(body.text, 80)} as ${body.contentType ?? '(no content-type)'}`
  }
}
