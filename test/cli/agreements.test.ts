import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { entente, isCleanError, json, REFERENCE } from '../helpers/cli.ts'

interface Row {
  id: string
  parties: string[]
  status: string
  since: string | null
  periodEnd: string | null
  pendingTermination: string | null
  terminatedAt: string | null
}

function gsomiaAt(at: string, ...whatIfs: string[]): Row {
  const run = entente(
    'agreements',
    '--scenario',
    REFERENCE,
    '--at',
    at,
    '--json',
    ...whatIfs.flatMap((w) => ['--what-if', w]),
  )
  assert.equal(run.status, 0, run.stderr)
  const row = json<Row[]>(run).find((r) => r.id === 'kor-jpn-gsomia')
  assert.ok(row, 'kor-jpn-gsomia is listed')
  return row
}

describe('entente agreements', () => {
  it('2019-10-31: the GSOMIA is in force with its termination pending at 2019-11-23T00:00+09:00', () => {
    const row = gsomiaAt('2019-10-31T16:35:00+09:00')
    assert.equal(row.status, 'in-force')
    assert.deepEqual(row.parties, ['KOR', 'JPN'])
    assert.equal(row.since, '2016-11-23T00:00:00+09:00')
    assert.equal(row.pendingTermination, '2019-11-23T00:00:00+09:00')
    assert.equal(row.terminatedAt, null)
  })

  it('2019-11-25 with the suspension: still in force; with gsomia-lapsed: terminated at 2019-11-23', () => {
    assert.equal(gsomiaAt('2019-11-25').status, 'in-force')
    assert.equal(gsomiaAt('2019-11-25').pendingTermination, null)
    const lapsed = gsomiaAt('2019-11-25', 'gsomia-lapsed')
    assert.equal(lapsed.status, 'terminated')
    assert.equal(lapsed.terminatedAt, '2019-11-23T00:00:00+09:00')
  })

  it('a bare date means 00:00 in the scenario zone: the GSOMIA is not yet in force the day before', () => {
    assert.equal(gsomiaAt('2016-11-22').status, 'not-yet-in-force')
    assert.equal(gsomiaAt('2016-11-23').status, 'in-force')
  })

  it('lists every agreement of the reference scenario in a table by default', () => {
    const run = entente('agreements', '--scenario', REFERENCE, '--at', '2019-10-31')
    assert.equal(run.status, 0)
    for (const id of ['kor-jpn-gsomia', 'jpn-usa-gsomia', 'kor-usa', 'tisa'])
      assert.match(run.stdout, new RegExp(id))
  })

  it('history gives every interval in force and every event with its effect', () => {
    const run = entente(
      'agreements',
      'history',
      'kor-jpn-gsomia',
      '--scenario',
      REFERENCE,
      '--json',
    )
    assert.equal(run.status, 0, run.stderr)
    const history = json<{
      intervalsInForce: { from: string; until: string | null }[]
      events: { type: string; effect: string }[]
    }>(run)
    assert.equal(history.intervalsInForce[0]?.from, '2016-11-23T00:00:00+09:00')
    const notice = history.events.find((e) => e.type === 'notice-of-termination')
    assert.match(notice?.effect ?? '', /2019-11-23T00:00:00\+09:00/)
    const lapsed = entente(
      'agreements',
      'history',
      'kor-jpn-gsomia',
      '--scenario',
      REFERENCE,
      '--what-if',
      'gsomia-lapsed',
      '--json',
    )
    assert.equal(
      json<{ intervalsInForce: { until: string }[] }>(lapsed).intervalsInForce[0]?.until,
      '2019-11-23T00:00:00+09:00',
    )
  })

  it('bad input is one clear line and exit 2', () => {
    const cases = [
      entente('agreements', '--scenario', REFERENCE, '--at', 'yesterday-ish'),
      entente('agreements', '--scenario', 'no/such/file.yaml'),
      entente('agreements', '--scenario', REFERENCE, '--what-if', 'no-such-what-if'),
      entente('agreements', 'history', 'no-such-agreement', '--scenario', REFERENCE),
      entente('agreements', '--at', '2019-10-31'),
    ]
    for (const run of cases) assert.ok(isCleanError(run), `exit ${run.status}: ${run.stderr}`)
    assert.match(cases[0]?.stderr ?? '', /--at/)
    assert.match(cases[2]?.stderr ?? '', /gsomia-lapsed/)
  })
})
