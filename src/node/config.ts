import { readFileSync } from 'node:fs'
import { BlockList, isIP } from 'node:net'
import { dirname, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { EntenteError } from '../lib/errors.ts'
import { CHUNK_BYTES } from '../protocol/product.ts'
import { resolveStoreLocation, storeLocationSchema } from './store/location.ts'

const jwk = z.record(z.string(), z.unknown())

const fingerprint256 = z
  .string()
  .regex(
    /^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{64}$/,
    'a SHA-256 fingerprint: 64 hex digits, with or without colons (as node init prints it)',
  )

const peerSchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }),
    keys: z.strictObject({ signing: jwk, encryption: jwk }),
    /** A PEM file of the CA that signed the peer's server certificate (an https url only). */
    ca: z.string().min(1).optional(),
    /**
     * The peer's live link: where it listens and the fingerprint of its link certificate,
     * pinned. Absent: messages go one HTTP POST each to `url` (the fallback link).
     */
    link: z
      .strictObject({
        url: z.url({ protocol: /^wss$/, error: 'a wss:// URL (the link is always TLS)' }),
        fingerprint256,
      })
      .optional(),
  })
  .superRefine((peer, context) => {
    if (peer.ca !== undefined && !peer.url.startsWith('https:'))
      context.addIssue({
        code: 'custom',
        path: ['ca'],
        message: `a CA is for an https url only, not '${peer.url}'`,
      })
  })

const releaseModes = z.enum(['auto', 'manual', 'on-request'])

/** Loopback names and addresses: the only hosts where the API or CoT may go without TLS. */
const LOOPBACK = new BlockList()
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4')
LOOPBACK.addAddress('::1', 'ipv6')

export function isLoopbackHost(host: string): boolean {
  const ip = isIP(host)
  return ip === 0 ? host === 'localhost' : LOOPBACK.check(host, ip === 4 ? 'ipv4' : 'ipv6')
}

/**
 * One CoT server's address. TLS with client certificates from the node's CA (TAK's port 8089
 * by default); `insecure: true` is the only way to plain TCP, and only on a loopback host.
 */
const cotListen = (defaultPort: number) => ({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(defaultPort),
  /** Plain TCP, no client certificates: only on loopback (the node's own machine). */
  insecure: z.literal(true).optional(),
})

function refuseInsecureOffLoopback(
  server: { readonly host: string; readonly insecure?: true },
  context: z.RefinementCtx,
): void {
  if (server.insecure === true && !isLoopbackHost(server.host))
    context.addIssue({
      code: 'custom',
      path: ['insecure'],
      message: `plain TCP is allowed only on a loopback host (127.0.0.1, ::1, localhost), not '${server.host}'; remove insecure to serve TLS with client certificates`,
    })
}

/** Why a listen address may not serve plain HTTP (off loopback), or null. */
export function plainHttpRefusal(listen: {
  readonly host: string
  readonly insecure?: true
}): string | null {
  return listen.insecure === true && !isLoopbackHost(listen.host)
    ? `plain HTTP is allowed only on a loopback host (127.0.0.1, ::1, localhost), not '${listen.host}'; remove insecure to serve HTTPS`
    : null
}

/** Cursor-on-Target (docs/interop.md); each server is off unless configured. */
const cotSchema = z
  .strictObject({
    /** TAK clients connect here and receive what the party their certificate names may see. */
    stream: z.strictObject(cotListen(8089)).superRefine(refuseInsecureOffLoopback).optional(),
    /** A sensor feed sends CoT launch events here; each becomes a report of this node. */
    ingest: z
      .strictObject({
        ...cotListen(8090),
        /** The marking of reports from the feed, in this party's scheme (a feed does not classify). */
        level: z.string().min(1),
        topic: z
          .string()
          .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'a lower-case slug such as dprk-missile'),
        releasableTo: z.array(z.string()).optional(),
      })
      .superRefine(refuseInsecureOffLoopback)
      .optional(),
  })
  .superRefine((cot, context) => {
    const { stream, ingest } = cot
    if (
      stream !== undefined &&
      ingest !== undefined &&
      stream.port !== 0 &&
      stream.port === ingest.port &&
      stream.host === ingest.host
    )
      context.addIssue({
        code: 'custom',
        path: ['ingest', 'port'],
        message: `${ingest.port} is the stream's port too; give the ingest its own`,
      })
  })

