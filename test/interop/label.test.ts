import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { asLevel, asPartyId, type PartyId } from '../../src/domain/ids.ts'
import type { Party } from '../../src/domain/party.ts'
import { parseSpif } from '../../src/domain/spif-parse.ts'
import { cotXmlToEvent, launchToCotEvents } from '../../src/interop/cot.ts'
import { LABEL_EXTENSION_ID, MARKING_EXTENSION_ID } from '../../src/interop/stix-objects.ts'
import { reportToStixBundle, stixBundleToReport } from '../../src/interop/stix.ts'
import {
  labelLine,
  releaseLabels,
  releaseLabelsSchema,
  type ReleaseLabels,
} from '../../src/protocol/label.ts'
import { koreanLaunchReport } from '../helpers/reports.ts'
import { stixValidator } from '../helpers/stix-schemas.ts'

function spifParty(id: string, file: string, publicLevel: string | null = null): Party {
  const parsed = parseSpif(
    readFileSync(new URL(`../fixtures/spif/${file}`, import.meta.url), 'utf8'),
  )
  if (!parsed.ok) assert.fail(JSON.stringify(parsed.issues))
  const policy = parsed.value
  return {
    id: asPartyId(id),
    name: id,
    levels: policy.classifications.map((c) => c.name),
    public: publicLevel === null ? null : asLevel(publicLevel),
    policy,
  }
}

const PARTIES = new Map<PartyId, Party>([
  [asPartyId('KOR'), spifParty('KOR', 'kor-demo.xml', 'PUBLIC')],
  [asPartyId('NATO'), spifParty('NATO', 'nato-sample.xml')],
  [
    asPartyId('JPN'),
    {
      id: asPartyId('JPN'),
      name: 'Japan',
      levels: [asLevel('PUBLIC'), asLevel('HI')],
      public: asLevel('PUBLIC'),
    },
  ],
])

const report = koreanLaunchReport({ releasableTo: ['NATO', 'JPN'] })
const toNato: ReleaseLabels = releaseLabels(PARTIES, {
  ...report,
  recipient: 'NATO',
  levelAtRecipient: 'SECRET',
})

describe('releaseLabels: the STANAG 4774 labels of a release', () => {
  it("labels the report in the originator's SPIF policy and, as the alternative, the recipient's", () => {
    assert.deepEqual(toNato.originator, {
      policyIdentifier: { name: 'KOR-DEMO', uri: 'urn:oid:2.999.410.1' },
      classification: 'MIL-II',
      categories: [{ tagName: 'Releasable To', type: 'PERMISSIVE', values: ['NATO', 'JPN'] }],
    })
    assert.deepEqual(toNato.alternative?.policyIdentifier, {
      name: 'NATO',
      uri: 'urn:oid:1.3.26.1.3.1',
    })
    assert.equal(toNato.alternative?.classification, 'SECRET')
    assert.equal(labelLine(toNato.alternative ?? toNato.originator), 'NATO SECRET REL TO NATO, JPN')
  })

  it("names a scheme written in the scenario under Entente's own URN, and carries no category without a list", () => {
    const labels = releaseLabels(PARTIES, {
      ...report,
      releasableTo: null,
      recipient: 'JPN',
      levelAtRecipient: 'HI',
    })
    assert.deepEqual(labels.alternative, {
      policyIdentifier: { name: 'JPN', uri: 'urn:entente:scheme:JPN' },
      classification: 'HI',
      categories: [],
    })
  })

  it("a public release (R0) takes the recipient's public level as the alternative, or none", () => {
    const facts = { ...report, level: 'PUBLIC', levelAtRecipient: null }
    assert.equal(
      releaseLabels(PARTIES, { ...facts, recipient: 'JPN' }).alternative?.classification,
      'PUBLIC',
    )
    assert.equal(releaseLabels(PARTIES, { ...facts, recipient: 'NATO' }).alternative, null)
  })
})

describe('releaseLabelsSchema: labels on the wire', () => {
  it("accepts the labels Entente makes and refuses markup in a peer's label", () => {
    assert.equal(releaseLabelsSchema.safeParse(toNato).success, true)
    const forged = { ...toNato, originator: { ...toNato.originator, classification: '</remarks>' } }
    assert.equal(releaseLabelsSchema.safeParse(forged).success, false)
  })
})

describe('the labels in the STIX export', () => {
  const validate = stixValidator()
  const bundle = reportToStixBundle(report, { release: { recipient: 'NATO', labels: toNato } })
  const marking = bundle.objects.find((o) => o.type === 'marking-definition')
  const extensions = marking?.['extensions'] as Record<string, Record<string, unknown>>

  it('carries both labels as a marking-definition property extension, declared in the bundle', () => {
    const label = extensions[LABEL_EXTENSION_ID]
    assert.equal(label?.['extension_type'], 'property-extension')
    assert.equal(label?.['recipient'], 'NATO')
    assert.deepEqual(label?.['alternative_label'], {
      policy_identifier: { name: 'NATO', uri: 'urn:oid:1.3.26.1.3.1' },
      classification: 'SECRET',
      categories: [
        { tag_name: 'Releasable To', category_type: 'PERMISSIVE', values: ['NATO', 'JPN'] },
      ],
    })
    assert.equal(
      (label?.['originator_label'] as { classification?: string }).classification,
      'MIL-II',
    )
    const declared = bundle.objects.find((o) => o.id === LABEL_EXTENSION_ID)
    assert.deepEqual(declared?.['extension_types'], ['property-extension'])
    assert.ok(extensions[MARKING_EXTENSION_ID], 'the national marking extension stays')
  })

  it('every object of the labelled bundle passes the OASIS STIX 2.1 schemas', () => {
    assert.deepEqual(bundle.objects.flatMap(validate), [])
  })

  it('a bundle made for no recipient carries no labels and does not declare the extension', () => {
    const plain = reportToStixBundle(report)
    assert.equal(
      plain.objects.some((o) => o.id === LABEL_EXTENSION_ID),
      false,
    )
    assert.equal(JSON.stringify(plain).includes('alternative_label'), false)
  })

  it('a labelled bundle still reads back into the same report', () => {
    const back = stixBundleToReport(bundle)
    assert.equal(back.ok, true)
    if (back.ok)
      assert.deepEqual([back.value.level, back.value.releasableTo], ['MIL-II', ['NATO', 'JPN']])
  })
})

describe('the labels in CoT remarks', () => {
  it("each event's remarks name both labels with their policies' URIs", () => {
    const [xml] = launchToCotEvents(report, [], { labels: toNato })
    const event = cotXmlToEvent(xml ?? '')
    assert.equal(event.ok, true)
    if (!event.ok) return
    assert.match(
      event.value.remarks,
      /^\[KOR MIL-II REL TO NATO, JPN\] \[4774 originator KOR-DEMO MIL-II REL TO NATO, JPN \(urn:oid:2\.999\.410\.1\); alternative NATO SECRET REL TO NATO, JPN \(urn:oid:1\.3\.26\.1\.3\.1\)\] dprk-missile: /,
    )
  })

  it('without labels the remarks are as before', () => {
    const [xml] = launchToCotEvents(report, [])
    const event = cotXmlToEvent(xml ?? '')
    assert.equal(event.ok && event.value.remarks.includes('4774'), false)
  })
})
