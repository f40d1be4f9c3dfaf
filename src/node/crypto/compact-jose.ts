import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto'

/**
 * The two compact JOSE forms on the exchange's hot path — a JWS with EdDSA (Ed25519, RFC 7515
 * and RFC 8037) and a JWE with ECDH-ES direct key agreement over X25519 and A256GCM (RFC 7516,
 * RFC 7518 §4.6) — made with node:crypto's synchronous primitives.
 *
 * Why not `jose` here (it stays for tokens and checkpoints): it goes through WebCrypto, whose
 * every operation is a trip to libuv's thread pool; measured on this machine, sealing one frame
 * took ~970 µs and opening it ~820 µs with jose, against ~150 µs and ~230 µs here, and a report
 * makes five such operations on its way. Only these two algorithm sets are made or accepted;
 * the tests check every output opens with jose and every jose output opens here.
 */

export interface JoseHeader {
  readonly [name: string]: unknown
}

/** Anything not a compact JWS/JWE of the algorithms above, or one that does not verify. */
export class CompactJoseError extends Error {
  /** 'disallowed': well formed, but another algorithm; 'invalid': anything else. */
  readonly kind: 'disallowed' | 'invalid'
  constructor(kind: CompactJoseError['kind'], message: string) {
    super(message)
    this.name = 'CompactJoseError'
    this.kind = kind
  }
}

const encoder = new TextEncoder()
const BASE64URL = /^[A-Za-z0-9_-]*$/
/** Header parameters that change how the rest is read: none is supported, so none is accepted. */
const UNSUPPORTED = ['crit', 'zip', 'b64', 'jku', 'jwk', 'x5u', 'x5c']

function b64(bytes: Uint8Array | string): string {
  return Buffer.from(typeof bytes === 'string' ? encoder.encode(bytes) : bytes).toString(
    'base64url',
  )
}

function unb64(segment: string, what: string): Buffer {
  if (!BASE64URL.test(segment)) throw new CompactJoseError('invalid', `${what}: not base64url`)
  return Buffer.from(segment, 'base64url')
}

