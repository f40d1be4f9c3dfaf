import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { scenarioView } from '../../src/cli/demo/scenario-view.ts'
import { loadScenario } from '../../src/cli/load-scenario.ts'
import { buildRegistryIndex } from '../../src/domain/registry-index.ts'
import type { Agreement } from '../../web/src/api/types.ts'
import { markRows, marksOf, mergeSameDay, pendingBands } from '../../web/src/agreements/dates.ts'
import { REFERENCE } from '../helpers/cli.ts'

/** The agreements as the demo serves them to the dashboard, under `whatIfs`. */
function served(whatIfs: string[], file = REFERENCE): Agreement[] {
  const { input } = loadScenario(file, whatIfs)
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

  it('merges the marks of one day and kind on the 2019 registry, so labels do not print over each other', () => {
    const marks = marksOf(served([], 'scenarios/networks-2019.yaml'))
    const merged = mergeSameDay(marks)
    const days = merged.map((m) => `${m.date} ${m.type} ${m.label.endsWith('(no effect)')}`)
    assert.equal(new Set(days).size, days.length, 'one mark per day, kind and effect')
    assert.equal(
      merged.reduce((n, m) => n + (m.members?.length ?? 1), 0),
      marks.length,
      'every event is in one mark',
    )
    const crowded = merged.find((m) => (m.members?.length ?? 0) > 1)
    assert.match(crowded?.label ?? '', /^\d+ agreements: in force$/)
  })

  it('puts marks whose labels would meet on different rows', () => {
    const mark = (date: string, label: string) => ({ date, agreement: 'a', type: 't', label })
    const pct = (date: string) => Number(date.slice(0, 4)) - 2000 // 1 % a year
    const marks = [
      mark('2001-01-01', 'x'.repeat(20)), // 1 % … 19.6 %
      mark('2010-01-01', 'y'), // 10 % … 17.2 %: under the first label
      mark('2030-01-01', 'z'), // 30 % … 37.2 %: clear of both
      mark('2085-01-01', 'v'), // flipped: 77.8 % … 85 %
      mark('2090-01-01', 'w'.repeat(20)), // flipped: 71.4 % … 90 %, under the previous
    ]
    assert.deepEqual(markRows(marks, pct, 70), [0, 1, 0, 0, 1])
    // Three labels over one stretch take the three rows; a fourth opens a row of its own.
    const crowded = ['2001', '2002', '2003', '2004'].map((y) => mark(`${y}-01-01`, 'q'.repeat(30)))
    assert.deepEqual(markRows(crowded, pct, 70), [0, 1, 2, 3])
  })
})
