import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseScenarioText } from '../../src/scenario/load.ts'
import { issueAtPath, issuesOf, lineOf, loaded, MINIMAL } from './minimal.ts'

function withWhatIfs(yaml: string): string {
  return `${MINIMAL}what_ifs:\n${yaml}`
}

function apply(yaml: string, ids: readonly string[]) {
  return loaded(parseScenarioText(withWhatIfs(yaml), 'test.yaml', ids))
}

await test('what-if operations', async (t) => {
  await t.test('add_events inserts in date order, after events of the same date', () => {
    const doc = apply(
      `  w:
    description: sign, suspend and amend
    add_events:
      - { agreement: g, date: 2016-11-23, type: signature }
      - { agreement: g, date: 2019-11-22, type: notice-suspended, by: KOR }
      - { agreement: g, date: 2010-01-01, type: amendment, changes: { release: auto } }
`,
      ['w'],
    )
    assert.deepEqual(
      doc.agreements['g']?.events.map((event) => `${event.date} ${event.type}`),
      [
        '2010-01-01 amendment',
        '2016-11-23 entry-into-force',
        '2016-11-23 signature',
        '2019-08-23 notice-of-termination',
        '2019-11-22 notice-suspended',
      ],
    )
  })

  await t.test('add_agreements, remove_sensors, add_sensors and remove_requests apply', () => {
    const yaml = `  w:
    description: a US channel instead of the Korean radar
    add_agreements:
      kor-usa:
        title: K-U
        kind: bilateral
        parties: [KOR, USA]
        topics: [dprk-missile]
        equivalence: [{ KOR: MIL-II, USA: SECRET }]
        term: { initial: P100Y }
        release: auto
    remove_sensors: [k1]
    add_sensors:
      u1: { party: USA, position: { lat: 36, lon: 128, alt_m: 0 }, max_range_km: 900 }
    add_requests: [{ launch: l1, from: USA, to: KOR }]
`
    const doc = apply(yaml, ['w'])
    assert.equal(doc.agreements['kor-usa']?.release, 'auto')
    assert.equal(
      doc.agreements['kor-usa']?.approval_delay_s,
      0,
      'defaults filled in added agreements',
    )
    assert.deepEqual(Object.keys(doc.sensors), ['u1'])
    assert.equal(doc.requests.length, 1)
  })

  await t.test('set walks lists without ids by position, and remove_requests matches', () => {
    const yaml = `  w:
    description: later notice, no requests
    set: { agreements.g.events.1.date: 2019-08-25 }
    remove_requests: [{ from: JPN }]
`
    const text = `${MINIMAL}requests:\n  - { launch: l1, from: JPN, to: KOR }\nwhat_ifs:\n${yaml}`
    const doc = loaded(parseScenarioText(text, 'test.yaml', ['w']))
    assert.equal(doc.agreements['g']?.events[1]?.date, '2019-08-25')
    assert.deepEqual(doc.requests, [])
  })

  await t.test('set walks arrays by element id', () => {
    const doc = apply(`  w:\n    description: higher\n    set: { launches.l1.apogee_km: 120 }\n`, [
      'w',
    ])
    assert.equal(doc.launches[0]?.apogee_km, 120)
  })

  await t.test(
    'applies nothing unless asked, but checks every what-if against the baseline',
    () => {
      const text = withWhatIfs(`  w:\n    description: typo\n    remove_agreements: [gg]\n`)
      const issue = issueAtPath(issuesOf(text), 'what_ifs.w.remove_agreements[0]')
      assert.match(issue.message, /unknown agreement "gg"; known agreements: g/)
      assert.equal(issue.line, lineOf(text, 'remove_agreements: [gg]'))
    },
  )

  await t.test('remove_events must match at least one event', () => {
    const text = withWhatIfs(
      `  w:\n    description: none\n    remove_events: [{ agreement: g, type: notice-suspended }]\n`,
    )
    const issue = issueAtPath(issuesOf(text), 'what_ifs.w.remove_events[0]')
    assert.match(issue.message, /matches no event: g has no notice-suspended event/)
  })

  await t.test('set on a missing path is an error that names what exists', () => {
    const text = withWhatIfs(
      `  w:\n    description: typo\n    set:\n      agreements.h.release: auto\n`,
    )
    const issue = issueAtPath(issuesOf(text), 'what_ifs.w.set["agreements.h.release"]')
    assert.match(issue.message, /agreements has no "h"; it has: g/)
    assert.equal(issue.line, lineOf(text, 'agreements.h.release'))
  })

  await t.test('set of a field the schema does not allow is reported at the operation', () => {
    const text = withWhatIfs(
      `  w:\n    description: typo\n    set:\n      agreements.g.relase: auto\n`,
    )
    const issue = issueAtPath(issuesOf(text), 'what_ifs.w.set["agreements.g.relase"]')
    assert.equal(issue.message, 'in the result, agreements.g.relase: unknown key "relase"')
  })

  await t.test('re-validates the result and names the what-if', () => {
    const text = withWhatIfs(
      `  w:\n    description: bad\n    set: { agreements.g.release: sometimes, launches.l1.marking.JPN: TOP }\n`,
    )
    const issues = issuesOf(text)
    assert.match(
      issueAtPath(issues, 'what_ifs.w.set["agreements.g.release"]').message,
      /^in the result, agreements.g.release: must be one of "auto", "manual", "on-request"/,
    )
    const afterSchema = withWhatIfs(
      `  w:\n    description: bad\n    set: { launches.l1.marking.JPN: TOP }\n`,
    )
    assert.match(
      issueAtPath(issuesOf(afterSchema), 'what_ifs.w.set["launches.l1.marking.JPN"]').message,
      /"TOP" is not a level of JPN/,
    )
  })

  await t.test('lists the known what-ifs when asked for an unknown one', () => {
    const text = withWhatIfs(`  w:\n    description: nothing much\n    set: { name: other }\n`)
    const [issue, ...rest] = issuesOf(text, ['nope'])
    assert.deepEqual(rest, [])
    assert.deepEqual(issue, {
      file: 'test.yaml',
      line: 0,
      path: 'what_ifs',
      message: 'unknown what-if "nope"; known what-ifs: w',
    })
  })

  await t.test('rejects what-ifs that change what-ifs', () => {
    const text = withWhatIfs(
      `  w:\n    description: sneaky\n    set: { what_ifs.w.description: x }\n`,
    )
    assert.match(
      issueAtPath(issuesOf(text), 'what_ifs.w.set["what_ifs.w.description"]').message,
      /cannot change what-ifs/,
    )
  })

  await t.test('requires a description', () => {
    const text = withWhatIfs(`  w:\n    set: { name: other }\n`)
    assert.match(issueAtPath(issuesOf(text), 'what_ifs.w.description').message, /is required/)
  })
})
