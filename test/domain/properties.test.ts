import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { Temporal } from 'temporal-polyfill'
import { compileLifecycle } from '../../src/domain/lifecycle.ts'
import { buildRegistryIndex } from '../../src/domain/registry-index.ts'
import { decideRelease } from '../../src/domain/release.ts'
import { findReleasePath } from '../../src/domain/routing.ts'
import { isInForce, statusAt } from '../../src/domain/status.ts'
import { formatInstant, startOfDayMs } from '../../src/domain/time.ts'
import { ZONE } from '../helpers/builders.ts'
import {
  agreementArb,
  instantArb,
  PARTY_IDS,
  registryArb,
  reportArb,
} from '../helpers/domain-arbitraries.ts'
import type { PartyId } from '../../src/domain/ids.ts'

const RUNS = { numRuns: 300 }

describe('lifecycle properties', () => {
  it('an agreement with no notice and a renewal is in force at every instant from entry on', () => {
    fc.assert(
      fc.property(agreementArb('g', false), instantArb, (agreement, atMs) => {
        fc.pre(agreement.term.renewal !== null)
        const lifecycle = compileLifecycle(agreement, ZONE)
        const entry = lifecycle.entryIntoForceMs ?? Infinity
        assert.equal(
          statusAt(lifecycle, atMs).status,
          atMs >= entry ? 'in-force' : 'not-yet-in-force',
        )
      }),
      RUNS,
    )
  })

  it('status changes only at event dates and period ends', () => {
    fc.assert(
      fc.property(
        agreementArb('g'),
        instantArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (agreement, t1, fraction) => {
          const lifecycle = compileLifecycle(agreement, ZONE)
          const boundaries = boundariesOf(lifecycle, t1)
          const next = boundaries.find((b) => b > t1) ?? t1 + 86_400_000 * 365
          const t2 = Math.min(next - 1, t1 + Math.floor((next - t1) * fraction))
          fc.pre(t2 >= t1)
          assert.deepEqual(statusAt(lifecycle, t2), statusAt(lifecycle, t1))
        },
      ),
      RUNS,
    )
  })
})

/** Event dates and period ends up to a year after `t`, ascending. */
function boundariesOf(lifecycle: ReturnType<typeof compileLifecycle>, t: number): number[] {
  const ms = (d: Temporal.PlainDate): number => startOfDayMs(d, ZONE)
  const out = lifecycle.agreement.events.map((e) => ms(e.date))
  for (let k = 0; lifecycle.periods !== null; k++) {
    const end = lifecycle.periods.endOf(k)
    if (end === null) break
    out.push(ms(end))
    if (ms(end) > t + 86_400_000 * 800) break
  }
  return out.sort((a, b) => a - b)
}

describe('release properties', () => {
  it('every denial has at least one reason, each with a code and a sentence', () => {
    fc.assert(
      fc.property(
        registryArb,
        reportArb,
        fc.constantFrom(...PARTY_IDS),
        instantArb,
        (registry, report, to, atMs) => {
          fc.pre(to !== report.originator)
          const index = buildRegistryIndex(registry)
          const decision = findReleasePath(index, { recipient: to as PartyId, report, atMs })
          if (decision.decision === 'denied') {
            assert.ok(decision.reasons.length >= 1)
            for (const r of decision.reasons) assert.ok(r.code.length > 0 && r.message.length > 10)
          }
        },
      ),
      RUNS,
    )
  })

  it('never allows a non-public report to a party sharing no agreement in force with the holder and not reachable through a hub', () => {
    fc.assert(
      fc.property(
        registryArb,
        reportArb,
        fc.constantFrom(...PARTY_IDS),
        instantArb,
        (registry, report, to, atMs) => {
          const recipient = to as PartyId
          fc.pre(recipient !== report.originator && report.level !== 'L0')
          const index = buildRegistryIndex(registry)
          const inForce = registry.agreements.filter((a) =>
            isInForce(compileLifecycle(a, ZONE), atMs),
          )
          const linked = (x: PartyId, y: PartyId) =>
            inForce.some((a) => a.parties.includes(x) && a.parties.includes(y))
          const viaHub = inForce.some(
            (a) =>
              a.kind === 'mediated' &&
              a.hub !== null &&
              linked(report.originator, a.hub) &&
              linked(a.hub, recipient),
          )
          fc.pre(!linked(report.originator, recipient) && !viaHub)
          const decision = findReleasePath(index, { recipient, report, atMs })
          assert.equal(decision.decision, 'denied')
          const direct = decideRelease(index, {
            holder: report.originator,
            recipient,
            report,
            atMs,
          })
          assert.equal(direct.decision, 'denied')
        },
      ),
      RUNS,
    )
  })

  it('an allowed path has consecutive hops from the originator to the recipient', () => {
    fc.assert(
      fc.property(
        registryArb,
        reportArb,
        fc.constantFrom(...PARTY_IDS),
        instantArb,
        (registry, report, to, atMs) => {
          fc.pre(to !== report.originator)
          const decision = findReleasePath(buildRegistryIndex(registry), {
            recipient: to as PartyId,
            report,
            atMs,
          })
          if (decision.decision === 'allowed') {
            assert.equal(decision.path[0], report.originator)
            assert.equal(decision.path[decision.path.length - 1], to)
            decision.hops.forEach((hop, i) => {
              assert.equal(hop.from, decision.path[i])
              assert.equal(hop.to, decision.path[i + 1])
            })
          }
        },
      ),
      RUNS,
    )
  })
})

describe('time formatting', () => {
  it('formatInstant agrees with Temporal for any instant and zone', () => {
    const zones = [
      'Asia/Seoul',
      'UTC',
      'America/New_York',
      'Australia/Lord_Howe',
      'Asia/Kathmandu',
      'Europe/London',
    ]
    fc.assert(
      fc.property(
        fc.integer({ min: -2_208_988_800_000, max: 4_102_444_800_000 }),
        fc.constantFrom(...zones),
        (ms, zone) => {
          const expected = Temporal.Instant.fromEpochMilliseconds(ms)
            .toZonedDateTimeISO(zone)
            .toString({ timeZoneName: 'never', smallestUnit: 'millisecond' })
            .replace('.000', '')
          assert.equal(formatInstant(ms, zone), expected)
        },
      ),
      { numRuns: 2000 },
    )
  })
})
