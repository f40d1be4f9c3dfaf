import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatIssue, loadScenarioFile, parseScenarioText } from '../../src/scenario/load.ts'
import { edit, issueAtPath, issuesOf, lineOf, loaded, MINIMAL } from './minimal.ts'

await test('scenario structure', async (t) => {
  await t.test('accepts the minimal scenario and fills its defaults', () => {
    const doc = loaded(parseScenarioText(MINIMAL, 'test.yaml'))
    assert.equal(doc.agreements['g']?.release, 'manual')
    assert.equal(doc.agreements['g']?.hub, null)
    assert.equal(doc.parties['JPN']?.public, null)
    assert.deepEqual(doc.requests, [])
    assert.deepEqual(doc.what_ifs, {})
    assert.equal(doc.sensors['k1']?.min_elevation_deg, 0)
    assert.equal(doc.sensors['k1']?.report_delay_s, 0)
  })

  await t.test('keeps bare dates as strings', () => {
    const event = loaded(parseScenarioText(MINIMAL, 'test.yaml')).agreements['g']?.events[0]
    assert.equal(event?.date, '2016-11-23')
    const tagged = edit(MINIMAL, '{ date: 2016-11-23,', '{ date: !!timestamp 2016-11-23,')
    assert.equal(
      loaded(parseScenarioText(tagged, 'test.yaml')).agreements['g']?.events[0]?.date,
      '2016-11-23',
    )
  })

  await t.test('rejects an unknown key at its line', () => {
    const text = edit(MINIMAL, '    topics: all\n', '    topics: all\n    colour: blue\n')
    const issue = issueAtPath(issuesOf(text), 'agreements.g.colour')
    assert.equal(issue.line, lineOf(text, 'colour: blue'))
    assert.match(issue.message, /unknown key "colour"/)
  })

  await t.test('names the expected type', () => {
    const text = edit(MINIMAL, 'apogee_km: 90', 'apogee_km: high')
    const issue = issueAtPath(issuesOf(text), 'launches[0].apogee_km')
    assert.equal(issue.message, 'expected a number, got the string "high"')
    assert.equal(issue.line, lineOf(text, 'apogee_km'))
  })

  await t.test('reports a missing required field at its parent', () => {
    const text = edit(MINIMAL, '    title: G\n', '')
    const issue = issueAtPath(issuesOf(text), 'agreements.g.title')
    assert.match(issue.message, /is required/)
    assert.equal(issue.line, lineOf(text, '  g:'))
  })

  await t.test('rejects a bad time zone', () => {
    const issue = issueAtPath(issuesOf(edit(MINIMAL, 'Asia/Seoul', 'Asia/Atlantis')), 'timezone')
    assert.match(issue.message, /IANA time zone/)
  })

  await t.test('rejects an instant without offset', () => {
    const text = edit(MINIMAL, '2019-10-31T16:35:00+09:00', '2019-10-31T16:35:00')
    const issue = issueAtPath(issuesOf(text), 'launches[0].time')
    assert.match(issue.message, /with an offset/)
    assert.equal(issue.line, lineOf(text, 'time:'))
  })

  await t.test(
    'rejects dates that are not calendar dates and durations that are not date-based',
    () => {
      const text = edit(edit(MINIMAL, '2019-08-23', '2019-02-30'), 'notice: P90D', 'notice: PT90H')
      const issues = issuesOf(text)
      assert.match(
        issueAtPath(issues, 'agreements.g.events[1].date').message,
        /not a valid calendar date/,
      )
      assert.match(
        issueAtPath(issues, 'agreements.g.term.notice').message,
        /date-based ISO 8601 duration/,
      )
    },
  )

  await t.test('reports every issue found in one pass', () => {
    const text = edit(
      edit(MINIMAL, 'apogee_km: 90', 'apogee_km: -1'),
      'kind: bilateral',
      'kind: trilateral',
    )
    const paths = issuesOf(text).map((issue) => issue.path)
    assert.deepEqual(paths, ['agreements.g.kind', 'launches[0].apogee_km'])
  })

  await t.test('gives a YAML syntax error its line', () => {
    const text = edit(MINIMAL, '    parties: [KOR, JPN]', '    parties: [KOR, JPN')
    const [issue] = issuesOf(text)
    assert.ok(issue)
    assert.equal(issue.path, '(syntax)')
    assert.ok(
      issue.line >= lineOf(text, 'parties: [KOR, JPN'),
      `line ${issue.line} is at or after the error`,
    )
    assert.doesNotMatch(issue.message, /\n/)
  })

  await t.test('reports a duplicate key as a syntax error', () => {
    const text = edit(MINIMAL, '    title: G\n', '    title: G\n    title: H\n')
    const [issue] = issuesOf(text)
    assert.equal(issue?.line, lineOf(text, 'title: H'))
  })

  await t.test('formats issues as file:line: path: message', () => {
    const [issue] = issuesOf(edit(MINIMAL, 'apogee_km: 90', 'apogee_km: 0'))
    assert.ok(issue)
    assert.equal(
      formatIssue(issue),
      `test.yaml:${issue.line}: launches[0].apogee_km: ${issue.message}`,
    )
    assert.match(issue.message, /must be greater than 0/)
  })

  await t.test('reports an unreadable file as one issue at line 0', () => {
    const result = loadScenarioFile('/nonexistent/scenario.yaml')
    assert.equal(result.ok, false)
    if (result.ok) return
    assert.deepEqual(
      result.issues.map((issue) => [issue.file, issue.line]),
      [['/nonexistent/scenario.yaml', 0]],
    )
  })
})

