import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { entente, isCleanError, json, REFERENCE } from '../helpers/cli.ts'

interface Decision {
  decision: 'allowed' | 'denied'
  path: string[]
  hops: { from: string; to: string; agreement: string | null; level: string | null }[]
  levelAtRecipient: string | null
  reasons: { code: string; message: string }[]
}

function release(...args: string[]) {
  return entente('release', '--scenario', REFERENCE, '--topic', 'dprk-missile', '--json', ...args)
}

describe('entente release', () => {
  it('2019-10-31 KOR → JPN MIL-II: allowed directly under the GSOMIA (exit 0)', () => {
    const run = release('--from', 'KOR', '--to', 'JPN', '--level', 'MIL-II', '--at', '2019-10-31')
    assert.equal(run.status, 0, run.stderr)
    const d = json<Decision>(run)
    assert.equal(d.decision, 'allowed')
    assert.deepEqual(d.path, ['KOR', 'JPN'])
    assert.equal(d.hops[0]?.agreement, 'kor-jpn-gsomia')
    assert.deepEqual(d.reasons, [])
  })

  it('no-gsomia: direct denied, allowed by KOR → USA → JPN under the trilateral arrangement', () => {
    const run = release(
      '--from',
      'KOR',
      '--to',
      'JPN',
      '--level',
      'MIL-II',
      '--at',
      '2019-10-31',
      '--what-if',
      'no-gsomia',
    )
    assert.equal(run.status, 0, run.stderr)
    const d = json<Decision>(run)
    assert.deepEqual(d.path, ['KOR', 'USA', 'JPN'])
    assert.deepEqual(
      d.hops.map((h) => h.agreement),
      ['tisa', 'tisa'],
    )
  })

  // A topic outside TISA, so that no relay path exists either: the denial stands.
  it('gsomia-lapsed, 2019-11-25, another topic: denied AGREEMENT_NOT_IN_FORCE (exit 3)', () => {
    const run = release(
      '--from',
      'KOR',
      '--to',
      'JPN',
      '--level',
      'MIL-II',
      '--at',
      '2019-11-25',
      '--what-if',
      'gsomia-lapsed',
      '--topic',
      'cyber',
    )
    assert.equal(run.status, 3)
    const d = json<Decision>(run)
    assert.equal(d.decision, 'denied')
    const notInForce = d.reasons.find((r) => r.code === 'AGREEMENT_NOT_IN_FORCE')
    assert.match(notInForce?.message ?? '', /ended at 2019-11-23T00:00:00\+09:00/)
  })

  it('gsomia-lapsed, 2019-11-25, DPRK missiles: the direct denial is explained and TISA carries it', () => {
    const run = release(
      '--from',
      'KOR',
      '--to',
      'JPN',
      '--level',
      'MIL-II',
      '--at',
      '2019-11-25',
      '--what-if',
      'gsomia-lapsed',
    )
    assert.equal(run.status, 0, run.stderr)
    const d = json<Decision & { grounds: { code: string; message: string }[] }>(run)
    assert.deepEqual(d.path, ['KOR', 'USA', 'JPN'])
    assert.equal(d.grounds[0]?.code, 'RELAY_PATH')
    assert.match(
      d.grounds[0]?.message ?? '',
      /AGREEMENT_NOT_IN_FORCE: kor-jpn-gsomia is not in force: it ended at 2019-11-23T00:00:00\+09:00/,
    )
  })

  it('a holder that is not the originator needs consent (R4)', () => {
    const run = release(
      '--from',
      'JPN',
      '--to',
      'USA',
      '--originator',
      'KOR',
      '--level',
      'MIL-II',
      '--at',
      '2019-10-31',
    )
    assert.equal(run.status, 3)
    assert.ok(json<Decision>(run).reasons.some((r) => r.code === 'NO_ORIGINATOR_CONSENT'))
  })

  // MIL-I is outside the GSOMIA, and TISA's standing consent does not cover cyber: no path.
  it('the text output explains the decision', () => {
    const run = entente(
      'release',
      '--scenario',
      REFERENCE,
      '--from',
      'KOR',
      '--to',
      'JPN',
      '--level',
      'MIL-I',
      '--topic',
      'cyber',
      '--at',
      '2019-10-31',
    )
    assert.equal(run.status, 3)
    assert.match(run.stdout, /DENIED/)
    assert.match(run.stdout, /LEVEL_NOT_COVERED/)
  })

  it('bad input exits 2 with one line naming the option', () => {
    const unknownParty = release('--from', 'KOR', '--to', 'PRK', '--level', 'MIL-II')
    const unknownLevel = release('--from', 'KOR', '--to', 'JPN', '--level', 'SECRET')
    const missing = entente('release', '--scenario', REFERENCE, '--from', 'KOR')
    for (const run of [unknownParty, unknownLevel, missing])
      assert.ok(isCleanError(run), `exit ${run.status}: ${run.stderr}`)
    assert.match(unknownParty.stderr, /--to: 'PRK'/)
    assert.match(unknownLevel.stderr, /--level: 'SECRET' is not a level of KOR/)
  })

  it('item 9: --releasable-to (repeatable) is the report releasability list, not a crash', () => {
    const args = ['--from', 'KOR', '--to', 'JPN', '--level', 'MIL-II', '--at', '2019-10-31']
    const listed = release(...args, '--releasable-to', 'JPN', '--releasable-to', 'USA')
    assert.equal(listed.status, 0, listed.stderr)
    assert.equal(json<Decision>(listed).decision, 'allowed')
    const unlisted = release(...args, '--releasable-to', 'USA')
    assert.equal(unlisted.status, 3, unlisted.stderr)
    assert.ok(json<Decision>(unlisted).reasons.some((r) => r.code === 'NOT_RELEASABLE_TO'))
    const unknown = release(...args, '--releasable-to', 'PRK')
    assert.ok(isCleanError(unknown), `exit ${unknown.status}: ${unknown.stderr}`)
    assert.match(unknown.stderr, /--releasable-to: 'PRK'/)
  })
})
