import type { AuditEntry } from '../../node/store/store.ts'
import type { LocalNode } from '../local-network.ts'
import type { PictureUpdate } from './live.ts'

/**
 * Each party's own picture as its node holds it: the tracks (own and received), the reports
 * (with their status: a withdrawn false alarm shows as withdrawn) and the products (an image's
 * footprint). The demo reads them from the
 * node's API whenever its audit stream says they changed, so the dashboard shows exactly what
 * that node holds — never what the simulator knows.
 */

const READ_INTERVAL_MS = 250

/** Audit entries after which the node's reports are read again. */
const REPORT_ENTRIES = new Set<AuditEntry['type']>([
  'ingest',
  'arrival',
  'withdrawal',
  'correction',
])

export class Pictures {
  readonly #run: string
  readonly #onUpdate: (update: PictureUpdate) => void
  readonly #tracks = new Map<string, Map<string, unknown>>()
  readonly #reports = new Map<string, readonly unknown[]>()
  readonly #products = new Map<string, readonly unknown[]>()
  /** Per party, what is still to read: coalesced, so a busy node is read once per round. */
  readonly #due = new Map<string, { tracks: Set<string>; reports: boolean }>()
  readonly #reading = new Set<string>()

  constructor(run: string, onUpdate: (update: PictureUpdate) => void) {
    this.#run = run
    this.#onUpdate = onUpdate
  }

  onEntry(node: LocalNode, entry: AuditEntry): void {
    const trackNumbers =
      entry.type === 'track' && Array.isArray(entry.data['tracks'])
        ? (entry.data['tracks'] as number[])
        : []
    const named = entry.data['originator']
    const originator = typeof named === 'string' ? named : node.party
    const readReports = REPORT_ENTRIES.has(entry.type)
    if (trackNumbers.length === 0 && !readReports) return
    const due = this.#due.get(node.party) ?? { tracks: new Set<string>(), reports: false }
    for (const n of trackNumbers) due.tracks.add(`${originator}/${n}`)
    due.reports ||= readReports
    this.#due.set(node.party, due)
    if (!this.#reading.has(node.party)) void this.#readRounds(node)
  }

  /** Reads what is due, one round after another, so an older answer never overwrites a newer. */
  async #readRounds(node: LocalNode): Promise<void> {
    this.#reading.add(node.party)
    try {
      for (
        let due = this.#due.get(node.party);
        due !== undefined;
        due = this.#due.get(node.party)
      ) {
        this.#due.delete(node.party)
        const tracks = await Promise.all(
          [...due.tracks].map((key) => read(node, `/api/tracks/${key}`)),
        )
        const [reports, products] = due.reports
          ? ((await Promise.all([read(node, '/api/reports'), read(node, '/api/products')])) as [
              unknown[],
              unknown[],
            ])
          : [null, null]
        this.#keep(node.party, tracks, reports, products)
        // A breath between rounds: a node busy with tracks is read four times a second at most.
        await new Promise((resolve) => setTimeout(resolve, READ_INTERVAL_MS))
      }
    } catch (error) {
      process.stderr.write(`entente demo: ${node.party} picture: ${(error as Error).message}\n`)
    } finally {
      this.#reading.delete(node.party)
    }
  }

  #keep(
    party: string,
    tracks: readonly unknown[],
    reports: readonly unknown[] | null,
    products: readonly unknown[] | null,
  ): void {
    const held = this.#tracks.get(party) ?? new Map<string, unknown>()
    for (const track of tracks) {
      const t = track as { originator: string; trackNumber: number }
      held.set(`${t.originator}.${t.trackNumber}`, track)
    }
    this.#tracks.set(party, held)
    if (reports !== null) this.#reports.set(party, reports)
    if (products !== null) this.#products.set(party, products)
    this.#onUpdate({ run: this.#run, party, tracks, reports, products })
  }

  /** Every party's picture as it stands, for a dashboard that connects now. */
  snapshot(): PictureUpdate[] {
    const parties = new Set([...this.#tracks.keys(), ...this.#reports.keys()])
    return [...parties].map((party) => ({
      run: this.#run,
      party,
      tracks: [...(this.#tracks.get(party)?.values() ?? [])],
      reports: this.#reports.get(party) ?? null,
      products: this.#products.get(party) ?? null,
    }))
  }
}

async function read(node: LocalNode, path: string): Promise<unknown> {
  const response = await fetch(`${node.url}${path}`, {
    headers: { authorization: `Bearer ${node.tokens.auditor}` },
  })
  if (!response.ok) throw new Error(`GET ${path}: HTTP ${response.status}`)
  return response.json()
}
