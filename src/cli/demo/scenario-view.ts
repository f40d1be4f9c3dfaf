import { formatInstant } from '../../domain/time.ts'
import type { RegistryIndex } from '../../domain/registry-index.ts'
import type { SimulationInput } from '../../sim/model.ts'
import { launchTrajectory } from '../../sim/simulate.ts'
import { positionAt } from '../../sim/trajectory.ts'

const PALETTE: Readonly<Record<string, string>> = { KOR: '#1f6feb', JPN: '#d1242f', USA: '#8250df' }
const OTHERS = ['#1a7f37', '#bf8700', '#0a7ea4', '#cf222e', '#6e7781']

/** What the dashboard draws: parties with colours, agreements with their history, sensors, tracks. */
export function scenarioView(input: SimulationInput, index: RegistryIndex): object {
  const zone = index.registry.timeZone
  const parties = [...index.registry.parties.values()].map((p, i) => ({
    id: p.id,
    name: p.name,
    levels: p.levels,
    public: p.public,
    color: PALETTE[p.id] ?? OTHERS[i % OTHERS.length],
  }))
  const agreements = [...index.agreements.values()].map(({ agreement, lifecycle }) => ({
    id: agreement.id,
    title: agreement.title,
    kind: agreement.kind,
    parties: agreement.parties,
    hub: agreement.hub,
    events: lifecycle.effects.map(({ event, applied, effect }) => ({
      date: event.date.toString(),
      type: event.type,
      by: 'by' in event ? event.by : null,
      applied,
      effect,
    })),
    // Each notice of termination, pending from the day it was given to the day it was
    // suspended or withdrawn, or else took effect (the lifecycle's own account, not the text).
    notices: lifecycle.notices.map((n) => {
      const endMs = n.cancelledMs ?? n.effectMs
      return {
        given: n.given.toString(),
        until: endMs === null ? null : formatInstant(endMs, zone).slice(0, 10),
      }
    }),
  }))
  const sensors = input.sensors.map((s) => ({
    id: s.id,
    party: s.party,
    lat: s.position.lat,
    lon: s.position.lon,
    altitudeKm: s.altitudeKm,
    maxRangeKm: s.maxRangeKm,
    minElevationDeg: s.minElevationDeg,
    kFactor: s.kFactor,
  }))
  const launches = input.launches.map((l) => {
    const trajectory = launchTrajectory(l)
    const track = []
    for (let t = 0; t < trajectory.flightSeconds; t += 2)
      track.push({ t, ...round(positionAt(trajectory, t)) })
    track.push({
      t: Math.round(trajectory.flightSeconds * 1000) / 1000,
      ...round(positionAt(trajectory, trajectory.flightSeconds)),
    })
    return {
      id: l.id,
      launchAt: formatInstant(l.timeMs, zone),
      impactAt: formatInstant(l.timeMs + Math.round(trajectory.flightSeconds * 1000), zone),
      flightSeconds: Math.round(trajectory.flightSeconds * 1000) / 1000,
      site: l.site,
      impact: l.impact,
      rangeKm: l.rangeKm,
      apogeeKm: l.apogeeKm,
      track,
    }
  })
  return { name: input.name, timeZone: zone, parties, agreements, sensors, launches }
}

function round(p: { lat: number; lon: number; altitudeKm: number }): {
  lat: number
  lon: number
  altitudeKm: number
} {
  return {
    lat: Math.round(p.lat * 1e4) / 1e4,
    lon: Math.round(p.lon * 1e4) / 1e4,
    altitudeKm: Math.round(p.altitudeKm * 100) / 100,
  }
}
