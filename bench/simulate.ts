import { Temporal } from 'temporal-polyfill'
import type { Agreement } from '../src/domain/agreement.ts'
import {
  asAgreementId,
  asLevel,
  asPartyId,
  asTopic,
  type Level,
  type PartyId,
} from '../src/domain/ids.ts'
import type { Party } from '../src/domain/party.ts'
import { destinationPoint } from '../src/sim/geodesy.ts'
import type { Launch, Sensor, SimulationInput } from '../src/sim/model.ts'
import { buildRegistryIndex } from '../src/domain/registry-index.ts'
import { simulateLaunch } from '../src/sim/simulate.ts'
import { pick, seededRandom } from './prng.ts'

const LEVELS = ['L0', 'L1', 'L2', 'L3'].map(asLevel)

/** A generated scenario: 30 parties, 100 sensors, and as many launches as asked. */
export function generateSimulation(
  launchCount = 10_000,
  partyCount = 30,
  sensorCount = 100,
  seed = 3,
): SimulationInput {
  const random = seededRandom(seed)
  const ids = Array.from({ length: partyCount }, (_, i) =>
    asPartyId(`P${String(i).padStart(2, '0')}`),
  )
  const parties = new Map<PartyId, Party>(
    ids.map((id) => [id, { id, name: id, levels: LEVELS, public: asLevel('L0') }]),
  )
  const agreements: Agreement[] = []
  for (let i = 0; i < partyCount * 2; i++) {
    const a = pick(random, ids)
    const b = pick(
      random,
      ids.filter((p) => p !== a),
    )
    agreements.push(
      agreement(`g-${i}`, [a, b], null, pick(random, ['auto', 'manual', 'on-request'] as const)),
    )
  }
  agreements.push(agreement('hub', ids.slice(0, 8), ids[0] ?? null, 'auto'))
  const sensors: Sensor[] = Array.from({ length: sensorCount }, (_, i) => ({
    id: `s-${i}`,
    party: pick(random, ids),
    position: { lat: 33 + random() * 12, lon: 124 + random() * 14 },
    altitudeKm: random() * 0.5,
    maxRangeKm: 500 + random() * 1500,
    minElevationDeg: random() * 2,
    kFactor: 4 / 3,
    reportDelayS: random() * 120,
  }))
  const start = Temporal.Instant.from('2019-10-31T07:35:00Z').epochMilliseconds
  const launches: Launch[] = Array.from({ length: launchCount }, (_, i) => {
    const site = { lat: 38.5 + random() * 3, lon: 124.5 + random() * 5 }
    const rangeKm = 150 + random() * 1500
    return {
      id: `l-${i}`,
      timeMs: start + i * 600_000,
      site,
      impact: destinationPoint(site, 45 + random() * 90, rangeKm),
      rangeKm,
      apogeeKm: 50 + random() * 500,
      topic: asTopic('dprk-missile'),
      marking: new Map<PartyId, Level>(ids.map((p) => [p, pick(random, LEVELS.slice(1))])),
    }
  })
  return {
    name: 'generated',
    registry: { timeZone: 'Asia/Seoul', parties, agreements },
    sensors,
    launches,
    requests: [],
  }
}

function agreement(
  id: string,
  parties: PartyId[],
  hub: PartyId | null,
  release: Agreement['terms']['release'],
): Agreement {
  return {
    id: asAgreementId(id),
    title: id,
    kind: hub === null ? (parties.length === 2 ? 'bilateral' : 'multilateral') : 'mediated',
    parties,
    hub,
    terms: {
      topics: 'all',
      equivalence: [1, 2, 3].map((n) => Object.fromEntries(parties.map((p) => [p, LEVELS[n]]))),
      release,
    },
    term: { initial: Temporal.Duration.from('P100Y'), renewal: null, notice: null },
    approvalDelayS: 60,
    linkLatencyMs: 100,
    relayDelayS: 5,
    events: [{ date: Temporal.PlainDate.from('2000-01-01'), type: 'entry-into-force' }],
  }
}

export function benchSimulate(launchCount = 10_000): Record<string, number> {
  const input = generateSimulation(launchCount)
  const t0 = performance.now()
  // Launch by launch, as `simulate` does, without keeping millions of events in memory.
  const index = buildRegistryIndex(input.registry)
  let events = 0
  for (const launch of input.launches) {
    for (const party of simulateLaunch(index, input, launch).parties) events += party.events.length
  }
  const wallMs = performance.now() - t0
  return {
    launches: launchCount,
    parties: input.registry.parties.size,
    sensors: input.sensors.length,
    timeline_events: events,
    wall_ms: Math.round(wallMs),
  }
}
