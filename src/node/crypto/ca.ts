import {
  createPrivateKey,
  KeyObject,
  webcrypto,
  X509Certificate as NodeX509Certificate,
} from 'node:crypto'
import { existsSync } from 'node:fs'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { join } from 'node:path'
import { EntenteError } from '../../lib/errors.ts'

/**
 * The node's certificate authority for its TLS edges (the CoT stream and ingest,
 * docs/interop.md): an ECDSA P-256 CA, a server certificate it signs for the node, and the
 * client certificates `node cert` issues. A client certificate names one identity in a SAN
 * URI, `urn:entente:party:JPN` or `urn:entente:role:operator` (the subject's CN and OU say the
 * same for people reading it). Certificates are made with `@peculiar/x509` over WebCrypto and
 * checked by node:tls; the files sit in the node's keys directory, private keys owner-only.
 */

export const CA_KEY_FILE = 'ca.key.pem'
export const CA_CERT_FILE = 'ca.cert.pem'
export const SERVER_KEY_FILE = 'server.key.pem'
export const SERVER_CERT_FILE = 'server.cert.pem'
/** The live link's own certificate: self-signed, pinned by peers by its SHA-256 fingerprint. */
export const LINK_KEY_FILE = 'link.key.pem'
export const LINK_CERT_FILE = 'link.cert.pem'

/** Who a client certificate speaks for. */
export type CertIdentity =
  | { readonly kind: 'party'; readonly party: string }
  | { readonly kind: 'role'; readonly role: string }

const URN = /^urn:entente:(party|role):([A-Za-z0-9-]{1,32})$/

export function identityUrn(identity: CertIdentity): string {
  return identity.kind === 'party'
    ? `urn:entente:party:${identity.party}`
    : `urn:entente:role:${identity.role}`
}

/**
 * The identity a verified peer certificate names, from node:tls's `subjectaltname`
 * (`URI:urn:entente:party:JPN, DNS:…`): exactly one Entente URN, or null.
 */
export function identityOfSubjectAltName(subjectAltName: string | undefined): CertIdentity | null {
  const urns = (subjectAltName ?? '')
    .split(', ')
    .filter((name) => name.startsWith('URI:urn:entente:'))
    .map((name) => URN.exec(name.slice(4)))
  const [match, ...others] = urns
  if (match === undefined || match === null || others.length > 0) return null
  const [, kind, name = ''] = match
  return kind === 'party' ? { kind: 'party', party: name } : { kind: 'role', role: name }
}

/** The PEM texts node:tls needs to serve with the node's certificate and check its clients'. */
export interface TlsMaterial {
  readonly ca: string
  readonly cert: string
  readonly key: string
}

/** Reads the CA certificate and the server key and certificate; never names key material. */
export async function readTlsMaterial(dir: string): Promise<TlsMaterial> {
  const keysDir = join(dir, 'keys')
  try {
    const [ca, cert, key] = await Promise.all(
      [CA_CERT_FILE, SERVER_CERT_FILE, SERVER_KEY_FILE].map((f) =>
        readFile(join(keysDir, f), 'utf8'),
      ),
    )
    return { ca: ca ?? '', cert: cert ?? '', key: key ?? '' }
  } catch {
    throw new EntenteError(
      'KEYS_UNREADABLE',
      `cannot read the node's TLS certificate in ${keysDir} (a data directory from an older node init: ` +
        `\`entente node cert --dir ${dir} --role operator\` creates it first)`,
    )
  }
}

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const
const SIGNING = { ...EC, hash: 'SHA-256' } as const
const DAY_MS = 86_400_000
/** Validity starts a little before now: clocks of the node and its clients differ. */
const BACKDATE_MS = 5 * 60_000
const CA_DAYS = 3650
const SERVER_DAYS = 3650
/** Names the node's server certificate always carries: clients on the node's own host. */
const SERVER_NAMES = [
  { type: 'dns', value: 'localhost' },
  { type: 'ip', value: '127.0.0.1' },
  { type: 'ip', value: '::1' },
] as const

/** `@peculiar/x509` needs the Reflect metadata polyfill first: loaded only to issue. */
async function x509Lib() {
  await import('reflect-metadata')
  const x509 = await import('@peculiar/x509')
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0])
  return x509
}
type X509 = Awaited<ReturnType<typeof x509Lib>>

/** A host name (RFC 1123 labels) or an IP address, for the server certificate; else why not. */
export function hostProblem(host: string): string | null {
  if (isIP(host) !== 0) return null
  const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i
  if (host.length <= 253 && host.split('.').every((l) => label.test(l))) return null
  return `'${host}' is neither a DNS name nor an IP address`
}

/**
 * Creates the node's CA and its server certificate where the keys directory lacks them
 * (`node init`, or the first `node cert` on a data directory from an older init); what is
 * there is never overwritten. Returns the files it wrote.
 */
