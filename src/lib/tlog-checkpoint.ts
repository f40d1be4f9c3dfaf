// C2SP tlog-checkpoint (the note text: origin, tree size, base64 root hash, optional extension
// lines), signing that refuses a checkpoint inconsistent with the last one signed, and
// C2SP tlog-cosignature's Ed25519 timestamped cosignatures (`cosignature/v1`).
import { bytesEqual, concatBytes, fromBase64, toBase64, utf8 } from './bytes.ts'
import { EntenteError } from './errors.ts'
import {
  HASH_BYTES,
  type HashReader,
  type MerkleHasher,
  type Sha256,
  type TreeHead,
  isTreeSize,
  rootHash,
} from './merkle.ts'
import { checkAppendOnly } from './merkle-verify.ts'
import { Result } from './result.ts'
import {
  type Ed25519Sign,
  type Ed25519Verify,
  type NoteSignature,
  type NoteSigner,
  type NoteVerifier,
  SIGNATURE_TYPES,
  formatNote,
  keyIdOf,
  requireKey,
  signNote,
} from './signed-note.ts'

export interface Checkpoint {
  /** Names the log: for Entente, the node whose audit it is. */
  readonly origin: string
  readonly size: number
  readonly rootHash: Uint8Array
  /** Opaque, non-empty, NOT RECOMMENDED by the spec; Entente writes none. */
  readonly extensions: readonly string[]
}

const line = (text: string): boolean => text.length > 0 && !text.includes('\n')

/** The checkpoint's note text, each line ending in a newline. */
export function formatCheckpoint(checkpoint: Checkpoint): string {
  const { origin, size, extensions } = checkpoint
  if (!line(origin)) throw new EntenteError('INVALID_ARGUMENT', 'origin must be one non-empty line')
  if (!isTreeSize(size))
    throw new EntenteError('INVALID_ARGUMENT', `size must be an integer ≥ 0, not ${size}`)
  if (checkpoint.rootHash.length !== HASH_BYTES)
    throw new EntenteError('INVALID_ARGUMENT', `rootHash must be ${HASH_BYTES} bytes`)
  if (!extensions.every(line))
    throw new EntenteError('INVALID_ARGUMENT', 'each extension must be one non-empty line')
  return [origin, String(size), toBase64(checkpoint.rootHash), ...extensions]
    .map((l) => `${l}\n`)
    .join('')
}

/** Reads a checkpoint from a note's text (what openNote returns once a signature verified). */
export function parseCheckpoint(text: string): Result<Checkpoint, string> {
  if (!text.endsWith('\n')) return Result.fail('a checkpoint must end in a newline')
  const [origin = '', size = '', root = '', ...extensions] = text.slice(0, -1).split('\n')
  if (origin.length === 0) return Result.fail('the origin line must not be empty')
  if (!/^(0|[1-9][0-9]*)$/.test(size) || !isTreeSize(Number(size)))
    return Result.fail(`tree size '${size}' must be a decimal integer without leading zeroes`)
  const rootHash = fromBase64(root)
  if (rootHash?.length !== HASH_BYTES)
    return Result.fail(`root hash '${root}' must be the base64 of ${HASH_BYTES} bytes`)
  if (extensions.some((e) => e.length === 0))
    return Result.fail('extension lines must not be empty')
  return Result.ok({ origin, size: Number(size), rootHash, extensions })
}

/**
 * Signs the checkpoint of a log's `size` first leaves as stored, only if the stored tree has
 * that root and extends the checkpoint signed before (C2SP tlog-checkpoint: a log MUST NOT
 * sign a checkpoint inconsistent with one it signed before). Returns the signed note.
 */
export function signCheckpoint(options: {
  readonly checkpoint: Checkpoint
  readonly signer: NoteSigner
  readonly hasher: MerkleHasher
  readonly reader: HashReader
  readonly previous: TreeHead | undefined
}): string {
  const { checkpoint, signer, hasher, reader, previous } = options
  const text = formatCheckpoint(checkpoint)
  const refuse = (why: string): never => {
    throw new EntenteError(
      'CONFLICT',
      `refusing to sign ${checkpoint.origin} at size ${checkpoint.size}: ${why}`,
    )
  }
  if (!bytesEqual(rootHash(hasher, reader, checkpoint.size), checkpoint.rootHash))
    refuse('its root is not the stored tree’s')
  if (previous !== undefined) {
    const check = checkAppendOnly(hasher, reader, previous, checkpoint)
    if (!check.ok) refuse(check.issues)
  }
  return formatNote({ text, signatures: [signNote(text, signer)] })
}

/** The message an Ed25519 cosigner signs: `cosignature/v1`, `time <t>`, the checkpoint text. */
export function cosignatureMessage(timestampS: number, checkpointText: string): string {
  if (!Number.isSafeInteger(timestampS) || timestampS < 0)
    throw new EntenteError(
      'INVALID_ARGUMENT',
      `timestamp must be whole seconds ≥ 0, not ${timestampS}`,
    )
  return `cosignature/v1\ntime ${timestampS}\n${checkpointText}`
}

/** timestamped_signature: u64 big-endian POSIX seconds ‖ the 64-byte Ed25519 signature. */
export function encodeTimestampedSignature(timestampS: number, signature: Uint8Array): Uint8Array {
  const time = new Uint8Array(8)
  for (let i = 7, t = timestampS; i >= 0; i--, t = Math.floor(t / 256)) time[i] = t % 256
  return concatBytes(time, signature)
}

export function decodeTimestampedSignature(
  bytes: Uint8Array,
): { readonly timestampS: number; readonly signature: Uint8Array } | undefined {
  if (bytes.length !== 8 + 64) return undefined
  let timestampS = 0
  for (let i = 0; i < 8; i++) timestampS = timestampS * 256 + (bytes[i] ?? 0)
  if (!Number.isSafeInteger(timestampS)) return undefined
  return { timestampS, signature: bytes.subarray(8) }
}

export interface Cosigner {
  readonly name: string
  readonly keyId: number
  /** The cosignature line's content for a checkpoint text at `timestampS` (the caller's clock). */
  cosign(checkpointText: string, timestampS: number): NoteSignature
}

/** An Ed25519 cosigner (type 0x04), e.g. a peer witnessing this node's checkpoints. */
export function ed25519Cosigner(
  sha256: Sha256,
  name: string,
  publicKey: Uint8Array,
  sign: Ed25519Sign,
): Cosigner {
  requireKey(name, publicKey)
  const keyId = keyIdOf(sha256, name, SIGNATURE_TYPES.cosignatureEd25519, publicKey)
  return {
    name,
    keyId,
    cosign(checkpointText, timestampS) {
      const message = utf8(cosignatureMessage(timestampS, checkpointText))
      return { name, keyId, signature: encodeTimestampedSignature(timestampS, sign(message)) }
    },
  }
}

/** Verifies Ed25519 cosignatures in openNote, beside the log's own verifier. */
export function ed25519CosignatureVerifier(
  sha256: Sha256,
  name: string,
  publicKey: Uint8Array,
  verify: Ed25519Verify,
): NoteVerifier {
  requireKey(name, publicKey)
  const keyId = keyIdOf(sha256, name, SIGNATURE_TYPES.cosignatureEd25519, publicKey)
  return {
    name,
    keyId,
    verify(text, signature) {
      const decoded = decodeTimestampedSignature(signature)
      if (decoded === undefined) return false
      return verify(utf8(cosignatureMessage(decoded.timestampS, text)), decoded.signature)
    },
  }
}
