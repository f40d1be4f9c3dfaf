// C2SP signed-note (c2sp.org/signed-note): a text, a blank line, and signature lines
// "— <key name> base64(key ID ‖ signature)". Formatting, parsing, key IDs, verifier keys, and
// signing and opening with Ed25519 injected (pure: no node:crypto here).
import { bytesEqual, concatBytes, fromBase64, hasLoneSurrogate, toBase64, utf8 } from './bytes.ts'
import { EntenteError } from './errors.ts'
import type { Sha256 } from './merkle.ts'
import { Result } from './result.ts'

/** Signature type bytes that key IDs commit to (signed-note §Signature types). */
export const SIGNATURE_TYPES = { ed25519: 0x01, cosignatureEd25519: 0x04 } as const

/** Verifiers must accept at least 16 signatures; like Go's note package, we stop at 100. */
export const MAX_SIGNATURES = 100

const SIGNATURE_PREFIX = '\u2014 '

export interface NoteSignature {
  readonly name: string
  /** The uint32 key ID, the first four bytes of the signature line's base64. */
  readonly keyId: number
  /** The bytes after the key ID. */
  readonly signature: Uint8Array
}

export interface Note {
  /** The signed text, ending in a newline. */
  readonly text: string
  readonly signatures: readonly NoteSignature[]
}

export interface NoteSigner {
  readonly name: string
  readonly keyId: number
  /** The signature bytes (after the key ID) over the note text. */
  sign(text: string): Uint8Array
}

export interface NoteVerifier {
  readonly name: string
  readonly keyId: number
  verify(text: string, signature: Uint8Array): boolean
}

/** Ed25519 with a private key bound in: the 64-byte signature of a message. */
export type Ed25519Sign = (message: Uint8Array) => Uint8Array
/** Ed25519 with a public key bound in. */
export type Ed25519Verify = (message: Uint8Array, signature: Uint8Array) => boolean

/** Non-empty, and no Unicode space or plus (signed-note §Format). */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s\u0085+]/u.test(name) && !hasLoneSurrogate(name)
}

/** key ID = SHA-256(key name ‖ 0x0A ‖ signature type ‖ public key)[:4], big-endian. */
export function keyIdOf(sha256: Sha256, name: string, type: number, publicKey: Uint8Array): number {
  return uint32At(sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, type), publicKey)))
}

/** The big-endian uint32 the first four bytes spell. */
export function uint32At(bytes: Uint8Array): number {
  return (
    (bytes[0] ?? 0) * 2 ** 24 + (((bytes[1] ?? 0) << 16) | ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0))
  )
}

export const keyIdHex = (keyId: number): string => keyId.toString(16).padStart(8, '0')

function keyIdBytes(keyId: number): Uint8Array {
  return Uint8Array.of(keyId >>> 24, (keyId >>> 16) & 255, (keyId >>> 8) & 255, keyId & 255)
}

export function formatSignatureLine(sig: NoteSignature): string {
  return `${SIGNATURE_PREFIX}${sig.name} ${toBase64(concatBytes(keyIdBytes(sig.keyId), sig.signature))}\n`
}

/** The note as it travels: text, blank line, one line per signature. */
export function formatNote(note: Note): string {
  if (!note.text.endsWith('\n') || note.signatures.length === 0)
    throw new EntenteError(
      'INVALID_ARGUMENT',
      'a note needs a text ending in a newline and a signature',
    )
  for (const sig of note.signatures)
    if (!isValidKeyName(sig.name))
      throw new EntenteError(
        'INVALID_ARGUMENT',
        `key name '${sig.name}' must be non-empty, without spaces or '+'`,
      )
  return `${note.text}\n${note.signatures.map(formatSignatureLine).join('')}`
}

function parseSignatureLine(line: string): NoteSignature | string {
  if (!line.startsWith(SIGNATURE_PREFIX)) return `signature line '${line}' must start with '— '`
  const rest = line.slice(SIGNATURE_PREFIX.length)
  const space = rest.indexOf(' ')
  const name = space < 0 ? rest : rest.slice(0, space)
  if (!isValidKeyName(name)) return `key name '${name}' must be non-empty, without spaces or '+'`
  const bytes = fromBase64(rest.slice(space + 1))
  if (space < 0 || bytes === undefined || bytes.length < 5)
    return `the signature of '${name}' must be standard base64 of a key ID and a signature`
  return { name, keyId: uint32At(bytes), signature: bytes.subarray(4) }
}

/** Reads a note's text and signatures; verifies nothing (openNote does). */
export function parseNote(message: string): Result<Note, string> {
  if (hasLoneSurrogate(message)) return Result.fail('a note must be valid UTF-8')
  if ([...message].some((c) => c < ' ' && c !== '\n'))
    return Result.fail('a note must hold no control character other than newline')
  const split = message.lastIndexOf('\n\n')
  if (split < 0) return Result.fail('a note must end with a blank line and signature lines')
  const text = message.slice(0, split + 1)
  const block = message.slice(split + 2)
  if (block.length === 0 || !block.endsWith('\n'))
    return Result.fail('the signature lines must each end in a newline')
  const lines = block.slice(0, -1).split('\n')
  if (lines.length > MAX_SIGNATURES)
    return Result.fail(`a note may carry at most ${MAX_SIGNATURES} signatures, not ${lines.length}`)
  const signatures: NoteSignature[] = []
  for (const line of lines) {
    const sig = parseSignatureLine(line)
    if (typeof sig === 'string') return Result.fail(sig)
    signatures.push(sig)
  }
  return Result.ok({ text, signatures })
}

