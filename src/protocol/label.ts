import { z } from 'zod'
import type { PartyId } from '../domain/ids.ts'
import type { Party } from '../domain/party.ts'

/** STANAG 4774 category types. */
export const LABEL_CATEGORY_TYPES = ['PERMISSIVE', 'RESTRICTIVE', 'INFORMATIVE'] as const
export type LabelCategoryType = (typeof LABEL_CATEGORY_TYPES)[number]

// Bounded like every other wire field: a peer's label is text a TAK client may display.
const labelText = z
  .string()
  .regex(/^[^<>&\p{Cc}]{1,128}$/u, '1 to 128 characters, no markup or control characters')

export const labelCategorySchema = z.strictObject({
  tagName: labelText,
  type: z.enum(LABEL_CATEGORY_TYPES),
  /** `GenericValue`s: for releasable-to, the parties' ids (ISO 3166 alpha-3 for states). */
  values: z.array(labelText).max(64),
})

/**
 * A confidentiality label shaped as NATO STANAG 4774 (`ConfidentialityInformation`): the
 * policy that gives the classification meaning (`PolicyIdentifier`, its text and `URI`), the
 * classification in that policy, and its categories. Entente writes it for every report it
 * releases, twice: in the originator's policy, and the alternative in the recipient's (the
 * level the agreement maps it to).
 */
export const confidentialityLabelSchema = z.strictObject({
  policyIdentifier: z.strictObject({ name: labelText, uri: labelText }),
  classification: labelText,
  categories: z.array(labelCategorySchema).max(8),
})

/** The two labels a released report carries. */
export const releaseLabelsSchema = z.strictObject({
  originator: confidentialityLabelSchema,
  /** In the recipient's policy; null when the recipient's scheme has no level for it (R0). */
  alternative: confidentialityLabelSchema.nullable(),
})

export type LabelCategory = Readonly<z.infer<typeof labelCategorySchema>>
export type ConfidentialityLabel = Readonly<z.infer<typeof confidentialityLabelSchema>>
export type ReleaseLabels = Readonly<z.infer<typeof releaseLabelsSchema>>

/** The tag name NATO's sample SPIF gives its releasable-to category set. */
export const RELEASABLE_TO = 'Releasable To'

/**
 * A party's policy: its SPIF policy (`urn:oid:` and the policy's object identifier), or for a
 * scheme written in the scenario, a name of Entente's own under `urn:entente:scheme:`.
 */
export function labelPolicy(
  party: PartyId,
  known: Party | undefined,
): ConfidentialityLabel['policyIdentifier'] {
  const policy = known?.policy
  if (policy !== undefined) return { name: policy.name, uri: `urn:oid:${policy.id}` }
  return { name: party, uri: `urn:entente:scheme:${party}` }
}

/** What the labels are made of: the report's marking and the release's level at the recipient. */
export interface LabelFacts {
  readonly originator: string
  readonly level: string
  readonly releasableTo: readonly string[] | null
  readonly recipient: string
  /** The level at the recipient from the release decision; null for a public release (R0). */
  readonly levelAtRecipient: string | null
}

/**
 * The originator's label and the alternative in the recipient's policy. A public release
 * (R0) maps no level: the alternative is the recipient's own public level, if it names one.
 */
export function releaseLabels(
  parties: ReadonlyMap<PartyId, Party>,
  facts: LabelFacts,
): ReleaseLabels {
  const categories = releasableTo(facts.releasableTo)
  const label = (party: string, classification: string): ConfidentialityLabel => ({
    policyIdentifier: labelPolicy(party as PartyId, parties.get(party as PartyId)),
    classification,
    categories,
  })
  const recipient = parties.get(facts.recipient as PartyId)
  const atRecipient: string | null = facts.levelAtRecipient ?? recipient?.public ?? null
  return {
    originator: label(facts.originator, facts.level),
    alternative: atRecipient === null ? null : label(facts.recipient, atRecipient),
  }
}

function releasableTo(list: readonly string[] | null): LabelCategory[] {
  if (list === null) return []
  return [{ tagName: RELEASABLE_TO, type: 'PERMISSIVE', values: [...list] }]
}

/** One line for a banner or CoT remarks: `NATO SECRET REL TO JPN, KOR` (`NOFORN`: none). */
export function labelLine(label: ConfidentialityLabel): string {
  const rel = label.categories.find((c) => c.tagName === RELEASABLE_TO)
  const suffix =
    rel === undefined
      ? ''
      : rel.values.length === 0
        ? ' NOFORN'
        : ` REL TO ${rel.values.join(', ')}`
  return `${label.policyIdentifier.name} ${label.classification}${suffix}`
}