await test('scenario rules', async (t) => {
  await t.test('rejects a level that the party lacks in an equivalence row', () => {
    const text = edit(MINIMAL, '{ KOR: MIL-II, JPN: GOKUHI }', '{ KOR: MIL-II, JPN: SECRET }')
    const issue = issueAtPath(issuesOf(text), 'agreements.g.equivalence[0].JPN')
    assert.equal(issue.message, '"SECRET" is not a level of JPN; its levels: PUBLIC, HI, GOKUHI')
    assert.equal(issue.line, lineOf(text, 'JPN: SECRET'))
  })

  await t.test('rejects references that do not resolve', () => {
    let text = edit(MINIMAL, 'parties: [KOR, JPN]', 'parties: [KOR, CHN]')
    text = edit(text, '{ party: KOR,', '{ party: RUS,')
    text = edit(text, 'source: s1 }', 'source: s2 }')
    text = `${text}requests:\n  - { launch: l2, from: JPN, to: KOR }\n`
    const issues = issuesOf(text)
    assert.match(
      issueAtPath(issues, 'agreements.g.parties[1]').message,
      /unknown party "CHN"; known parties: KOR, JPN, USA/,
    )
    assert.match(issueAtPath(issues, 'sensors.k1.party').message, /unknown party "RUS"/)
    assert.match(
      issueAtPath(issues, 'agreements.g.events[0].source').message,
      /neither a key of sources nor a URL/,
    )
    assert.match(
      issueAtPath(issues, 'requests[0].launch').message,
      /unknown launch "l2"; known launches: l1/,
    )
  })

  await t.test(
    'names both figures when range_km disagrees with the distance by more than 1 %',
    () => {
      const text = edit(MINIMAL, '    apogee_km: 90', '    range_km: 500\n    apogee_km: 90')
      const issue = issueAtPath(issuesOf(text), 'launches[0].range_km')
      assert.match(
        issue.message,
        /^range_km 500 disagrees with the great-circle distance from site to impact, 38\d\.\d km, by more than 1 %$/,
      )
      assert.equal(issue.line, lineOf(text, 'range_km: 500'))
    },
  )

  await t.test('accepts range_km within 1 % of the distance and fills it when absent', () => {
    const doc = loaded(parseScenarioText(MINIMAL, 'test.yaml'))
    const distanceKm = doc.launches[0]?.range_km ?? 0
    const close = edit(
      MINIMAL,
      '    apogee_km: 90',
      `    range_km: ${(distanceKm * 1.009).toFixed(1)}\n    apogee_km: 90`,
    )
    loaded(parseScenarioText(close, 'test.yaml'))
  })

  await t.test('rejects a range past half the Earth, naming the rule', () => {
    const text = edit(
      MINIMAL,
      '    impact: { lat: 40.0, lon: 130.3 }',
      '    heading_deg: 90\n    range_km: 25000',
    )
    assert.match(
      issueAtPath(issuesOf(text), 'launches[0].range_km').message,
      /half the Earth's circumference/,
    )
  })

  await t.test('requires exactly one of impact and heading_deg', () => {
    const text = edit(MINIMAL, '    apogee_km: 90', '    heading_deg: 68\n    apogee_km: 90')
    assert.match(issueAtPath(issuesOf(text), 'launches[0].heading_deg').message, /not both/)
  })

  await t.test('requires events in date order', () => {
    const text = edit(MINIMAL, '{ date: 2019-08-23,', '{ date: 2015-08-23,')
    const issue = issueAtPath(issuesOf(text), 'agreements.g.events[1].date')
    assert.match(issue.message, /2015-08-23 comes before the previous event's date 2016-11-23/)
    assert.equal(issue.line, lineOf(text, '2015-08-23'))
  })

  await t.test('requires by on notices, changes on amendments, and neither elsewhere', () => {
    let text = edit(MINIMAL, 'notice-of-termination, by: KOR }', 'notice-of-termination }')
    text = edit(text, 'type: entry-into-force, source: s1 }', 'type: entry-into-force, by: KOR }')
    const issues = issuesOf(text)
    assert.match(issueAtPath(issues, 'agreements.g.events[1].by').message, /is required/)
    assert.match(
      issueAtPath(issues, 'agreements.g.events[0].by').message,
      /allowed only on notice-\* events/,
    )
  })

  await t.test('checks the parties of bilateral and mediated agreements', () => {
    const text = edit(MINIMAL, 'kind: bilateral', 'kind: mediated')
    const issues = issuesOf(text)
    assert.match(issueAtPath(issues, 'agreements.g.hub').message, /required when kind is mediated/)
    assert.match(
      issueAtPath(issues, 'agreements.g.parties').message,
      /hub and at least 2 other parties/,
    )
  })

  await t.test('requires public to be one of the levels', () => {
    const text = edit(MINIMAL, 'public: PUBLIC', 'public: OPEN')
    assert.match(
      issueAtPath(issuesOf(text), 'parties.KOR.public').message,
      /"OPEN" is not one of the levels/,
    )
  })
})
