import assert from 'node:assert/strict'
import { test } from 'node:test'
import { formatIssue, parseScenarioText } from '../../src/scenario/load.ts'
import { toSimulationInput } from '../../src/scenario/to-domain.ts'
import { edit, issueAtPath, issuesOf, lineOf, loaded, MINIMAL } from './minimal.ts'

const APOGEE = '    apogee_km: 90\n'

function withBoost(boost: string): string {
  return edit(MINIMAL, APOGEE, `${APOGEE}    boost:\n${boost}`)
}

const VALID = withBoost(
  '      burn_s: 60\n      burnout_altitude_km: 30\n      note: illustrative, an assumption\n',
)

await test('launch boost (simulation-model.md: boost: { burn_s, burnout_altitude_km })', async (t) => {
  await t.test('is optional: absent, it is null and the launch has no boost', () => {
    const doc = loaded(parseScenarioText(MINIMAL, 'test.yaml'))
    assert.equal(doc.launches[0]?.boost, null)
    assert.equal(toSimulationInput(doc).launches[0]?.boost, undefined)
  })

  await t.test('is read with its provenance and handed to the simulator in its units', () => {
    const doc = loaded(parseScenarioText(VALID, 'test.yaml'))
    assert.deepEqual(doc.launches[0]?.boost, {
      burn_s: 60,
      burnout_altitude_km: 30,
      note: 'illustrative, an assumption',
    })
    assert.deepEqual(toSimulationInput(doc).launches[0]?.boost, {
      burnSeconds: 60,
      burnoutAltitudeKm: 30,
    })
  })

  await t.test('rejects a burn-out at or above the apogee, naming both figures', () => {
    const text = withBoost('      burn_s: 60\n      burnout_altitude_km: 90\n')
    const issues = issuesOf(text)
    const issue = issueAtPath(issues, 'launches[0].boost.burnout_altitude_km')
    assert.equal(issue.line, lineOf(text, 'burnout_altitude_km: 90'))
    assert.equal(
      issue.message,
      "burnout_altitude_km 90 must be below the launch's apogee_km 90: burn-out is a point of the ascending arc",
    )
    assert.equal(
      formatIssue(issue),
      `test.yaml:${issue.line}: launches[0].boost.burnout_altitude_km: ${issue.message}`,
    )
  })

  await t.test('rejects a burn of 0 s and a missing burn-out altitude at their lines', () => {
    const text = withBoost('      burn_s: 0\n')
    const issues = issuesOf(text)
    const burn = issueAtPath(issues, 'launches[0].boost.burn_s')
    assert.equal(burn.line, lineOf(text, 'burn_s: 0'))
    assert.equal(burn.message, 'must be greater than 0, got number 0')
    const altitude = issueAtPath(issues, 'launches[0].boost.burnout_altitude_km')
    assert.match(altitude.message, /is required/)
    assert.equal(altitude.line, lineOf(text, '    boost:'))
  })

  await t.test('rejects an unknown key inside boost', () => {
    const text = withBoost('      burn_s: 60\n      burnout_altitude_km: 30\n      burn_time: 60\n')
    const issue = issueAtPath(issuesOf(text), 'launches[0].boost.burn_time')
    assert.match(issue.message, /unknown key "burn_time"/)
    assert.equal(issue.line, lineOf(text, 'burn_time'))
  })

  await t.test('a what-if can remove it (set to null) or change it, and is checked', () => {
    const whatIfs = `what_ifs:
  no-boost:
    description: the arc alone
    set: { launches.l1.boost: null }
  slow-burn:
    description: a longer burn
    set: { launches.l1.boost.burn_s: 90 }
`
    const text = `${VALID}${whatIfs}`
    const noBoost = loaded(parseScenarioText(text, 'test.yaml', ['no-boost']))
    assert.equal(noBoost.launches[0]?.boost, null)
    const slow = loaded(parseScenarioText(text, 'test.yaml', ['slow-burn']))
    assert.equal(slow.launches[0]?.boost?.burn_s, 90)
    const tooHigh = `${VALID}what_ifs:
  too-high:
    description: burn-out at the apogee
    set: { launches.l1.boost.burnout_altitude_km: 95 }
`
    const path = 'what_ifs.too-high.set["launches.l1.boost.burnout_altitude_km"]'
    assert.match(
      issueAtPath(issuesOf(tooHigh), path).message,
      /^in the result, launches\[0\]\.boost\.burnout_altitude_km: .*below the launch's apogee_km 90/,
    )
  })
})
