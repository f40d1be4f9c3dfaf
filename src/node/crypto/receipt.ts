import { createHash, type KeyObject } from 'node:crypto'
import { CompactSign, compactVerify } from 'jose'

/** What the receiver signs for each message it takes in (accepted or quarantined). */
export interface Receipt {
  readonly messageId: string
  readonly sender: string
  readonly receiver: string
  readonly receivedAtMs: number
  readonly status: 'accepted' | 'quarantined'
  /** Commits the receipt to the exact bytes received. */
  readonly envelopeSha256: string
}

const RECEIPT_TYPE = 'entente-receipt+jws'

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

export function signReceipt(receipt: Receipt, receiverSigningKey: KeyObject): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(receipt)))
    .setProtectedHeader({ alg: 'EdDSA', typ: RECEIPT_TYPE, kid: `${receipt.receiver}-sig` })
    .sign(receiverSigningKey)
}

/** Verifies a receipt against the receiver's pinned key and the message it should answer. */
export async function verifyReceipt(
  jws: string,
  receiverSigningKey: KeyObject,
  expected: { readonly messageId: string; readonly receiver: string },
): Promise<Receipt> {
  const { payload, protectedHeader } = await compactVerify(jws, receiverSigningKey, {
    algorithms: ['EdDSA'],
  })
  if (protectedHeader.typ !== RECEIPT_TYPE) throw new Error('not an Entente receipt')
  const receipt = JSON.parse(new TextDecoder().decode(payload)) as Receipt
  if (receipt.messageId !== expected.messageId || receipt.receiver !== expected.receiver) {
    throw new Error(
      `the receipt is for ${receipt.messageId} at ${receipt.receiver}, not ${expected.messageId} at ${expected.receiver}`,
    )
  }
  return receipt
}
