import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { asLevel } from '../../src/domain/ids.ts'
import { parseSpif } from '../../src/domain/spif-parse.ts'
import { mapAcross, type SpifPolicy } from '../../src/domain/spif.ts'

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/spif/${name}`, import.meta.url), 'utf8')

function policy(name: string): SpifPolicy {
  const parsed = parseSpif(fixture(name))
  if (!parsed.ok) assert.fail(JSON.stringify(parsed.issues))
  return parsed.value
}

const NATO = policy('nato-sample.xml')
const KOR = policy('kor-demo.xml')

function issuesOf(xml: string): string[] {
  const parsed = parseSpif(xml)
  if (parsed.ok) assert.fail('expected the policy to be rejected')
  return parsed.issues.map((i) => `${i.where}: ${i.message}`)
}

const wrap = (classifications: string, policies = ''): string =>
  `<SPIF xmlns="http://www.xmlspif.org/spif"><securityPolicyId name="P" id="2.999.1"/>` +
  `<equivalentPolicies>${policies}</equivalentPolicies>` +
  `<securityClassifications>${classifications}</securityClassifications></SPIF>`

describe('parseSpif', () => {
  it('reads the policy id and the classifications of the NATO sample (spif: prefix)', () => {
    assert.equal(NATO.id, '1.3.26.1.3.1')
    assert.equal(NATO.name, 'NATO')
    assert.deepEqual(
      NATO.classifications.map((c) => [c.name, c.lacv, c.hierarchy]),
      [
        ['UNCLASSIFIED', 1, 1],
        ['RESTRICTED', 2, 2],
        ['CONFIDENTIAL', 3, 3],
        ['SECRET', 4, 4],
        ['TOP SECRET', 5, 5],
      ],
    )
  })

  it('orders classifications by hierarchy, not document order, in a default namespace', () => {
    assert.deepEqual(
      KOR.classifications.map((c) => c.name),
      ['PUBLIC', 'MIL-III', 'MIL-II', 'MIL-I'],
    )
  })

  it('resolves each equivalentClassification policyRef to the equivalent policy id', () => {
    const milII = KOR.classifications.find((c) => c.name === 'MIL-II')
    assert.deepEqual(milII?.equivalents, [
      { policyId: '1.3.26.1.3.1', lacv: 4, applied: 'encrypt' },
    ])
  })

  it('rejects text that is not well-formed XML, naming the line', () => {
    const parsed = parseSpif('<SPIF>\n<securityPolicyId name="P" id="1"/>\n</Spif>')
    assert.equal(parsed.ok, false)
    if (!parsed.ok) assert.equal(parsed.issues[0]?.line, 3, 'the line of the mismatched end tag')
  })

  it('rejects a document whose element is not SPIF', () => {
    assert.match(issuesOf('<policy/>')[0] ?? '', /document element must be SPIF/)
  })

  it('rejects a policyRef that names no equivalentPolicy, listing the known ones', () => {
    const xml = wrap(
      '<securityClassification name="A" lacv="1" hierarchy="1"><equivalentClassification policyRef="X" lacv="1" applied="both"/></securityClassification>',
      '<equivalentPolicy name="Q" id="2.999.2"/>',
    )
    assert.match(issuesOf(xml).join('\n'), /policyRef "X" names no equivalentPolicy \(known: Q\)/)
  })

  it('rejects an applied value outside encrypt, decrypt, both', () => {
    const xml = wrap(
      '<securityClassification name="A" lacv="1" hierarchy="1"><equivalentClassification policyRef="Q" lacv="1" applied="always"/></securityClassification>',
      '<equivalentPolicy name="Q" id="2.999.2"/>',
    )
    assert.match(
      issuesOf(xml).join('\n'),
      /applied must be one of encrypt, decrypt, both, not "always"/,
    )
  })

  it('rejects a classification without an integer lacv, and two sharing a hierarchy', () => {
    const xml = wrap(
      '<securityClassification name="A" lacv="x" hierarchy="1"/>' +
        '<securityClassification name="B" lacv="2" hierarchy="2"/>' +
        '<securityClassification name="C" lacv="3" hierarchy="2"/>',
    )
    const text = issuesOf(xml).join('\n')
    assert.match(text, /securityClassification\[1\]: needs an integer lacv/)
    assert.match(text, /two classifications share hierarchy 2/)
  })

  it('rejects a policy with no securityPolicyId id', () => {
    const xml = wrap('<securityClassification name="A" lacv="1" hierarchy="1"/>').replace(
      ' id="2.999.1"',
      '',
    )
    assert.match(issuesOf(xml).join('\n'), /securityPolicyId: needs both a name and an id/)
  })
})

describe('mapAcross: the level at the recipient from two SPIF policies', () => {
  const across = (from: SpifPolicy, level: string, to: SpifPolicy): string | null =>
    mapAcross(from, asLevel(level), to)

  it("the sender's encrypt mapping applies when it sends (KOR MIL-II → NATO SECRET)", () => {
    assert.equal(across(KOR, 'MIL-II', NATO), 'SECRET')
  })

  it('an encrypt-only mapping does not apply the other way (NATO SECRET → KOR: none)', () => {
    assert.equal(across(NATO, 'SECRET', KOR), null)
  })

  it("the receiver's decrypt mapping applies, and the most protective candidate wins", () => {
    // KOR maps MIL-III to CONFIDENTIAL (both); NATO, receiving, to RESTRICTED (decrypt).
    assert.equal(across(KOR, 'MIL-III', NATO), 'CONFIDENTIAL')
  })

  it('a decrypt mapping does not apply when its own policy sends (NATO RESTRICTED → KOR)', () => {
    assert.equal(across(NATO, 'RESTRICTED', KOR), null)
  })

  it("a both mapping applies in both directions, read from either party's file", () => {
    assert.equal(across(NATO, 'TOP SECRET', KOR), 'MIL-I')
    assert.equal(across(KOR, 'MIL-I', NATO), 'TOP SECRET')
    assert.equal(across(NATO, 'CONFIDENTIAL', KOR), 'MIL-III')
  })

  it('a level the policy lacks maps to nothing', () => {
    assert.equal(across(KOR, 'GOKUHI', NATO), null)
  })
})
