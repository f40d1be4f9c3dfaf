import type { Scenario } from '../api/types.ts'
import { partyColor } from '../ui/colors.ts'
import { coverageRadiusKm } from './coverage.ts'

/** The sensors with their coverage radius at the chosen altitude (the rings, as text). */
export function SensorTable({
  scenario,
  altitudeKm,
}: {
  readonly scenario: Scenario
  readonly altitudeKm: number
}) {
  return (
    <table data-testid="sensor-table">
      <caption>Sensors: ground radius covered at {altitudeKm} km</caption>
      <thead>
        <tr>
          <th scope="col">sensor</th>
          <th scope="col">range</th>
          <th scope="col">covers</th>
        </tr>
      </thead>
      <tbody>
        {scenario.sensors.map((s) => (
          <tr key={s.id}>
            <td>
              <span
                class="swatch"
                style={{ background: partyColor(scenario, s.party) }}
                aria-hidden="true"
              />
              {s.id}
            </td>
            <td class="num">{s.maxRangeKm} km</td>
            <td class="num">{Math.round(coverageRadiusKm(s, altitudeKm))} km</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
