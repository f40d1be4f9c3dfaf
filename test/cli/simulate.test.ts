import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { entente, isCleanError, json, REFERENCE, ROOT } from '../helpers/cli.ts'

interface Result {
  scenario: string
  whatIfs: string[]
  launches: {
    id: string
    flightSeconds: number
    parties: { party: string; warningSeconds: number | null; path: string[] | null }[]
  }[]
}

/** The reference scenario with one launch field replaced. */
function withLaunch(field: string, value: string): string {
  const text = readFileSync(join(ROOT, REFERENCE), 'utf8').replace(
    new RegExp(`(    ${field}: )\\S+`),
    `$1${value}`,
  )
  const file = join(mkdtempSync(join(tmpdir(), 'entente-sim-')), 'scenario.yaml')
  writeFileSync(file, text)
  return file
}

describe('entente simulate', () => {
  it('prints byte-identical JSON for identical input', () => {
    const a = entente('simulate', '--scenario', REFERENCE, '--what-if', 'japan-asks', '--json')
    const b = entente('simulate', '--scenario', REFERENCE, '--what-if', 'japan-asks', '--json')
    assert.equal(a.status, 0, a.stderr)
    assert.equal(a.stdout, b.stdout)
    const result = json<Result>(a)
    assert.deepEqual(result.whatIfs, ['japan-asks'])
    assert.equal(result.launches.length, 2)
  })

  it('flies the reference launches with their boost, and without it under no-boost', () => {
    const baseline = json<Result>(entente('simulate', '--scenario', REFERENCE, '--json'))
    const arc = json<Result>(
      entente('simulate', '--scenario', REFERENCE, '--what-if', 'no-boost', '--json'),
    )
    assert.deepEqual(
      baseline.launches.map((l) => l.flightSeconds),
      [307.604, 307.604],
    )
    assert.deepEqual(
      arc.launches.map((l) => l.flightSeconds),
      [278.026, 278.026],
    )
  })

  it('bad input: a burn-out above the apogee names the field and both figures', () => {
    const run = entente('simulate', '--scenario', withLaunch('burnout_altitude_km', '95'))
    assert.ok(isCleanError(run), `exit ${run.status}: ${run.stderr}`)
    assert.match(
      run.stderr,
      /launches\[0\]\.boost\.burnout_altitude_km: burnout_altitude_km 95 must be below the launch's apogee_km 90/,
    )
  })

  it('--compare --json is an array, baseline first, then each what-if alone', () => {
    const run = entente(
      'simulate',
      '--scenario',
      REFERENCE,
      '--compare',
      '--what-if',
      'gsomia-lapsed',
      '--what-if',
      'auto-release',
      '--json',
    )
    assert.equal(run.status, 0, run.stderr)
    const results = json<Result[]>(run)
    assert.deepEqual(
      results.map((r) => r.whatIfs),
      [[], ['gsomia-lapsed'], ['auto-release']],
    )
  })

  it('--compare prints one table per launch with the difference and why', () => {
    const run = entente(
      'simulate',
      '--scenario',
      REFERENCE,
      '--compare',
      '--what-if',
      'gsomia-lapsed',
      '--what-if',
      'no-gsomia',
    )
    assert.equal(run.status, 0, run.stderr)
    assert.match(run.stdout, /PARTY\s+baseline\s+gsomia-lapsed\s+no-gsomia/)
    assert.match(run.stdout, /Why:/)
    assert.ok(run.stdout.split('\n').length < 60, 'fits on one screen')
  })

  it('bad input: unknown what-if, apogee 0, a range of 30,000 km', () => {
    const unknown = entente('simulate', '--scenario', REFERENCE, '--what-if', 'no-such')
    const apogee = entente('simulate', '--scenario', withLaunch('apogee_km', '0'))
    const range = entente('simulate', '--scenario', withLaunch('range_km', '30000'))
    for (const run of [unknown, apogee, range])
      assert.ok(isCleanError(run), `exit ${run.status}: ${run.stderr}`)
    assert.match(unknown.stderr, /no-such/)
    assert.match(apogee.stderr, /apogee_km/)
    assert.match(range.stderr, /range_km/)
  })
})
