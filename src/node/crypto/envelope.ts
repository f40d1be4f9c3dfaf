import type { KeyObject } from 'node:crypto'
import { decodeProtectedHeader } from 'jose'
import {
  CompactJoseError,
  decryptCompact,
  encryptCompact,
  signCompact,
  verifyCompact,
} from './compact-jose.ts'

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
  'ENVELOPE_UNVERIFIED',
  'ENVELOPE_WRONG_RECIPIENT',
] as const
export type EnvelopeErrorCode = (typeof ENVELOPE_ERROR_CODES)[number]

/**
 * Why an envelope was refused; the HTTP edge maps MALFORMED to 400 and the rest to 401.
 * `code` and `message` go to the caller. An unknown sender and a bad signature are one
 * code with one message (ENVELOPE_UNVERIFIED), so that the answer does not tell anyone which
 * party ids are pinned; `reason` says which, for the node's own audit only.
 */
export class EnvelopeError extends Error {
  readonly code: EnvelopeErrorCode
  readonly reason: string
  /** The sender, once its signature has verified (set for ENVELOPE_WRONG_RECIPIENT). */
  readonly verifiedSender: string | null
  constructor(
    code: EnvelopeErrorCode,
    message: string,
    internal: { reason?: string; verifiedSender?: string } = {},
  ) {
    super(message)
    this.name = 'EnvelopeError'
    this.code = code
    this.reason = internal.reason ?? code
    this.verifiedSender = internal.verifiedSender ?? null
  }
}

const UNVERIFIED_MESSAGE = "the envelope is not signed by its claimed sender's pinned key"

const JWS_TYPE = 'entente-envelope+jws'
const encoder = new TextEncoder()
const decoder = new TextDecoder()

/** Sign then encrypt: a compact JWS (EdDSA) inside a compact JWE (ECDH-ES, X25519, A256GCM). */
export function sealEnvelope(
  envelope: Envelope,
  senderSigningKey: KeyObject,
  recipientEncryptionKey: KeyObject,
): string {
  return signThenEncrypt(JSON.stringify(envelope), JWS_TYPE, {
    sender: envelope.sender,
    recipient: envelope.recipient,
    senderSigningKey,
    recipientEncryptionKey,
  })
}

/**
 * What envelopes and link frames share: `text` signed as a compact JWS (EdDSA, `typ`) by the
 * sender, inside a compact JWE (ECDH-ES with the recipient's X25519 key, A256GCM, `cty: typ`).
 */
export function signThenEncrypt(
  text: string,
  typ: string,
  keys: {
    readonly sender: string
    readonly recipient: string
    readonly senderSigningKey: KeyObject
    readonly recipientEncryptionKey: KeyObject
  },
): string {
  const jws = signCompact(
    encoder.encode(text),
    { typ, kid: `${keys.sender}-sig` },
    keys.senderSigningKey,
  )
  return encryptCompact(
    encoder.encode(jws),
    { cty: typ, kid: `${keys.recipient}-enc` },
    keys.recipientEncryptionKey,
  )
}

/**
 * The JWS inside a JWE that signThenEncrypt made with `typ`: only ECDH-ES with A256GCM is
 * decrypted. Never throws: why it could not be opened is a value.
 */
export function decryptSigned(
  jwe: string,
  ownEncryptionKey: KeyObject,
  typ: string,
): { ok: true; jws: string } | { ok: false; why: 'disallowed' | 'undecryptable' | 'cty' } {
  try {
    const decrypted = decryptCompact(jwe, ownEncryptionKey)
    if (decrypted.protectedHeader['cty'] !== typ) return { ok: false, why: 'cty' }
    return { ok: true, jws: decoder.decode(decrypted.plaintext) }
  } catch (error) {
    const disallowed = error instanceof CompactJoseError && error.kind === 'disallowed'
    return { ok: false, why: disallowed ? 'disallowed' : 'undecryptable' }
  }
}

/**
 * Decrypt, find the claimed sender's pinned key, verify, then check the envelope is for us.
 * A signature by any key but the pinned key of the claimed sender is refused.
 */
export function openEnvelope(
  jwe: string,
  ownEncryptionKey: KeyObject,
  pinnedSigningKey: (sender: string) => KeyObject | undefined,
  expected: { readonly recipient: string },
): Envelope {
  if (typeof jwe !== 'string' || jwe.split('.').length !== 5)
    throw new EnvelopeError('ENVELOPE_MALFORMED', 'the body is not a compact JWE')
  const jws = decryptEnvelope(jwe, ownEncryptionKey)
  const claimed = claimedEnvelope(jws)
  const key = pinnedSigningKey(claimed.sender)
  if (key === undefined)
    throw new EnvelopeError('ENVELOPE_UNVERIFIED', UNVERIFIED_MESSAGE, {
      reason: 'unknown sender',
    })
  try {
    const { protectedHeader } = verifyCompact(jws, key)
    if (protectedHeader['typ'] !== JWS_TYPE) throw new Error('typ')
  } catch {
    throw new EnvelopeError('ENVELOPE_UNVERIFIED', UNVERIFIED_MESSAGE, {
      reason: `bad signature for ${claimed.sender}`,
    })
  }
  if (claimed.recipient !== expected.recipient) {
    throw new EnvelopeError(
      'ENVELOPE_WRONG_RECIPIENT',
      `the envelope is for ${claimed.recipient}, not ${expected.recipient}`,
      { verifiedSender: claimed.sender },
    )
  }
  return claimed
}

/** Only what sealEnvelope makes is opened: ECDH-ES (X25519) with A256GCM, carrying our JWS. */
function decryptEnvelope(jwe: string, ownEncryptionKey: KeyObject): string {
  const opened = decryptSigned(jwe, ownEncryptionKey, JWS_TYPE)
  if (opened.ok) return opened.jws
  if (opened.why === 'cty')
    throw new EnvelopeError('ENVELOPE_MALFORMED', `the envelope's cty must be ${JWS_TYPE}`)
  throw new EnvelopeError(
    'ENVELOPE_UNDECRYPTABLE',
    opened.why === 'disallowed'
      ? 'the envelope must be encrypted with alg ECDH-ES and enc A256GCM'
      : 'the envelope cannot be decrypted with our key',
  )
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
