import type { Path } from './path.ts'

type Json = Record<string, unknown>

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function keysOf(value: unknown): string[] {
  if (Array.isArray(value))
    return value.map((item, index) =>
      isObject(item) && typeof item.id === 'string' ? item.id : String(index),
    )
  return isObject(value) ? Object.keys(value) : []
}

/** An array element by its `id`, or by its index when the elements have no id. */
function elementIndex(list: readonly unknown[], segment: string): number {
  const byId = list.findIndex((item) => isObject(item) && item.id === segment)
  if (byId >= 0) return byId
  const index = /^\d+$/.test(segment) ? Number(segment) : -1
  return index < list.length && !list.some((item) => isObject(item) && 'id' in item) ? index : -1
}

export type SetOutcome =
  { readonly ok: true; readonly path: Path } | { readonly ok: false; readonly message: string }

function missing(where: string, segment: string, container: unknown): SetOutcome {
  const known = keysOf(container)
  const list = known.length === 0 ? '' : `; it has: ${known.join(', ')}`
  return { ok: false, message: `${where} has no "${segment}"${list}` }
}

/**
 * Sets `value` at a dotted path inside `root` (changed in place). Segments walk objects by key
 * and arrays by element `id` (or index, for arrays of elements without ids). Every segment
 * but the last must exist; the last may name a new object key (the schema judges it after).
 */
export function setAtPath(root: Json, dotted: string, value: unknown): SetOutcome {
  const segments = dotted.split('.')
  if (segments.some((segment) => segment === ''))
    return { ok: false, message: 'has an empty segment' }
  if (segments[0] === 'what_ifs') return { ok: false, message: 'a what-if cannot change what-ifs' }
  const path: (string | number)[] = []
  let container: unknown = root
  for (const [position, segment] of segments.entries()) {
    const last = position === segments.length - 1
    const where = path.length === 0 ? 'the scenario' : segments.slice(0, position).join('.')
    if (Array.isArray(container)) {
      const index = elementIndex(container, segment)
      if (index < 0) return missing(where, segment, container)
      path.push(index)
      if (last) container[index] = value
      else container = container[index]
    } else if (isObject(container)) {
      if (!last && !Object.hasOwn(container, segment)) return missing(where, segment, container)
      path.push(segment)
      if (last) container[segment] = value
      else container = container[segment]
    } else {
      return { ok: false, message: `${where} is a value, not a mapping or a list` }
    }
  }
  return { ok: true, path }
}
