import { chmodSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { isPartyId } from '../domain/ids.ts'
import { formatInstant } from '../domain/time.ts'
import { EntenteError } from '../lib/errors.ts'
import { accountFor, type PartyAccount } from '../node/app/audit-query.ts'
import { verifyStoredChain } from '../node/audit/verify.ts'
import { loadNodeConfig } from '../node/config.ts'
import {
  generatePartyKeys,
  publicJwks,
  readPartyKeys,
  writePartyKeys,
} from '../node/crypto/keys.ts'
import { CA_CERT_FILE, ensureNodeCa, hostProblem, readLinkTls } from '../node/crypto/ca.ts'
import { CONFIG_FILE, openStore, startNode, storeLocationFor } from '../node/main.ts'
import {
  describeStoreLocation,
  type StoreLocation,
  storeLocationSchema,
} from '../node/store/location.ts'
import { requireDataDir } from './node-dir.ts'

export {
  issuePartyToken,
  issueToken,
  listTokens,
  parseLifetime,
  renderTokens,
  revokeTokens,
} from './node-token.ts'

/**
 * `node init --store`: a postgres:// URL (with `--store-schema`, `--store-password-file`) or
 * a SQLite file's path; absent: SQLite in the data directory.
 */
export function parseStoreOption(opts: {
  store?: string
  storeSchema?: string
  storePasswordFile?: string
}): StoreLocation | undefined {
  const { store, storeSchema, storePasswordFile } = opts
  if (store === undefined) {
    if (storeSchema !== undefined || storePasswordFile !== undefined)
      throw new EntenteError(
        'INVALID_ARGUMENT',
        '--store-schema and --store-password-file go with --store postgres://…',
      )
    return undefined
  }
  const isPostgres = /^postgres(ql)?:/i.test(store)
  if (!isPostgres && (storeSchema !== undefined || storePasswordFile !== undefined))
    throw new EntenteError(
      'INVALID_ARGUMENT',
      '--store-schema and --store-password-file are for a postgres:// store only',
    )
  const raw = isPostgres
    ? {
        postgres: store,
        ...(storeSchema === undefined ? {} : { schema: storeSchema }),
        ...(storePasswordFile === undefined ? {} : { passwordFile: resolve(storePasswordFile) }),
      }
    : { sqlite: resolve(store) }
  const parsed = storeLocationSchema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const option = issue?.path[0] === 'schema' ? '--store-schema' : '--store'
    throw new EntenteError('INVALID_ARGUMENT', `${option}: ${issue?.message ?? 'invalid'}`)
  }
  return parsed.data
}

export async function initNode(
  party: string,
  dir: string,
  hosts: readonly string[] = [],
  store?: StoreLocation,
): Promise<string> {
  if (!isPartyId(party))
    throw new EntenteError('INVALID_ARGUMENT', `--party: '${party}' is not a party id such as KOR`)
  for (const host of hosts) {
    const problem = hostProblem(host)
    if (problem !== null) throw new EntenteError('INVALID_ARGUMENT', `--host: ${problem}`)
  }
  // The store first: a database that cannot be reached leaves no keys behind to trip a retry.
  const opened = await openStore(dir, storeLocationFor(dir, store))
  const version = await opened.schemaVersion()
  await opened.close()
  const keys = generatePartyKeys(party)
  await writePartyKeys(dir, party, keys)
  await ensureNodeCa(dir, party, Date.now(), hosts) // TLS: the CA, the server and link certificates
  const where = store === undefined ? '' : ` in ${describeStoreLocation(store)}`
  const jwks = publicJwks(keys)
  const { fingerprint256 } = await readLinkTls(dir)
  return [
    `Initialised ${party} in ${dir} (store schema v${version}${where}); private keys are readable by the owner only.`,
    `Its CA for CoT over TLS is ${join(dir, 'keys', CA_CERT_FILE)}; client certificates: entente node cert.`,
    `Its live-link certificate's fingerprint (peers pin it as peers.${party}.link.fingerprint256): ${fingerprint256}`,
    `Public keys for the peers' configs (peers.${party}.keys):`,
    JSON.stringify(jwks, null, 2),
  ].join('\n')
}

