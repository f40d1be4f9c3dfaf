import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { Temporal } from 'temporal-polyfill'
import type { TaxiiEntry } from '../../src/node/app/taxii-views.ts'
import { filterEntries, parseTaxiiQuery } from '../../src/node/http/taxii-query.ts'

/** Entries of one version each, a second apart from 2019-10-31T00:00:00Z. */
function entries(n: number): TaxiiEntry[] {
  return Array.from({ length: n }, (_, i) => {
    const version = new Date(Date.parse('2019-10-31T00:00:00Z') + i * 1000).toISOString()
    const object = { type: 'location', id: `location--${i}` }
    return { object, dateAddedMs: i, version, disclosure: null }
  })
}

describe('TAXII query filters', () => {
  // Counts the instants parsed: the filter's cost, without timing it.
  const from = Temporal.Instant.from.bind(Temporal.Instant)
  let parsed = 0
  before(() => {
    Temporal.Instant.from = (item) => {
      parsed++
      return from(item)
    }
  })
  after(() => {
    Temporal.Instant.from = from
  })

  it('match[version] selects the versions listed and no other', () => {
    const all = entries(10)
    const wanted = [all[2]?.version, '2019-10-31T00:00:07+00:00', 'not-an-instant'].join(',')
    const got = filterEntries(all, parseTaxiiQuery({ 'match[version]': wanted }))
    assert.deepEqual(
      got.map((e) => e.object.id),
      ['location--2', 'location--7'],
    )
    assert.equal(filterEntries(all, parseTaxiiQuery({ 'match[version]': 'last' })).length, 10)
  })

  it('found by fuzzing: a long match[version] list is parsed once per request, not once per entry', () => {
    const all = entries(500)
    const wanted = Array.from({ length: 500 }, (_, i) =>
      new Date(Date.UTC(2001, 0, 1) + i * 1000).toISOString(),
    ).join(',')
    const query = parseTaxiiQuery({ 'match[version]': wanted })
    parsed = 0
    assert.equal(filterEntries(all, query).length, 0)
    // Each list value and each entry's version once: 1,000 (it was 500 × 500 × 2 = 500,000).
    assert.ok(parsed <= 1_000, `instants parsed: ${parsed}, expected at most 1,000`)
  })
})
