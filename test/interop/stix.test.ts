import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import {
  reportToStixBundle,
  splitLaunches,
  stixBundleToReport,
  type StixReport,
} from '../../src/interop/stix.ts'
import {
  LAUNCH_TYPE,
  MARKING_EXTENSION_ID,
  MARKING_MODIFIED_EXTENSION_ID,
  type StixObject,
} from '../../src/interop/stix-objects.ts'
import { koreanLaunchReport } from '../helpers/reports.ts'
import { REGION_OV, stixValidator } from '../helpers/stix-schemas.ts'

const validate = stixValidator()

/** Korea's report of the first launch of 31 October 2019, as JPN's node holds it. */
const received: StixReport = koreanLaunchReport({
  localLevel: 'HI',
  payload: {
    ...koreanLaunchReport().payload,
    count: 2,
    confidence: 'high',
    launchId: 'kor-2019-10-31-a',
    sensor: { kind: 'radar', id: 'green-pine-1' },
  },
  receivedFrom: 'KOR',
  agreement: 'kor-jpn-gsomia',
  path: ['KOR', 'JPN'],
  createdAtMs: Date.parse('2019-10-31T07:36:12.345Z'),
})

const own: StixReport = {
  ...received,
  id: '7d3f1e2a-8b4c-4d5e-a6f7-0a1b2c3d4e5f',
  localLevel: 'MIL-II',
  releasableTo: null,
  payload: {
    time: '2019-10-31T07:35:00.000Z',
    site: { lat: 39.41, lon: 125.89 },
    headingDeg: 68,
    rangeKm: 370,
    apogeeKm: 90,
  },
  receivedFrom: null,
  agreement: null,
  path: ['KOR'],
}

describe('STIX 2.1 export', () => {
  for (const [name, report] of [
    ['a received report', received],
    ['an own report', own],
    ['a NOFORN report', { ...own, releasableTo: [] }],
  ] as const) {
    it(`every object of ${name} validates against the official STIX 2.1 schemas`, () => {
      const bundle = reportToStixBundle(report, {
        partyName: (p) => (p === 'KOR' ? 'Republic of Korea' : undefined),
      })
      assert.equal(bundle.type, 'bundle')
      assert.match(
        bundle.id,
        /^bundle--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      )
      for (const object of bundle.objects)
        assert.deepEqual(validate(object), [], `${object.id}: ${JSON.stringify(object)}`)
      assert.equal(
        new Set(bundle.objects.map((o) => o.id)).size,
        bundle.objects.length,
        'ids are unique',
      )
    })
  }

  it('declares the launch through an extension-definition of type new-sdo, and marks it', () => {
    const objects = reportToStixBundle(received).objects
    const launch = objects.find((o) => o.type === LAUNCH_TYPE)
    assert.ok(launch)
    const [extId, ext] = Object.entries(launch['extensions'] as object)[0] as [
      string,
      { extension_type: string },
    ]
    assert.equal(ext.extension_type, 'new-sdo')
    const definition = objects.find((o) => o.id === extId)
    assert.deepEqual(definition?.['extension_types'], ['new-sdo'])
    const marking = objects.find((o) => o.id === (launch['object_marking_refs'] as string[])[0])
    assert.equal(marking?.type, 'marking-definition')
    assert.deepEqual((marking?.['extensions'] as Record<string, unknown>)[MARKING_EXTENSION_ID], {
      extension_type: 'property-extension',
      originator: 'KOR',
      classification: 'MIL-II',
      holder_classification: 'HI',
      releasability: 'listed',
      releasable_to: ['JPN', 'USA'],
    })
    assert.equal(marking?.['name'], 'KOR MIL-II REL TO JPN, USA')
    assert.equal(launch['launch_time'], '2019-10-31T07:35:00.000Z')
    assert.equal(launch['confidence'], 85)
    const links = objects
      .filter((o) => o.type === 'relationship')
      .map((o) => `${String(o['relationship_type'])}: ${String(o['description'])}`)
    assert.deepEqual(links.sort(), [
      'related-to: launch site',
      'related-to: predicted impact point',
      'related-to: received from KOR',
    ])
  })

  it("carries what the OASIS validator's --interop profile requires (issue 12)", () => {
    for (const report of [received, own, { ...own, level: 'PUBLIC', releasableTo: [] }]) {
      const objects = reportToStixBundle(report).objects
      const byId = new Map(objects.map((o) => [o.id, o]))
      const ofType = (type: string) => objects.filter((o) => o.type === type)
      for (const location of ofType('location'))
        assert.ok(REGION_OV.has(String(location['region'])), `${location.id}: region`)
      for (const marking of ofType('marking-definition')) {
        assert.equal(marking['modified'], marking['created'], `${marking.id}: modified`)
        const uses = marking['extensions'] as Record<string, { extension_type: string }>
        const declared = byId.get(MARKING_MODIFIED_EXTENSION_ID)
        assert.equal(
          uses[MARKING_MODIFIED_EXTENSION_ID]?.extension_type,
          'toplevel-property-extension',
        )
        assert.deepEqual(declared?.['extension_properties'], ['modified'])
      }
      // Every object names its producer, and every producer is an identity that names its own.
      for (const object of objects) {
        const producer = byId.get(String(object['created_by_ref']))
        assert.equal(producer?.type, 'identity', `${object.id}: created_by_ref`)
        assert.equal(
          typeof producer?.['created_by_ref'],
          'string',
          `${producer?.id}: created_by_ref`,
        )
      }
      for (const relationship of ofType('relationship'))
        assert.equal(relationship['relationship_type'], 'related-to', relationship.id)
    }
  })

  it('is reproducible: the same report gives the same bundle, ids are UUIDv5 of the report id', () => {
    assert.deepEqual(reportToStixBundle(received), reportToStixBundle(structuredClone(received)))
    const other = reportToStixBundle({ ...received, id: 'ffffffff-3b1d-4c2e-9f8a-1b2c3d4e5f60' })
    assert.notEqual(other.id, reportToStixBundle(received).id)
  })
})

