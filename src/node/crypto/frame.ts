import { createHash, type KeyObject } from 'node:crypto'
import {
  type FramePayload,
  type FrameReceipt,
  framePayloadSchema,
  frameReceiptSchema,
} from '../../protocol/link.ts'
import { signCompact, verifyCompact } from './compact-jose.ts'
import { decryptSigned, signThenEncrypt } from './envelope.ts'

/**
 * A frame on the live link is sealed like an envelope, once for all its messages: a compact
 * JWS (EdDSA) by the sender inside a compact JWE (ECDH-ES with X25519, A256GCM) for the
 * recipient. Its receipt is a JWS by the receiver over the verdicts and the frame's hash.
 */

const FRAME_TYPE = 'entente-frame+jws'
const FRAME_RECEIPT_TYPE = 'entente-frame-receipt+jws'
const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function frameSha256(body: string): string {
  return createHash('sha256').update(body).digest('hex')
}

export function sealFrame(
  frame: FramePayload,
  senderSigningKey: KeyObject,
  recipientEncryptionKey: KeyObject,
): string {
  return signThenEncrypt(JSON.stringify(frame), FRAME_TYPE, {
    sender: frame.sender,
    recipient: frame.recipient,
    senderSigningKey,
    recipientEncryptionKey,
  })
}

/** Why a frame was not opened; its message goes back to the sender, never key material. */
export class FrameError extends Error {
  readonly code: 'FRAME_UNVERIFIED' | 'FRAME_MALFORMED'
  constructor(code: FrameError['code'], message: string) {
    super(message)
    this.name = 'FrameError'
    this.code = code
  }
}

/**
 * Decrypts with our key, verifies with the pinned key of the party the connection is
 * authenticated as (never a key the frame names), then checks the frame is from it, to us,
 * under the sequence the control message gave.
 */
export function openFrame(
  body: string,
  ownEncryptionKey: KeyObject,
  senderSigningKey: KeyObject,
  expected: { readonly sender: string; readonly recipient: string; readonly seq: number },
): FramePayload {
  const opened = decryptSigned(body, ownEncryptionKey, FRAME_TYPE)
  if (!opened.ok)
    throw new FrameError('FRAME_UNVERIFIED', 'the frame cannot be decrypted with our key')
  const jws = opened.jws
  let payload: Uint8Array
  try {
    const verified = verifyCompact(jws, senderSigningKey)
    if (verified.protectedHeader['typ'] !== FRAME_TYPE) throw new Error('typ')
    payload = verified.payload
  } catch {
    throw new FrameError('FRAME_UNVERIFIED', `the frame is not signed by ${expected.sender}'s key`)
  }
  let value: unknown
  try {
    value = JSON.parse(decoder.decode(payload))
  } catch {
    throw new FrameError('FRAME_MALFORMED', 'the frame is not JSON')
  }
  const parsed = framePayloadSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new FrameError(
      'FRAME_MALFORMED',
      `${issue?.path.join('.') || '(root)'}: ${issue?.message.slice(0, 120) ?? 'invalid'}`,
    )
  }
  const frame = parsed.data
  for (const [field, want] of Object.entries(expected))
    if (frame[field as keyof typeof expected] !== want)
      throw new FrameError('FRAME_MALFORMED', `${field}: the frame's is not ${want}`)
  return frame
}

export function signFrameReceipt(receipt: FrameReceipt, signingKey: KeyObject): string {
  return signCompact(
    encoder.encode(JSON.stringify(receipt)),
    { typ: FRAME_RECEIPT_TYPE, kid: `${receipt.receiver}-sig` },
    signingKey,
  )
}

/**
 * A receipt counts only if the receiver's pinned key signed it, for this frame's sequence,
 * sender and receiver, over the SHA-256 of the exact bytes sent, naming every message of the
 * frame once and nothing else. Throws naming the first thing that differs.
 */
export function verifyFrameReceipt(
  jws: string,
  receiverSigningKey: KeyObject,
  expected: {
    readonly seq: number
    readonly sender: string
    readonly receiver: string
    readonly body: string
    readonly messageIds: readonly string[]
  },
): FrameReceipt {
  const { payload, protectedHeader } = verifyCompact(jws, receiverSigningKey)
  if (protectedHeader['typ'] !== FRAME_RECEIPT_TYPE) throw new Error('not an Entente frame receipt')
  const parsed = frameReceiptSchema.safeParse(JSON.parse(decoder.decode(payload)))
  if (!parsed.success) throw new Error('the receipt is not a frame receipt of this protocol')
  const receipt = parsed.data
  const want = {
    seq: expected.seq,
    sender: expected.sender,
    receiver: expected.receiver,
    frameSha256: frameSha256(expected.body),
  }
  for (const [field, value] of Object.entries(want))
    if (receipt[field as keyof typeof want] !== value)
      throw new Error(`the receipt's ${field} is not the frame's (${value})`)
  const named = new Set(receipt.verdicts.map((v) => v.messageId))
  if (
    named.size !== receipt.verdicts.length ||
    named.size !== expected.messageIds.length ||
    expected.messageIds.some((id) => !named.has(id))
  )
    throw new Error("the receipt's verdicts do not name the frame's messages, each once")
  return receipt
}
