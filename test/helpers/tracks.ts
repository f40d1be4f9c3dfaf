import assert from 'node:assert/strict'
import type { ReportRow } from '../../src/node/store/store.ts'
import type { Harness } from './node-harness.ts'
import { launchReport } from './nodes.ts'

/** A sensor's track state at `atMs`: climbing east-north-east from Sohae, in boost. */
export function trackStateAt(atMs: number, over: Record<string, unknown> = {}) {
  const s = (atMs % 600_000) / 1000
  return {
    atMs,
    position: { lat: 39.41 + s * 0.002, lon: 125.89 + s * 0.02, altM: 2_000 * s },
    velocity: { eastMps: 1_500, northMps: 150, upMps: 800 },
    quality: 9,
    phase: 'boost' as const,
    impact: null,
    lost: false,
    boosting: true,
    dataMode: 'simulated' as const,
    sensor: 'green-pine-1',
    ...over,
  }
}

/** A launch report of KOR's own, posted by its operator: the report tracks belong to. */
export async function ownReport(node: Harness, level = 'MIL-II'): Promise<ReportRow> {
  const response = await node.call('POST', '/api/reports', 'operator', launchReport('KOR', level))
  assert.equal(response.statusCode, 201, response.body)
  return response.json<{ report: ReportRow }>().report
}
