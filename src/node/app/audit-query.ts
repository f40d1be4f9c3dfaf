import type { AuditEntry, Store } from '../store/store.ts'

/** What was shared with, received from and asked by one party in a window (CLI and API). */
export interface PartyAccount {
  readonly party: string
  readonly fromMs: number
  readonly untilMs: number
  /** Reports delivered to the party and accepted there (its signed receipt in hand). */
  readonly sharedWith: readonly AuditEntry[]
  /** Reports shown to the party by another path: TAXII, `export --party`, the CoT stream. */
  readonly disclosedTo: readonly AuditEntry[]
  /** Reports delivered whose receipt says the party quarantined them (it holds no content). */
  readonly refusedBy: readonly AuditEntry[]
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
    sharedWith: of(
      'delivery',
      (e) => e.data['kind'] === 'report' && e.data['status'] !== 'quarantined',
    ),
    disclosedTo: of('disclosure'),
    refusedBy: of(
      'delivery',
      (e) => e.data['kind'] === 'report' && e.data['status'] === 'quarantined',
    ),
    deniedTo: of('decision', (e) => e.data['decision'] === 'denied'),
    receivedFrom: of('arrival', (e) => e.data['kind'] === 'report'),
    quarantinedFrom: of('quarantine'),
    askedBy: of('request', direction('incoming')),
    askedOf: of('request', direction('outgoing')),
  }
  return { ...account, findings: findings(account) }
}

function findings(a: Omit<PartyAccount, 'findings'>): string[] {
  const p = a.party
  // "no report was", "1 report was", "3 reports were": the account must read as a sentence.
  const was = (n: number, one: string, many = `${one}s`) =>
    n === 0 ? `no ${one} was` : n === 1 ? `1 ${one} was` : `${n} ${many} were`
  const paths = [...new Set(a.disclosedTo.map((e) => String(e.data['path'])))].sort()
  return [
    `${was(a.sharedWith.length, 'report')} delivered to ${p}`,
    `${was(a.disclosedTo.length, 'report')} disclosed to ${p} by another path${paths.length > 0 ? ` (${paths.join(', ')})` : ''}`,
    `${was(a.refusedBy.length, 'delivered report')} quarantined by ${p}`,
    `${was(a.deniedTo.length, `release to ${p}`, `releases to ${p}`)} denied`,
    `${was(a.receivedFrom.length, 'report')} received from ${p}`,
    `${was(a.quarantinedFrom.length, `message from ${p}`, `messages from ${p}`)} quarantined`,
    `${was(a.askedBy.length, 'request')} received from ${p}`,
    `${was(a.askedOf.length, 'request')} made to ${p}`,
  ]
}
