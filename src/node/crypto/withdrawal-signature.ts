import type { KeyObject } from 'node:crypto'
import canonicalizeModule from 'canonicalize'
import { z } from 'zod'
import { epochMsSchema, messageIdSchema } from '../../protocol/messages.ts'
import { partyIdSchema } from '../../protocol/launch.ts'
import { signCompact, verifyCompact } from './compact-jose.ts'
import { OriginatorSignatureError } from './originator-signature.ts'

// The package is CommonJS: its default import is the function, which NodeNext's types miss.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined

/**
 * The originator's signature over its withdrawal of a report (issue 12): a compact JWS,
 * EdDSA, over the RFC 8785 canonical JSON of `{ reportId, originator, reason, atMs }`, made
 * once where the report was born and carried unchanged by every hop, as the report's own
 * signature is (originator-signature.ts). A hub can relay a withdrawal, never invent one.
 */
export const WITHDRAWAL_SIGNATURE_TYPE = 'entente-withdrawal+jws'

export interface WithdrawalFacts {
  readonly reportId: string
  readonly originator: string
  readonly reason: string
  readonly atMs: number
}

const signedWithdrawalSchema = z.strictObject({
  reportId: messageIdSchema,
  originator: partyIdSchema,
  reason: z.string().min(1).max(2_000),
  atMs: epochMsSchema,
})

/** The signed fields only, canonical: the JWS payload, byte for byte. */
export function canonicalWithdrawal(w: WithdrawalFacts): string {
  const { reportId, originator, reason, atMs } = w
  const text = canonicalize({ reportId, originator, reason, atMs })
  if (text === undefined) throw new Error('a withdrawal has no canonical JSON form')
  return text
}

/** Signs a withdrawal of this node's own report (`originator` is this party). */
export function signWithdrawal(w: WithdrawalFacts, signingKey: KeyObject): string {
  return signCompact(
    new TextEncoder().encode(canonicalWithdrawal(w)),
    { typ: WITHDRAWAL_SIGNATURE_TYPE, kid: `${w.originator}-sig` },
    signingKey,
  )
}

/**
 * Verifies `jws` with the originator's key (looked up by `w.originator`, never the sender)
 * and that `w` is exactly what was signed. Throws an OriginatorSignatureError naming what
 * failed (the same four failures as a report's signature).
 */
export function verifyWithdrawalSignature(
  jws: string,
  originatorKey: KeyObject | undefined,
  w: WithdrawalFacts,
): WithdrawalFacts {
  const originator = w.originator
  if (jws === '') throw new OriginatorSignatureError('NO_SIGNATURE', originator)
  if (originatorKey === undefined)
    throw new OriginatorSignatureError('UNKNOWN_ORIGINATOR_KEY', originator)
  let signed: Uint8Array
  try {
    const verified = verifyCompact(jws, originatorKey)
    if (verified.protectedHeader['typ'] !== WITHDRAWAL_SIGNATURE_TYPE) throw new Error('typ')
    signed = verified.payload
  } catch (error) {
    throw new OriginatorSignatureError('BAD_SIGNATURE', originator, { cause: error })
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(signed)
  let parsed: WithdrawalFacts
  try {
    parsed = signedWithdrawalSchema.parse(JSON.parse(text))
  } catch (error) {
    throw new OriginatorSignatureError('CONTENT_DIFFERS', originator, { cause: error })
  }
  if (canonicalWithdrawal(parsed) !== text || text !== canonicalWithdrawal(w))
    throw new OriginatorSignatureError('CONTENT_DIFFERS', originator)
  return parsed
}
