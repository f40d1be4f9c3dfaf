import type { Command } from 'commander'
import { join, resolve } from 'node:path'
import { isPartyId } from '../domain/ids.ts'
import { EntenteError } from '../lib/errors.ts'
import type { CertIdentity } from '../node/crypto/ca.ts'

/** Registers `node cert` under the `node` command. */
export function registerNodeCert(node: Command): void {
  node
    .command('cert')
    .description(
      'issue a client certificate for CoT over TLS, naming a party (a TAK client) or a role (a sensor feed)',
    )
    .option(
      '--party <party>',
      "a TAK client that sees what this party may: the node's own or a peer",
    )
    .option('--role <role>', 'a sensor feed (operator or admin may ingest)')
    .requiredOption('--dir <dir>', 'data directory')
    .option('--out <dir>', 'where to write the files (default: <dir>/clients/<name>-<time>)')
    .option('--days <days>', 'validity in days', '365')
    .action(async (opts: NodeCertOptions) => {
      process.stdout.write(`${await issueNodeCert(opts)}\n`)
    })
}

export interface NodeCertOptions {
  readonly dir: string
  readonly party?: string
  readonly role?: string
  readonly out?: string
  readonly days: string
}

const MAX_DAYS = 3650

/**
 * `node cert`: a client key and certificate signed by the node's CA for the CoT servers over
 * TLS (docs/interop.md), naming a party (a TAK client that sees what that party may) or a role
 * (a sensor feed: operator or admin may ingest). A data directory from an older `node init`
 * gets its CA and server certificate first. Prints where the files went, never a key.
 */
export async function issueNodeCert(opts: NodeCertOptions): Promise<string> {
  const [ca, { readPartyKeys }, { requireDataDir }, { ROLES }] = await Promise.all([
    import('../node/crypto/ca.ts'),
    import('../node/crypto/keys.ts'),
    import('./node-dir.ts'),
    import('../node/http/auth.ts'),
  ])
  const identity = identityOf(opts, ROLES)
  const days = Number(opts.days)
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS)
    throw new EntenteError(
      'INVALID_ARGUMENT',
      `--days: '${opts.days}' is not a whole number of days from 1 to ${MAX_DAYS}`,
    )
  requireDataDir(opts.dir)
  const own = (await readPartyKeys(opts.dir)).party
  const nowMs = Date.now()
  const created = await ca.ensureNodeCa(opts.dir, own, nowMs)
  const name = identity.kind === 'party' ? `party-${identity.party}` : `role-${identity.role}`
  const outDir = resolve(opts.out ?? join(opts.dir, 'clients', `${name}-${nowMs.toString(36)}`))
  const issued = await ca.issueClientCert(opts.dir, own, identity, { nowMs, days, outDir })
  return [
    ...(created.length > 0
      ? [`Created the node's CA and server certificate in ${join(opts.dir, 'keys')}.`]
      : []),
    `Issued a client certificate for ${ca.identityUrn(identity)}, serial ${issued.serialNumber}, valid until ${new Date(issued.notAfterMs).toISOString()}:`,
    `  key (owner only)  ${issued.keyFile}`,
    `  certificate       ${issued.certFile}`,
    `  the node's CA     ${issued.caFile}`,
  ].join('\n')
}

function identityOf(opts: NodeCertOptions, roles: readonly string[]): CertIdentity {
  if ((opts.party === undefined) === (opts.role === undefined))
    throw new EntenteError('INVALID_ARGUMENT', 'node cert: give either --party or --role')
  if (opts.party !== undefined) {
    if (!isPartyId(opts.party))
      throw new EntenteError(
        'INVALID_ARGUMENT',
        `--party: '${opts.party}' is not a party id such as JPN`,
      )
    return { kind: 'party', party: opts.party }
  }
  const role = opts.role ?? ''
  if (!roles.includes(role))
    throw new EntenteError(
      'INVALID_ARGUMENT',
      `--role: '${role}' is not one of ${roles.join(', ')}`,
    )
  return { kind: 'role', role }
}
