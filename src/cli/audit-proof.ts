import { readFileSync, writeFileSync } from 'node:fs'
import type { Command } from 'commander'
import { EntenteError } from '../lib/errors.ts'
import { parseInstant } from './instant.ts'

/** The proofs of issue 13 load the store and crypto: only when asked for. */
const proofs = () => import('./audit-proof-run.ts')

function readText(file: string, option: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new EntenteError('FILE_NOT_READABLE', `${option}: cannot read ${file}`, { cause: error })
  }
}

function output(text: string, out: string | undefined): void {
  if (out === undefined) {
    process.stdout.write(text.endsWith('\n') ? text : `${text}\n`)
    return
  }
  try {
    writeFileSync(out, text)
  } catch (error) {
    throw new EntenteError('FILE_NOT_READABLE', `--out: cannot write ${out}`, { cause: error })
  }
}

function count(text: string, option: string): number {
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 0)
    throw new EntenteError('INVALID_ARGUMENT', `${option}: '${text}' is not a whole number ≥ 0`)
  return n
}

/** Registers `audit prove`, `check`, `absence`, `keys` and `witnessed` under `audit`. */
export function registerAuditProofs(audit: Command): void {
  audit
    .command('prove')
    .description(
      'a C2SP tlog-proof of one entry (checkpoint with cosignatures, index, inclusion proof, entry)',
    )
    .requiredOption('--dir <dir>', 'data directory')
    .requiredOption('--entry <n>', 'the entry number (seq)')
    .option('--out <file>', 'write to a file (.tlog-proof) instead of standard output')
    .action(async (opts: { dir: string; entry: string; out?: string }) => {
      output(await (await proofs()).prove(opts.dir, count(opts.entry, '--entry')), opts.out)
    })
  audit
    .command('absence')
    .description(
      'every entry of a window, each with its inclusion proof under one cosigned checkpoint: which entries of a type and party it holds, or that there are none',
    )
    .requiredOption('--dir <dir>', 'data directory')
    .requiredOption('--party <party>', 'the other party')
    .requiredOption('--type <type>', 'the audit type, e.g. request')
    .requiredOption('--from <instant>', 'start (ISO 8601; a bare date is 00:00 UTC)')
    .requiredOption('--to <instant>', 'end (exclusive)')
    .option('--out <file>', 'write to a file instead of standard output')
    .action(
      async (opts: {
        dir: string
        party: string
        type: string
        from: string
        to: string
        out?: string
      }) => {
        const bundle = await (
          await proofs()
        ).absence(opts.dir, {
          party: opts.party,
          type: opts.type,
          fromMs: parseInstant(opts.from, 'UTC', '--from'),
          untilMs: parseInstant(opts.to, 'UTC', '--to'),
        })
        output(bundle, opts.out)
      },
    )
  audit
    .command('check')
    .description(
      'check a proof (prove or absence) with public keys only; exit 0 if it holds, 1 naming why not',
    )
    .requiredOption('--proof <file>', 'the proof file')
    .requiredOption('--keys <file>', 'verifier keys, one per line (from audit keys)')
    .option('--min-cosignatures <n>', 'cosignatures by the witness keys required', '1')
    .option('--json', 'print JSON')
    .action(
      async (opts: { proof: string; keys: string; minCosignatures: string; json?: boolean }) => {
        const result = (await proofs()).check(
          readText(opts.proof, '--proof'),
          readText(opts.keys, '--keys'),
          count(opts.minCosignatures, '--min-cosignatures'),
        )
        output(opts.json === true ? JSON.stringify(result.json, null, 2) : result.text, undefined)
        if (!result.ok) process.exitCode = 1
      },
    )
  audit
    .command('keys')
    .description("the node's verifier keys (C2SP vkeys): its log's, and its own as a witness")
    .requiredOption('--dir <dir>', 'data directory')
    .action(async (opts: { dir: string }) =>
      output(await (await proofs()).keys(opts.dir), undefined),
    )
  audit
    .command('witnessed')
    .description(
      "the last checkpoint of a peer's log this node witnessed, with its cosignature: the peer's audit verify --witnessed reads it",
    )
    .requiredOption('--dir <dir>', 'data directory')
    .requiredOption('--party <party>', 'the peer')
    .action(async (opts: { dir: string; party: string }) =>
      output(await (await proofs()).witnessed(opts.dir, opts.party), undefined),
    )
}