/** A node's configuration file (YAML or JSON); relative paths are relative to the file. */
export const nodeConfigSchema = z.strictObject({
  party: z.string().regex(/^[A-Z][A-Z0-9]{1,9}$/, 'a party id such as KOR'),
  dataDir: z.string().min(1),
  /**
   * `{ sqlite: PATH }` or `{ postgres: URL, passwordFile?, schema? }` (docs/node.md, "Storage").
   * Absent: the store `node init` made (SQLite in the data directory unless --store said otherwise).
   */
  store: storeLocationSchema.optional(),
  /**
   * The API and TAXII: HTTPS with the node's server certificate (keys/server.cert.pem, signed
   * by keys/ca.cert.pem); `insecure: true` is the only way to plain HTTP, and only on loopback.
   */
  listen: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535),
      /** Plain HTTP, bearer tokens in clear: only on loopback (tests, the local demo network). */
      insecure: z.literal(true).optional(),
    })
    .superRefine((listen, context) => {
      const refusal = plainHttpRefusal(listen)
      if (refusal !== null)
        context.addIssue({ code: 'custom', path: ['insecure'], message: refusal })
    }),
  registry: z.strictObject({
    scenario: z.string().min(1),
    whatIfs: z.array(z.string()).default([]),
  }),
  /**
   * The live link's listener (docs/node.md, "The live link"): always TLS 1.3, peers
   * authenticated by their pinned certificates. Absent: this node takes no live link.
   */
  link: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535),
    })
    .optional(),
  peers: z.record(z.string(), peerSchema).default({}),
  /**
   * Ed25519 public JWKs of parties that are not peers, whose reports arrive relayed by a hub:
   * the final recipient checks each report's originator signature with its originator's key.
   */
  originators: z
    .record(z.string().regex(/^[A-Z][A-Z0-9]{1,9}$/, 'a party id such as KOR'), jwk)
    .default({}),
  release: z
    .strictObject({
      /** Release mode per agreement, replacing the registry's (e.g. a national policy). */
      modes: z.record(z.string(), releaseModes).default({}),
      /** Incoming requests: answered at once by rule, or left to a release officer. */
      answerRequests: z.enum(['rule', 'officer']).default('rule'),
      /** The longest window (on launch time) a request may cover, ours or a peer's. */
      maxRequestWindowDays: z.number().positive().max(366).default(30),
    })
    .prefault({}),
  delivery: z
    .strictObject({
      initialBackoffMs: z.number().int().positive().default(200),
      maxBackoffMs: z.number().int().positive().default(30_000),
      concurrency: z.number().int().min(1).max(64).default(8),
      timeoutMs: z.number().int().positive().default(5_000),
      /** Frames in flight per live link before new messages wait (backpressure). */
      window: z.number().int().min(1).max(64).default(4),
      /** Live-link heartbeat; a peer is down after three missed (the issue asks ≤ 5 s). */
      heartbeatMs: z.number().int().min(50).max(5_000).default(2_000),
    })
    .prefault({}),
  clockSkewS: z.number().min(0).max(3_600).default(30),
  /**
   * Exercise and replay mode: the node's clock reads `originAt` at real time `startedAtMs`
   * and runs `speed` times faster. Absent: the real clock.
   */
  clock: z
    .strictObject({
      originAt: z.iso.datetime({ offset: true, message: 'an ISO 8601 instant with offset' }),
      startedAtMs: z.number().int().positive(),
      speed: z.number().positive().max(10_000).default(1),
    })
    .optional(),
  cot: cotSchema.optional(),
  checkpointEvery: z.number().int().min(1).default(100),
  /** Issue 17: size limits per product kind (docs/node.md, "Products"). */
  products: z
    .strictObject({
      imageryMaxBytes: z
        .number()
        .int()
        .min(1)
        .max(16 * 1024 ** 3)
        .default(512 * 1024 * 1024),
      assessmentMaxBytes: z
        .number()
        .int()
        .min(1)
        .max(1_000_000)
        .default(256 * 1024),
      /**
       * TAXII serves an image this size or smaller inline (`payload_bin`), a larger one as a
       * `url` to its download; at most one chunk, read at once.
       */
      taxiiInlineMaxBytes: z
        .number()
        .int()
        .min(0)
        .max(CHUNK_BYTES)
        .default(256 * 1024),
    })
    .prefault({}),
  bodyLimitBytes: z
    .number()
    .int()
    .min(1024)
    .default(256 * 1024),
})

export type NodeConfig = z.infer<typeof nodeConfigSchema>

/** Reads and validates a config file; paths inside come back absolute. */
export function loadNodeConfig(file: string): NodeConfig {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw new EntenteError('FILE_NOT_READABLE', `--config: cannot read ${file}`)
  }
  let raw: unknown
  try {
    raw = parseYaml(text)
  } catch (error) {
    throw new EntenteError(
      'CONFIG_INVALID',
      `${file}: not YAML or JSON (${(error as Error).message.split('\n')[0] ?? ''})`,
    )
  }
  const parsed = nodeConfigSchema.safeParse(raw)
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) => `${file}: ${i.path.join('.') || '(root)'}: ${i.message}`,
    )
    throw new EntenteError('CONFIG_INVALID', lines.join('\n'))
  }
  const base = dirname(resolve(file))
  const config = parsed.data
  const peers = Object.fromEntries(
    Object.entries(config.peers).map(([id, peer]) => [
      id,
      peer.ca === undefined ? peer : { ...peer, ca: resolve(base, peer.ca) },
    ]),
  )
  return {
    ...config,
    dataDir: resolve(base, config.dataDir),
    ...(config.store === undefined ? {} : { store: resolveStoreLocation(config.store, base) }),
    registry: { ...config.registry, scenario: resolve(base, config.registry.scenario) },
    peers,
  }
}
