import { Temporal } from 'temporal-polyfill'
import { asLevel, type PartyId } from '../domain/ids.ts'
import { findReleasePath } from '../domain/routing.ts'
import { formatInstant } from '../domain/time.ts'
import { agreementRows } from '../domain/agreement-view.ts'
import { renderAgreementRows } from './agreements.ts'
import { loadScenario } from './load-scenario.ts'
import { renderTable } from './table.ts'

/**
 * Until the live demo exists, `npm start` shows the reference scenario's agreements as of now
 * and, for each launch of 31 October 2019, who could release their own report to whom.
 */
export function runStart(file: string): string {
  const { input, index } = loadScenario(file, [])
  const zone = index.registry.timeZone
  const nowMs = Temporal.Now.instant().epochMilliseconds
  const out = [
    `Entente — ${input.name}`,
    '',
    renderAgreementRows(agreementRows(index, nowMs), formatInstant(nowMs, zone)),
  ]
  const parties = [...index.registry.parties.keys()]
  for (const launch of input.launches) {
    const rows: string[][] = []
    for (const from of parties) {
      const level = launch.marking.get(from)
      if (level === undefined) continue
      for (const to of parties.filter((p): p is PartyId => p !== from)) {
        const report = {
          id: launch.id,
          originator: from,
          level: asLevel(level),
          topic: launch.topic,
          releasableTo: null,
        }
        const d = findReleasePath(index, { recipient: to, report, atMs: launch.timeMs })
        const how =
          d.decision === 'allowed'
            ? d.hops.map((h) => `${h.agreement ?? 'public'} (${h.release ?? '-'})`).join(', ')
            : d.reasons.map((r) => r.code).join(', ')
        rows.push([`${from} → ${to}`, level, d.decision, d.path.join(' → ') || '-', how])
      }
    }
    out.push(
      '',
      `Release decisions for launch ${launch.id} at ${formatInstant(launch.timeMs, zone)}`,
      '',
    )
    out.push(
      renderTable(
        ['FROM → TO', 'LEVEL', 'DECISION', 'PATH', 'UNDER (RELEASE MODE) / REASONS'],
        rows,
      ),
    )
  }
  out.push(
    '',
    'Try: ./bin/entente release --help, ./bin/entente agreements history kor-jpn-gsomia --scenario ' +
      file,
  )
  return out.join('\n')
}
