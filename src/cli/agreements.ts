import {
  type AgreementHistory,
  type AgreementRow,
  agreementHistory,
} from '../domain/agreement-view.ts'
import type { RegistryIndex } from '../domain/registry-index.ts'
import { EntenteError } from '../lib/errors.ts'
import { renderTable } from './table.ts'

export function historyOrError(index: RegistryIndex, id: string): AgreementHistory {
  const history = agreementHistory(index, id)
  if (history !== undefined) return history
  const known = [...index.agreements.keys()].join(', ')
  throw new EntenteError(
    'UNKNOWN_AGREEMENT',
    `agreement '${id}' is not in the scenario (known: ${known})`,
  )
}

export function renderAgreementRows(rows: readonly AgreementRow[], at: string): string {
  const body = rows.map((r) => [
    r.id,
    r.parties.join(' ') + (r.hub === null ? '' : ` (hub ${r.hub})`),
    r.status,
    r.since ?? '-',
    r.periodEnd ?? '-',
    r.pendingTermination ?? (r.terminatedAt === null ? '-' : `ended (${r.cause ?? ''})`),
    r.release,
  ])
  const header = ['AGREEMENT', 'PARTIES', 'STATUS', 'SINCE', 'PERIOD END', 'ENDS', 'RELEASE']
  return `Agreements at ${at}\n\n${renderTable(header, body)}`
}

export function renderHistory(history: AgreementHistory): string {
  const intervals =
    history.intervalsInForce.length === 0
      ? ['  never in force']
      : history.intervalsInForce.map(
          (i) => `  in force from ${i.from ?? '?'} until ${i.until ?? 'further notice'}`,
        )
  const events = history.events.map(
    (e) => `  ${e.date}  ${e.type}${e.by === null ? '' : ` (${e.by})`}: ${e.effect}`,
  )
  return [
    `${history.id} — ${history.title}`,
    '',
    'Intervals in force:',
    ...intervals,
    '',
    'Events:',
    ...events,
  ].join('\n')
}
