import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  readStixBundle,
  reportToStixBundle,
  splitLaunches,
  stixBundleToReport,
  supersessionToStixObjects,
  withdrawalToStixObjects,
  type StixReport,
} from '../../src/interop/stix.ts'
import { LAUNCH_TYPE, type StixObject } from '../../src/interop/stix-objects.ts'
import { koreanLaunchReport } from '../helpers/reports.ts'
import { stixValidator } from '../helpers/stix-schemas.ts'

/**
 * Issue 12, item 4: a correction is a new version of the same STIX objects (same ids, same
 * `created`, a later `modified`), a withdrawal the launch revoked; the import reads the newest.
 */
const validate = stixValidator()

const ISSUED_MS = Date.parse('2019-10-31T07:36:00Z')
const CORRECTED_MS = Date.parse('2019-10-31T07:41:30Z')
const WITHDRAWN_MS = Date.parse('2019-10-31T07:50:00Z')

const v1 = koreanLaunchReport({ createdAtMs: ISSUED_MS })
const v2: StixReport = {
  ...v1,
  level: 'MIL-I',
  localLevel: 'MIL-I',
  releasableTo: ['USA'],
  payload: { ...v1.payload, site: { lat: 39.52, lon: 125.71 }, count: 2, rangeKm: 420 },
  createdAtMs: CORRECTED_MS,
  version: 2,
}
const first = reportToStixBundle(v1).objects
const second = reportToStixBundle(v2, { firstCreatedAtMs: ISSUED_MS }).objects
const withdrawal = {
  reportId: v1.id,
  originator: 'KOR',
  reason: 'false alarm: a sensor fault',
  firstCreatedAtMs: ISSUED_MS,
  withdrawnAtMs: WITHDRAWN_MS,
}
const revoked = withdrawalToStixObjects(withdrawal)

const launchOf = (objects: readonly StixObject[]) => {
  const launch = objects.find((o) => o.type === LAUNCH_TYPE)
  assert.ok(launch, 'a launch')
  return launch
}
const bundle = (...lists: (readonly StixObject[])[]) => ({
  type: 'bundle',
  id: 'bundle--5d0f0e3c-1111-4222-8333-444455556666',
  objects: lists.flat(),
})

