import { z } from 'zod'
import { auditVerify } from '../../src/cli/node.ts'
import { asPartyId } from '../../src/domain/ids.ts'
import { hasLevel } from '../../src/domain/party.ts'
import { reportToCot } from '../../src/node/app/cot-track.ts'
import { reportInputSchema } from '../../src/node/app/report-input.ts'
import { collectionIdOf } from '../../src/node/app/taxii-views.ts'
import type { AuditEntry, ReportRow, Store } from '../../src/node/store/store.ts'
import type { FuzzNode } from './harness.ts'
import { TAXII_MEDIA } from './taxii-cases.ts'

/**
 * What must hold once a node has taken its share of fuzzed requests: every table still
 * lists and decodes, what is stored is well-formed and complete (nothing half-written),
 * the TAXII collection still answers, and — once the node is closed — the audit verifies.
 * Each problem is one line naming the table or check, the row and what is wrong.
 */

export async function checkNodeState(node: FuzzNode): Promise<string[]> {
  const problems: string[] = []
  const tables = await listEveryTable(node.ctx.store, problems)
  if (tables === null) return problems
  problems.push(...checkReports(node, tables.reports))
  problems.push(...checkComplete(tables))
  problems.push(...(await checkTaxii(node)))
  return problems
}

/** After `node.close()`: the chain and its checkpoints verify from the data directory. */
export async function checkAuditAfterClose(node: FuzzNode): Promise<string[]> {
  const result = await auditVerify(node.dir)
  return result.ok ? [] : [`audit: ${result.text}`]
}

type Tables = Awaited<ReturnType<typeof readTables>>

async function readTables(store: Store) {
  return {
    reports: await store.listReports({}),
    releases: await store.listReleases({}),
    outbox: await store.listOutbox({}),
    inbox: await store.listInbox({}),
    requests: await store.listRequests({}),
    consents: await store.listConsents({}),
    audit: await store.listAudit({ limit: Number.MAX_SAFE_INTEGER }),
    checkpoints: await store.listCheckpoints(),
  }
}

/** Lists every table through the Store API, then reads each row back by its key. */
async function listEveryTable(store: Store, problems: string[]): Promise<Tables | null> {
  let tables: Tables
  try {
    tables = await readTables(store)
    await store.lastAudit()
    await store.schemaVersion()
  } catch (error) {
    problems.push(`store: a table no longer lists: ${String(error)}`)
    return null
  }
  const reads: [string, string, () => Promise<unknown>][] = [
    ...tables.reports.map((r): [string, string, () => Promise<unknown>] => [
      'reports',
      r.id,
      () => store.getReport(r.id),
    ]),
    ...tables.releases.map((r): [string, string, () => Promise<unknown>] => [
      'releases',
      r.id,
      () => store.getRelease(r.id),
    ]),
    ...tables.inbox.map((r): [string, string, () => Promise<unknown>] => [
      'inbox',
      r.messageId,
      () => store.getInbox(r.messageId),
    ]),
    ...tables.requests.map((r): [string, string, () => Promise<unknown>] => [
      'requests',
      r.id,
      () => store.getRequest(r.id),
    ]),
  ]
  for (const [table, id, read] of reads) {
    try {
      if ((await read()) === undefined)
        problems.push(`${table}: row ${brief(id)} is listed but not found by its key`)
    } catch (error) {
      problems.push(`${table}: row ${brief(id)} does not decode: ${String(error)}`)
    }
  }
  return tables
}

const slug = /^[a-z0-9]+(?:-[a-z0-9]+)*$/
const launchSchema = reportInputSchema.shape.launch

/**
 * A stored report must be as well-formed as one the node's own operators may submit: known
 * parties, levels of the right schemes, a launch that passes the API's launch schema, and a
 * CoT rendering (what the CoT stream and `export --format cot` send).
 */
function checkReports(node: FuzzNode, reports: readonly ReportRow[]): string[] {
  const registry = node.ctx.index.registry
  const isParty = (p: unknown) => typeof p === 'string' && registry.parties.has(asPartyId(p))
  const levelOf = (party: unknown, level: unknown) => {
    const p = typeof party === 'string' ? registry.parties.get(asPartyId(party)) : undefined
    return p !== undefined && typeof level === 'string' && hasLevel(p, level)
  }
  const row = z.object({
    id: z.string().min(1).max(200),
    originator: z.string().refine(isParty, 'a party of the registry'),
    topic: z.string().regex(slug, 'a lower-case slug'),
    releasableTo: z.array(z.string().refine(isParty, 'a party of the registry')).nullable(),
    path: z.array(z.string().refine(isParty, 'a party of the registry')).min(1),
    payload: launchSchema,
  })
  const malformed = new Map<string, number>()
  const foreignLevels: ReportRow[] = []
  let example = ''
  const problems: string[] = []
  for (const report of reports) {
    const parsed = row.safeParse(report)
    const issues = parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'))
    if (!levelOf(report.originator, report.level)) issues.push('level')
    const levelHere = levelOf(node.party, report.localLevel)
    if (issues.length > 0 && !levelHere) issues.push('localLevel')
    if (issues.length === 0 && !levelHere) foreignLevels.push(report)
    if (issues.length > 0) {
      for (const field of new Set(issues.map((f) => f.replace(/\.\d+/g, '[]'))))
        malformed.set(field, (malformed.get(field) ?? 0) + 1)
      if (example === '') example = brief(report, 400)
      continue // the CoT track of a malformed launch may be unbounded (security review H5)
    }
    try {
      reportToCot(report)
    } catch (error) {
      problems.push(
        `reports: a stored report has no CoT rendering: ${String(error)}\n${brief(report, 400)}`,
      )
    }
  }
  if (malformed.size > 0) {
    const fields = [...malformed].sort((a, b) => b[1] - a[1]).map(([f, n]) => `${f} ×${n}`)
    problems.push(
      `reports: stored reports are malformed\nfields: ${fields.join(', ')}\ne.g. ${example}`,
    )
  }
  const [first] = foreignLevels
  if (first !== undefined)
    problems.push(
      `reports: a well-formed stored report is marked here in another scheme (localLevel not a level of ${node.party})\n${foreignLevels.length} reports, e.g. ${first.originator} ${first.level} from ${first.receivedFrom ?? 'own'} under ${first.agreement ?? 'no agreement'}: localLevel ${first.localLevel}`,
    )
  return problems
}

