// `npm run bench:taxii`: one real KOR node on loopback with a 10,001-object TAXII collection;
// prints objects per second read page by page (as KOR's own client, and as JPN's, whose view
// the release engine decides report by report), and added by POSTs of 101-object envelopes
// (each launch ingested durably, as POST /api/reports does); then 16 readers at once, each as
// JPN reading the whole collection. ENTENTE_STORE=postgres: the same on SQLite, then with KOR on
// PostgreSQL as one process and as two (the concurrent readers spread over both).
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isMain, reportFigures } from './report.ts'
import { prefixed, printBeside, type StoreSetup, storeSetups, withStore } from './stores.ts'
import {
  anotherProcess,
  type LocalNode,
  prepareNetwork,
  startNodeProcess,
  stopNodeProcess,
} from '../src/cli/local-network.ts'
import { asPartyId } from '../src/domain/ids.ts'
import { reportToStixBundle } from '../src/interop/stix.ts'
import type { StixObject } from '../src/interop/stix-objects.ts'
import { collectionIdOf, partyTokenRow } from '../src/node/app/taxii-views.ts'
import { reportDigest } from '../src/node/app/release-inputs.ts'
import { openStore } from '../src/node/main.ts'
import type { ReportRow } from '../src/node/store/store.ts'
import { ISSUED } from '../src/node/store/store.ts'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const TAXII = 'application/taxii+json;version=2.1'
const OBJECTS = 10_001
/** Objects every report shares (Entente's identity, three extension definitions, KOR's identity). */
const SHARED = 5
/** Objects of one report of its own: launch, marking, site, its relationship. */
const PER_REPORT = 4
const PAGE_LIMIT = 1_000
const ROUNDS = 3
const ENVELOPES = 20
const ENVELOPE_OBJECTS = 101
/** Readers at once, each reading the whole collection (issue 14). */
const READERS = 16

function report(createdAtMs: number): ReportRow {
  return {
    id: randomUUID(),
    originator: 'KOR',
    level: 'MIL-II',
    localLevel: 'MIL-II',
    topic: 'dprk-missile',
    releasableTo: null,
    payload: {
      time: '2019-10-31T16:35:00+09:00',
      site: { lat: 39.41, lon: 125.89 },
      headingDeg: 68,
      rangeKm: 370,
      apogeeKm: 90,
      count: 1,
      confidence: 'high',
    },
    receivedFrom: null,
    agreement: null,
    path: ['KOR'],
    createdAtMs,
    originatorSignature: null,
    ...ISSUED,
  }
}

/** Writes the collection's reports straight into the store (what the TAXII view reads). */
async function populate(kor: LocalNode): Promise<string> {
  const store = await openStore(kor.dir)
  const startMs = Date.now() - 3_600_000
  const count = (OBJECTS - SHARED) / PER_REPORT
  // The GSOMIA releases on request: JPN asked and was answered, so each report's release to
  // JPN is `released` (as answering a request leaves it) and JPN's view holds them all.
  await store.transaction(async (tx) => {
    for (let i = 0; i < count; i++) {
      const row = report(startMs + i)
      await tx.insertReport(row)
      await tx.insertRelease({
        id: randomUUID(),
        reportId: row.id,
        recipient: 'JPN',
        agreement: 'kor-jpn-gsomia',
        mode: 'on-request',
        state: 'released',
        levelAtRecipient: 'GOKUHI',
        path: ['KOR', 'JPN'],
        reasons: [],
        decidedAtMs: row.createdAtMs,
        officer: null,
        updatedAtMs: row.createdAtMs,
        reportSha256: reportDigest(row),
      })
    }
  })
  const { token, row } = partyTokenRow(asPartyId('JPN'), randomUUID(), 'bench', Date.now())
  await store.insertToken(row)
  await store.close()
  return token
}

const collection = (kor: LocalNode) =>
  `${kor.url}/taxii2/api/collections/${collectionIdOf('KOR')}/objects/`

/** Reads the whole collection page by page; objects per second over `rounds` rounds. */
async function readAll(
  kor: LocalNode,
  token: string,
  rounds = ROUNDS,
): Promise<{ objects: number; perS: number }> {
  let objects = 0
  const start = performance.now()
  for (let round = 0; round < rounds; round++) {
    let next: string | undefined
    do {
      const url = `${collection(kor)}?limit=${PAGE_LIMIT}${next === undefined ? '' : `&next=${next}`}`
      const response = await fetch(url, {
        headers: { accept: TAXII, authorization: `Bearer ${token}` },
      })
      if (response.status !== 200) throw new Error(`GET ${url}: ${response.status}`)
      const page = (await response.json()) as { more?: boolean; next?: string; objects?: unknown[] }
      objects += page.objects?.length ?? 0
      next = page.more === true ? page.next : undefined
    } while (next !== undefined)
  }
  return { objects: objects / rounds, perS: objects / ((performance.now() - start) / 1000) }
}

