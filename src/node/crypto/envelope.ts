import type { KeyObject } from 'node:crypto'
import {
  CompactEncrypt,
  CompactSign,
  compactDecrypt,
  compactVerify,
  decodeProtectedHeader,
} from 'jose'

/**
 * What one node says to another; signed by the sender, encrypted to the recipient. Here only
 * the parties are checked (to pick and check keys); the protocol's schemas
 * (src/protocol/messages.ts) decide the version, the kind and the payload.
 */
export interface Envelope {
  readonly v?: number
  readonly messageId: string
  readonly sender: string
  readonly recipient: string
  readonly agreement: string | null
  readonly instantMs: number
  readonly kind: string
  readonly payload: unknown
}

export const ENVELOPE_ERROR_CODES = [
  'ENVELOPE_MALFORMED',
  'ENVELOPE_UNDECRYPTABLE',
  'ENVELOPE_UNKNOWN_SENDER',
  'ENVELOPE_BAD_SIGNATURE',
  'ENVELOPE_WRONG_RECIPIENT',
] as const
export type EnvelopeErrorCode = (typeof ENVELOPE_ERROR_CODES)[number]

/** Why an envelope was refused; the HTTP edge maps MALFORMED to 400 and the rest to 401. */
export class EnvelopeError extends Error {
  readonly code: EnvelopeErrorCode
  constructor(code: EnvelopeErrorCode, message: string) {
    super(message)
    this.name = 'EnvelopeError'
    this.code = code
  }
}

const JWS_TYPE = 'entente-envelope+jws'
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Sign then encrypt: a compact JWS (EdDSA) inside a compact JWE (ECDH-ES, X25519, A256GCM). */
export async function sealEnvelope(
  envelope: Envelope,
  senderSigningKey: KeyObject,
  recipientEncryptionKey: KeyObject,
): Promise<string> {
  const jws = await new CompactSign(encoder.encode(JSON.stringify(envelope)))
    .setProtectedHeader({ alg: 'EdDSA', typ: JWS_TYPE, kid: `${envelope.sender}-sig` })
    .sign(senderSigningKey)
  return new CompactEncrypt(encoder.encode(jws))
    .setProtectedHeader({
      alg: 'ECDH-ES',
      enc: 'A256GCM',
      cty: JWS_TYPE,
      kid: `${envelope.recipient}-enc`,
    })
    .encrypt(recipientEncryptionKey)
}

/**
 * Decrypt, find the claimed sender's pinned key, verify, then check the envelope is for us.
 * A signature by any key but the pinned key of the claimed sender is refused.
 */
export async function openEnvelope(
  jwe: string,
  ownEncryptionKey: KeyObject,
  pinnedSigningKey: (sender: string) => KeyObject | undefined,
  expected: { readonly recipient: string },
): Promise<Envelope> {
  if (typeof jwe !== 'string' || jwe.split('.').length !== 5)
    throw new EnvelopeError('ENVELOPE_MALFORMED', 'the body is not a compact JWE')
  let jws: string
  try {
    jws = decoder.decode((await compactDecrypt(jwe, ownEncryptionKey)).plaintext)
  } catch {
    throw new EnvelopeError(
      'ENVELOPE_UNDECRYPTABLE',
      'the envelope cannot be decrypted with our key',
    )
  }
  const claimed = claimedEnvelope(jws)
  const key = pinnedSigningKey(claimed.sender)
  if (key === undefined)
    throw new EnvelopeError('ENVELOPE_UNKNOWN_SENDER', `'${claimed.sender}' is not a pinned peer`)
  try {
    const { protectedHeader } = await compactVerify(jws, key, { algorithms: ['EdDSA'] })
    if (protectedHeader.typ !== JWS_TYPE) throw new Error('typ')
  } catch {
    throw new EnvelopeError(
      'ENVELOPE_BAD_SIGNATURE',
      `the signature is not ${claimed.sender}'s pinned key`,
    )
  }
  if (claimed.recipient !== expected.recipient) {
    throw new EnvelopeError(
      'ENVELOPE_WRONG_RECIPIENT',
      `the envelope is for ${claimed.recipient}, not ${expected.recipient}`,
    )
  }
  return claimed
}

/** The payload as claimed, before verification: only used to pick the key to verify with. */
function claimedEnvelope(jws: string): Envelope {
  try {
    decodeProtectedHeader(jws)
    const payload = jws.split('.')[1] ?? ''
    const value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >
    if (isEnvelope(value)) return value
  } catch {
    // fall through
  }
  throw new EnvelopeError('ENVELOPE_MALFORMED', 'the signed content is not an Entente envelope')
}

function isEnvelope(v: Record<string, unknown>): v is Record<string, unknown> & Envelope {
  return (
    typeof v['messageId'] === 'string' &&
    typeof v['sender'] === 'string' &&
    typeof v['recipient'] === 'string' &&
    (v['agreement'] === null || typeof v['agreement'] === 'string') &&
    typeof v['instantMs'] === 'number' &&
    typeof v['kind'] === 'string' &&
    'payload' in v
  )
}
