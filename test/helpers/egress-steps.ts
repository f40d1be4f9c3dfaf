import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { asPartyId, type PartyId } from '../../src/domain/ids.ts'
import { auditedTransaction } from '../../src/node/app/audit-log.ts'
import { ingestReport } from '../../src/node/app/ingest.ts'
import { planRelays, storeReceived } from '../../src/node/app/relay.ts'
import { decidePending, releaseOnward } from '../../src/node/app/releases.ts'
import type { ReleaseRow, ReportRow } from '../../src/node/store/store.ts'
import { ISSUED } from '../../src/node/store/store.ts'
import { type EgressCase, iso, LAUNCH_TIMES, launchOf, type TimedStep } from './egress-history.ts'
import { type EgressOracle, type HeldReport, planned } from './egress-oracle.ts'
import type { PolicyNode } from './policy-node.ts'

/**
 * The steps of a generated history (test/helpers/egress-history.ts) played on a node through
 * its own use cases at each step's instant: reports ingested, received (stored and relayed
 * as the inbox does), officers' verdicts and onward releases. Each checks what the node
 * decided against the oracle. Inbox steps are in egress-inbox-steps.ts; egress steps
 * (delivery runs, views) are played by the property test itself.
 */

export interface Run {
  readonly node: PolicyNode
  readonly oracle: EgressOracle
  readonly c: EgressCase
  /** Every party but the node's, sorted. */
  readonly peers: readonly PartyId[]
  /** Comparisons made, by egress (for the test's report). */
  readonly counts: Record<string, number>
}

export const count = (run: Run, key: string) => {
  run.counts[key] = (run.counts[key] ?? 0) + 1
}

export const at = <T>(list: readonly T[], n: number): T | undefined =>
  list.length === 0 ? undefined : list[n % list.length]

/** The n-th of a list that is never empty (the peers: a registry has at least 3 parties). */
export function nth<T>(list: readonly T[], n: number): T {
  const item = at(list, n)
  assert.ok(item !== undefined, 'a non-empty list')
  return item
}

export async function ingest(
  run: Run,
  step: Extract<TimedStep, { kind: 'ingest' }>,
): Promise<void> {
  const { node, oracle, c } = run
  const releasableTo = partiesOf(run, step.releasableTo)
  const result = await ingestReport(node.ctx, {
    marking: { originator: c.node, level: step.level },
    topic: step.topic,
    ...(releasableTo === null ? {} : { releasableTo }),
    launch: launchOf(step.launch),
  })
  const report: HeldReport = {
    id: result.report.id,
    originator: c.node,
    level: step.level,
    localLevel: step.level,
    topic: step.topic,
    releasableTo,
    launchMs: Date.parse(LAUNCH_TIMES[step.launch] ?? ''),
  }
  const { launchMs: _launchMs, ...facts } = report
  const { id, originator, level, localLevel, topic, releasableTo: list } = result.report
  const stored = { id, originator, level, localLevel, topic, releasableTo: list }
  assert.deepEqual(stored, facts, 'the report stored is the one ingested')
  oracle.reports.set(report.id, report)
  const open =
    c.answerRequests === 'rule'
      ? [...oracle.requests.values()].filter((r) => r.status === 'open')
      : []
  expectPlanned(run, 'ingest', result.releases, oracle.plan(report, run.peers, step.atMs, open))
}

/** What the oracle records of a report the node holds from another party. */
function hold(oracle: EgressOracle, row: ReportRow, launch: number): HeldReport {
  const report: HeldReport = {
    id: row.id,
    originator: asPartyId(row.originator),
    level: row.level,
    localLevel: row.localLevel,
    topic: row.topic,
    releasableTo: row.releasableTo,
    launchMs: Date.parse(LAUNCH_TIMES[launch] ?? ''),
  }
  oracle.reports.set(report.id, report)
  return report
}

/** A report's releasability list, as parties of the registry (each once), or none. */
export function partiesOf(run: Run, list: readonly number[] | null): string[] | null {
  if (list === null) return null
  const parties = [...run.c.registry.parties.keys()]
  return [...new Set(list.map((i) => nth(parties, i)))]
}

