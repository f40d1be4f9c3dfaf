import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { loadScenarioFile } from '../../src/scenario/load.ts'
import { toSimulationInput } from '../../src/scenario/to-domain.ts'
import { type LaunchResult, simulate, type SimulationResult } from '../../src/sim/simulate.ts'
import { ROOT } from '../helpers/cli.ts'

const PARTIES = ['KOR', 'USA', 'JPN'] as const

function run(whatIfs: string[] = []): SimulationResult {
  const loaded = loadScenarioFile(`${ROOT}scenarios/dprk-2019.yaml`, whatIfs)
  assert.ok(loaded.ok, 'the 2019 series loads')
  return simulate(toSimulationInput(loaded.doc), whatIfs)
}

const BOOSTED = run()
const ARC = run(['no-boost'])

function party(launch: LaunchResult | undefined, id: string) {
  const found = launch?.parties.find((p) => p.party === id)
  assert.ok(found, `${launch?.id ?? '?'} has ${id}`)
  return found
}

const one = (x: number | null): string => (x === null ? '—' : x.toFixed(1))

/** The row docs/series-2019.md must show for a launch, from the simulator's results. */
function expectedCells(boosted: LaunchResult, arc: LaunchResult | undefined): string[] {
  const seconds = (key: 'detectedSeconds' | 'knowsSeconds'): string =>
    PARTIES.map((p) => one(party(boosted, p)[key])).join(' / ')
  const first = (key: 'detectedSeconds' | 'knowsSeconds'): string =>
    [...boosted.parties]
      .filter((p) => p[key] !== null)
      .sort((a, b) => (a[key] ?? 0) - (b[key] ?? 0))[0]?.party ?? '—'
  const lead = (launch: LaunchResult | undefined): string => {
    const jpn = party(launch, 'JPN').detectedSeconds
    const kor = party(launch, 'KOR').detectedSeconds
    return jpn === null || kor === null ? 'JPN never' : one(jpn - kor)
  }
  return [
    seconds('detectedSeconds'),
    first('detectedSeconds'),
    seconds('knowsSeconds'),
    first('knowsSeconds'),
    `${lead(boosted)} / ${lead(arc)}`,
  ]
}

describe('the 2019 series (scenarios/dprk-2019.yaml)', () => {
  it('runs every launch, with and without the boost', () => {
    assert.equal(BOOSTED.launches.length, 25)
    assert.equal(ARC.launches.length, 25)
    for (const [i, launch] of BOOSTED.launches.entries()) {
      const arcFlight = ARC.launches[i]?.flightSeconds ?? Infinity
      assert.ok(launch.flightSeconds > arcFlight, `${launch.id}: the boost lengthens the flight`)
    }
  })

  it('the seed: Korea detects first in every launch, with and without the boost', () => {
    for (const result of [BOOSTED, ARC]) {
      for (const launch of result.launches) {
        const kor = party(launch, 'KOR').detectedSeconds ?? Infinity
        for (const other of ['USA', 'JPN']) {
          const s = party(launch, other).detectedSeconds ?? Infinity
          assert.ok(
            kor < s,
            `${launch.id} (${result.whatIfs.join() || 'boost'}): KOR ${kor} s, ${other} ${s} s`,
          )
        }
      }
    }
  })

  it('docs/series-2019.md shows what the simulator says, launch by launch', () => {
    const doc = readFileSync(`${ROOT}docs/series-2019.md`, 'utf8')
    const rows = new Map(
      doc
        .split('\n')
        .filter((line) => /^\| 2019-\d\d-\d\d/.test(line) && line.split('|').length === 12)
        .map((line) => {
          const cells = line.split('|').map((cell) => cell.trim())
          return [cells[1] ?? '', cells.slice(6, 11)]
        }),
    )
    assert.equal(rows.size, 25, 'one row per launch in the first table')
    for (const [i, launch] of BOOSTED.launches.entries()) {
      assert.deepEqual(
        rows.get(launch.id),
        expectedCells(launch, ARC.launches[i]),
        `${launch.id}: regenerate the table (see docs/series-2019.md)`,
      )
    }
  })

  it('docs/series-2019.md shows the warnings as in 2019, under gsomia-auto and had the notice run', () => {
    const doc = readFileSync(`${ROOT}docs/series-2019.md`, 'utf8')
    const rows = new Map(
      doc
        .split('\n')
        .filter((line) => /^\| 2019-\d\d-\d\d/.test(line) && line.split('|').length === 8)
        .map((line) => {
          const cells = line.split('|').map((cell) => cell.trim())
          return [cells[1] ?? '', cells.slice(3, 7)]
        }),
    )
    assert.equal(rows.size, 25, 'one row per launch in the second table')
    const variants = [BOOSTED, run(['gsomia-auto']), run(['gsomia-lapsed', 'gsomia-auto'])]
    for (const [i, launch] of BOOSTED.launches.entries()) {
      const warnings = variants.map((result) => {
        const l = result.launches[i]
        return `${one(party(l, 'KOR').warningSeconds)} / ${one(party(l, 'JPN').warningSeconds)}`
      })
      assert.deepEqual(rows.get(launch.id), [one(launch.flightSeconds), ...warnings], launch.id)
    }
  })
})
