import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { compileLifecycle } from '../../src/domain/lifecycle.ts'
import { intervalsInForce, statusAt, termsAt } from '../../src/domain/status.ts'
import { formatInstant } from '../../src/domain/time.ts'
import {
  agreement,
  amendment,
  at,
  ev,
  topics,
  ZONE,
  type AgreementSpec,
} from '../helpers/builders.ts'

function lifecycleOf(spec: AgreementSpec) {
  return compileLifecycle(agreement(spec), ZONE)
}

const iso = (ms: number | null): string | null => (ms === null ? null : formatInstant(ms, ZONE))

const GSOMIA_NOTICE = (date: string) => ({
  events: [ev('2016-11-23', 'entry-into-force'), ev(date, 'notice-of-termination', 'KOR')],
})

describe('rule 1: periods', () => {
  it('given a yearly agreement, it is in force from entry with the current period end', () => {
    const status = statusAt(lifecycleOf({}), at('2018-01-01'))
    assert.equal(status.status, 'in-force')
    assert.equal(iso(status.since), '2016-11-23T00:00:00+09:00')
    assert.equal(iso(status.periodEnd), '2018-11-23T00:00:00+09:00')
    assert.equal(status.pendingTermination, null)
  })

  it('is not yet in force the instant before entry, and in force at entry (half-open)', () => {
    const lifecycle = lifecycleOf({})
    assert.equal(statusAt(lifecycle, at('2016-11-23') - 1).status, 'not-yet-in-force')
    assert.equal(statusAt(lifecycle, at('2016-11-23')).status, 'in-force')
  })

  it('moves to the next period at the period end, not just before it', () => {
    const lifecycle = lifecycleOf({})
    assert.equal(
      iso(statusAt(lifecycle, at('2017-11-23') - 1).periodEnd),
      '2017-11-23T00:00:00+09:00',
    )
    assert.equal(iso(statusAt(lifecycle, at('2017-11-23')).periodEnd), '2018-11-23T00:00:00+09:00')
  })

  it('without renewal, the agreement ends at the end of period 0', () => {
    const lifecycle = lifecycleOf({ renewal: null, initial: 'P2Y' })
    assert.equal(statusAt(lifecycle, at('2018-11-23') - 1).status, 'in-force')
    const after = statusAt(lifecycle, at('2018-11-23'))
    assert.equal(after.status, 'terminated')
    assert.deepEqual(after.cause, { type: 'expiry' })
  })

  it('29 February: one year later is 28 February, and each renewal adds to the previous end', () => {
    const lifecycle = lifecycleOf({ events: [ev('2016-02-29', 'entry-into-force')] })
    assert.equal(iso(statusAt(lifecycle, at('2016-03-01')).periodEnd), '2017-02-28T00:00:00+09:00')
    assert.equal(iso(statusAt(lifecycle, at('2019-12-01')).periodEnd), '2020-02-28T00:00:00+09:00')
  })
})

describe('rule 2: notice of termination', () => {
  it('notice 91 days before the last day (2019-08-23) ends the GSOMIA at 2019-11-23T00:00+09:00', () => {
    const lifecycle = lifecycleOf(GSOMIA_NOTICE('2019-08-23'))
    const during = statusAt(lifecycle, at('2019-10-31T16:35:00+09:00'))
    assert.equal(during.status, 'in-force')
    assert.equal(iso(during.pendingTermination), '2019-11-23T00:00:00+09:00')
    assert.equal(statusAt(lifecycle, at('2019-11-22T23:59:59.999+09:00')).status, 'in-force')
    const after = statusAt(lifecycle, at('2019-11-23T00:00:00+09:00'))
    assert.equal(after.status, 'terminated')
    assert.equal(iso(after.terminatedAt), '2019-11-23T00:00:00+09:00')
    assert.deepEqual(after.cause?.type, 'notice-of-termination')
  })

  it('notice exactly N = 90 days before the last day (2019-08-24) has the same effect', () => {
    const status = statusAt(lifecycleOf(GSOMIA_NOTICE('2019-08-24')), at('2019-09-01'))
    assert.equal(iso(status.pendingTermination), '2019-11-23T00:00:00+09:00')
  })

  it('notice one day late (89 days, 2019-08-25) takes effect a period later', () => {
    const lifecycle = lifecycleOf(GSOMIA_NOTICE('2019-08-25'))
    assert.equal(
      iso(statusAt(lifecycle, at('2019-09-01')).pendingTermination),
      '2020-11-23T00:00:00+09:00',
    )
    assert.equal(statusAt(lifecycle, at('2019-11-25')).status, 'in-force')
    assert.equal(statusAt(lifecycle, at('2020-11-23')).status, 'terminated')
  })

  it('a notice is not pending before the day it is given', () => {
    const lifecycle = lifecycleOf(GSOMIA_NOTICE('2019-08-23'))
    assert.equal(statusAt(lifecycle, at('2019-08-23') - 1).pendingTermination, null)
    assert.notEqual(statusAt(lifecycle, at('2019-08-23')).pendingTermination, null)
  })
})