export async function ensureNodeCa(
  dir: string,
  party: string,
  nowMs: number,
  /** Further DNS names or IP addresses clients reach the node by (`node init --host`). */
  hosts: readonly string[] = [],
): Promise<string[]> {
  const keysDir = join(dir, 'keys')
  await mkdir(keysDir, { recursive: true, mode: 0o700 })
  await chmod(keysDir, 0o700)
  const has = (file: string) => existsSync(join(keysDir, file))
  for (const [key, cert, what] of [
    [CA_KEY_FILE, CA_CERT_FILE, 'CA'],
    [SERVER_KEY_FILE, SERVER_CERT_FILE, 'server certificate'],
    [LINK_KEY_FILE, LINK_CERT_FILE, 'link certificate'],
  ] as const)
    if (has(key) !== has(cert))
      throw new EntenteError(
        'KEYS_UNREADABLE',
        `${keysDir} holds only half of the node's ${what} (${key}, ${cert}); restore the other or remove both`,
      )
  const written: string[] = []
  // A routine start finds them all: the X.509 library is loaded only to issue.
  if ([CA_CERT_FILE, SERVER_CERT_FILE, LINK_CERT_FILE].every(has)) return written
  const x509 = await x509Lib()
  if (!has(CA_CERT_FILE)) {
    const keys = await generateKeys()
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serialNumber(),
      name: `O=Entente ${party}, CN=Entente ${party} node CA`,
      notBefore: new Date(nowMs - BACKDATE_MS),
      notAfter: new Date(nowMs + CA_DAYS * DAY_MS),
      signingAlgorithm: SIGNING,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    })
    written.push(...(await writePair(keysDir, CA_KEY_FILE, CA_CERT_FILE, keys.privateKey, cert)))
  }
  if (!has(SERVER_CERT_FILE)) {
    const names = new x509.SubjectAlternativeNameExtension([
      ...SERVER_NAMES.map((n) => ({ ...n })),
      ...hosts.map((value) => ({ type: isIP(value) === 0 ? 'dns' : 'ip', value }) as const),
    ])
    const issued = await issue(
      x509,
      keysDir,
      nowMs,
      SERVER_DAYS,
      `O=Entente ${party}, CN=${party} node`,
      [names, new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth])],
    )
    written.push(
      ...(await writePair(
        keysDir,
        SERVER_KEY_FILE,
        SERVER_CERT_FILE,
        issued.privateKey,
        issued.cert,
      )),
    )
  }
  if (!has(LINK_CERT_FILE)) {
    // Both ends of a link present it (server and client auth); peers pin it, no CA is trusted.
    const keys = await generateKeys()
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serialNumber(),
      name: `O=Entente ${party}, CN=${party} link`,
      notBefore: new Date(nowMs - BACKDATE_MS),
      notAfter: new Date(nowMs + SERVER_DAYS * DAY_MS),
      signingAlgorithm: SIGNING,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.SubjectAlternativeNameExtension([
          ...SERVER_NAMES.map((n) => ({ ...n })),
          { type: 'url', value: identityUrn({ kind: 'party', party }) },
        ]),
        new x509.ExtendedKeyUsageExtension([
          x509.ExtendedKeyUsage.serverAuth,
          x509.ExtendedKeyUsage.clientAuth,
        ]),
      ],
    })
    written.push(
      ...(await writePair(keysDir, LINK_KEY_FILE, LINK_CERT_FILE, keys.privateKey, cert)),
    )
  }
  return written
}

/** The link's key and certificate, and the certificate's SHA-256 fingerprint for peers to pin. */
export interface LinkTls {
  readonly key: string
  readonly cert: string
  readonly fingerprint256: string
}

export async function readLinkTls(dir: string): Promise<LinkTls> {
  const keysDir = join(dir, 'keys')
  try {
    const [key, cert] = await Promise.all(
      [LINK_KEY_FILE, LINK_CERT_FILE].map((f) => readFile(join(keysDir, f), 'utf8')),
    )
    const fingerprint256 = normalizeFingerprint(new NodeX509Certificate(cert ?? '').fingerprint256)
    return { key: key ?? '', cert: cert ?? '', fingerprint256 }
  } catch {
    throw new EntenteError(
      'KEYS_UNREADABLE',
      `cannot read the node's link certificate in ${keysDir} (${LINK_KEY_FILE}, ${LINK_CERT_FILE})`,
    )
  }
}

/** Fingerprints compare as 64 lower-case hex digits, with or without colons as printed. */
export function normalizeFingerprint(text: string): string {
  return text.replaceAll(':', '').toLowerCase()
}

/** A client key and certificate, signed by the node's CA, with the CA certificate beside them. */
export interface IssuedClientCert {
  readonly keyFile: string
  readonly certFile: string
  readonly caFile: string
  readonly serialNumber: string
  readonly notAfterMs: number
}