export function signNote(text: string, signer: NoteSigner): NoteSignature {
  if (!text.endsWith('\n'))
    throw new EntenteError('INVALID_ARGUMENT', 'note text must end in a newline')
  return { name: signer.name, keyId: signer.keyId, signature: signer.sign(text) }
}

export interface OpenedNote {
  readonly text: string
  /** Signatures by the verifiers given, each verified (repeats dropped). */
  readonly verified: readonly NoteSignature[]
  /** Signatures by keys not given, which verifiers must ignore (repeats dropped). */
  readonly unknown: readonly NoteSignature[]
}

const sameSignature = (a: NoteSignature, b: NoteSignature): boolean =>
  a.name === b.name && a.keyId === b.keyId && bytesEqual(a.signature, b.signature)

/**
 * Parses and verifies a note (signed-note §Signatures): signatures from unknown keys are set
 * aside; a known key's signature that fails rejects the whole note; at least one must verify.
 */
export function openNote(
  message: string,
  verifiers: readonly NoteVerifier[],
): Result<OpenedNote, string> {
  const parsed = parseNote(message)
  if (!parsed.ok) return parsed
  const { text, signatures } = parsed.value
  const verified: NoteSignature[] = []
  const unknown: NoteSignature[] = []
  for (const sig of signatures) {
    const keys = verifiers.filter((v) => v.name === sig.name && v.keyId === sig.keyId)
    const key = `${sig.name}+${keyIdHex(sig.keyId)}`
    if (keys.length > 1) return Result.fail(`ambiguous key ${key}: more than one verifier has it`)
    const verifier = keys[0]
    if (verifier === undefined) {
      if (!unknown.some((u) => sameSignature(u, sig))) unknown.push(sig)
      continue
    }
    if (verified.some((v) => v.name === sig.name && v.keyId === sig.keyId)) continue
    if (!verifier.verify(text, sig.signature))
      return Result.fail(`invalid signature for key ${key}`)
    verified.push(sig)
  }
  if (verified.length === 0) return Result.fail('the note has no signature from a known key')
  return Result.ok({ text, verified, unknown })
}

/** An Ed25519 note signer (type 0x01) over the note text's UTF-8 bytes. */
export function ed25519NoteSigner(
  sha256: Sha256,
  name: string,
  publicKey: Uint8Array,
  sign: Ed25519Sign,
): NoteSigner {
  requireKey(name, publicKey)
  const keyId = keyIdOf(sha256, name, SIGNATURE_TYPES.ed25519, publicKey)
  return { name, keyId, sign: (text) => sign(utf8(text)) }
}

export function ed25519NoteVerifier(
  sha256: Sha256,
  name: string,
  publicKey: Uint8Array,
  verify: Ed25519Verify,
): NoteVerifier {
  requireKey(name, publicKey)
  const keyId = keyIdOf(sha256, name, SIGNATURE_TYPES.ed25519, publicKey)
  return { name, keyId, verify: (text, sig) => sig.length === 64 && verify(utf8(text), sig) }
}

export function requireKey(name: string, publicKey: Uint8Array): void {
  if (!isValidKeyName(name))
    throw new EntenteError(
      'INVALID_ARGUMENT',
      `key name '${name}' must be non-empty, without spaces or '+'`,
    )
  if (publicKey.length !== 32)
    throw new EntenteError('INVALID_ARGUMENT', 'an Ed25519 public key must be 32 bytes')
}

export interface VerifierKey {
  readonly name: string
  readonly keyId: number
  readonly type: number
  readonly publicKey: Uint8Array
}

/** `<name>+hex(key ID)+base64(type ‖ public key)` (signed-note §Verifier keys). */
export function formatVerifierKey(
  sha256: Sha256,
  name: string,
  type: number,
  publicKey: Uint8Array,
): string {
  requireKey(name, publicKey)
  const keyId = keyIdOf(sha256, name, type, publicKey)
  return `${name}+${keyIdHex(keyId)}+${toBase64(concatBytes(Uint8Array.of(type), publicKey))}`
}

export function parseVerifierKey(sha256: Sha256, vkey: string): Result<VerifierKey, string> {
  // Only the first two '+' separate: base64 may hold more.
  const [name = '', hex = '', ...rest] = vkey.split('+')
  const bytes = fromBase64(rest.join('+'))
  if (!isValidKeyName(name) || !/^[0-9a-f]{8}$/.test(hex) || bytes === undefined)
    return Result.fail('a verifier key must read <name>+<8 hex digits>+<base64 type and key>')
  const type = bytes[0] ?? -1
  const publicKey = bytes.subarray(1)
  if (
    (type === SIGNATURE_TYPES.ed25519 || type === SIGNATURE_TYPES.cosignatureEd25519) &&
    publicKey.length !== 32
  )
    return Result.fail('an Ed25519 verifier key must hold 32 bytes of key')
  const keyId = Number.parseInt(hex, 16)
  if (keyIdOf(sha256, name, type, publicKey) !== keyId)
    return Result.fail(`key ID ${hex} is not the hash of the name, type and key`)
  return Result.ok({ name, keyId, type, publicKey })
}