/** READERS clients at once, spread over KOR's processes, each reading the collection once. */
async function readConcurrently(kor: readonly LocalNode[], token: string): Promise<number> {
  const start = performance.now()
  const reads = await Promise.all(
    Array.from({ length: READERS }, (_, i) => readAll(kor[i % kor.length] as LocalNode, token, 1)),
  )
  const objects = reads.reduce((sum, r) => sum + r.objects, 0)
  return objects / ((performance.now() - start) / 1000)
}

/** One envelope of exactly ENVELOPE_OBJECTS objects: whole reports, shared objects once. */
function envelope(): StixObject[] {
  const objects = new Map<string, StixObject>()
  const reports = (ENVELOPE_OBJECTS - SHARED) / PER_REPORT
  for (let i = 0; i < reports; i++)
    for (const o of reportToStixBundle(report(Date.now())).objects) objects.set(o.id, o)
  return [...objects.values()]
}

async function postAll(kor: LocalNode): Promise<{ objects: number; perS: number }> {
  const bodies = Array.from({ length: ENVELOPES }, () => JSON.stringify({ objects: envelope() }))
  const start = performance.now()
  for (const body of bodies) {
    const response = await fetch(collection(kor), {
      method: 'POST',
      headers: {
        accept: TAXII,
        'content-type': TAXII,
        authorization: `Bearer ${kor.tokens.operator}`,
      },
      body,
    })
    const status = (await response.json()) as { success_count?: number }
    if (response.status !== 202 || status.success_count !== ENVELOPE_OBJECTS)
      throw new Error(`POST: ${response.status} ${JSON.stringify(status).slice(0, 300)}`)
  }
  const objects = ENVELOPES * ENVELOPE_OBJECTS
  return { objects, perS: objects / ((performance.now() - start) / 1000) }
}

export async function benchTaxii(
  setup: StoreSetup = { name: 'sqlite', store: 'sqlite', processes: 1 },
): Promise<Record<string, number>> {
  const root = mkdtempSync(join(tmpdir(), 'entente-bench-taxii-'))
  try {
    return await withStore(setup, root, (store) => taxiiOn(root, setup, store))
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

async function taxiiOn(
  root: string,
  setup: StoreSetup,
  store: Parameters<Parameters<typeof withStore>[2]>[0],
): Promise<Record<string, number>> {
  // JPN is a party and a peer (its node is not started).
  const [kor] = await prepareNetwork({
    root,
    scenario: join(ROOT, 'scenarios/korea-japan-2019.yaml'),
    parties: ['KOR', 'JPN'],
    ...(store === undefined ? {} : { stores: { KOR: store } }),
  })
  if (kor === undefined) throw new Error('no KOR node')
  const processes = setup.processes === 2 ? [kor, await anotherProcess(kor, root, 2)] : [kor]
  try {
    const jpnToken = await populate(kor)
    await Promise.all(processes.map((p) => startNodeProcess(p)))
    const own = await readAll(kor, kor.tokens.operator)
    const peer = await readAll(kor, jpnToken)
    const concurrent = await readConcurrently(processes, jpnToken)
    const posted = await postAll(kor)
    return {
      collection_objects: own.objects,
      page_limit: PAGE_LIMIT,
      get_own_objects_per_s: Math.round(own.perS),
      get_peer_objects_per_s: Math.round(peer.perS),
      peer_view_objects: peer.objects,
      readers_16_objects_per_s: Math.round(concurrent),
      post_envelope_objects: ENVELOPE_OBJECTS,
      post_objects: posted.objects,
      post_objects_per_s: Math.round(posted.perS),
    }
  } finally {
    await Promise.all(processes.map((p) => stopNodeProcess(p)))
  }
}

if (isMain(import.meta.url)) {
  const setups = storeSetups()
  const figures: Record<string, number>[] = []
  for (const setup of setups) figures.push(await benchTaxii(setup))
  if (setups.length === 1) reportFigures('taxii', figures[0] ?? {})
  else {
    printBeside('taxii', setups, figures)
    console.log(JSON.stringify({ bench: 'taxii', ...prefixed(setups, figures) }))
  }
}
