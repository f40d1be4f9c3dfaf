// node:crypto for the pure Merkle log and signed notes (src/lib/merkle.ts, signed-note.ts,
// tlog-checkpoint.ts): SHA-256, and Ed25519 signers and verifiers from the node's KeyObjects.
import { type KeyObject, hash, sign, verify } from 'node:crypto'
import { type MerkleHasher, type Sha256, rfc6962Hasher } from '../../lib/merkle.ts'
import {
  type NoteSigner,
  type NoteVerifier,
  ed25519NoteSigner,
  ed25519NoteVerifier,
} from '../../lib/signed-note.ts'
import {
  type Cosigner,
  ed25519CosignatureVerifier,
  ed25519Cosigner,
} from '../../lib/tlog-checkpoint.ts'

export const sha256: Sha256 = (data) => hash('sha256', data, 'buffer')

export const merkleHasher: MerkleHasher = rfc6962Hasher(sha256)

/** The 32 raw bytes of an Ed25519 key (RFC 8032 encoding), public or from a private key. */
export function ed25519PublicKeyBytes(key: KeyObject): Uint8Array {
  const jwk = key.export({ format: 'jwk' })
  if (key.asymmetricKeyType !== 'ed25519' || typeof jwk.x !== 'string')
    throw new Error('an Ed25519 key is needed')
  return Buffer.from(jwk.x, 'base64url')
}

const signWith = (privateKey: KeyObject) => (message: Uint8Array) => sign(null, message, privateKey)
const verifyWith = (publicKey: KeyObject) => (message: Uint8Array, signature: Uint8Array) =>
  verify(null, message, publicKey, signature)

/** Signs the node's checkpoints as `name` (the checkpoint's origin, by C2SP's advice). */
export function checkpointSigner(name: string, privateKey: KeyObject): NoteSigner {
  return ed25519NoteSigner(sha256, name, ed25519PublicKeyBytes(privateKey), signWith(privateKey))
}

export function checkpointVerifier(name: string, publicKey: KeyObject): NoteVerifier {
  return ed25519NoteVerifier(sha256, name, ed25519PublicKeyBytes(publicKey), verifyWith(publicKey))
}

export function cosigner(name: string, privateKey: KeyObject): Cosigner {
  return ed25519Cosigner(sha256, name, ed25519PublicKeyBytes(privateKey), signWith(privateKey))
}

export function cosignatureVerifier(name: string, publicKey: KeyObject): NoteVerifier {
  return ed25519CosignatureVerifier(
    sha256,
    name,
    ed25519PublicKeyBytes(publicKey),
    verifyWith(publicKey),
  )
}
