import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { scenarioView } from '../../src/cli/demo/scenario-view.ts'
import { loadScenario } from '../../src/cli/load-scenario.ts'
import { buildRegistryIndex } from '../../src/domain/registry-index.ts'
import type { Agreement } from '../../web/src/api/types.ts'
import { marksOf, pendingBands } from '../../web/src/agreements/dates.ts'
import { REFERENCE } from '../helpers/cli.ts'

/** The agreements as the demo serves them to the dashboard, under `whatIfs`. */
function served(whatIfs: string[]): Agreement[] {
  const { input } = loadScenario(REFERENCE, whatIfs)
  const view = scenarioView(input, buildRegistryIndex(input.registry)) as {
    agreements: Agreement[]
  }
  return view.agreements
}

describe("the agreements view's time line", () => {
  it('draws the GSOMIA notice pending until its suspension, or until the end when it lapsed', () => {
    const band = (whatIfs: string[]) =>
      pendingBands(served(whatIfs)).filter((b) => b.agreement === 'kor-jpn-gsomia')
    assert.deepEqual(
      band([]).map((b) => [b.from, b.to]),
      [['2019-08-23', '2019-11-22']],
    )
    assert.deepEqual(
      band(['gsomia-lapsed']).map((b) => [b.from, b.to]),
      [['2019-08-23', '2019-11-23']],
    )
  })

  it('marks an event that changed nothing as such', () => {
    const withdrawn = marksOf(served(['gsomia-lapsed'])).find((m) => m.type === 'notice-withdrawn')
    assert.match(withdrawn?.label ?? '', /notice withdrawn \(no effect\)$/)
  })
})
