import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { Temporal } from 'temporal-polyfill'
import type { ReleaseDecision } from '../../src/domain/decision.ts'
import { asLevel, asPartyId, asTopic } from '../../src/domain/ids.ts'
import { buildRegistryIndex } from '../../src/domain/registry-index.ts'
import { decideRelease } from '../../src/domain/release.ts'
import { parseScenarioText, type LoadResult } from '../../src/scenario/load.ts'
import { readBeside } from '../../src/scenario/read-file.ts'
import { toRegistry } from '../../src/scenario/to-domain.ts'
import { edit, issueAtPath, lineOf, loaded } from './minimal.ts'

// The SPIF files sit in test/fixtures/spif; the scenario is read as if it sat beside them.
const FILE = fileURLToPath(new URL('../fixtures/spif/scenario.yaml', import.meta.url))

const SCENARIO = `name: spif
timezone: Asia/Seoul
parties:
  KOR: { name: Korea, spif: kor-demo.xml, public: PUBLIC }
  NATO: { name: NATO, spif: nato-sample.xml }
  JPN: { name: Japan, levels: [HI, GOKUHI] }
agreements:
  kor-nato:
    title: Korea–NATO (equivalence from the SPIFs)
    kind: bilateral
    parties: [KOR, NATO]
    topics: all
    equivalence: spif
    term: { initial: P100Y }
    events:
      - { date: 2012-09-01, type: entry-into-force }
`

const parse = (text: string): LoadResult =>
  parseScenarioText(text, FILE, [], (ref) => readBeside(FILE, ref))

function issues(text: string): LoadResult & { ok: false } {
  const result = parse(text)
  if (result.ok) assert.fail('expected the scenario to be rejected')
  return result
}

const AT_MS = Temporal.Instant.from('2019-10-31T16:35:00+09:00').epochMilliseconds

function decide(text: string, from: string, level: string, to: string): ReleaseDecision {
  const index = buildRegistryIndex(toRegistry(loaded(parse(text))))
  return decideRelease(index, {
    holder: asPartyId(from),
    recipient: asPartyId(to),
    report: {
      id: 'r1',
      originator: asPartyId(from),
      level: asLevel(level),
      topic: asTopic('dprk-missile'),
      releasableTo: null,
    },
    atMs: AT_MS,
  })
}

describe('a party scheme read from a SPIF file', () => {
  it("takes the party's levels from the policy's classifications, lowest first", () => {
    const doc = loaded(parse(SCENARIO))
    assert.deepEqual(doc.parties['KOR']?.levels, ['PUBLIC', 'MIL-III', 'MIL-II', 'MIL-I'])
    assert.equal(doc.policies?.['NATO']?.id, '1.3.26.1.3.1')
    assert.equal(toRegistry(doc).parties.get(asPartyId('KOR'))?.policy?.name, 'KOR-DEMO')
  })

  it('accepts written levels equal to the policy, and rejects others at levels', () => {
    const same = edit(
      SCENARIO,
      'spif: nato-sample.xml }',
      'spif: nato-sample.xml, levels: [UNCLASSIFIED, RESTRICTED, CONFIDENTIAL, SECRET, TOP SECRET] }',
    )
    assert.equal(parse(same).ok, true)
    const other = edit(
      SCENARIO,
      'spif: nato-sample.xml }',
      'spif: nato-sample.xml, levels: [NS, CTS] }',
    )
    const issue = issueAtPath(issues(other).issues, 'parties.NATO.levels')
    assert.match(
      issue.message,
      /must be the SPIF policy's classifications, lowest first \(UNCLASSIFIED, /,
    )
  })

  it('reports a missing SPIF file at the spif line', () => {
    const text = edit(SCENARIO, 'spif: nato-sample.xml', 'spif: absent.xml')
    const issue = issueAtPath(issues(text).issues, 'parties.NATO.spif')
    assert.equal(issue.line, lineOf(text, 'absent.xml'))
    assert.match(issue.message, /^absent\.xml: cannot read the file \(ENOENT\)/)
  })

  it('reports a SPIF the parser rejects, naming the element', () => {
    const text = edit(SCENARIO, 'spif: nato-sample.xml', 'spif: ../../../tsconfig.json')
    const issue = issueAtPath(issues(text).issues, 'parties.NATO.spif')
    assert.match(issue.message, /^\.\.\/\.\.\/\.\.\/tsconfig\.json \(line 1\): \(xml\): /)
  })

  it('refuses a spif party when the scenario text comes without a file reader', () => {
    const result = parseScenarioText(SCENARIO, FILE)
    assert.equal(result.ok, false)
    if (!result.ok)
      assert.match(
        result.issues[0]?.message ?? '',
        /read only when the scenario is loaded from a file/,
      )
  })

  it('equivalence: spif needs every party of the agreement to name a spif file', () => {
    const text = edit(
      SCENARIO,
      'parties: [KOR, NATO]',
      'kind: multilateral\n    parties: [KOR, NATO, JPN]',
    ).replace('    kind: bilateral\n', '')
    const issue = issueAtPath(issues(text).issues, 'agreements.kor-nato.equivalence')
    assert.match(issue.message, /JPN names no spif file/)
  })
})

describe("release under an equivalence taken from the parties' SPIFs", () => {
  it('allows KOR MIL-II to NATO at SECRET, the level Korea maps it to when sending', () => {
    const decision = decide(SCENARIO, 'KOR', 'MIL-II', 'NATO')
    assert.equal(decision.decision, 'allowed')
    assert.equal(decision.levelAtRecipient, 'SECRET')
  })

  it('refuses NATO SECRET to KOR with NO_EQUIVALENT_CLASSIFICATION naming both policies', () => {
    const decision = decide(SCENARIO, 'NATO', 'SECRET', 'KOR')
    assert.equal(decision.decision, 'denied')
    const [reason] = decision.reasons
    assert.equal(reason?.code, 'NO_EQUIVALENT_CLASSIFICATION')
    assert.match(
      reason?.message ?? '',
      /NATO's NATO \(1\.3\.26\.1\.3\.1\) and KOR's KOR-DEMO \(2\.999\.410\.1\)/,
    )
  })

  it("the agreement's own rows win over the SPIFs: it is the legal instrument", () => {
    const rows = edit(
      SCENARIO,
      'equivalence: spif',
      'equivalence:\n      - { KOR: MIL-II, NATO: CONFIDENTIAL }',
    )
    assert.equal(decide(rows, 'KOR', 'MIL-II', 'NATO').levelAtRecipient, 'CONFIDENTIAL')
    // The SPIFs map MIL-I; the rows do not, so the rows' rule answers: LEVEL_NOT_COVERED.
    assert.equal(decide(rows, 'KOR', 'MIL-I', 'NATO').reasons[0]?.code, 'LEVEL_NOT_COVERED')
  })
})
