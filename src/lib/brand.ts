/** A nominal type: a string that only a parser at the edge may create. */
export type Brand<T, Name extends string> = T & { readonly __brand: Name }
