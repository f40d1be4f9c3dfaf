import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { existsSync } from 'node:fs'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { EntenteError } from '../../lib/errors.ts'

/** A party's own keys: Ed25519 to sign, X25519 to receive encrypted envelopes. */
export interface PartyKeys {
  readonly party: string
  readonly signing: KeyObject
  readonly signingPublic: KeyObject
  readonly encryption: KeyObject
  readonly encryptionPublic: KeyObject
}

export interface PeerKeys {
  readonly signing: KeyObject
  readonly encryption: KeyObject
}

export type Jwk = Record<string, unknown>

const SIGNING_FILE = 'signing.private.jwk.json'
const ENCRYPTION_FILE = 'encryption.private.jwk.json'
const PUBLIC_FILE = 'public.jwks.json'

/** Generated locally with node:crypto; the private halves never leave the data directory. */
export function generatePartyKeys(party = ''): PartyKeys {
  const signing = generateKeyPairSync('ed25519')
  const encryption = generateKeyPairSync('x25519')
  return {
    party,
    signing: signing.privateKey,
    signingPublic: signing.publicKey,
    encryption: encryption.privateKey,
    encryptionPublic: encryption.publicKey,
  }
}

/** The public keys as JWKs with ids and uses, for the peers' configs. */
export function publicJwks(keys: PartyKeys): { keys: Jwk[] } {
  return {
    keys: [
      {
        ...(keys.signingPublic.export({ format: 'jwk' }) as Jwk),
        kid: `${keys.party}-sig`,
        use: 'sig',
        alg: 'EdDSA',
      },
      {
        ...(keys.encryptionPublic.export({ format: 'jwk' }) as Jwk),
        kid: `${keys.party}-enc`,
        use: 'enc',
        alg: 'ECDH-ES',
      },
    ],
  }
}

/** Writes `dir/keys/` (0700) with the private JWKs (0600) and the public JWKS; never overwrites. */
export async function writePartyKeys(
  dir: string,
  party: string,
  generated: PartyKeys,
): Promise<void> {
  const keysDir = join(dir, 'keys')
  if (existsSync(join(keysDir, SIGNING_FILE)) || existsSync(join(keysDir, ENCRYPTION_FILE))) {
    throw new EntenteError(
      'KEYS_EXIST',
      `${keysDir} already holds keys; a node's keys are never overwritten`,
    )
  }
  const keys = { ...generated, party }
  await mkdir(keysDir, { recursive: true, mode: 0o700 })
  await chmod(keysDir, 0o700)
  const privateJwk = (key: KeyObject) => JSON.stringify(key.export({ format: 'jwk' }))
  await writeFile(join(keysDir, SIGNING_FILE), privateJwk(keys.signing), {
    mode: 0o600,
    flag: 'wx',
  })
  await writeFile(join(keysDir, ENCRYPTION_FILE), privateJwk(keys.encryption), {
    mode: 0o600,
    flag: 'wx',
  })
  await writeFile(
    join(keysDir, PUBLIC_FILE),
    `${JSON.stringify({ party, ...publicJwks(keys) }, null, 2)}\n`,
    { mode: 0o644 },
  )
}

export async function readPartyKeys(dir: string): Promise<PartyKeys> {
  const keysDir = join(dir, 'keys')
  try {
    const party =
      (JSON.parse(await readFile(join(keysDir, PUBLIC_FILE), 'utf8')) as { party?: string })
        .party ?? ''
    const signing = createPrivateKey({
      key: JSON.parse(await readFile(join(keysDir, SIGNING_FILE), 'utf8')) as Jwk,
      format: 'jwk',
    })
    const encryption = createPrivateKey({
      key: JSON.parse(await readFile(join(keysDir, ENCRYPTION_FILE), 'utf8')) as Jwk,
      format: 'jwk',
    })
    return {
      party,
      signing,
      signingPublic: createPublicKey(signing),
      encryption,
      encryptionPublic: createPublicKey(encryption),
    }
  } catch {
    // No detail: the message must never carry key material.
    throw new EntenteError(
      'KEYS_UNREADABLE',
      `cannot read the node keys in ${keysDir} (run ./bin/entente node init first)`,
    )
  }
}

/** One pinned public key from a config, of the expected type; `what` names it in errors. */
export function importPublicKey(jwk: Jwk, type: 'ed25519' | 'x25519', what: string): KeyObject {
  if ('d' in jwk)
    throw new EntenteError(
      'CONFIG_INVALID',
      `${what}: a private key was given where a public key belongs`,
    )
  try {
    const key = createPublicKey({ key: jwk, format: 'jwk' })
    if (key.asymmetricKeyType !== type) throw new Error(type)
    return key
  } catch {
    throw new EntenteError(
      'CONFIG_INVALID',
      `${what}: not an ${type === 'ed25519' ? 'Ed25519' : 'X25519'} public JWK`,
    )
  }
}

/** Pinned peer keys from a config: public JWKs only, of the expected types. */
export function importPeerKeys(jwks: { signing: Jwk; encryption: Jwk }): PeerKeys {
  return {
    signing: importPublicKey(jwks.signing, 'ed25519', 'peer signing key'),
    encryption: importPublicKey(jwks.encryption, 'x25519', 'peer encryption key'),
  }
}