describe('STIX versions of a report (issue 12)', () => {
  it('a correction is a new version of the same objects: same id and created, modified later', () => {
    for (const type of [LAUNCH_TYPE, 'location', 'relationship']) {
      const before = first.filter((o) => o.type === type)
      const after = second.filter((o) => o.type === type)
      assert.deepEqual(
        after.map((o) => o.id),
        before.map((o) => o.id),
        `${type}: the same ids`,
      )
      for (const o of after) {
        assert.equal(o['created'], '2019-10-31T07:36:00.000Z', `${o.id}: created is version 1's`)
        assert.equal(
          o['modified'],
          '2019-10-31T07:41:30.000Z',
          `${o.id}: modified is the correction's`,
        )
      }
    }
    assert.equal(launchOf(second)['report_version'], 2)
    assert.equal(launchOf(first)['report_version'], undefined, 'version 1 exports as before')
    // A marking definition is never versioned: the correction's marking is another object.
    const markingOf = (objects: readonly StixObject[]) =>
      objects.find((o) => o.type === 'marking-definition')
    assert.notEqual(markingOf(second)?.id, markingOf(first)?.id)
    assert.equal(markingOf(second)?.['name'], 'KOR MIL-I REL TO USA')
    assert.deepEqual(launchOf(second)['object_marking_refs'], [markingOf(second)?.id])
    for (const object of second) assert.deepEqual(validate(object), [], object.id)
  })

  it('the import reads the newest version, in whatever order the versions come', () => {
    for (const objects of [bundle(first, second), bundle(second, first)]) {
      const back = stixBundleToReport(JSON.parse(JSON.stringify(objects)))
      assert.ok(back.ok, JSON.stringify(back))
      assert.equal(back.value.version, 2)
      assert.equal(back.value.level, 'MIL-I')
      assert.deepEqual(back.value.releasableTo, ['USA'])
      assert.equal(back.value.payload['rangeKm'], 420)
      assert.equal(back.value.createdAtMs, CORRECTED_MS, "the version's own instant")
      const reading = readStixBundle(JSON.parse(JSON.stringify(objects)))
      assert.ok(reading.ok && reading.value.status === 'current')
      // Each version is read with its own objects: version 1 with the site it had then.
      assert.deepEqual(
        reading.value.versions.map((v) => [v.version ?? 1, v.createdAtMs, v.payload['site']]),
        [
          [1, ISSUED_MS, v1.payload['site']],
          [2, CORRECTED_MS, v2.payload['site']],
        ],
      )
    }
  })

  it('a withdrawal is the launch revoked, carrying its id, originator and reason only', () => {
    const launch = launchOf(revoked)
    assert.equal(launch.id, launchOf(first).id)
    assert.equal(launch['revoked'], true)
    assert.equal(launch['created'], '2019-10-31T07:36:00.000Z')
    assert.equal(launch['modified'], '2019-10-31T07:50:00.000Z')
    // Nothing of any version's content: no facts, no places, no marking, no topic.
    assert.deepEqual(Object.keys(launch).sort(), [
      'created',
      'created_by_ref',
      'extensions',
      'id',
      'modified',
      'report_id',
      'revoked',
      'spec_version',
      'type',
      'withdrawal_reason',
    ])
    assert.deepEqual(
      revoked
        .filter((o) => o.type !== LAUNCH_TYPE && o.type !== 'extension-definition')
        .map((o) => o.type),
      ['identity', 'identity'],
      "Entente's identity and the originator's, to which created_by_ref points",
    )
    for (const object of revoked) assert.deepEqual(validate(object), [], object.id)
  })

  it('a superseded notice is a version of the launch with no content, valid STIX, read back as nothing to store', () => {
    const notice = supersessionToStixObjects({
      reportId: withdrawal.reportId,
      originator: withdrawal.originator,
      supersededByVersion: 2,
      firstCreatedAtMs: ISSUED_MS,
      supersededAtMs: CORRECTED_MS,
    })
    const launch = launchOf(notice)
    assert.equal(launch.id, launchOf(first).id)
    assert.equal(launch['modified'], '2019-10-31T07:41:30.000Z')
    assert.equal(launch['superseded_by_version'], 2)
    assert.equal(launch['revoked'], undefined)
    for (const object of notice) assert.deepEqual(validate(object), [], object.id)
    const read = stixBundleToReport(bundle(first, notice))
    assert.equal(read.ok, false)
    assert.match(
      JSON.stringify(read),
      /superseded_by_version: this copy is superseded by version 2/,
    )
  })

  it('a revoked newest version reads back as withdrawn, with the version before it when carried', () => {
    const alone = readStixBundle(bundle(revoked))
    assert.ok(alone.ok, JSON.stringify(alone))
    assert.deepEqual(alone.value, {
      status: 'withdrawn',
      withdrawal: {
        reportId: v1.id,
        originator: 'KOR',
        reason: 'false alarm: a sensor fault',
        withdrawnAtMs: WITHDRAWN_MS,
      },
      report: null,
      versions: [],
    })
    const all = readStixBundle(bundle(revoked, second, first))
    assert.ok(all.ok && all.value.status === 'withdrawn', JSON.stringify(all))
    assert.equal(all.value.report?.version, 2, 'the last version before the withdrawal')
    assert.deepEqual(
      all.value.versions.map((v) => v.version ?? 1),
      [1, 2],
    )
    const refused = stixBundleToReport(bundle(first, revoked))
    assert.ok(!refused.ok)
    assert.match(refused.issues[0], /revoked: report .* was withdrawn by its originator/)
  })

  it('a TAXII envelope is cut by launch id: every version of a launch goes in one bundle', () => {
    const other = reportToStixBundle({ ...v1, id: 'ffffffff-3b1d-4c2e-9f8a-1b2c3d4e5f60' }).objects
    const { bundles, others } = splitLaunches([...first, ...other, ...second])
    assert.equal(bundles.length, 2)
    const launches = bundles.map((b) => b.objects.filter((o) => o.type === LAUNCH_TYPE).length)
    assert.deepEqual(launches, [2, 1])
    assert.deepEqual(
      [...new Set(others.map((o) => o.type))].sort(),
      ['extension-definition', 'identity'],
      "only Entente's definitions are left apart",
    )
    const back = stixBundleToReport(bundles[0])
    assert.ok(back.ok && back.value.version === 2, JSON.stringify(back))
  })
})
