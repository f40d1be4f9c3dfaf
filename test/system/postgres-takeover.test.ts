import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  anotherProcess,
  followAudit,
  type LocalNode,
  prepareNetwork,
} from '../../src/cli/local-network.ts'
import type { AuditEntry } from '../../src/node/store/store.ts'
import { entente, ROOT } from '../helpers/cli.ts'
import { api, launchReport, startProcess, stopProcess, waitFor } from '../helpers/nodes.ts'
import { startTestPostgres, type TestPostgres } from '../helpers/postgres.ts'

/** The contract: the link moves to the surviving process within this. */
const TAKEOVER_DEADLINE_MS = 10_000
const BURST = 120
/** Reports acknowledged before the holder of JPN's link is killed: the burst goes on after. */
const KILL_AFTER = 40

interface PeerView {
  readonly peer: string
  readonly state: string
  readonly held: boolean
}

const peersOf = async (node: LocalNode) => (await api<PeerView[]>(node, 'GET', '/api/peers')).body
const holdsJpn = (peers: readonly PeerView[]) =>
  peers.some((p) => p.peer === 'JPN' && p.held && p.state === 'up')

describe('two KOR processes on one PostgreSQL, JPN and USA on SQLite: kill -9 of the link holder (issue 14)', () => {
  let server: TestPostgres
  let root: string
  let kor: LocalNode[] = []
  let jpn: LocalNode
  let usa: LocalNode
  before(async () => {
    server = await startTestPostgres()
    root = mkdtempSync(join(tmpdir(), 'entente-pg-takeover-'))
    const passwordFile = join(root, 'pg-password')
    writeFileSync(passwordFile, `${server.bare.password}\n`, { mode: 0o600 })
    const scenario = join(root, 'registry.yaml')
    const text = readFileSync(join(ROOT, 'scenarios/korea-japan-2019.yaml'), 'utf8')
    writeFileSync(scenario, text.replace(/relay_delay_s: \d+/g, 'relay_delay_s: 0'))
    const nodes = await prepareNetwork({
      root,
      scenario,
      parties: ['KOR', 'JPN', 'USA'],
      // Straight to JPN under the GSOMIA and to USA under TISA; USA's relays wait for its officer.
      options: {
        KOR: { modes: { 'kor-jpn-gsomia': 'auto', tisa: 'auto' } },
        USA: { modes: { tisa: 'manual' } },
      },
      stores: { KOR: { postgres: server.bare.url, schema: 'kor', passwordFile } },
      delivery: { initialBackoffMs: 50, maxBackoffMs: 500 },
      checkpointEvery: 10,
    })
    const [first, japan, states] = nodes as [LocalNode, LocalNode, LocalNode]
    jpn = japan
    usa = states
    kor = [first, await anotherProcess(first, root, 2)]
    await Promise.all([...kor, jpn, usa].map((n) => startProcess(n, 60_000)))
  })
  after(async () => {
    await Promise.all([...kor, jpn, usa].map((n) => stopProcess(n, 'SIGKILL')))
    rmSync(root, { recursive: true, force: true })
    await server.stop()
  })

  it('given a burst through both, when the holder of JPN’s link is killed mid-burst, then the other takes it within 10 s and JPN gets every report exactly once', async (t) => {
    // One process holds the link to JPN (the lease); which one is the race of their starts.
    const holderIndex = await waitFor(
      'one KOR process holds the link to JPN',
      async () => Promise.all(kor.map(peersOf)),
      (views) => views.filter(holdsJpn).length === 1,
      30_000,
    ).then((views) => views.findIndex(holdsJpn))
    const holder = kor[holderIndex] as LocalNode
    const survivor = kor[1 - holderIndex] as LocalNode
    assert.equal(
      (await peersOf(survivor)).find((p) => p.peer === 'JPN')?.held,
      false,
      'the other process does not hold it',
    )

    // The survivor's audit stream: its link to JPN coming up is the takeover.
    const stream = new AbortController()
    let killedAtMs = Number.POSITIVE_INFINITY
    let tookOver: (atMs: number) => void = () => undefined
    const takeover = new Promise<number>((resolve) => (tookOver = resolve))
    void followAudit(survivor, stream.signal, (entry: AuditEntry) => {
      if (entry.type === 'link' && entry.party === 'JPN' && entry.data['event'] === 'up')
        if (Date.now() > killedAtMs) tookOver(Date.now())
    })

    const acknowledged: string[] = []
    let killed = null as Promise<void> | null
    const poster = async (start: number) => {
      for (let i = start; i < BURST; i += 2) {
        // After the kill, the burst goes on through the survivor alone.
        const through = killed === null ? (i % 2 === 0 ? kor[0] : kor[1]) : survivor
        const posted = await api<{ report: { id: string } }>(
          through as LocalNode,
          'POST',
          '/api/reports',
          launchReport('KOR', 'MIL-II', `burst ${i}`),
        ).catch(() => null) // the killed process's connection: the store says what it committed
        if (posted?.status === 201) acknowledged.push(posted.body.report.id)
        if (acknowledged.length >= KILL_AFTER && killed === null) {
          killedAtMs = Date.now()
          killed = stopProcess(holder, 'SIGKILL')
        }
      }
    }
    await Promise.all([poster(0), poster(1)])
    await killed
    assert.ok(acknowledged.length >= BURST - 4, `acknowledged ${acknowledged.length} of ${BURST}`)

    const takeoverAtMs = await Promise.race([
      takeover,
      new Promise<number>((_, reject) =>
        setTimeout(
          () => reject(new Error('no takeover of the link to JPN')),
          TAKEOVER_DEADLINE_MS + 5_000,
        ).unref(),
      ),
    ])
    const takeoverMs = takeoverAtMs - killedAtMs
    assert.ok(
      takeoverMs <= TAKEOVER_DEADLINE_MS,
      `takeover ${takeoverMs} ms, within ${TAKEOVER_DEADLINE_MS}`,
    )
    t.diagnostic(`takeover of the link to JPN: ${takeoverMs} ms after kill -9`)
    stream.abort()

    // What KOR holds (the store's answer: a post cut by the kill may have committed).
    const held = (await api<{ id: string }[]>(survivor, 'GET', '/api/reports?limit=10000')).body
    const ids = new Set(held.map((r) => r.id))
    for (const id of acknowledged) assert.ok(ids.has(id), `acknowledged ${id} is held`)
    const arrivals = await waitFor(
      'JPN has every report from KOR',
      async () =>
        (
          await api<{ data: { kind: string; reportId: string } }[]>(
            jpn,
            'GET',
            '/api/audit?type=arrival&party=KOR&limit=10000',
            undefined,
            jpn.tokens.auditor,
          )
        ).body.filter((e) => e.data.kind === 'report'),
      (list) => new Set(list.map((e) => e.data.reportId)).size >= ids.size,
      30_000,
    )
    const perReport = new Map<string, number>()
    for (const e of arrivals)
      perReport.set(e.data.reportId, (perReport.get(e.data.reportId) ?? 0) + 1)
    assert.deepEqual(new Set(perReport.keys()), ids, 'every report KOR holds, and no other')
    assert.deepEqual(
      [...perReport].filter(([, n]) => n !== 1),
      [],
      'each arrived exactly once',
    )
    const atJpn = (
      await api<{ id: string }[]>(jpn, 'GET', '/api/reports?originator=KOR&limit=10000')
    ).body
    assert.equal(atJpn.length, ids.size, 'JPN holds each once')

    // USA's link moved too if the killed process held it: every report reaches USA as well.
    await waitFor(
      'USA has every report from KOR',
      async () =>
        (await api<{ id: string }[]>(usa, 'GET', '/api/reports?originator=KOR&limit=10000')).body,
      (list) => list.length === ids.size,
      30_000,
    )

    // The chain from both processes' writers verifies: through the API (auditor) and the CLI.
    const verify = await api<{ ok: boolean }>(
      survivor,
      'GET',
      '/api/audit/verify',
      undefined,
      survivor.tokens.auditor,
    )
    assert.equal(verify.status, 200)
    assert.equal(verify.body.ok, true, JSON.stringify(verify.body))
    await stopProcess(survivor)
    const verified = entente('audit', 'verify', '--dir', survivor.dir)
    assert.equal(verified.status, 0, verified.stderr)
    assert.match(verified.stdout, /audit chain intact: \d+ entries/)
  })
})
