import type { Brand } from '../lib/brand.ts'

export type PartyId = Brand<string, 'PartyId'>
export type AgreementId = Brand<string, 'AgreementId'>
export type Level = Brand<string, 'Level'>
export type Topic = Brand<string, 'Topic'>

const PARTY_ID = /^[A-Z][A-Z0-9]{1,9}$/
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/

/** Party ids are short upper-case codes (ISO 3166-1 alpha-3 for states). */
export function isPartyId(text: string): text is PartyId {
  return PARTY_ID.test(text)
}

/** Agreement ids and topics are lower-case slugs. */
export function isSlug(text: string): boolean {
  return SLUG.test(text)
}

/** For parsers at the edges only, after they have checked the text. */
export const asPartyId = (text: string): PartyId => text as PartyId
export const asAgreementId = (text: string): AgreementId => text as AgreementId
export const asLevel = (text: string): Level => text as Level
export const asTopic = (text: string): Topic => text as Topic
