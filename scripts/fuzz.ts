// `npm run fuzz [-- --count N --seed S --surfaces api,taxii,inbox --cot --verbose]`: the fuzz
// harness of test/fuzz for many requests (100,000 by default; FUZZ_COUNT and FUZZ_SEED work
// too), a fresh node every 2,500. `--cot` keeps a TAK client on each node's CoT stream
// (loopback). Prints the answers per surface and status class (`--verbose`: per route) and
// each distinct violation once; exits 1 on any violation, known-pending ones included.
import { parseArgs } from 'node:util'
import type { FuzzNodeOptions } from '../test/fuzz/harness.ts'
import { FUZZ_EPOCH_REQUESTS, FUZZ_NODES, formatReport } from '../test/fuzz/report.ts'
import { DEFAULT_WEIGHTS, runFuzz, SURFACES, type Surface } from '../test/fuzz/run.ts'

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: process.env['FUZZ_COUNT'] ?? '100000' },
    seed: { type: 'string', default: process.env['FUZZ_SEED'] },
    surfaces: { type: 'string', default: 'api,taxii,inbox' },
    verbose: { type: 'boolean', default: false },
    cot: { type: 'boolean', default: false },
  },
})
const count = Number(values.count)
const seed =
  values.seed === undefined ? (Date.now() ^ (Math.random() * 2 ** 31)) | 0 : Number(values.seed)
if (!Number.isSafeInteger(count) || count < 1 || !Number.isSafeInteger(seed)) {
  process.stderr.write('fuzz: --count must be a positive integer and --seed an integer\n')
  process.exit(2)
}

const chosen = new Set(values.surfaces.split(','))
if (![...chosen].every((s) => (SURFACES as readonly string[]).includes(s))) {
  process.stderr.write(
    `fuzz: --surfaces must be a comma-separated list of ${SURFACES.join(', ')}\n`,
  )
  process.exit(2)
}
const weights = Object.fromEntries(
  SURFACES.map((s) => [s, chosen.has(s) ? DEFAULT_WEIGHTS[s] : 0]),
) as Record<Surface, number>

// A fresh node every FUZZ_EPOCH_REQUESTS requests, cycling through the node kinds.
const epochs: FuzzNodeOptions[] = Array.from(
  { length: Math.ceil(count / FUZZ_EPOCH_REQUESTS) },
  (_, i) => ({ ...(FUZZ_NODES[i % FUZZ_NODES.length] as FuzzNodeOptions), cotStream: values.cot }),
)
process.stdout.write(`fuzz: seed ${seed}, ${count} requests on ${epochs.length} nodes\n`)
const startedMs = performance.now()
const report = await runFuzz({
  seed,
  count,
  epochs,
  weights,
  onProgress: (done, r) =>
    process.stdout.write(
      `fuzz: ${done} requests, ${(done / ((performance.now() - startedMs) / 1000)).toFixed(0)} req/s, ${r.violations.size} distinct violations\n`,
    ),
})
process.stdout.write(formatReport(report, { verbose: values.verbose }))
process.exit(report.violations.size === 0 ? 0 : 1)
