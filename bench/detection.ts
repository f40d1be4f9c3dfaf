// `node --import tsx bench/detection.ts`: first-detection solutions per second on one core,
// for launches from the north of the Korean peninsula and sensors 100–1000 km from the track;
// the same pairs again with a boost phase (burn-out at a third of the apogee after 40 s).
import { pathToFileURL } from 'node:url'
import { firstDetectionSeconds } from '../src/sim/detection.ts'
import { destinationPoint, initialBearingDeg, intermediatePoint } from '../src/sim/geodesy.ts'
import { buildTrajectory, type Trajectory } from '../src/sim/trajectory.ts'
import type { SensorModel } from '../src/sim/visibility.ts'
import { measureRate, seededRandom } from './prng.ts'

const TRAJECTORY_COUNT = 400
const SENSORS_PER_TRAJECTORY = 25

interface Pair {
  readonly trajectory: Trajectory
  readonly sensor: SensorModel
}

function between(random: () => number, low: number, high: number): number {
  return low + random() * (high - low)
}

/** A launch from North Korea towards the Sea of Japan or the Pacific. */
function randomTrajectory(random: () => number): Trajectory {
  const site = { lat: between(random, 38.5, 41.5), lon: between(random, 124.5, 129.5) }
  const rangeKm = between(random, 150, 3000)
  const impact = destinationPoint(site, between(random, 45, 135), rangeKm)
  const apogeeKm = rangeKm < 1000 ? between(random, 40, 600) : between(random, 200, 1500)
  return buildTrajectory({ site, impact, apogeeKm })
}

/** A sensor beside the track, 100–1000 km from it, somewhere from before the site to past it. */
function randomSensor(random: () => number, trajectory: Trajectory): SensorModel {
  const along = intermediatePoint(trajectory.site, trajectory.impact, between(random, -0.3, 1.2))
  const side = random() < 0.5 ? 90 : -90
  const bearing = initialBearingDeg(along, trajectory.impact) + side
  return {
    position: destinationPoint(along, bearing, between(random, 100, 1000)),
    altitudeKm: random() < 0.8 ? between(random, 0, 0.5) : between(random, 8, 12),
    maxRangeKm: between(random, 500, 2500),
    minElevationDeg: between(random, 0, 3),
    kFactor: 4 / 3,
  }
}

export function generatePairs(seed = 11): Pair[] {
  const random = seededRandom(seed)
  const pairs: Pair[] = []
  for (let i = 0; i < TRAJECTORY_COUNT; i++) {
    const trajectory = randomTrajectory(random)
    for (let j = 0; j < SENSORS_PER_TRAJECTORY; j++) {
      pairs.push({ trajectory, sensor: randomSensor(random, trajectory) })
    }
  }
  return pairs
}

/** The same launch with a boost phase: 40 s to a third of its apogee. */
function boosted(trajectory: Trajectory): Trajectory {
  const { site, impact, apogeeKm } = trajectory
  const boost = { burnSeconds: 40, burnoutAltitudeKm: apogeeKm / 3 }
  return buildTrajectory({ site, impact, apogeeKm, boost })
}

/** Solutions per second over about 2 s (each set), trajectory builds over 0.5 s. */
export function benchDetection(): Promise<Record<string, number>> {
  return Promise.resolve(runBench())
}

function runBench(): Record<string, number> {
  const pairs = generatePairs()
  let detected = 0
  for (const { trajectory, sensor } of pairs) {
    if (firstDetectionSeconds(trajectory, sensor) !== null) detected++
  }
  let sink = 0
  const solve = measureRate((i) => {
    const pair = pairs[i % pairs.length] as Pair
    sink += firstDetectionSeconds(pair.trajectory, pair.sensor) ?? 0
  }, 2)
  const withBoost = pairs.map((pair) => ({ ...pair, trajectory: boosted(pair.trajectory) }))
  const solveBoosted = measureRate((i) => {
    const pair = withBoost[i % withBoost.length] as Pair
    sink += firstDetectionSeconds(pair.trajectory, pair.sensor) ?? 0
  }, 2)
  const random = seededRandom(5)
  const build = measureRate(() => {
    sink += randomTrajectory(random).flightSeconds
  }, 0.5)
  if (!Number.isFinite(sink)) throw new Error('benchmark produced a non-finite sum')
  return {
    pairs: pairs.length,
    detected_percent: Math.round((100 * detected) / pairs.length),
    solutions_per_s: solve.perSecond,
    solutions_per_s_boosted: solveBoosted.perSecond,
    trajectories_per_s: build.perSecond,
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const figures = await benchDetection()
  for (const [key, value] of Object.entries(figures)) {
    console.log(`detection  ${key.padEnd(28)} ${value.toLocaleString('en-US')}`)
  }
  console.log(JSON.stringify({ bench: 'detection', ...figures }))
}
