import { createHash, type KeyObject } from 'node:crypto'
import {
  type ReceiptLog,
  type ReceiptWitness,
  receiptLogSchema,
  receiptWitnessSchema,
} from '../../protocol/link.ts'
import { signCompact, verifyCompact } from './compact-jose.ts'

export const RECEIPT_STATUSES = ['accepted', 'quarantined'] as const

/** What the receiver signs for each message it takes in (accepted or quarantined). */
export interface Receipt {
  readonly messageId: string
  readonly sender: string
  readonly receiver: string
  readonly receivedAtMs: number
  readonly status: (typeof RECEIPT_STATUSES)[number]
  /** Commits the receipt to the exact bytes received. */
  readonly envelopeSha256: string
  /** Issue 13: the receiver's answer to the checkpoint the POST carried. */
  readonly witness?: ReceiptWitness
  /** Issue 13: the receipt's own leaf in the receiver's log, with its inclusion proof. */
  readonly log?: ReceiptLog
}

const RECEIPT_TYPE = 'entente-receipt+jws'

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

export function signReceipt(receipt: Receipt, receiverSigningKey: KeyObject): string {
  return signCompact(
    new TextEncoder().encode(JSON.stringify(receipt)),
    { typ: RECEIPT_TYPE, kid: `${receipt.receiver}-sig` },
    receiverSigningKey,
  )
}

/** What the sender knows of the message a receipt must answer. */
export interface ExpectedReceipt {
  readonly messageId: string
  /** This node: the receipt must say the message came from us. */
  readonly sender: string
  readonly receiver: string
  /** The compact JWE exactly as posted: the receipt must commit to these bytes. */
  readonly envelope: string
}

/**
 * Verifies a receipt against the receiver's pinned key and the message it should answer:
 * its type, sender, receiver, message id, the SHA-256 of the bytes sent, and a known status.
 * Throws naming the first field that differs.
 */
export function verifyReceipt(
  jws: string,
  receiverSigningKey: KeyObject,
  expected: ExpectedReceipt,
): Receipt {
  const { payload, protectedHeader } = verifyCompact(jws, receiverSigningKey)
  if (protectedHeader['typ'] !== RECEIPT_TYPE) throw new Error('not an Entente receipt')
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder().decode(payload))
  } catch {
    throw new Error('the receipt is not JSON')
  }
  if (typeof parsed !== 'object' || parsed === null) throw new Error('the receipt is not an object')
  const receipt = parsed as Record<string, unknown>
  const want: Record<string, string> = {
    messageId: expected.messageId,
    sender: expected.sender,
    receiver: expected.receiver,
    envelopeSha256: sha256Hex(expected.envelope),
  }
  for (const [field, value] of Object.entries(want)) {
    if (receipt[field] !== value)
      throw new Error(`the receipt's ${field} is not the message's (${value})`)
  }
  if (!(RECEIPT_STATUSES as readonly unknown[]).includes(receipt['status']))
    throw new Error(`the receipt's status is not one of ${RECEIPT_STATUSES.join(', ')}`)
  if (typeof receipt['receivedAtMs'] !== 'number' || !Number.isFinite(receipt['receivedAtMs']))
    throw new Error("the receipt's receivedAtMs is not an instant")
  for (const [field, schema] of [
    ['witness', receiptWitnessSchema],
    ['log', receiptLogSchema],
  ] as const)
    if (receipt[field] !== undefined && !schema.safeParse(receipt[field]).success)
      throw new Error(`the receipt's ${field} is not one of this protocol`)
  return receipt as unknown as Receipt
}
