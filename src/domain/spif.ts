import type { Level } from './ids.ts'

/**
 * A party's classification scheme as an Open XML SPIF security policy describes it
 * (xmlspif.org, SPIF schema 2.x): the policy's object identifier, its classifications in
 * order, and for each classification its equivalents in other policies.
 */
export interface SpifPolicy {
  /** The policy's object identifier, e.g. NATO's `1.3.26.1.3.1`. */
  readonly id: string
  readonly name: string
  /** Lowest first (ascending `hierarchy`). */
  readonly classifications: readonly SpifClassification[]
}

export interface SpifClassification {
  readonly name: Level
  /** The label and cert value: how a label in this policy names the classification. */
  readonly lacv: number
  readonly hierarchy: number
  readonly equivalents: readonly SpifEquivalent[]
}

/**
 * Who applies an equivalence (SPIF `applied`): `encrypt`, the sender, when it relabels its
 * own data into the other policy; `decrypt`, the receiver, when it relabels data marked in
 * the other policy into this one; `both`.
 */
export const SPIF_APPLIED = ['encrypt', 'decrypt', 'both'] as const
export type SpifApplied = (typeof SPIF_APPLIED)[number]

export interface SpifEquivalent {
  /** The other policy's object identifier (resolved from `policyRef`). */
  readonly policyId: string
  /** The classification's lacv in the other policy. */
  readonly lacv: number
  readonly applied: SpifApplied
}

/**
 * The level in `to`'s policy that data marked `level` in `from`'s policy takes when `from`
 * sends it to `to`: `from`'s own equivalents applied by the sender (`encrypt`, `both`) and
 * `to`'s applied by the receiver (`decrypt`, `both`). Several: the most protective (highest)
 * at `to`, as for equivalence rows. Null: neither policy maps it.
 */
export function mapAcross(from: SpifPolicy, level: Level, to: SpifPolicy): Level | null {
  const own = from.classifications.find((c) => c.name === level)
  if (own === undefined) return null
  const candidates: SpifClassification[] = []
  for (const eq of own.equivalents) {
    if (eq.policyId !== to.id || eq.applied === 'decrypt') continue
    const target = to.classifications.find((c) => c.lacv === eq.lacv)
    if (target !== undefined) candidates.push(target)
  }
  for (const target of to.classifications) {
    const back = target.equivalents.some(
      (eq) => eq.policyId === from.id && eq.lacv === own.lacv && eq.applied !== 'encrypt',
    )
    if (back) candidates.push(target)
  }
  let best: SpifClassification | null = null
  for (const c of candidates) if (best === null || c.hierarchy > best.hierarchy) best = c
  return best?.name ?? null
}