function expectPlanned(
  run: Run,
  what: string,
  rows: readonly ReleaseRow[],
  expected: readonly string[],
): void {
  const actual = rows.map((r) => planned(r.recipient, r.agreement, r.state)).sort()
  assert.deepEqual(actual, expected, `${what} at ${iso(run.node.clock.ms)}: the releases planned`)
  for (const { id, reportId, recipient, agreement, state } of rows) {
    run.oracle.releases.set(id, { id, reportId, recipient, agreement, state, delivered: false })
    count(run, `${what}: ${state}`)
  }
}

/** A report from a peer, stored and relayed exactly as the inbox does once it has checked it. */
export async function receive(
  run: Run,
  step: Extract<TimedStep, { kind: 'receive' }>,
): Promise<void> {
  const { node, oracle, c } = run
  const ctx = node.ctx
  const originator = nth(run.peers, step.originator)
  const both = c.registry.agreements.filter(
    (a) => a.parties.includes(originator) && a.parties.includes(c.node),
  )
  const via =
    step.via % (both.length + 1) === both.length ? null : (both[step.via % both.length] ?? null)
  const hub = via?.kind === 'mediated' ? via.hub : null
  const sender = hub !== null && hub !== originator && hub !== c.node ? hub : originator
  const report: ReportRow = {
    id: randomUUID(),
    originator,
    level: step.level,
    localLevel: step.localLevel,
    topic: step.topic,
    releasableTo: partiesOf(run, step.releasableTo),
    payload: launchOf(step.launch),
    receivedFrom: sender,
    agreement: via?.id ?? null,
    path: sender === originator ? [originator, c.node] : [originator, sender, c.node],
    createdAtMs: step.atMs,
    originatorSignature: null,
    ...ISSUED,
  }
  const agreement = report.agreement
  const relays = await planRelays(ctx, agreement, report, step.atMs)
  await auditedTransaction(ctx, (tx, audit) =>
    storeReceived(tx, audit, { report, sender, agreement, nowMs: step.atMs }, relays),
  )
  const held = hold(oracle, report, step.launch)
  const relayTo =
    via !== null && via.kind === 'mediated' && via.hub === c.node
      ? via.parties.filter((p) => p !== c.node && p !== originator).sort()
      : []
  const expected = oracle.plan(held, relayTo, step.atMs, [], via?.id ?? null)
  expectPlanned(
    run,
    'relay',
    relays.map((r) => r.row),
    expected,
  )
}

export async function officer(
  run: Run,
  step: Extract<TimedStep, { kind: 'officer' }>,
): Promise<void> {
  const { node, oracle } = run
  const pending = [...oracle.releases.values()].filter((r) => r.state === 'pending-approval')
  const release = at(pending, step.pick)
  if (release === undefined) return
  const expected = !step.approve
    ? 'rejected'
    : oracle.allowsUnder(release, step.atMs)
      ? 'released'
      : 'denied'
  const row = await decidePending(node.ctx, release.id, step.approve, 'officer')
  assert.equal(row.state, expected, `approval of ${release.id} at ${iso(step.atMs)}`)
  release.state = expected
  count(run, `officer: ${expected}`)
}

export async function onward(
  run: Run,
  step: Extract<TimedStep, { kind: 'onward' }>,
): Promise<void> {
  const { node, oracle } = run
  const others = [...oracle.reports.values()].filter((r) => r.originator !== node.ctx.party)
  const report = at(others, step.pick)
  if (report === undefined) return
  const to = at(
    run.peers.filter((p) => p !== report.originator),
    step.to,
  )
  if (to === undefined) return
  const rows = await releaseOnward(node.ctx, report.id, to)
  expectPlanned(run, 'onward', rows, oracle.plan(report, [to], step.atMs, []))
}

/** Every release the node holds is in the state the oracle says. */
export async function expectReleaseStates(run: Run, after: TimedStep): Promise<void> {
  const rows = await run.node.ctx.store.listReleases({})
  const actual = Object.fromEntries(rows.map((r) => [r.id, r.state]))
  const expected = Object.fromEntries([...run.oracle.releases.values()].map((r) => [r.id, r.state]))
  assert.deepEqual(actual, expected, `release states after ${after.kind} at ${iso(after.atMs)}`)
}
