import type { AuditEntry, Store } from '../store/store.ts'

/** What was shared with, received from and asked by one party in a window (CLI and API). */
export interface PartyAccount {
  readonly party: string
  readonly fromMs: number
  readonly untilMs: number
  /** Releases delivered to the party (receipt in hand) and those sent but not yet receipted. */
  readonly sharedWith: readonly AuditEntry[]
  readonly deniedTo: readonly AuditEntry[]
  readonly receivedFrom: readonly AuditEntry[]
  readonly quarantinedFrom: readonly AuditEntry[]
  readonly askedBy: readonly AuditEntry[]
  readonly askedOf: readonly AuditEntry[]
  /** Sentences a reader can quote, including "no request was received". */
  readonly findings: readonly string[]
}

export async function accountFor(
  store: Store,
  party: string,
  fromMs: number,
  untilMs: number,
): Promise<PartyAccount> {
  const entries = await store.listAudit({ party, fromMs, untilMs, limit: 1_000_000 })
  const of = (type: AuditEntry['type'], test: (e: AuditEntry) => boolean = () => true) =>
    entries.filter((e) => e.type === type && test(e))
  const direction = (value: string) => (e: AuditEntry) => e.data['direction'] === value
  const account = {
    party,
    fromMs,
    untilMs,
    sharedWith: of('delivery', (e) => e.data['kind'] === 'report'),
    deniedTo: of('decision', (e) => e.data['decision'] === 'denied'),
    receivedFrom: of('arrival', (e) => e.data['kind'] === 'report'),
    quarantinedFrom: of('quarantine'),
    askedBy: of('request', direction('incoming')),
    askedOf: of('request', direction('outgoing')),
  }
  return { ...account, findings: findings(account) }
}

function findings(a: Omit<PartyAccount, 'findings'>): string[] {
  const count = (n: number, one: string, many: string) =>
    n === 0 ? `no ${one}` : n === 1 ? `1 ${one}` : `${n} ${many}`
  return [
    `${count(a.sharedWith.length, 'report was', 'reports were')} delivered to ${a.party}`,
    `${count(a.deniedTo.length, 'release to', 'releases to')} ${a.party} ${a.deniedTo.length === 1 ? 'was' : 'were'} denied`,
    `${count(a.receivedFrom.length, 'report was', 'reports were')} received from ${a.party}`,
    `${count(a.quarantinedFrom.length, 'message from', 'messages from')} ${a.party} ${a.quarantinedFrom.length === 1 ? 'was' : 'were'} quarantined`,
    a.askedBy.length === 0
      ? `no request was received from ${a.party}`
      : `${a.askedBy.length} request(s) were received from ${a.party}`,
    a.askedOf.length === 0
      ? `no request was made to ${a.party}`
      : `${a.askedOf.length} request(s) were made to ${a.party}`,
  ]
}
