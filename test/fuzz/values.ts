import fc from 'fast-check'

/**
 * Odd values and mutations of valid JSON bodies, shared by the three surfaces. A mutated
 * body is a valid base plus a short list of printable mutations, so that a failing case
 * reads as what was changed (`launch.apogeeKm = 1000000000000`).
 */

export type Path = readonly (string | number)[]

export type Mutation =
  | { readonly op: 'set'; readonly path: Path; readonly value: unknown }
  | { readonly op: 'delete'; readonly path: Path }
  /** An unknown field next to the known ones. */
  | { readonly op: 'add'; readonly path: Path; readonly key: string; readonly value: unknown }

/** A string of `length` repeated characters, built when materialised (cheap to generate). */
export const longString = (length: number, unit = 'x'): string => unit.repeat(length)

const BIDI = ['\u202e', '\u202d', '\u2066', '\u2067', '\u2069', '\u200f', '\u061c']
const oddText = fc.constantFrom(
  '',
  ' ',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e400',
  '-0',
  '0x10',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'prototype',
  '\u0000',
  '\ud800',
  '\udfff',
  '\ufeffKOR',
  'KOR\u0000',
  'kor',
  'K\u041eR',
  '../../etc/passwd',
  '%00',
  '%',
  "'; DROP TABLE reports; --",
  '<event uid="x"/></event>',
  '"/></event><event uid="FAKE',
  '2019-13-45T99:99:99Z',
  '2019-10-31T16:35:00',
  '0000-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '+275760-09-13T00:00:00Z',
  '-271821-04-20T00:00:00Z',
  '2019-10-31T16:35:00.123456789+09:00',
  'dprk-missile',
  'MIL-II',
  'GOKUHI',
  'PUBLIC',
  'JPN',
  'USA',
  'KOR',
  'ZZZ',
  '00000000-0000-0000-0000-000000000000',
  ...BIDI.map((b) => `${b}KOR`),
)
const oddNumber = fc.constantFrom(
  0,
  -0,
  -1,
  0.5,
  1e-300,
  1e12,
  1e21,
  1e308,
  -1e308,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  -Number.MAX_SAFE_INTEGER - 2,
  2 ** 53,
  2 ** 31,
  -(2 ** 31) - 1,
  8.64e15,
  8.64e15 + 1,
  359.9999999999,
  360,
  90.000001,
  -180.000001,
)

/**
 * Arrays or objects nested `depth` deep, as a marker string that `jsonText` expands: the
 * parsers take 100,000 levels, but `JSON.stringify` overflows its stack near 4,500, so deep
 * values travel as text.
 */
export function nested(depth: number, asObject: boolean): string {
  return `\u0000deep:${depth}:${asObject ? 'object' : 'array'}\u0000`
}

const DEEP = /"\\u0000deep:(\d+):(object|array)\\u0000"/g

/** JSON text of a value, with `nested` markers expanded to the real nesting. */
export function jsonText(value: unknown): string | undefined {
  return JSON.stringify(value)?.replace(DEEP, (_m, depth: string, kind: string) => {
    const n = Number(depth)
    return kind === 'object'
      ? `${'{"a":'.repeat(n)}0${'}'.repeat(n)}`
      : `${'['.repeat(n)}0${']'.repeat(n)}`
  })
}

/** Does a JSON text hold a `nested` marker (whose expansion `JSON.stringify` could not make)? */
export const hasDeepMarker = (text: string): boolean => text.includes('\\u0000deep:')

export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: oddText, weight: 6 },
  { arbitrary: oddNumber, weight: 5 },
  { arbitrary: fc.constantFrom(null, true, false, [], {}, [null], { '': '' }), weight: 3 },
  { arbitrary: fc.double(), weight: 2 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }), weight: 2 },
  {
    arbitrary: fc
      .record({
        length: fc.constantFrom(101, 1_000, 4_001, 5_000, 70_000, 300_000),
        unit: fc.constantFrom('x', '\u202e', 'é', '\ud83d\ude80'),
      })
      .map(({ length, unit }) => longString(length, unit)),
    weight: 2,
  },
  {
    arbitrary: fc
      .record({ depth: fc.constantFrom(50, 1_000, 5_000, 50_000), asObject: fc.boolean() })
      .map(({ depth, asObject }) => nested(depth, asObject)),
    weight: 1,
  },
  { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 2 },
)

