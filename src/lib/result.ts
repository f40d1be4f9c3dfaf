/** An expected outcome as a value: success with a value, or failure with its issues. */
export type Result<T, E> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: E }

export const Result = {
  ok<T>(value: T): { readonly ok: true; readonly value: T } {
    return { ok: true, value }
  },
  fail<E>(issues: E): { readonly ok: false; readonly issues: E } {
    return { ok: false, issues }
  },
} as const

/** A list that the type system knows has at least one element. */
export type NonEmpty<T> = readonly [T, ...T[]]

export function isNonEmpty<T>(list: readonly T[]): list is NonEmpty<T> {
  return list.length > 0
}
