// What each holder of an earlier version gets when a report's latest version appears: the
// new version if the engine allows it at the new version's instant, else a content-free
// superseded notice; a withdrawal reaches every holder, along the path its copy came by.
import type { ReleaseDecision } from './decision.ts'
import type { PartyId } from './ids.ts'
import type { ReportFacts } from './registry.ts'
import {
  type ContentVersion,
  factsOf,
  latestVersion,
  type ReportContent,
  type ReportLife,
  type Withdrawal,
} from './report-life.ts'
import type { EpochMs } from './time.ts'

/** A party that holds an earlier version of the report, and how that version reached it. */
export interface Holder {
  readonly party: PartyId
  /** The content version it holds (an earlier one than the life's latest). */
  readonly holds: number
  /** The parties that version passed, the originator first and this holder last. */
  readonly path: readonly PartyId[]
}

/** The engine's question for one holder: may the new version reach it, at its instant? */
export interface DisclosureQuery {
  readonly recipient: PartyId
  /** The new version's marking: its own level and releasability list. */
  readonly report: ReportFacts
  readonly atMs: EpochMs
}

/** The engine, injected: e.g. `(q) => findReleasePath(index, { ...q, consents })`. */
export type DecideDisclosure = (query: DisclosureQuery) => ReleaseDecision

/** What one holder is sent. Only `version` carries content. */
export type LifeNotice<C = ReportContent> =
  | { readonly kind: 'version'; readonly reportId: string; readonly version: ContentVersion<C> }
  | {
      readonly kind: 'superseded'
      readonly reportId: string
      /** The version the holder holds, now known to be wrong. */
      readonly holds: number
      /** The version that supersedes it; the notice says nothing else about it. */
      readonly by: number
      readonly atMs: EpochMs
    }
  | {
      readonly kind: 'withdrawn'
      readonly reportId: string
      readonly version: number
      readonly atMs: EpochMs
      readonly reason: string
    }

export interface Disclosure<C = ReportContent> {
  readonly holder: PartyId
  readonly holds: number
  /** The parties the notice passes, originator first, holder last: each hop is audited. */
  readonly path: readonly PartyId[]
  readonly notice: LifeNotice<C>
  /** The engine's decision on the new version; null for a withdrawal, which needs none. */
  readonly decision: ReleaseDecision | null
  /** Why this holder gets this notice (the decision, when there is one, holds the codes). */
  readonly why: string
}

/**
 * One disclosure per holder of an earlier version, and per relay on a holder's path (a relay
 * held the version it passed on) that is not listed itself. A correction goes to a holder the
 * engine allows at the correction's instant, by the engine's path; a holder it denies gets a
 * superseded notice by the path its copy came. A withdrawal goes to every holder by the path
 * its copy came, whatever the level, and asks the engine nothing.
 * Throws on holders that contradict the life (a programmer error upstream).
 */
export function planDisclosure<C>(
  life: ReportLife<C>,
  holders: readonly Holder[],
  decide: DecideDisclosure,
): readonly Disclosure<C>[] {
  const latest = latestVersion(life)
  const all = withRelays(holders)
  for (const holder of all) checkHolder(life, latest.version, holder)
  return all.map((holder) =>
    latest.kind === 'withdrawn'
      ? withdrawnNotice(life, latest, holder)
      : correction(life, latest, holder, decide),
  )
}

function withdrawnNotice<C>(
  life: ReportLife<C>,
  latest: Withdrawal,
  holder: Holder,
): Disclosure<C> {
  const { version, atMs, reason, originator } = latest
  return {
    holder: holder.party,
    holds: holder.holds,
    path: holder.path,
    notice: { kind: 'withdrawn', reportId: life.id, version, atMs, reason },
    decision: null,
    why: `${originator} withdrew ${life.id} in v${version}: a withdrawal carries no content, so it reaches every holder, whatever the level, by the path its copy came (${holder.path.join(' → ')})`,
  }
}

function correction<C>(
  life: ReportLife<C>,
  latest: ContentVersion<C>,
  holder: Holder,
  decide: DecideDisclosure,
): Disclosure<C> {
  const report = factsOf(life, latest)
  const decision = decide({ recipient: holder.party, report, atMs: latest.atMs })
  const name = `${life.id} v${latest.version}`
  if (decision.decision === 'allowed') {
    if (decision.path[decision.path.length - 1] !== holder.party)
      throw new Error(`the decision for ${holder.party} ends at ${decision.path.join(' → ')}`)
    const grounds = decision.grounds.map((g) => g.message).join('; ')
    return {
      holder: holder.party,
      holds: holder.holds,
      path: decision.path,
      notice: { kind: 'version', reportId: life.id, version: latest },
      decision,
      why: `${name} supersedes v${holder.holds} and may reach ${holder.party}: ${grounds}`,
    }
  }
  const reasons = decision.reasons.map((r) => `${r.code}: ${r.message}`).join('; ')
  const { version: by, atMs } = latest
  return {
    holder: holder.party,
    holds: holder.holds,
    path: holder.path,
    notice: { kind: 'superseded', reportId: life.id, holds: holder.holds, by, atMs },
    decision,
    why: `${holder.party} may not receive ${name} (${reasons}), so it is told, without content, that its v${holder.holds} is superseded`,
  }
}

/** The listed holders, then each relay on their paths not listed (at the highest version it passed). */
function withRelays(holders: readonly Holder[]): Holder[] {
  const listed = new Map<PartyId, Holder>()
  for (const holder of holders) {
    if (listed.has(holder.party)) throw new Error(`${holder.party} is listed twice as a holder`)
    listed.set(holder.party, holder)
  }
  const relays = new Map<PartyId, Holder>()
  for (const { path, holds } of holders) {
    for (let i = 1; i < path.length - 1; i++) {
      const party = path[i] as PartyId
      if (listed.has(party) || (relays.get(party)?.holds ?? 0) >= holds) continue
      relays.set(party, { party, holds, path: path.slice(0, i + 1) })
    }
  }
  return [...listed.values(), ...relays.values()]
}

function checkHolder(life: ReportLife<unknown>, latest: number, holder: Holder): void {
  const { party, holds, path } = holder
  const originator = life.versions[0].originator
  if (party === originator) throw new Error(`${party} originated ${life.id}; it is no holder`)
  if (!Number.isInteger(holds) || holds < 1 || holds >= latest)
    throw new Error(`${party} holds v${holds}, not an earlier version than v${latest}`)
  if (path.length < 2 || path[0] !== originator || path[path.length - 1] !== party)
    throw new Error(`${party}'s path ${path.join(' → ')} does not lead from ${originator} to it`)
}
