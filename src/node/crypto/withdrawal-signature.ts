import type { KeyObject } from 'node:crypto'
import { withdrawalMessageSchema } from '../../protocol/messages.ts'
import { canonicalJson8785, signAsOriginator, verifyAsOriginator } from './originator-signature.ts'

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

/** What the originator signs: the withdrawal message without its signature. */
const signedWithdrawalSchema = withdrawalMessageSchema.omit({ originatorSignature: true })

/** The signed fields only, canonical: the JWS payload, byte for byte. */
export function canonicalWithdrawal(w: WithdrawalFacts): string {
  const { reportId, originator, reason, atMs } = w
  return canonicalJson8785({ reportId, originator, reason, atMs })
}

/** Signs a withdrawal of this node's own report (`originator` is this party). */
export function signWithdrawal(w: WithdrawalFacts, signingKey: KeyObject): string {
  return signAsOriginator(
    canonicalWithdrawal(w),
    WITHDRAWAL_SIGNATURE_TYPE,
    w.originator,
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
  return verifyAsOriginator(jws, originatorKey, w.originator, {
    typ: WITHDRAWAL_SIGNATURE_TYPE,
    schema: signedWithdrawalSchema,
    canonical: canonicalWithdrawal,
    carried: canonicalWithdrawal(w),
  })
}
