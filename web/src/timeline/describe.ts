import type { LiveEvent } from '../api/types.ts'
import { pathText } from '../format.ts'

/** What a timeline marker says, for its aria-label and its tooltip. */
export function describeEvent(e: LiveEvent): string {
  const peer = e.peer ?? '?'
  const under = e.agreement === null ? '' : ` under ${e.agreement}`
  const why = e.reasons.map((r) => r.message).join('; ')
  const at = e.t === null ? '' : ` (+${e.t.toFixed(1)} s)`
  return `${sentence(e, peer, under, why)}${at}`
}

function sentence(e: LiveEvent, peer: string, under: string, why: string): string {
  switch (e.type) {
    case 'ingest':
      return `${e.party} own report`
    case 'decision-denied':
      return `${e.party} → ${peer} denied: ${why || 'no agreement allows it'}`
    case 'held':
      return `${e.party} → ${peer} held: ${why || `${e.agreement ?? 'the agreement'} releases only on request`}`
    case 'pending-approval':
      return `${e.party} → ${peer} pending approval${under}`
    case 'approved':
      return `${e.party} → ${peer} approved${under}`
    case 'sent':
      return `${e.party} → ${peer} sent${under}`
    case 'delivered':
      return `${e.party} → ${peer} delivered (receipt back)${under}`
    case 'received':
      return `${e.party} received ${e.path?.[0] ?? peer}'s report from ${peer} by ${pathText(e.path)}${under}`
    case 'relayed':
      return `${e.party} relayed to ${peer}${under}`
    case 'quarantined':
      return `${e.party} quarantined a report from ${peer}: ${why || 'its own check disagrees'}`
    case 'request-sent':
      return `${e.party} asks ${peer} for its report`
    case 'request-received':
      return `${e.party} asked by ${peer}`
    case 'answered':
      return `${e.party} answers ${peer}'s request`
  }
}