/**
 * What STIX carries of a report: all but the originator's signature and, until STIX versions
 * are mapped (issue 12 item 4), the version fields (an issued report's: 1, null, null).
 */
function stixFields(report: object): object {
  const {
    originatorSignature: _signature,
    version: _version,
    supersession: _supersession,
    supersededBy: _supersededBy,
    ...fields
  } = report as Record<string, unknown>
  return fields
}

describe('STIX 2.1 import', () => {
  it('round-trips a report losslessly (report → bundle → report)', () => {
    for (const report of [received, own, { ...own, releasableTo: [] }]) {
      const back = stixBundleToReport(JSON.parse(JSON.stringify(reportToStixBundle(report))))
      assert.ok(back.ok, JSON.stringify(back))
      assert.deepEqual(back.value, stixFields(report))
    }
  })

  it('reads a bundle exported before issue 12 (typed relationships, no region, no marking modified)', () => {
    const OLD_TYPE: Record<string, string> = {
      'launch site': 'located-at',
      'predicted impact point': 'targets',
      'received from KOR': 'received-from',
    }
    const old = reportToStixBundle(received).objects.map((o): StixObject => {
      if (o.type === 'location') {
        const { region: _region, ...rest } = o
        return rest
      }
      if (o.type === 'marking-definition') {
        const { modified: _modified, ...rest } = o
        return rest
      }
      if (o.type !== 'relationship') return o
      const { description, ...rest } = o
      return { ...rest, relationship_type: OLD_TYPE[String(description)] }
    })
    assert.ok(old.every((o) => o['relationship_type'] !== 'related-to' && !('region' in o)))
    const back = stixBundleToReport({ type: 'bundle', id: 'bundle--x', objects: old })
    assert.ok(back.ok, JSON.stringify(back))
    assert.deepEqual(back.value, stixFields(received))
  })

  it('round-trips any payload of JSON facts (property)', () => {
    const latLon = fc.record({
      lat: fc.double({ min: -90, max: 90, noNaN: true }),
      lon: fc.double({ min: -180, max: 180, noNaN: true }),
    })
    const payload = fc.record(
      {
        time: fc
          .date({ min: new Date('1990-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString()),
        site: latLon,
        impact: latLon,
        headingDeg: fc.double({ min: 0, max: 359, noNaN: true }),
        rangeKm: fc.double({ min: 1, max: 19_000, noNaN: true }),
        count: fc.integer({ min: 1, max: 100 }),
        confidence: fc.constantFrom('low', 'medium', 'high'),
        text: fc.string(),
        extra: fc.jsonValue(),
      },
      { requiredKeys: [] },
    )
    fc.assert(
      fc.property(payload, (p) => {
        const report = {
          ...received,
          payload: JSON.parse(JSON.stringify(p)) as Record<string, unknown>,
        }
        const back = stixBundleToReport(JSON.parse(JSON.stringify(reportToStixBundle(report))))
        assert.ok(back.ok)
        assert.deepEqual(back.value, stixFields(report))
      }),
    )
  })

  it('names what is missing in a bundle it cannot read', () => {
    const bundle = reportToStixBundle(received)
    const noMarking = {
      ...bundle,
      objects: bundle.objects.filter((o) => o.type !== 'marking-definition'),
    }
    const result = stixBundleToReport(noMarking)
    assert.equal(result.ok, false)
    assert.match(
      result.ok ? '' : result.issues.join('\n'),
      /object_marking_refs must name a marking-definition/,
    )
    assert.equal(stixBundleToReport({ type: 'bundle' }).ok, false)
    const none = stixBundleToReport({
      ...bundle,
      objects: bundle.objects.filter((o) => o.type !== LAUNCH_TYPE),
    })
    assert.match(none.ok ? '' : none.issues[0], /0 entente-launch objects/)
  })

  it('cuts a flat TAXII envelope into one bundle per launch', () => {
    const objects = [...reportToStixBundle(received).objects, ...reportToStixBundle(own).objects]
    const { bundles } = splitLaunches(objects)
    assert.equal(bundles.length, 2)
    assert.deepEqual(
      bundles.map((b) => stixBundleToReport(b)).map((r) => (r.ok ? r.value : r.issues)),
      [received, own].map((r) => stixFields(r)),
    )
  })
})