describe('rule 3: suspension and withdrawal', () => {
  const withEvent = (date: string, type: 'notice-suspended' | 'notice-withdrawn', by = 'KOR') => ({
    events: [
      ev('2016-11-23', 'entry-into-force'),
      ev('2019-08-23', 'notice-of-termination', 'KOR'),
      ev(date, type, by),
    ],
  })

  it('a suspension before the effect instant cancels the notice (2019-11-22)', () => {
    const lifecycle = lifecycleOf(withEvent('2019-11-22', 'notice-suspended'))
    const status = statusAt(lifecycle, at('2019-11-25'))
    assert.equal(status.status, 'in-force')
    assert.equal(status.pendingTermination, null)
    assert.equal(iso(status.periodEnd), '2020-11-23T00:00:00+09:00')
    assert.equal(
      iso(statusAt(lifecycle, at('2019-11-21')).pendingTermination),
      '2019-11-23T00:00:00+09:00',
    )
  })

  it('a suspension dated at the effect instant changes nothing', () => {
    const lifecycle = lifecycleOf(withEvent('2019-11-23', 'notice-suspended'))
    assert.equal(statusAt(lifecycle, at('2019-11-25')).status, 'terminated')
    assert.equal(lifecycle.effects[2]?.applied, false)
  })

  it('a withdrawal by the party that did not give the notice changes nothing', () => {
    const lifecycle = lifecycleOf(withEvent('2019-10-01', 'notice-withdrawn', 'JPN'))
    assert.equal(statusAt(lifecycle, at('2019-11-25')).status, 'terminated')
  })

  it('a withdrawal before the effect instant cancels the notice', () => {
    const lifecycle = lifecycleOf(withEvent('2019-10-01', 'notice-withdrawn'))
    assert.equal(statusAt(lifecycle, at('2025-01-01')).status, 'in-force')
  })
})

describe('rule 4: resumption', () => {
  it('a resumed notice counts as a new notice given on the date of resumption', () => {
    const lifecycle = lifecycleOf({
      events: [
        ev('2016-11-23', 'entry-into-force'),
        ev('2019-08-23', 'notice-of-termination', 'KOR'),
        ev('2019-11-22', 'notice-suspended', 'KOR'),
        ev('2020-09-01', 'notice-resumed', 'KOR'),
      ],
    })
    // 2020-09-01 + 90 days = 2020-11-30 > last day 2020-11-22: the period after that ends.
    assert.equal(
      iso(statusAt(lifecycle, at('2020-10-01')).pendingTermination),
      '2021-11-23T00:00:00+09:00',
    )
    assert.equal(statusAt(lifecycle, at('2021-11-23')).status, 'terminated')
  })

  it('resuming without a suspended notice has no effect', () => {
    const lifecycle = lifecycleOf({
      events: [ev('2016-11-23', 'entry-into-force'), ev('2020-01-01', 'notice-resumed', 'KOR')],
    })
    assert.equal(lifecycle.effects[1]?.applied, false)
    assert.equal(statusAt(lifecycle, at('2030-01-01')).status, 'in-force')
  })
})

describe('rule 5: termination by mutual consent', () => {
  it('ends the agreement at 00:00 of its date', () => {
    const lifecycle = lifecycleOf({
      events: [ev('2016-11-23', 'entry-into-force'), ev('2018-05-10', 'termination')],
    })
    assert.equal(statusAt(lifecycle, at('2018-05-10') - 1).status, 'in-force')
    const status = statusAt(lifecycle, at('2018-05-10'))
    assert.equal(status.status, 'terminated')
    assert.equal(status.cause?.type, 'termination')
    assert.deepEqual(
      intervalsInForce(lifecycle).map((i) => [iso(i.fromMs), iso(i.untilMs)]),
      [['2016-11-23T00:00:00+09:00', '2018-05-10T00:00:00+09:00']],
    )
  })

  it('events after the end change nothing', () => {
    const lifecycle = lifecycleOf({
      events: [
        ev('2016-11-23', 'entry-into-force'),
        ev('2018-05-10', 'termination'),
        ev('2018-06-01', 'notice-of-termination', 'JPN'),
      ],
    })
    assert.equal(lifecycle.effects[2]?.applied, false)
    assert.match(lifecycle.effects[2]?.effect ?? '', /ended at 2018-05-10/)
  })
})

describe('rule 6: amendment', () => {
  it('replaces the topics from its date on; earlier queries see the old terms', () => {
    const lifecycle = lifecycleOf({
      topics: topics('dprk-missile'),
      events: [
        ev('2016-11-23', 'entry-into-force'),
        amendment('2020-01-01', { topics: topics('dprk-missile', 'dprk-nuclear') }),
      ],
    })
    assert.deepEqual(termsAt(lifecycle, at('2019-12-31T23:59:59+09:00')).topics, ['dprk-missile'])
    assert.deepEqual(termsAt(lifecycle, at('2020-01-01')).topics, ['dprk-missile', 'dprk-nuclear'])
  })
})

describe('history', () => {
  it('explains every event with its effect', () => {
    const lifecycle = lifecycleOf({
      events: [
        ev('2016-11-23', 'signature'),
        ev('2016-11-23', 'entry-into-force'),
        ev('2019-08-23', 'notice-of-termination', 'KOR'),
        ev('2019-11-22', 'notice-suspended', 'KOR'),
      ],
    })
    assert.equal(lifecycle.effects.length, 4)
    assert.match(lifecycle.effects[2]?.effect ?? '', /will end at 2019-11-23T00:00:00\+09:00/)
    assert.match(lifecycle.effects[3]?.effect ?? '', /suspends KOR's notice of 2019-08-23/)
  })
})
