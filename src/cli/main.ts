import { readFileSync } from 'node:fs'
import { Command, CommanderError, Option } from 'commander'
import { formatInstant } from '../domain/time.ts'
import { EntenteError, isEntenteError } from '../lib/errors.ts'
import { agreementRows } from '../domain/agreement-view.ts'
import { historyOrError, renderAgreementRows, renderHistory } from './agreements.ts'
import type { ExportOptions } from './export.ts'
import { parseInstant } from './instant.ts'
import { registerAuditProofs } from './audit-proof.ts'
import { registerNodeCert } from './node-cert.ts'
import { loadScenario } from './load-scenario.ts'
import { answerRelease, decisionJson, renderDecision } from './release.ts'
import { renderComparison, renderSimulation, runSimulations } from './simulate.ts'
import { runStart } from './start.ts'

/** The node's commands load the server, the store and the crypto: only when asked for. */
const nodeCommands = () => import('./node.ts')
const interop = async () => ({ ...(await import('./export.ts')), ...(await import('./import.ts')) })

/** Exit statuses: 0 done (or allowed), 2 bad input, 3 denied. */
export const EXIT = { ok: 0, badInput: 2, denied: 3 } as const

/** A repeatable option; `previous` is undefined at its first use when it has no default. */
const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
]

function requiredDir(dir: string | undefined, command: string): string {
  if (dir === undefined)
    throw new EntenteError('INVALID_ARGUMENT', `${command}: --dir <dir> is required`)
  return dir
}
const whatIfOption = () =>
  new Option('--what-if <id>', 'apply a what-if of the scenario (repeatable, in order)')
    .argParser(collect)
    .default([])

function readWitnessed(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new EntenteError('FILE_NOT_READABLE', `--witnessed: cannot read ${file}`, {
      cause: error,
    })
  }
}

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
}