/** Every path into a JSON value (objects and arrays), the value itself included. */
export function pathsOf(value: unknown, prefix: Path = []): Path[] {
  const here: Path[] = [prefix]
  if (Array.isArray(value)) return here.concat(value.flatMap((v, i) => pathsOf(v, [...prefix, i])))
  if (typeof value === 'object' && value !== null)
    return here.concat(Object.entries(value).flatMap(([k, v]) => pathsOf(v, [...prefix, k])))
  return here
}

const unknownKey = fc.constantFrom('extra', '__proto__', 'constructor', 'id', '', 'x'.repeat(300))

/** One mutation of a value shaped like `template`. */
export function mutationOf(template: unknown): fc.Arbitrary<Mutation> {
  const paths = pathsOf(template)
  const inner = paths.filter((p) => p.length > 0)
  const path = fc.constantFrom(...paths)
  const innerPath = inner.length > 0 ? fc.constantFrom(...inner) : path
  // Type confusion: a value that is valid somewhere else in the same body.
  const elsewhere = fc.constantFrom(...paths).map((p) => structuredClone(getAt(template, p)))
  return fc.oneof(
    { arbitrary: fc.record({ op: fc.constant('set' as const), path, value: oddValue }), weight: 8 },
    {
      arbitrary: fc.record({ op: fc.constant('set' as const), path, value: elsewhere }),
      weight: 2,
    },
    { arbitrary: fc.record({ op: fc.constant('delete' as const), path: innerPath }), weight: 3 },
    {
      arbitrary: fc.record({
        op: fc.constant('add' as const),
        path,
        key: unknownKey,
        value: oddValue,
      }),
      weight: 2,
    },
  )
}

/** 0 to `max` mutations; none in about one case of seven, so that valid requests build state. */
export function mutationsOf(template: unknown, max = 3): fc.Arbitrary<Mutation[]> {
  return fc.oneof(
    { arbitrary: fc.constant<Mutation[]>([]), weight: 1 },
    { arbitrary: fc.array(mutationOf(template), { minLength: 1, maxLength: max }), weight: 6 },
  )
}

export function getAt(value: unknown, path: Path): unknown {
  let here = value
  for (const key of path) {
    if (typeof here !== 'object' || here === null) return undefined
    here = (here as Record<string | number, unknown>)[key]
  }
  return here
}

/** `base` with the mutations applied, in order, on a deep copy. */
export function applyMutations(base: unknown, mutations: readonly Mutation[]): unknown {
  let value = structuredClone(base)
  for (const m of mutations) value = applyOne(value, m)
  return value
}

/** A plain own property (defineProperty, so that `__proto__` is a key, not the prototype). */
const OWN = { enumerable: true, configurable: true, writable: true }

function applyOne(value: unknown, m: Mutation): unknown {
  if (m.path.length === 0) {
    if (m.op === 'set') return structuredClone(m.value)
    if (m.op === 'delete') return undefined
  }
  const parentPath = m.op === 'add' ? m.path : m.path.slice(0, -1)
  const parent = getAt(value, parentPath)
  if (typeof parent !== 'object' || parent === null) return value
  const record = parent as Record<string | number, unknown>
  if (m.op === 'add')
    Object.defineProperty(record, m.key, { value: structuredClone(m.value), ...OWN })
  else {
    const key = m.path[m.path.length - 1] as string | number
    if (m.op === 'set')
      Object.defineProperty(record, key, { value: structuredClone(m.value), ...OWN })
    else delete record[key]
  }
  return value
}

/** A mutation as one short line (long strings and deep values abbreviated). */
export function describeMutation(m: Mutation): string {
  const at = m.path.length === 0 ? '(body)' : m.path.join('.')
  switch (m.op) {
    case 'set':
      return `${at} = ${brief(m.value)}`
    case 'delete':
      return `delete ${at}`
    case 'add':
      return `${at}[${brief(m.key)}] = ${brief(m.value)} (unknown field)`
  }
}

/** JSON of a value, cut to `max` characters with its full length said. */
export function brief(value: unknown, max = 120): string {
  const text = (
    value === undefined ? 'undefined' : (JSON.stringify(value) ?? typeof value)
  ).replace(DEEP, (_m, depth: string, kind: string) => `<${kind}s nested ${depth} deep>`)
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`
}
