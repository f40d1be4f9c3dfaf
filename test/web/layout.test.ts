import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { loadScenario } from '../../src/cli/load-scenario.ts'
import type { AgreementRow, Scenario } from '../../web/src/api/types.ts'
import { filterAgreements } from '../../web/src/agreements/filter.ts'
import { networkLayout } from '../../web/src/agreements/layout.ts'
import { regionOf } from '../../web/src/agreements/regions.ts'

const NETWORKS = [...loadScenario('scenarios/networks-2019.yaml', []).input.registry.parties.keys()]

/** The smallest distance between two node centres, and the pair. */
function closest(positions: ReadonlyMap<string, readonly [number, number]>): number {
  const points = [...positions.values()]
  let best = Infinity
  for (let i = 0; i < points.length; i++)
    for (let j = i + 1; j < points.length; j++) {
      const [a, b] = [points[i] ?? [0, 0], points[j] ?? [0, 0]]
      best = Math.min(best, Math.hypot(a[0] - b[0], a[1] - b[1]))
    }
  return best
}

describe('the agreement network layout', () => {
  for (const [name, parties] of [
    ['networks-2019.yaml', NETWORKS],
    ['40 parties', Array.from({ length: 40 }, (_, i) => `P${String(i).padStart(2, '0')}`)],
  ] as const) {
    it(`no two parties' nodes overlap or touch (${name})`, () => {
      const layout = networkLayout(parties)
      assert.equal(layout.positions.size, parties.length, 'every party placed')
      const gap = closest(layout.positions) - 2 * layout.nodeRadius
      assert.ok(gap >= 10 - 1e-9, `the closest nodes are ${gap.toFixed(1)} px apart (≥ 10 px)`)
      for (const [x, y] of layout.positions.values()) {
        const r = layout.nodeRadius
        assert.ok(x - r >= 0 && y - r >= 0 && x + r <= layout.width && y + r <= layout.height)
      }
    })
  }

  it('draws each region of networks-2019.yaml as one unbroken arc, labelled', () => {
    const layout = networkLayout(NETWORKS)
    const angleOf = (p: string) => {
      const [x, y] = layout.positions.get(p) ?? [0, 0]
      return (
        (Math.atan2(y - layout.height / 2, x - layout.width / 2) + 2.5 * Math.PI) % (2 * Math.PI)
      )
    }
    const around = [...NETWORKS].sort((a, b) => angleOf(a) - angleOf(b)).map(regionOf)
    const runs = around.filter((region, i) => region !== around[i - 1])
    assert.equal(
      runs.length,
      new Set(runs).size,
      `each region once around the circle: ${runs.join(', ')}`,
    )
    assert.deepEqual(
      layout.groups.map((g) => g.region),
      runs,
    )
    assert.equal(regionOf('NATO'), 'Organisations')
  })

  it('keeps the three-party picture of the reference scenario: USA on top, edges labelled', () => {
    const layout = networkLayout(['KOR', 'JPN', 'USA'])
    const [, usaY] = layout.positions.get('USA') ?? [0, 0]
    const others = ['KOR', 'JPN'].map((p) => layout.positions.get(p)?.[1] ?? 0)
    assert.ok(others.every((y) => y > usaY))
    assert.equal(layout.labelEdges, true)
    assert.deepEqual(layout.groups, [])
  })
})

describe('filterAgreements', () => {
  const row = (id: string, title: string, parties: string[]): AgreementRow => ({
    id,
    title,
    kind: 'bilateral',
    parties,
    hub: null,
    status: 'in-force',
    since: null,
    periodEnd: null,
    pendingTermination: null,
    terminatedAt: null,
  })
  const rows = [
    row('kor-aus', 'Korea–Australia', ['KOR', 'AUS']),
    row('jpn-aus', 'Japan–Australia information security', ['JPN', 'AUS']),
    row('kor-jpn-gsomia', 'GSOMIA', ['KOR', 'JPN']),
  ]
  const scenario = {
    parties: [
      { id: 'KOR', name: 'Republic of Korea' },
      { id: 'JPN', name: 'Japan' },
      { id: 'AUS', name: 'Australia' },
    ],
  } as unknown as Scenario
  const ids = (party: string, search: string) =>
    filterAgreements(rows, scenario, { party, search }).map((r) => r.id)

  it("keeps the chosen party's agreements", () => {
    assert.deepEqual(ids('JPN', ''), ['jpn-aus', 'kor-jpn-gsomia'])
  })

  it("finds words in ids, titles and parties' names, every word, any case", () => {
    assert.deepEqual(ids('', 'gsomia'), ['kor-jpn-gsomia'])
    assert.deepEqual(ids('', 'republic AUSTRALIA'), ['kor-aus'])
    assert.deepEqual(ids('JPN', 'security'), ['jpn-aus'])
    assert.deepEqual(ids('', 'nowhere'), [])
  })
})
