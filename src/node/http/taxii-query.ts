import { parseInstantMs, stixTime, textOf } from '../../interop/stix-objects.ts'
import { EntenteError } from '../../lib/errors.ts'
import { compareEntries, type TaxiiEntry } from '../app/taxii-views.ts'

/** The filters and paging of a TAXII 2.1 objects, manifest or versions request. */
export interface TaxiiQuery {
  readonly addedAfterMs: number | null
  readonly limit: number
  /** Where the previous page stopped (decoded from `next`). */
  readonly after: { readonly ms: number; readonly id: string; readonly version: string } | null
  readonly ids: ReadonlySet<string> | null
  readonly types: ReadonlySet<string> | null
  readonly versions: readonly string[]
  readonly specVersions: ReadonlySet<string> | null
}

export const MAX_PAGE = 1000

type Query = Readonly<Record<string, unknown>>

/** Parses the query string; a malformed parameter is a 400 naming it. */
export function parseTaxiiQuery(query: Query): TaxiiQuery {
  const added = one(query, 'added_after')
  const addedAfterMs = added === null ? null : parseInstantMs(added)
  if (Number.isNaN(addedAfterMs)) bad('added_after', 'an RFC 3339 timestamp')
  const limitText = one(query, 'limit')
  const limit = limitText === null ? MAX_PAGE : Number(limitText)
  if (!Number.isSafeInteger(limit) || limit < 1) bad('limit', 'a positive integer')
  return {
    addedAfterMs,
    limit: Math.min(limit, MAX_PAGE),
    after: decodeNext(one(query, 'next')),
    ids: listOf(query, 'match[id]'),
    types: listOf(query, 'match[type]'),
    versions: [...(listOf(query, 'match[version]') ?? ['last'])],
    specVersions: listOf(query, 'match[spec_version]'),
  }
}

/**
 * Applies match[...] and added_after; `versions` is ignored by the versions endpoint. Which
 * versions `first` and `last` are is decided over every version of the object in `entries`,
 * before added_after: `last` is the object's newest version, not the newest one added since.
 */
export function filterEntries(
  entries: readonly TaxiiEntry[],
  q: TaxiiQuery,
  useVersion = true,
): TaxiiEntry[] {
  // Built once per request, not once per entry: a long match[version] list stays linear.
  const versions = useVersion ? versionFilter(entries, q.versions) : null
  return entries.filter(
    (e) =>
      (q.addedAfterMs === null || e.dateAddedMs > q.addedAfterMs) &&
      (q.ids === null || q.ids.has(e.object.id)) &&
      (q.types === null || q.types.has(e.object.type)) &&
      (q.specVersions === null || q.specVersions.has(textOf(e.object['spec_version']) || '2.1')) &&
      (versions === null || versions(e)),
  )
}

/**
 * TAXII 2.1 §3.4.2: `match[version]` is `last` (the default), `first`, `all` or timestamps,
 * any of them together (null: no filter). Versions here are all `stixTime` strings (UTC, three
 * fraction digits, Z), so their order is their text's; a client's timestamps are parsed.
 */
function versionFilter(
  entries: readonly TaxiiEntry[],
  wanted: readonly string[],
): ((e: TaxiiEntry) => boolean) | null {
  if (wanted.includes('all')) return null
  const first = wanted.includes('first')
  const last = wanted.includes('last')
  const instants = new Set(
    wanted
      .filter((w) => w !== 'first' && w !== 'last')
      .map(parseInstantMs)
      .filter((ms) => !Number.isNaN(ms)),
  )
  const bounds = new Map<string, { first: string; last: string }>()
  if (first || last)
    for (const { object, version } of entries) {
      const b = bounds.get(object.id)
      if (b === undefined) bounds.set(object.id, { first: version, last: version })
      else if (version < b.first) b.first = version
      else if (version > b.last) b.last = version
    }
  return (e) => {
    const b = bounds.get(e.object.id)
    return (
      (first && b?.first === e.version) ||
      (last && b?.last === e.version) ||
      (instants.size > 0 && instants.has(parseInstantMs(e.version)))
    )
  }
}

export interface TaxiiPage {
  readonly items: readonly TaxiiEntry[]
  readonly more: boolean
  readonly next: string | null
}

/** One page after the `next` cursor: entries are ordered by date added, then id, then version. */
export function pageOf(entries: readonly TaxiiEntry[], q: TaxiiQuery): TaxiiPage {
  const after = q.after
  const start =
    after === null
      ? 0
      : entries.findIndex(
          (e) =>
            compareEntries(e, {
              dateAddedMs: after.ms,
              object: { type: '', id: after.id },
              version: after.version,
            }) > 0,
        )
  const rest = start < 0 ? [] : entries.slice(start)
  const items = rest.slice(0, q.limit)
  const last = items[items.length - 1]
  const more = rest.length > items.length && last !== undefined
  return { items, more, next: more ? encodeNext(last) : null }
}

/** The X-TAXII-Date-Added-First and -Last headers of a page. */
export function dateHeaders(items: readonly TaxiiEntry[]): Record<string, string> {
  const first = items[0]
  const last = items[items.length - 1]
  if (first === undefined || last === undefined) return {}
  return {
    'x-taxii-date-added-first': stixTime(first.dateAddedMs),
    'x-taxii-date-added-last': stixTime(last.dateAddedMs),
  }
}

/** The last entry of a page: its version too, since versions of one object may share a date added. */
function encodeNext(last: TaxiiEntry): string {
  return Buffer.from(`${last.dateAddedMs} ${last.object.id} ${last.version}`).toString('base64url')
}

function decodeNext(text: string | null): TaxiiQuery['after'] {
  if (text === null) return null
  const [ms, id, version] = Buffer.from(text, 'base64url').toString('utf8').split(' ')
  if (id === undefined || !/^\d+$/.test(ms ?? '')) bad('next', 'a value from a previous page')
  return { ms: Number(ms), id, version: version ?? '' }
}

function one(query: Query, name: string): string | null {
  const value = query[name]
  if (value === undefined) return null
  if (typeof value !== 'string') bad(name, 'given once')
  return value
}

/** `match[x]=a,b` and `match[x]=a&match[x]=b` both give {a, b}. */
function listOf(query: Query, name: string): ReadonlySet<string> | null {
  const value = query[name]
  if (value === undefined) return null
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','))
  const list = parts.map((p) => p.trim()).filter((p) => p !== '')
  if (list.length === 0) bad(name, 'a comma-separated list')
  return new Set(list)
}

function bad(name: string, rule: string): never {
  throw new EntenteError('INVALID_REQUEST', `${name}: must be ${rule}`)
}
