import { Temporal } from 'temporal-polyfill'
import { asTopic } from '../src/domain/ids.ts'
import type { ReportFacts } from '../src/domain/registry.ts'
import { buildRegistryIndex } from '../src/domain/registry-index.ts'
import { decideRelease, type ReleaseQuery } from '../src/domain/release.ts'
import { findReleasePath } from '../src/domain/routing.ts'
import { loadScenarioFile } from '../src/scenario/load.ts'
import { toSimulationInput } from '../src/scenario/to-domain.ts'
import { measureRate, pick, seededRandom } from './prng.ts'

const TOPICS = ['dprk-missile', 'dprk-nuclear', 'cyber'].map(asTopic)
const QUERIES = 4096

/**
 * Release decisions and path queries on a real scenario's registry: each query an originator,
 * a recipient (four times in five one it shares an agreement with, as in the generated registry's
 * mix; else any other party), one of the originator's non-public levels, a topic and an instant
 * of 2019.
 * Figures are prefixed with `label` so that scenarios print side by side.
 */
export function benchScenarioRelease(
  label: string,
  file: string,
  seconds: number,
): Record<string, number> {
  const tLoad = performance.now()
  const loaded = loadScenarioFile(file)
  if (!loaded.ok) throw new Error(`${file} does not load`)
  const registry = toSimulationInput(loaded.doc).registry
  const tIndex = performance.now()
  const index = buildRegistryIndex(registry)
  const tBuilt = performance.now()
  const random = seededRandom(13)
  const parties = [...registry.parties.values()]
  const startMs = Temporal.ZonedDateTime.from('2019-01-01T00:00[Asia/Seoul]').epochMilliseconds
  const yearMs = 365 * 86_400_000
  const queries: ReleaseQuery[] = Array.from({ length: QUERIES }, () => {
    const originator = pick(random, parties)
    const others = parties.filter((p) => p.id !== originator.id)
    const partners = [...(index.between.get(originator.id)?.keys() ?? [])]
    const report: ReportFacts = {
      id: null,
      originator: originator.id,
      level: pick(
        random,
        originator.levels.filter((l) => l !== originator.public),
      ),
      topic: pick(random, TOPICS),
      releasableTo: null,
    }
    return {
      holder: originator.id,
      recipient:
        partners.length > 0 && random() < 0.8 ? pick(random, partners) : pick(random, others).id,
      report,
      atMs: startMs + Math.floor(random() * yearMs),
    }
  })
  let allowed = 0
  const direct = measureRate((i) => {
    if (decideRelease(index, queries[i % QUERIES] as ReleaseQuery).decision === 'allowed') allowed++
  }, seconds)
  let routed = 0
  const paths = measureRate((i) => {
    if (findReleasePath(index, queries[i % QUERIES] as ReleaseQuery).decision === 'allowed')
      routed++
  }, seconds)
  return {
    [`${label}_parties`]: registry.parties.size,
    [`${label}_agreements`]: registry.agreements.length,
    [`${label}_load_ms`]: Math.round((tIndex - tLoad) * 10) / 10,
    [`${label}_index_build_ms`]: Math.round((tBuilt - tIndex) * 100) / 100,
    [`${label}_decisions_per_s`]: direct.perSecond,
    [`${label}_allowed_share`]: Math.round((allowed / direct.calls) * 1000) / 1000,
    [`${label}_path_queries_per_s`]: paths.perSecond,
    [`${label}_path_allowed_share`]: Math.round((routed / paths.calls) * 1000) / 1000,
  }
}
