import { Temporal } from 'temporal-polyfill'
import type { Agreement, AgreementEvent } from '../src/domain/agreement.ts'
import { asAgreementId, asLevel, asPartyId, asTopic, type PartyId } from '../src/domain/ids.ts'
import type { Party } from '../src/domain/party.ts'
import type { Registry, ReportFacts } from '../src/domain/registry.ts'
import { buildRegistryIndex } from '../src/domain/registry-index.ts'
import { decideRelease } from '../src/domain/release.ts'
import { findReleasePath } from '../src/domain/routing.ts'
import { loadScenarioFile } from '../src/scenario/load.ts'
import { toSimulationInput } from '../src/scenario/to-domain.ts'
import { measureRate, pick, seededRandom } from './prng.ts'
import { benchScenarioRelease } from './release-scenarios.ts'

const ZONE = 'Asia/Seoul'
const LEVELS = ['L0', 'L1', 'L2', 'L3'].map(asLevel)
const TOPICS = ['dprk-missile', 'dprk-nuclear', 'cyber', 'maritime'].map(asTopic)

/** 200 parties and 2,000 agreements with histories (notices, suspensions, amendments). */
export function generateRegistry(parties = 200, agreements = 2000, seed = 7): Registry {
  const random = seededRandom(seed)
  const ids = Array.from({ length: parties }, (_, i) => asPartyId(`P${String(i).padStart(3, '0')}`))
  const partyMap = new Map<PartyId, Party>(
    ids.map((id) => [id, { id, name: id, levels: LEVELS, public: asLevel('L0') }]),
  )
  const list: Agreement[] = []
  for (let i = 0; i < agreements; i++) {
    const roll = random()
    const size = roll < 0.85 ? 2 : 3 + Math.floor(random() * 3)
    const members = new Set<PartyId>()
    while (members.size < size) members.add(pick(random, ids))
    const memberList = [...members]
    const kind = size === 2 ? 'bilateral' : roll < 0.95 ? 'multilateral' : 'mediated'
    const entry = Temporal.PlainDate.from('1990-01-01').add({ days: Math.floor(random() * 11_000) })
    list.push({
      id: asAgreementId(`g-${i}`),
      title: `agreement ${i}`,
      kind,
      parties: memberList,
      hub: kind === 'mediated' ? (memberList[0] as PartyId) : null,
      terms: {
        topics: random() < 0.5 ? 'all' : [pick(random, TOPICS), pick(random, TOPICS)],
        equivalence: [1, 2, 3].map((n) =>
          Object.fromEntries(memberList.map((p) => [p, LEVELS[n]])),
        ),
        release: pick(random, ['auto', 'manual', 'on-request'] as const),
      },
      term: {
        initial: Temporal.Duration.from('P1Y'),
        renewal: Temporal.Duration.from('P1Y'),
        notice: Temporal.Duration.from('P90D'),
      },
      approvalDelayS: 60,
      linkLatencyMs: 10 + Math.floor(random() * 100),
      relayDelayS: 5,
      events: history(random, entry, memberList),
    })
  }
  return { timeZone: ZONE, parties: partyMap, agreements: list }
}

function history(
  random: () => number,
  entry: Temporal.PlainDate,
  parties: PartyId[],
): AgreementEvent[] {
  const events: AgreementEvent[] = [{ date: entry, type: 'entry-into-force' }]
  let date = entry
  for (let k = 0; k < 3; k++) {
    date = date.add({ days: 200 + Math.floor(random() * 2000) })
    const by = pick(random, parties)
    const roll = random()
    if (roll < 0.3) events.push({ date, type: 'notice-of-termination', by })
    else if (roll < 0.5) events.push({ date, type: 'notice-suspended', by })
    else if (roll < 0.7) events.push({ date, type: 'amendment', changes: { topics: 'all' } })
  }
  return events
}

export function benchRelease(seconds = 2): Record<string, number> {
  const t0 = performance.now()
  const registry = generateRegistry()
  const tGenerated = performance.now()
  const index = buildRegistryIndex(registry)
  const indexMs = performance.now() - tGenerated
  const random = seededRandom(11)
  const queries = Array.from({ length: 4096 }, () => {
    const agreement = pick(random, registry.agreements)
    const holder = pick(random, agreement.parties)
    const recipient =
      random() < 0.8
        ? pick(
            random,
            agreement.parties.filter((p) => p !== holder),
          )
        : pick(random, [...registry.parties.keys()])
    const report: ReportFacts = {
      id: null,
      originator: holder,
      level: pick(random, LEVELS.slice(1)),
      topic: pick(random, TOPICS),
      releasableTo: null,
    }
    const atMs = Temporal.PlainDate.from('1995-01-01')
      .add({ days: Math.floor(random() * 12_000) })
      .toZonedDateTime({ timeZone: ZONE }).epochMilliseconds
    return {
      holder,
      recipient:
        recipient === holder ? (agreement.parties.find((p) => p !== holder) as PartyId) : recipient,
      report,
      atMs,
    }
  })
  let allowed = 0
  const direct = measureRate((i) => {
    if (decideRelease(index, queries[i & 4095] as (typeof queries)[number]).decision === 'allowed')
      allowed++
  }, seconds)
  const paths = measureRate((i) => {
    const q = queries[i & 4095] as (typeof queries)[number]
    findReleasePath(index, { recipient: q.recipient, report: q.report, atMs: q.atMs })
  }, seconds / 2)
  const tLoad = performance.now()
  const loaded = loadScenarioFile('scenarios/korea-japan-2019.yaml')
  if (!loaded.ok) throw new Error('reference scenario does not load')
  buildRegistryIndex(toSimulationInput(loaded.doc).registry)
  const loadMs = performance.now() - tLoad
  return {
    parties: registry.parties.size,
    agreements: registry.agreements.length,
    generate_ms: Math.round(tGenerated - t0),
    index_build_ms: Math.round(indexMs),
    decisions_per_s: direct.perSecond,
    allowed_share: Math.round((allowed / direct.calls) * 1000) / 1000,
    path_queries_per_s: paths.perSecond,
    reference_scenario_load_ms: Math.round(loadMs * 10) / 10,
    // The same engine on the real registries: the reference case and the 2019 networks.
    ...benchScenarioRelease('reference', 'scenarios/korea-japan-2019.yaml', seconds / 2),
    ...benchScenarioRelease('networks', 'scenarios/networks-2019.yaml', seconds / 2),
  }
}
