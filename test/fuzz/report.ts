import type { FuzzNodeOptions } from './harness.ts'
import { type FuzzReport, SURFACES } from './run.ts'

/** The kinds of node the fuzzer runs against, in turn: a member, the hub, officer mode. */
export const FUZZ_NODES: readonly FuzzNodeOptions[] = [
  { party: 'KOR' },
  { party: 'USA' },
  { party: 'JPN', answerRequests: 'officer', modes: { 'kor-jpn-gsomia': 'manual' } },
  { party: 'KOR', whatIfs: ['auto-release'] },
]

/** Requests per node before the next fresh one (bounds the state each request works on). */
export const FUZZ_EPOCH_REQUESTS = 2_500

/** The figures and each distinct violation, as printed by `npm run fuzz` and failing tests. */
/** `verbose`: also per route and status; `details`: each violation's case, request and stack. */
export function formatReport(
  report: FuzzReport,
  options: { verbose?: boolean; details?: boolean } = {},
): string {
  const { verbose = false, details = true } = options
  const seconds = report.elapsedMs / 1000
  const lines = [
    `fuzz: seed ${report.seed}: ${report.requests} requests in ${seconds.toFixed(1)} s (${(report.requests / (seconds || 1)).toFixed(0)} req/s)`,
  ]
  for (const surface of SURFACES) {
    const counts = Object.entries(report.statuses[surface])
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([c, n]) => `${c} ${n}`)
    const total = Object.values(report.statuses[surface]).reduce((a, b) => a + b, 0)
    const slow = report.slowest[surface]
    lines.push(
      `  ${surface.padEnd(5)} ${String(total).padStart(7)}  ${counts.join(', ')}  (slowest ${slow.ms.toFixed(0)} ms)`,
    )
  }
  if (verbose)
    for (const [route, counts] of [...report.routes].sort(([a], [b]) => a.localeCompare(b)))
      lines.push(
        `    ${route.padEnd(48)} ${Object.entries(counts)
          .map(([c, n]) => `${c} ${n}`)
          .join(', ')}`,
      )
  lines.push(`  violations: ${report.violations.size} distinct`)
  for (const { first, count } of report.violations.values()) {
    lines.push(
      `  - [${first.known === null ? 'NEW' : `known: ${first.known}`}] ×${count} ${first.key}`,
    )
    if (!details) continue
    lines.push(`      at ${first.at}`)
    lines.push(`      input: ${first.input}`)
    if (first.request !== '') lines.push(`      request: ${first.request}`)
    lines.push(
      ...first.error
        .split('\n')
        .slice(0, 6)
        .map((l) => `      ${l.trim()}`),
    )
  }
  return `${lines.join('\n')}\n`
}
