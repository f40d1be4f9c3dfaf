import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type LocalNode,
  type LocalNodeOptions,
  prepareNetwork,
  sleep,
  startNodeProcess,
  stopNodeProcess,
} from '../../src/cli/local-network.ts'
import { ROOT } from './cli.ts'

export const PARTIES = ['KOR', 'JPN', 'USA'] as const
export type TestParty = (typeof PARTIES)[number]
export type TestNode = LocalNode

export { sleep, startNodeProcess as startProcess, stopNodeProcess as stopProcess }

/** A node's start under load: two system test files start three nodes each on two cores. */
const START_TIMEOUT_MS = 60_000

/**
 * Three real node processes (KOR, JPN, USA) on loopback, each in its own temp directory;
 * `delivery` adds to (or replaces) the short backoff the tests use (e.g. a short heartbeatMs).
 */
export async function setUpNetwork(
  options: Partial<Record<TestParty, LocalNodeOptions>> = {},
  delivery: Readonly<Record<string, number>> = {},
): Promise<Record<TestParty, TestNode>> {
  const root = mkdtempSync(join(tmpdir(), 'entente-net-'))
  // The reference registry, with the hub relaying at once (its handling time is minutes).
  const scenario = join(root, 'registry.yaml')
  const text = readFileSync(join(ROOT, 'scenarios/korea-japan-2019.yaml'), 'utf8')
  writeFileSync(scenario, text.replace(/relay_delay_s: \d+/g, 'relay_delay_s: 0'))
  const nodes = await prepareNetwork({
    root,
    scenario,
    parties: PARTIES,
    options,
    delivery: { initialBackoffMs: 50, maxBackoffMs: 500, ...delivery },
    checkpointEvery: 10,
  })
  const started = await Promise.allSettled(nodes.map((n) => startNodeProcess(n, START_TIMEOUT_MS)))
  const failed = started.find((s) => s.status === 'rejected')
  if (failed !== undefined) {
    // Children left running would keep this test file alive (their pipes): it would hang, not fail.
    await Promise.all(nodes.map((n) => stopNodeProcess(n, 'SIGKILL')))
    throw failed.reason
  }
  return Object.fromEntries(nodes.map((n) => [n.party, n])) as Record<TestParty, TestNode>
}

export async function tearDown(nodes: Record<TestParty, TestNode>): Promise<void> {
  await Promise.all(PARTIES.map((p) => stopNodeProcess(nodes[p])))
}

export async function api<T = unknown>(
  node: TestNode,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = node.tokens.admin,
): Promise<{ status: number; body: T }> {
  const headers: Record<string, string> = {}
  if (token !== null) headers['authorization'] = `Bearer ${token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const response = await fetch(`${node.url}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await response.text()
  return { status: response.status, body: (text === '' ? null : JSON.parse(text)) as T }
}

/** Polls until `test` holds or the time runs out (system tests wait for real deliveries). */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T>,
  test: (value: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  // A poll over keep-alive may meet a socket the node just closed ("fetch failed"): that probe
  // says nothing yet, the next one asks again; a node that stays unreachable times out.
  const attempt = (): Promise<{ value: T } | { error: unknown }> =>
    probe().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    )
  let last = await attempt()
  while (!('value' in last) || !test(last.value)) {
    if (Date.now() > deadline) {
      const seen = 'value' in last ? JSON.stringify(last.value) : String(last.error)
      throw new Error(`timed out waiting for ${what}; last: ${seen.slice(0, 500)}`)
    }
    await sleep(100)
    last = await attempt()
  }
  return last.value
}

export function launchReport(
  party: string,
  level: string,
  text = 'test launch',
  id?: string,
): Record<string, unknown> {
  return {
    ...(id === undefined ? {} : { id }),
    marking: { originator: party, level },
    topic: 'dprk-missile',
    launch: {
      time: new Date().toISOString(),
      site: { lat: 39.41, lon: 125.89 },
      headingDeg: 68,
      rangeKm: 370,
      apogeeKm: 90,
      count: 1,
      confidence: 'high',
      text,
    },
  }
}