function headerOf(segment: string): JoseHeader {
  let value: unknown
  try {
    value = JSON.parse(unb64(segment, 'protected header').toString('utf8'))
  } catch (error) {
    if (error instanceof CompactJoseError) throw error
    throw new CompactJoseError('invalid', 'protected header: not JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CompactJoseError('invalid', 'protected header: not an object')
  const header = value as JoseHeader
  for (const name of UNSUPPORTED)
    if (name in header)
      throw new CompactJoseError('invalid', `protected header: ${name} is refused`)
  return header
}

/** A compact JWS over `payload`, signed with an Ed25519 key; `header` adds typ, kid, … */
export function signCompact(payload: Uint8Array, header: JoseHeader, key: KeyObject): string {
  const input = `${b64(JSON.stringify({ ...header, alg: 'EdDSA' }))}.${b64(payload)}`
  return `${input}.${b64(sign(null, Buffer.from(input), key))}`
}

/** Verifies a compact JWS with an Ed25519 public key; throws a CompactJoseError if it does not. */
export function verifyCompact(
  jws: string,
  key: KeyObject,
): { protectedHeader: JoseHeader; payload: Uint8Array } {
  const parts = typeof jws === 'string' ? jws.split('.') : []
  if (parts.length !== 3) throw new CompactJoseError('invalid', 'not a compact JWS')
  const [head, body, signature] = parts as [string, string, string]
  const protectedHeader = headerOf(head)
  if (protectedHeader['alg'] !== 'EdDSA')
    throw new CompactJoseError('disallowed', 'alg: only EdDSA is accepted')
  const payload = unb64(body, 'payload')
  const bytes = unb64(signature, 'signature')
  let valid = false
  try {
    valid = verify(null, Buffer.from(`${head}.${body}`), key, bytes)
  } catch {
    // A key that is not Ed25519, or a signature OpenSSL cannot parse: not verified either.
  }
  if (!valid) throw new CompactJoseError('invalid', 'the signature does not verify')
  return { protectedHeader, payload }
}

/** RFC 7518 §4.6.2: Concat KDF (one SHA-256 round) for a 256-bit A256GCM key. */
function concatKdf(z: Buffer, apu: Buffer, apv: Buffer): Buffer {
  const field = (bytes: Buffer) => {
    const length = Buffer.alloc(4)
    length.writeUInt32BE(bytes.length)
    return [length, bytes]
  }
  const keyBits = Buffer.alloc(4)
  keyBits.writeUInt32BE(256)
  return createHash('sha256')
    .update(Buffer.from([0, 0, 0, 1]))
    .update(z)
    .update(
      Buffer.concat([...field(Buffer.from('A256GCM')), ...field(apu), ...field(apv), keyBits]),
    )
    .digest()
}

function agree(privateKey: KeyObject, publicKey: KeyObject): Buffer {
  let z: Buffer | null = null
  try {
    z = diffieHellman({ privateKey, publicKey })
  } catch {
    // OpenSSL refuses a low-order public key itself (its all-zero secret, RFC 7748 §6.1).
  }
  if (z === null || z.every((byte) => byte === 0))
    throw new CompactJoseError('invalid', 'epk: a low-order key')
  return z
}

/** A compact JWE of `plaintext` for an X25519 public key: ECDH-ES (direct), A256GCM. */
export function encryptCompact(
  plaintext: Uint8Array,
  header: JoseHeader,
  recipientKey: KeyObject,
): string {
  const ephemeral = generateKeyPairSync('x25519')
  const { x } = ephemeral.publicKey.export({ format: 'jwk' })
  const cek = concatKdf(agree(ephemeral.privateKey, recipientKey), Buffer.alloc(0), Buffer.alloc(0))
  const head = b64(
    JSON.stringify({
      ...header,
      alg: 'ECDH-ES',
      enc: 'A256GCM',
      epk: { kty: 'OKP', crv: 'X25519', x },
    }),
  )
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', cek, iv)
  cipher.setAAD(Buffer.from(head))
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return `${head}..${b64(iv)}.${b64(ciphertext)}.${b64(cipher.getAuthTag())}`
}

/**
 * Decrypts a compact JWE made with ECDH-ES (direct, X25519) and A256GCM with our private key;
 * anything else is refused ('disallowed' for other algorithms).
 */
export function decryptCompact(
  jwe: string,
  key: KeyObject,
): { protectedHeader: JoseHeader; plaintext: Uint8Array } {
  const parts = typeof jwe === 'string' ? jwe.split('.') : []
  if (parts.length !== 5) throw new CompactJoseError('invalid', 'not a compact JWE')
  const [head, encryptedKey, iv, ciphertext, tag] = parts as [
    string,
    string,
    string,
    string,
    string,
  ]
  const protectedHeader = headerOf(head)
  if (protectedHeader['alg'] !== 'ECDH-ES' || protectedHeader['enc'] !== 'A256GCM')
    throw new CompactJoseError('disallowed', 'alg, enc: only ECDH-ES with A256GCM is accepted')
  if (encryptedKey !== '')
    throw new CompactJoseError('invalid', 'encrypted key: ECDH-ES (direct) carries none')
  const epk = protectedHeader['epk'] as Record<string, unknown> | undefined
  if (epk?.['kty'] !== 'OKP' || epk['crv'] !== 'X25519' || typeof epk['x'] !== 'string')
    throw new CompactJoseError('invalid', 'epk: not an X25519 public key')
  let ephemeral: KeyObject
  try {
    ephemeral = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: epk['x'] }, format: 'jwk' })
  } catch {
    throw new CompactJoseError('invalid', 'epk: not an X25519 public key')
  }
  const party = (name: 'apu' | 'apv') => {
    const value = protectedHeader[name]
    if (value === undefined) return Buffer.alloc(0)
    if (typeof value !== 'string') throw new CompactJoseError('invalid', `${name}: not base64url`)
    return unb64(value, name)
  }
  const cek = concatKdf(agree(key, ephemeral), party('apu'), party('apv'))
  const nonce = unb64(iv, 'iv')
  const authTag = unb64(tag, 'tag')
  if (nonce.length !== 12 || authTag.length !== 16)
    throw new CompactJoseError('invalid', 'iv, tag: A256GCM takes a 96-bit iv and a 128-bit tag')
  try {
    const decipher = createDecipheriv('aes-256-gcm', cek, nonce, { authTagLength: 16 })
    decipher.setAAD(Buffer.from(head))
    decipher.setAuthTag(authTag)
    const plaintext = Buffer.concat([
      decipher.update(unb64(ciphertext, 'ciphertext')),
      decipher.final(),
    ])
    return { protectedHeader, plaintext }
  } catch (error) {
    if (error instanceof CompactJoseError) throw error
    throw new CompactJoseError('invalid', 'the ciphertext does not decrypt with this key')
  }
}
