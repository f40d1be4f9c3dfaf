import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import type { Agreement, ReleaseMode } from '../../src/domain/agreement.ts'
import { asPartyId } from '../../src/domain/ids.ts'
import { loadScenarioFile } from '../../src/scenario/load.ts'
import { toSimulationInput } from '../../src/scenario/to-domain.ts'
import type { InfoRequest, SimulationInput } from '../../src/sim/model.ts'
import { simulate, type SimulationResult } from '../../src/sim/simulate.ts'
import { ROOT } from '../helpers/cli.ts'

function reference(whatIfs: string[] = []): SimulationInput {
  const loaded = loadScenarioFile(`${ROOT}scenarios/korea-japan-2019.yaml`, whatIfs)
  assert.ok(loaded.ok, 'the reference scenario loads')
  return toSimulationInput(loaded.doc)
}

const BASE = reference()

/** Warning per launch and party; never knowing counts as minus infinity. */
function warnings(result: SimulationResult): Map<string, number> {
  const out = new Map<string, number>()
  for (const launch of result.launches) {
    for (const p of launch.parties)
      out.set(`${launch.id}/${p.party}`, p.warningSeconds ?? -Infinity)
  }
  return out
}

const modeArb = fc.constantFrom<ReleaseMode>('auto', 'manual', 'on-request')
const variantArb = fc.record({
  modes: fc.array(modeArb, { minLength: 4, maxLength: 4 }),
  approvalS: fc.array(fc.integer({ min: 0, max: 600 }), { minLength: 4, maxLength: 4 }),
  latencyMs: fc.array(fc.integer({ min: 0, max: 2_000 }), { minLength: 4, maxLength: 4 }),
  requests: fc.subarray([
    { from: 'JPN', to: 'KOR' },
    { from: 'KOR', to: 'JPN' },
    { from: 'USA', to: 'KOR' },
    { from: 'JPN', to: 'USA' },
  ]),
  afterS: fc.integer({ min: 0, max: 120 }),
  removed: fc.integer({ min: 0, max: 3 }),
})

type Variant = typeof variantArb extends fc.Arbitrary<infer T> ? T : never

function variantOf(v: Variant, without: number | null): SimulationInput {
  const agreements: Agreement[] = BASE.registry.agreements.map((a, i) => ({
    ...a,
    terms: { ...a.terms, release: v.modes[i] ?? a.terms.release },
    approvalDelayS: v.approvalS[i] ?? 0,
    linkLatencyMs: v.latencyMs[i] ?? 0,
  }))
  const requests: InfoRequest[] = BASE.launches.flatMap((l) =>
    v.requests.map((r) => ({
      launch: l.id,
      from: asPartyId(r.from),
      to: asPartyId(r.to),
      afterS: v.afterS,
    })),
  )
  return {
    ...BASE,
    registry: { ...BASE.registry, agreements: agreements.filter((_, i) => i !== without) },
    requests,
  }
}

describe('simulate: properties of the exchange', () => {
  it('adding an agreement never reduces any party warning; removing one never increases it', () => {
    fc.assert(
      fc.property(variantArb, (v) => {
        const all = warnings(simulate(variantOf(v, null)))
        const fewer = warnings(simulate(variantOf(v, v.removed)))
        for (const [key, w] of all) {
          const less = fewer.get(key) ?? -Infinity
          assert.ok(
            w >= less - 1e-9,
            `${key}: ${w} with every agreement, ${less} without #${v.removed}`,
          )
        }
      }),
      { numRuns: 150 },
    )
  })

  it('is deterministic: the same input gives byte-identical JSON', () => {
    const a = JSON.stringify(simulate(reference(['japan-asks']), ['japan-asks']))
    const b = JSON.stringify(simulate(reference(['japan-asks']), ['japan-asks']))
    assert.equal(a, b)
  })

  it('what-ifs compose in order: the last set wins', () => {
    const autoThenManual = reference(['auto-release', 'manual-release'])
    const manualThenAuto = reference(['manual-release', 'auto-release'])
    const gsomia = (input: SimulationInput) =>
      input.registry.agreements.find((a) => a.id === 'kor-jpn-gsomia')?.terms.release
    assert.equal(gsomia(autoThenManual), 'manual')
    assert.equal(gsomia(manualThenAuto), 'auto')
  })
})

describe('simulate: the reference case', () => {
  const party = (result: SimulationResult, id: string) =>
    result.launches[0]?.parties.find((p) => p.party === id)

  it('baseline: nobody asks and the GSOMIA releases only on request, so KOR and JPN exchange nothing', () => {
    const result = simulate(BASE)
    const jpn = party(result, 'JPN')
    assert.equal(result.launches[0]?.flightSeconds, 307.604, 'flight with the 55 s boost')
    assert.equal(jpn?.knowsSeconds, jpn?.reportedSeconds, 'Japan knows from its own report')
    const direct = result.launches
      .flatMap((l) => l.parties.flatMap((p) => p.events))
      .filter((e) => e.type === 'received' && e.agreement === 'kor-jpn-gsomia')
    assert.deepEqual(direct, [])
    assert.ok(party(result, 'KOR')?.events.some((e) => e.type === 'release-held' && e.to === 'JPN'))
  })

  it('the seed: Korea detects before Japan, by geography, and the boost widens the gap', () => {
    // Korea's radar 313 km from the site sees the missile during the burn, still low; Japan's
    // destroyer 700 km away is below its horizon until after burn-out (55 s), on the arc.
    const boosted = simulate(BASE)
    const arcOnly = simulate(reference(['no-boost']), ['no-boost'])
    const detected = (r: SimulationResult, id: string): number =>
      party(r, id)?.detectedSeconds ?? Number.NaN
    assert.equal(party(boosted, 'KOR')?.sensor, 'kor-green-pine-central')
    assert.ok(
      detected(boosted, 'KOR') < 55,
      `KOR sees it in the burn: ${detected(boosted, 'KOR')} s`,
    )
    assert.ok(detected(boosted, 'JPN') > 55, `JPN after burn-out: ${detected(boosted, 'JPN')} s`)
    const lead = (r: SimulationResult): number => detected(r, 'JPN') - detected(r, 'KOR')
    assert.ok(lead(arcOnly) > 0, 'Korea first on the arc alone too')
    assert.ok(lead(boosted) > lead(arcOnly) + 5, `lead ${lead(boosted)} s vs ${lead(arcOnly)} s`)
    assert.equal(arcOnly.launches[0]?.flightSeconds, 278.026, 'no-boost: the arc alone')
  })

  it('auto-release: Japan receives Korea report directly, path KOR → JPN', () => {
    const result = simulate(reference(['auto-release']), ['auto-release'])
    const receipt = party(result, 'JPN')?.events.find(
      (e) => e.type === 'received' && e.originator === 'KOR' && e.agreement === 'kor-jpn-gsomia',
    )
    assert.ok(receipt && receipt.type === 'received')
    assert.deepEqual(receipt.path, ['KOR', 'JPN'])
  })

  it('warning is impact minus first knowledge', () => {
    const result = simulate(BASE)
    for (const launch of result.launches) {
      for (const p of launch.parties) {
        if (p.knowsSeconds === null) continue
        assert.ok(
          Math.abs((p.warningSeconds ?? NaN) - (launch.flightSeconds - p.knowsSeconds)) < 0.002,
        )
      }
    }
  })
})