/** Runs a node until SIGINT or SIGTERM, then drains in-flight work and exits. */
export async function runNode(party: string, configFile: string): Promise<void> {
  const config = loadNodeConfig(configFile)
  if (config.party !== party)
    throw new EntenteError(
      'INVALID_ARGUMENT',
      `--party: ${party} does not match the config's party ${config.party}`,
    )
  const node = await startNode(config)
  // Written once the node runs, so that a start that failed never replaces a running node's.
  const recorded = join(config.dataDir, CONFIG_FILE)
  writeFileSync(recorded, JSON.stringify(config, null, 2))
  chmodSync(recorded, 0o600) // `mode` on write applies only to a new file
  // HTTPS clients (curl --cacert) verify the node against its CA: say where it is.
  const trust = node.url.startsWith('https:')
    ? `, clients trust ${join(config.dataDir, 'keys', CA_CERT_FILE)}`
    : ', plain HTTP on loopback'
  process.stdout.write(
    `entente: ${party} node listening on ${node.url} (data in ${config.dataDir}${trust})\n`,
  )
  for (const [name, address] of Object.entries(node.cot))
    if (address !== null)
      process.stdout.write(
        `entente: CoT ${name} on ${address.transport}://${address.host}:${address.port}\n`,
      )
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      node.stop().then(resolve, resolve)
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
    // Started by a demo or a test: stop with it even if it dies without a word (kill -9).
    if (process.env['ENTENTE_EXIT_WITH_PARENT'] === '1') {
      const parent = process.ppid
      setInterval(() => {
        if (process.ppid !== parent) stop()
      }, 1_000).unref()
    }
  })
  process.stdout.write(`entente: ${party} node stopped\n`)
}

export async function auditVerify(
  dir: string,
  witnessedNotes: readonly string[] = [],
): Promise<{ ok: boolean; text: string }> {
  requireDataDir(dir)
  const keys = await readPartyKeys(dir)
  const store = await openStore(dir)
  const result = await verifyStoredChain(store, keys.signingPublic, witnessedNotes).finally(() =>
    store.close(),
  )
  if (result.ok)
    return {
      ok: true,
      text: `audit chain intact: ${result.entries} entries, ${result.checkpoints} signed checkpoints, last hash ${result.lastHash}`,
    }
  return {
    ok: false,
    text: `audit chain BROKEN at entry ${result.firstBrokenSeq}: ${result.problem}`,
  }
}

export async function auditQuery(
  dir: string,
  party: string,
  fromMs: number,
  untilMs: number,
): Promise<PartyAccount> {
  requireDataDir(dir)
  const store = await openStore(dir)
  const account = await accountFor(store, party, fromMs, untilMs)
  await store.close()
  return account
}

export function renderAccount(a: PartyAccount): string {
  const line = (e: {
    seq: number
    atMs: number
    type: string
    subject: string | null
    data: Record<string, unknown>
  }) =>
    `  #${e.seq} ${formatInstant(e.atMs, 'UTC')} ${e.type} ${e.subject ?? ''} ${JSON.stringify(e.data)}`
  const section = (title: string, list: PartyAccount['sharedWith']) => [
    `${title}: ${list.length}`,
    ...list.map(line),
  ]
  return [
    `Account of ${a.party} from ${formatInstant(a.fromMs, 'UTC')} to ${formatInstant(a.untilMs, 'UTC')}`,
    ...a.findings.map((f) => `- ${f}`),
    '',
    ...section('Shared with (delivered, receipted)', a.sharedWith),
    ...section('Disclosed to (TAXII, export, CoT stream)', a.disclosedTo),
    ...section('Delivered but quarantined by the recipient', a.refusedBy),
    ...section('Denied to', a.deniedTo),
    ...section('Received from', a.receivedFrom),
    ...section('Quarantined from', a.quarantinedFrom),
    ...section('Requests received from', a.askedBy),
    ...section('Requests made to', a.askedOf),
  ].join('\n')
}