/** Every row has the audit entry written in its transaction, and every entry its row. */
function checkComplete(t: Tables): string[] {
  const problems: string[] = []
  const of = (type: AuditEntry['type']) => t.audit.filter((e) => e.type === type)
  const need = (what: string, ids: Iterable<string>, have: ReadonlySet<string>) => {
    const missing = [...ids].filter((id) => !have.has(id))
    if (missing.length > 0)
      problems.push(`incomplete: ${what}\n${missing.length} rows, e.g. ${brief(missing[0])}`)
  }
  const reportIds = new Set(t.reports.map((r) => r.id))
  const storedBy = new Set([
    ...of('ingest').map((e) => e.subject ?? ''),
    ...[...of('arrival'), ...of('relay')].map((e) => idText(e.data['reportId'] ?? e.subject)),
  ])
  need('report without an ingest or arrival entry', reportIds, storedBy)
  need(
    'release of a report not stored',
    t.releases.map((r) => r.reportId),
    reportIds,
  )
  need(
    'release without a decision entry',
    t.releases.map((r) => r.id),
    new Set(of('decision').map((e) => String(e.data['releaseId']))),
  )
  need(
    'decision entry without its release',
    of('decision').map((e) => String(e.data['releaseId'])),
    new Set(t.releases.map((r) => r.id)),
  )
  const outboxIds = new Set(t.outbox.map((m) => m.messageId))
  need(
    'outbox message without a send entry',
    outboxIds,
    new Set(of('send').map((e) => String(e.data['messageId']))),
  )
  need(
    'send entry without its outbox message',
    of('send').map((e) => String(e.data['messageId'])),
    outboxIds,
  )
  const sentFor = new Set(t.outbox.map((m) => m.subjectId))
  need(
    'released release without its outbox message',
    t.releases.filter((r) => r.state === 'released').map((r) => r.id),
    sentFor,
  )
  const inboxEntries = new Set([...of('arrival'), ...of('quarantine')].map((e) => e.subject ?? ''))
  need(
    'inbox message without an arrival or quarantine entry',
    t.inbox.map((m) => m.messageId),
    inboxEntries,
  )
  need(
    'request without a request entry',
    t.requests.map((r) => r.id),
    new Set(of('request').map((e) => e.subject ?? '')),
  )
  need(
    'consent without a consent entry',
    t.consents.map((c) => c.id),
    new Set(of('consent').map((e) => e.subject ?? '')),
  )
  return problems
}

/** The collection, paged to its end, answers 200 to the node's own client and to a peer's. */
async function checkTaxii(node: FuzzNode): Promise<string[]> {
  const peer = Object.keys(node.partyTokens)[0] ?? ''
  const basic = Buffer.from(`${peer}:${node.partyTokens[peer] ?? ''}`).toString('base64')
  const clients = { own: `Bearer ${node.tokens.auditor}`, [peer]: `Basic ${basic}` }
  const problems: string[] = []
  for (const [who, authorization] of Object.entries(clients))
    for (const resource of ['objects', 'manifest']) {
      let next: string | undefined = undefined
      for (let page = 0; page < 1_000; page++) {
        const query: string = next === undefined ? '' : `?next=${encodeURIComponent(next)}`
        const response = await node.inject({
          method: 'GET',
          url: `/taxii2/api/collections/${collectionIdOf(node.party)}/${resource}/${query}`,
          headers: { accept: TAXII_MEDIA, authorization },
        })
        if (response.statusCode !== 200) {
          problems.push(
            `taxii: ${resource} for ${who === 'own' ? 'the own client' : 'a peer'} answers ${response.statusCode}\n${brief(response.body, 300)}`,
          )
          break
        }
        next = response.json<{ next?: string }>().next
        if (next === undefined) break
      }
    }
  return problems
}

const idText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v))

function brief(value: unknown, max = 60): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} chars)`
}