function buildProgram(): Command {
  const program = new Command('entente')
    .description('Agreement-governed exchange of early-warning information')
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s.startsWith('error: ') ? `entente: ${s.slice(7)}` : s),
    })
    .showSuggestionAfterError()
    .enablePositionalOptions()

  const agreements = program
    .command('agreements')
    .enablePositionalOptions()
    .description('status of every agreement at an instant')
    .option('--scenario <file>', 'scenario YAML file')
    .option(
      '--at <instant>',
      'ISO 8601 instant, bare date (00:00 in the scenario zone) or now',
      'now',
    )
    .addOption(whatIfOption())
    .option('--json', 'print JSON')
    .action((opts: { scenario?: string; at: string; whatIf: string[]; json?: boolean }) => {
      const { index } = loadScenario(opts.scenario, opts.whatIf)
      const zone = index.registry.timeZone
      const atMs = parseInstant(opts.at, zone)
      const rows = agreementRows(index, atMs)
      print(
        opts.json
          ? JSON.stringify(rows, null, 2)
          : renderAgreementRows(rows, formatInstant(atMs, zone)),
      )
    })
  agreements
    .command('history <id>')
    .description('every interval in force and every event with its effect')
    .option('--scenario <file>', 'scenario YAML file')
    .addOption(whatIfOption())
    .option('--json', 'print JSON')
    .action((id: string, opts: { scenario?: string; whatIf: string[]; json?: boolean }) => {
      const { index } = loadScenario(opts.scenario, opts.whatIf)
      const history = historyOrError(index, id)
      print(opts.json ? JSON.stringify(history, null, 2) : renderHistory(history))
    })

  program
    .command('release')
    .description('may a report go from one party to another at an instant, and by which path?')
    .option('--scenario <file>', 'scenario YAML file')
    .requiredOption('--from <party>', 'the holder')
    .requiredOption('--to <party>', 'the recipient')
    .requiredOption('--level <level>', "the report's level, in the originator's scheme")
    .requiredOption('--topic <topic>', 'the report topic, e.g. dprk-missile')
    .option('--at <instant>', 'ISO 8601 instant, bare date or now', 'now')
    .option('--originator <party>', 'the originator (default: the holder)')
    .addOption(
      new Option('--releasable-to <party>', 'releasability list entry (repeatable)').argParser(
        collect,
      ),
    )
    .addOption(whatIfOption())
    .option('--json', 'print JSON')
    .action((opts: ReleaseOptions) => {
      const { index } = loadScenario(opts.scenario, opts.whatIf)
      const atMs = parseInstant(opts.at, index.registry.timeZone)
      const decision = answerRelease(index, { ...opts, releasableTo: opts.releasableTo, atMs })
      const question = `${opts.originator ?? opts.from}'s ${opts.level} ${opts.topic} report, ${opts.from} → ${opts.to} at ${formatInstant(atMs, index.registry.timeZone)}`
      print(
        opts.json
          ? JSON.stringify(decisionJson(decision), null, 2)
          : renderDecision(decision, question),
      )
      process.exitCode = decision.decision === 'allowed' ? EXIT.ok : EXIT.denied
    })

  program
    .command('simulate')
    .description('replay launches against sensors and agreements: who knew what, when')
    .option('--scenario <file>', 'scenario YAML file')
    .addOption(whatIfOption())
    .option('--compare', 'the baseline and each what-if side by side')
    .option('--json', 'print JSON')
    .action((opts: { scenario?: string; whatIf: string[]; compare?: boolean; json?: boolean }) => {
      const results = runSimulations(opts.scenario, opts.whatIf, opts.compare === true)
      if (opts.json) print(JSON.stringify(opts.compare ? results : results[0], null, 2))
      else if (opts.compare) print(renderComparison(results))
      else print(results.map(renderSimulation).join('\n\n'))
    })

  const node = program
    .command('node')
    .description("run one party's node (see the subcommands to set one up)")
    .option('--party <party>', 'the party this node serves')
    .option('--config <file>', 'node configuration (YAML or JSON)')
    .action(async (opts: { party?: string; config?: string }) => {
      if (opts.party === undefined || opts.config === undefined) {
        throw new EntenteError(
          'INVALID_ARGUMENT',
          'node: --party and --config are required (or use node init / node token)',
        )
      }
      await (await nodeCommands()).runNode(opts.party, opts.config)
    })
  node
    .command('init')
    .description("create a node's data directory and keys; prints the public keys for peers")
    .requiredOption('--party <party>', 'the party')
    .requiredOption('--dir <dir>', 'data directory')
    .option(
      '--host <name...>',
      "DNS names or IP addresses clients reach the node's API by, besides localhost (in its server certificate)",
    )
    .option(
      '--store <location>',
      'a postgres:// URL (no password in it: ENTENTE_PG_PASSWORD or --store-password-file) or a SQLite file; default: SQLite in --dir',
    )
    .option('--store-schema <name>', 'the PostgreSQL schema of this node (default: public)')
    .option('--store-password-file <file>', 'a file holding the PostgreSQL password')
    .action(
      async (opts: {
        party: string
        dir: string
        host?: string[]
        store?: string
        storeSchema?: string
        storePasswordFile?: string
      }) => {
        const { initNode, parseStoreOption } = await nodeCommands()
        print(await initNode(opts.party, opts.dir, opts.host ?? [], parseStoreOption(opts)))
      },
    )
  const token = node
    .command('token')
    .enablePositionalOptions()
    .description(
      "issue an API bearer token for a role, or a peer party's TAXII client token (printed once, stored hashed); see also node token list | revoke",
    )
    .option('--role <role>', 'operator | release-officer | auditor | admin')
    .option('--party <party>', 'a peer party, e.g. JPN: a TAXII client seeing what JPN may')
    .option('--dir <dir>', 'data directory (required)')
    .option('--label <label>', 'who holds it, for the audit')
    .option('--expires-in <duration>', 'lifetime, e.g. 30d, 12h or 45m (at most 366d)', '90d')
    .action(
      async (opts: {
        role?: string
        party?: string
        dir?: string
        label?: string
        expiresIn: string
      }) => {
        const { issueToken, issuePartyToken, parseLifetime } = await nodeCommands()
        if ((opts.role === undefined) === (opts.party === undefined))
          throw new EntenteError('INVALID_ARGUMENT', 'node token: give either --role or --party')
        const dir = requiredDir(opts.dir, 'node token')
        const lifetimeMs = parseLifetime(opts.expiresIn)
        print(
          opts.party === undefined
            ? await issueToken(dir, opts.role ?? '', opts.label, lifetimeMs)
            : await issuePartyToken(dir, opts.party, opts.label, lifetimeMs),
        )
      },
    )
  token
    .command('list')
    .description("the node's tokens: id, holder, label, expiry, state (never a secret)")
    .requiredOption('--dir <dir>', 'data directory')
    .option('--json', 'print JSON')
    .action(async (opts: { dir: string; json?: boolean }) => {
      const { listTokens, renderTokens } = await nodeCommands()
      const tokens = await listTokens(opts.dir)
      print(opts.json ? JSON.stringify(tokens, null, 2) : renderTokens(tokens))
    })
  token
    .command('revoke')
    .description('revoke the tokens with a label, or the one whose id starts with a prefix')
    .requiredOption('--dir <dir>', 'data directory')
    .option(
      '--label <label>',
      'every unrevoked token with this label (as node token list shows it)',
    )
    .option('--id <prefix>', 'the token whose id starts with this (from node token list)')
    .action(async (opts: { dir: string; label?: string; id?: string }) => {
      print(await (await nodeCommands()).revokeTokens(opts.dir, opts))
    })

  registerNodeCert(node)

  const audit = program.command('audit').description("check and query a node's audit chain")
  audit
    .command('verify')
    .description(
      'recompute the hash chain, the Merkle log and its checkpoints (signed, and cosigned by peers); exit 1 naming the first broken entry',
    )
    .requiredOption('--dir <dir>', 'data directory')
    .addOption(
      new Option(
        '--witnessed <file>',
        'a checkpoint a peer holds of this log (its audit witnessed output; repeatable)',
      )
        .argParser(collect)
        .default([]),
    )
    .action(async (opts: { dir: string; witnessed: string[] }) => {
      const notes = opts.witnessed.map((file) => readWitnessed(file))
      const result = await (await nodeCommands()).auditVerify(opts.dir, notes)
      print(result.text)
      if (!result.ok) process.exitCode = 1
    })
  registerAuditProofs(audit)
  audit
    .command('query')
    .description('what was shared with, received from and asked by a party in a window')
    .requiredOption('--dir <dir>', 'data directory')
    .requiredOption('--party <party>', 'the other party')
    .requiredOption('--from <instant>', 'start (ISO 8601; a bare date is 00:00 UTC)')
    .requiredOption('--to <instant>', 'end (exclusive)')
    .option('--json', 'print JSON')
    .action(
      async (opts: { dir: string; party: string; from: string; to: string; json?: boolean }) => {
        const { auditQuery, renderAccount } = await nodeCommands()
        const account = await auditQuery(
          opts.dir,
          opts.party,
          parseInstant(opts.from, 'UTC', '--from'),
          parseInstant(opts.to, 'UTC', '--to'),
        )
        print(opts.json ? JSON.stringify(account, null, 2) : renderAccount(account))
      },
    )

  program
    .command('export')
    .description("a node's reports as one STIX 2.1 bundle or as CoT events (one per line)")
    .requiredOption('--dir <dir>', 'data directory')
    .requiredOption('--format <format>', 'stix | cot')
    .option('--party <party>', 'only what the agreements allow this node to give that party now')
    .option('--out <file>', 'write to a file instead of standard output')
    .option('--config <file>', "the node's config (default: the one it last started with)")
    .action(async (opts: ExportOptions) => print(await (await interop()).runExport(opts)))

  program
    .command('import')
    .description("ingest a STIX bundle's reports as the node's own (the node may be running)")
    .requiredOption('--dir <dir>', 'data directory')
    .requiredOption('--file <file>', 'a STIX 2.1 bundle (JSON), e.g. from export --format stix')
    .option('--config <file>', "the node's config (default: the one it last started with)")
    .action(async (opts: { dir: string; file: string; config?: string }) => {
      const { lines, refused } = await (await interop()).runImport(opts)
      if (lines.length > 0) print(lines.join('\n'))
      if (refused.length > 0) throw new EntenteError('STIX_INVALID', refused.join('\n'))
    })

  program
    .command('demo')
    .description(
      'three live nodes replay the 2019 launches; the dashboard at http://localhost:8080',
    )
    .addOption(whatIfOption())
    .option('--speed <factor>', 'simulated seconds per real second', '30')
    .option('--port <port>', 'the dashboard port', '8080')
    .option('--dir <dir>', "where the nodes' data goes (default: a fresh .entente/demo-… folder)")
    .option('--scenario <file>', 'scenario YAML file', 'scenarios/korea-japan-2019.yaml')
    .option('--no-build', 'do not build the dashboard when web/dist is missing')
    .action(
      async (opts: {
        whatIf: string[]
        speed: string
        port: string
        dir?: string
        scenario: string
        build: boolean
      }) => {
        const { runDemo } = await import('./demo/demo.ts')
        const port = Number(opts.port)
        if (!Number.isInteger(port) || port < 1 || port > 65535)
          throw new EntenteError('INVALID_ARGUMENT', `--port: '${opts.port}' is not a port number`)
        await runDemo({
          whatIfs: opts.whatIf,
          speed: Number(opts.speed),
          port,
          dir: opts.dir,
          build: opts.build,
          scenario: opts.scenario,
        })
      },
    )

  program
    .command('start')
    .description('what `npm start` runs: the reference scenario today and on 2019-10-31')
    .option('--scenario <file>', 'scenario YAML file', 'scenarios/korea-japan-2019.yaml')
    .action((opts: { scenario: string }) => print(runStart(opts.scenario)))

  return program
}

interface ReleaseOptions {
  scenario?: string
  from: string
  to: string
  level: string
  topic: string
  at: string
  originator?: string
  releasableTo?: string[]
  whatIf: string[]
  json?: boolean
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' })
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok
  } catch (error) {
    if (error instanceof CommanderError) {
      const helpOrVersion =
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version' ||
        error.code === 'commander.help'
      return helpOrVersion ? EXIT.ok : EXIT.badInput
    }
    if (isEntenteError(error)) {
      for (const line of error.message.split('\n')) process.stderr.write(`entente: ${line}\n`)
      return EXIT.badInput
    }
    throw error
  }
}

process.exitCode = await main(process.argv.slice(2))
