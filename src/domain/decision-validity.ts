// How long a release decision stays true (issue 12, tracks): the engine reads the registry only
// through agreements' entry into force, end and terms versions, and consents' start and end
// (release.ts), so a decision made at t holds until the first of those instants after t.
// A node may cache a track's decision until then, and must decide again from that instant on.
import type { Consent } from './registry.ts'
import type { RegistryIndex } from './registry-index.ts'
import type { EpochMs } from './time.ts'

/** Every instant at which some agreement of the index starts, ends or changes terms, sorted. */
export function registryInstants(index: RegistryIndex): readonly EpochMs[] {
  const instants = new Set<EpochMs>()
  for (const compiled of index.agreements.values()) {
    for (const at of [compiled.fromMs, compiled.untilMs]) if (Number.isFinite(at)) instants.add(at)
    for (const version of compiled.versions)
      if (Number.isFinite(version.fromMs)) instants.add(version.fromMs)
  }
  return [...instants].sort((a, b) => a - b)
}

/**
 * The first instant after `atMs` at which a decision made at `atMs` may change: the next
 * registry instant (from `registryInstants`), or a consent's start or end. Infinity if none.
 */
export function decisionValidUntil(
  instants: readonly EpochMs[],
  consents: readonly Consent[],
  atMs: EpochMs,
): EpochMs {
  let next = firstAfter(instants, atMs)
  for (const consent of consents)
    for (const at of [consent.fromMs, consent.untilMs])
      if (at !== null && at > atMs && at < next) next = at
  return next
}

/** Binary search: the least element > atMs, or Infinity. */
function firstAfter(sorted: readonly EpochMs[], atMs: EpochMs): EpochMs {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((sorted[mid] ?? Infinity) > atMs) hi = mid
    else lo = mid + 1
  }
  return sorted[lo] ?? Infinity
}
