import type { Agreement, Equivalence, ReleaseMode } from './agreement.ts'
import type { AgreementId, Level, PartyId, Topic } from './ids.ts'
import { compileLifecycle, type Lifecycle } from './lifecycle.ts'
import { higherLevel, type Party } from './party.ts'
import type { Registry } from './registry.ts'
import { mapAcross } from './spif.ts'
import { type EpochMs, formatInstant } from './time.ts'

/** level of `from` → (party `to` → the most protective level of `to` in any row naming both). */
export type LevelMap = ReadonlyMap<PartyId, ReadonlyMap<Level, ReadonlyMap<PartyId, Level>>>

export interface CompiledTerms {
  readonly fromMs: EpochMs
  readonly allTopics: boolean
  readonly topics: ReadonlySet<Topic>
  readonly release: ReleaseMode
  readonly levels: LevelMap
  /** Where `levels` came from: the agreement's rows, or its parties' SPIF policies. */
  readonly levelsFrom: 'rows' | 'spif'
}

export interface CompiledAgreement {
  readonly agreement: Agreement
  readonly lifecycle: Lifecycle
  /** In force on [fromMs, untilMs); fromMs is Infinity when it never enters into force. */
  readonly fromMs: EpochMs
  readonly untilMs: EpochMs
  readonly versions: readonly CompiledTerms[]
  /** Pre-written fragments for denial messages, so that decisions never format dates. */
  readonly startText: string | null
  readonly endText: string | null
}

/** Built once per registry version; every release decision reads only from it. */
export interface RegistryIndex {
  readonly registry: Registry
  readonly agreements: ReadonlyMap<AgreementId, CompiledAgreement>
  /** Agreements naming both parties, cheapest link first, then by id. */
  readonly between: ReadonlyMap<PartyId, ReadonlyMap<PartyId, readonly CompiledAgreement[]>>
}

export function buildRegistryIndex(registry: Registry): RegistryIndex {
  const agreements = new Map<AgreementId, CompiledAgreement>()
  const between = new Map<PartyId, Map<PartyId, CompiledAgreement[]>>()
  for (const agreement of registry.agreements) {
    const compiled = compileAgreement(agreement, registry)
    agreements.set(agreement.id, compiled)
    for (const a of agreement.parties) {
      for (const b of agreement.parties) {
        if (a === b) continue
        const row = between.get(a) ?? new Map<PartyId, CompiledAgreement[]>()
        between.set(a, row)
        row.set(b, [...(row.get(b) ?? []), compiled])
      }
    }
  }
  for (const row of between.values()) {
    for (const list of row.values()) list.sort(byLatencyThenId)
  }
  return { registry, agreements, between }
}

export function agreementsBetween(
  index: RegistryIndex,
  a: PartyId,
  b: PartyId,
): readonly CompiledAgreement[] {
  return index.between.get(a)?.get(b) ?? []
}

function byLatencyThenId(a: CompiledAgreement, b: CompiledAgreement): number {
  const latency = a.agreement.linkLatencyMs - b.agreement.linkLatencyMs
  if (latency !== 0) return latency
  return a.agreement.id < b.agreement.id ? -1 : a.agreement.id > b.agreement.id ? 1 : 0
}

function compileAgreement(agreement: Agreement, registry: Registry): CompiledAgreement {
  const lifecycle = compileLifecycle(agreement, registry.timeZone)
  const fromMs = lifecycle.entryIntoForceMs ?? Infinity
  const untilMs = lifecycle.termination?.atMs ?? Infinity
  const zone = registry.timeZone
  return {
    agreement,
    lifecycle,
    fromMs,
    untilMs,
    versions: lifecycle.termsVersions.map((version) => ({
      fromMs: version.fromMs,
      allTopics: version.terms.topics === 'all',
      topics: new Set(version.terms.topics === 'all' ? [] : version.terms.topics),
      release: version.terms.release,
      levels: buildLevelMap(version.terms.equivalence, agreement.parties, registry.parties),
      levelsFrom: version.terms.equivalence === 'spif' ? 'spif' : 'rows',
    })),
    startText: Number.isFinite(fromMs) ? formatInstant(fromMs, zone) : null,
    endText: Number.isFinite(untilMs) ? formatInstant(untilMs, zone) : null,
  }
}

function buildLevelMap(
  equivalence: Equivalence,
  members: readonly PartyId[],
  parties: ReadonlyMap<PartyId, Party>,
): LevelMap {
  if (equivalence === 'spif') return policyLevelMap(members, parties)
  const rows = equivalence
  const map = new Map<PartyId, Map<Level, Map<PartyId, Level>>>()
  for (const row of rows) {
    const entries = Object.entries(row) as [PartyId, Level][]
    for (const [from, fromLevel] of entries) {
      const byLevel = map.get(from) ?? new Map<Level, Map<PartyId, Level>>()
      map.set(from, byLevel)
      const targets = byLevel.get(fromLevel) ?? new Map<PartyId, Level>()
      byLevel.set(fromLevel, targets)
      for (const [to, toLevel] of entries) {
        if (to === from) continue
        const existing = targets.get(to)
        const party = parties.get(to)
        const chosen =
          existing === undefined || party === undefined
            ? toLevel
            : higherLevel(party, existing, toLevel)
        targets.set(to, chosen)
      }
    }
  }
  return map
}

/** Every member's every level mapped to every other member through their SPIF policies. */
function policyLevelMap(
  members: readonly PartyId[],
  parties: ReadonlyMap<PartyId, Party>,
): LevelMap {
  const map = new Map<PartyId, Map<Level, Map<PartyId, Level>>>()
  for (const from of members) {
    const source = parties.get(from)?.policy
    if (source === undefined) continue
    const byLevel = new Map<Level, Map<PartyId, Level>>()
    map.set(from, byLevel)
    for (const { name } of source.classifications) {
      const targets = new Map<PartyId, Level>()
      for (const to of members) {
        const target = parties.get(to)?.policy
        if (to === from || target === undefined) continue
        const level = mapAcross(source, name, target)
        if (level !== null) targets.set(to, level)
      }
      byLevel.set(name, targets)
    }
  }
  return map
}

export function termsAtMs(compiled: CompiledAgreement, atMs: EpochMs): CompiledTerms {
  const versions = compiled.versions
  let current = versions[0] as CompiledTerms
  for (let i = 1; i < versions.length; i++) {
    const version = versions[i] as CompiledTerms
    if (version.fromMs > atMs) break
    current = version
  }
  return current
}