/**
 * Issues a client certificate naming `identity` (SAN URI; CN and OU for people), valid `days`
 * from `nowMs`, into `outDir` as `<name>.key.pem` (0600), `<name>.cert.pem` and `ca.cert.pem`,
 * where name is `party-JPN` or `role-operator`. Existing files are never overwritten.
 */
export async function issueClientCert(
  dir: string,
  party: string,
  identity: CertIdentity,
  options: { readonly nowMs: number; readonly days: number; readonly outDir: string },
): Promise<IssuedClientCert> {
  const keysDir = join(dir, 'keys')
  const x509 = await x509Lib()
  const name = identity.kind === 'party' ? `party-${identity.party}` : `role-${identity.role}`
  const cn = identity.kind === 'party' ? identity.party : identity.role
  const issued = await issue(
    x509,
    keysDir,
    options.nowMs,
    options.days,
    `O=Entente ${party}, OU=${identity.kind}, CN=${cn}`,
    [
      new x509.SubjectAlternativeNameExtension([{ type: 'url', value: identityUrn(identity) }]),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
  )
  await mkdir(options.outDir, { recursive: true, mode: 0o700 })
  const keyFile = join(options.outDir, `${name}.key.pem`)
  const certFile = join(options.outDir, `${name}.cert.pem`)
  const caFile = join(options.outDir, 'ca.cert.pem')
  for (const file of [keyFile, certFile, caFile])
    if (existsSync(file))
      throw new EntenteError(
        'KEYS_EXIST',
        `${file} exists; certificates and keys are never overwritten`,
      )
  await writePair(
    options.outDir,
    `${name}.key.pem`,
    `${name}.cert.pem`,
    issued.privateKey,
    issued.cert,
    0o600, // a client's files travel together to one client: none is for anyone else
  )
  await writeFile(caFile, await readFile(join(keysDir, CA_CERT_FILE)), { mode: 0o600, flag: 'wx' })
  return {
    keyFile,
    certFile,
    caFile,
    serialNumber: issued.cert.serialNumber,
    notAfterMs: issued.cert.notAfter.getTime(),
  }
}

/** A fresh key pair and a certificate for it signed by the node's CA. */
async function issue(
  x509: X509,
  keysDir: string,
  nowMs: number,
  days: number,
  subject: string,
  extensions: InstanceType<X509['Extension']>[],
) {
  const { caKey, caCert } = await readCa(x509, keysDir)
  const keys = await generateKeys()
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject,
    issuer: caCert.subject,
    notBefore: new Date(nowMs - BACKDATE_MS),
    notAfter: new Date(nowMs + days * DAY_MS),
    signingAlgorithm: SIGNING,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      ...extensions,
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
    ],
  })
  return { privateKey: keys.privateKey, cert }
}

async function readCa(x509: X509, keysDir: string) {
  try {
    const certPem = await readFile(join(keysDir, CA_CERT_FILE), 'utf8')
    const key = createPrivateKey(await readFile(join(keysDir, CA_KEY_FILE), 'utf8'))
    if (!new NodeX509Certificate(certPem).checkPrivateKey(key)) throw new Error('mismatch')
    const der = key.export({ type: 'pkcs8', format: 'der' })
    const caKey = await webcrypto.subtle.importKey('pkcs8', der, EC, false, ['sign'])
    return { caKey, caCert: new x509.X509Certificate(certPem) }
  } catch {
    // No detail: the message must never carry key material.
    throw new EntenteError(
      'KEYS_UNREADABLE',
      `cannot read the node's CA in ${keysDir} (${CA_KEY_FILE} and ${CA_CERT_FILE}, a matching pair)`,
    )
  }
}

async function generateKeys(): Promise<webcrypto.CryptoKeyPair> {
  return await webcrypto.subtle.generateKey(EC, true, ['sign', 'verify'])
}

/** 16 random bytes, the top bit clear so that the DER integer stays positive. */
function serialNumber(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16))
  bytes[0] = (bytes[0] ?? 0) & 0x7f
  return Buffer.from(bytes).toString('hex')
}

async function writePair(
  folder: string,
  keyName: string,
  certName: string,
  privateKey: webcrypto.CryptoKey,
  cert: { toString(format: 'pem'): string },
  certMode = 0o644,
): Promise<string[]> {
  const keyPem = KeyObject.from(privateKey).export({
    type: 'pkcs8',
    format: 'pem',
  })
  await writeFile(join(folder, keyName), keyPem, { mode: 0o600, flag: 'wx' })
  await writeFile(join(folder, certName), `${cert.toString('pem')}\n`, {
    mode: certMode,
    flag: 'wx',
  })
  return [join(folder, keyName), join(folder, certName)]
}
