import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import Database from 'better-sqlite3'
import {
  api,
  launchReport,
  setUpNetwork,
  startProcess,
  stopProcess,
  tearDown,
  type TestNode,
  type TestParty,
  waitFor,
} from '../helpers/nodes.ts'

/** Faults of the live link between real processes (docs/node.md, "The live link"). */

interface Report {
  id: string
  originator: string
  payload: { text?: string }
}
interface Peer {
  peer: string
  state: 'up' | 'down' | 'connecting'
  backlog: number
  framesInFlight: number
}
interface AuditEntry {
  seq: number
  type: string
  party: string | null
  data: Record<string, unknown>
}

/** Short heartbeats and timeouts: a silent peer is down in about a second, not six. */
const HEARTBEAT_MS = 250

const reportsOf = async (node: TestNode) => (await api<Report[]>(node, 'GET', '/api/reports')).body

const peerAt = async (node: TestNode, peer: string): Promise<Peer> => {
  const peers = (await api<Peer[]>(node, 'GET', '/api/peers')).body
  const found = peers.find((p) => p.peer === peer)
  assert.ok(found, `${node.party} lists ${peer}`)
  return found
}

async function ingest(node: TestNode, text: string): Promise<Report> {
  const response = await api<{ report: Report }>(
    node,
    'POST',
    '/api/reports',
    launchReport(node.party, 'MIL-III', text),
    node.tokens.operator,
  )
  assert.equal(response.status, 201, JSON.stringify(response.body))
  return response.body.report
}

/** The ids of `sender`'s messages to `recipient` not yet receipted, read from its database. */
function undelivered(sender: TestNode, recipient: string): string[] {
  const db = new Database(join(sender.dir, 'entente.db'), { readonly: true })
  try {
    const rows = db
      .prepare(
        'SELECT message_id AS id FROM outbox WHERE recipient = ? AND delivered_at_ms IS NULL AND withdrawn_at_ms IS NULL',
      )
      .all(recipient) as { id: string }[]
    return rows.map((r) => r.id)
  } finally {
    db.close()
  }
}

/** The message ids `receiver` holds in its inbox from `sender`. */
function inboxIds(receiver: TestNode, sender: string): string[] {
  const db = new Database(join(receiver.dir, 'entente.db'), { readonly: true })
  try {
    const rows = db.prepare('SELECT message_id AS id FROM inbox WHERE sender = ?').all(sender) as {
      id: string
    }[]
    return rows.map((r) => r.id)
  } finally {
    db.close()
  }
}

/** The operator's event stream from `afterSeq`: the entries seen so far, and a way to stop. */
function followEvents(node: TestNode, afterSeq: number) {
  const seen: AuditEntry[] = []
  const abort = new AbortController()
  const done = (async () => {
    const response = await fetch(`${node.url}/api/events?afterSeq=${afterSeq}`, {
      headers: { authorization: `Bearer ${node.tokens.operator}` },
      signal: abort.signal,
    })
    assert.equal(response.status, 200)
    const decoder = new TextDecoder()
    let buffered = ''
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true })
      const frames = buffered.split('\n\n')
      buffered = frames.pop() ?? ''
      for (const frame of frames) {
        const data = frame.split('\n').find((line) => line.startsWith('data: '))
        if (data !== undefined) seen.push(JSON.parse(data.slice(6)) as AuditEntry)
      }
    }
  })().catch((error: unknown) => {
    if (!abort.signal.aborted) throw error
  })
  return {
    seen,
    stop: async () => {
      abort.abort()
      await done
    },
  }
}

/** The seq of the node's last audit entry, read page by page. */
async function lastAuditSeq(node: TestNode): Promise<number> {
  let seq = 0
  for (;;) {
    const page = (await api<AuditEntry[]>(node, 'GET', `/api/audit?afterSeq=${seq}&limit=10000`))
      .body
    const last = page.at(-1)
    if (last === undefined) return seq
    seq = last.seq
  }
}

describe('the live link under faults (three nodes, TISA automatic; short heartbeats)', () => {
  let net: Record<TestParty, TestNode>
  before(async () => {
    net = await setUpNetwork(
      {
        KOR: { modes: { tisa: 'auto' } },
        JPN: { modes: { tisa: 'auto' } },
        USA: { modes: { tisa: 'auto' } },
      },
      { heartbeatMs: HEARTBEAT_MS, timeoutMs: 1_000 },
    )
    await waitFor(
      'KOR link to USA up',
      () => peerAt(net.KOR, 'USA'),
      (p) => p.state === 'up',
    )
  })
  after(async () => {
    // A stopped process would not see the SIGTERM of tearDown.
    net.USA.process?.kill('SIGCONT')
    await tearDown(net)
  })

  it('kill -9 of the sender during a burst: after restart every report reaches the peer exactly once', async (t) => {
    const burst = 40
    const killAfter = 15
    const acknowledged: string[] = []
    let next = 0
    const kill: { done: Promise<void> | null } = { done: null }
    // Four clients ingest at once; the sender is killed as the 15th answer comes back, while
    // the frames carrying the reports just committed are being sealed, sent or receipted.
    const client = async () => {
      while (next < burst && kill.done === null) {
        const i = next++
        try {
          acknowledged.push((await ingest(net.KOR, `sender burst ${i}`)).id)
        } catch {
          continue // the node died under this ingest: it may or may not have committed it
        }
        if (acknowledged.length === killAfter) kill.done ??= stopProcess(net.KOR, 'SIGKILL')
      }
    }
    await Promise.all([client(), client(), client(), client()])
    assert.ok(kill.done, `the sender was killed after ${killAfter} answers`)
    await kill.done
    assert.ok(acknowledged.length >= killAfter)
    const pending = undelivered(net.KOR, 'USA')
    assert.ok(pending.length > 0, 'the sender died with messages to USA not yet receipted')
    // Receipted at USA but not recorded at KOR: the frame whose receipt the kill cut off.
    const received = new Set(inboxIds(net.USA, 'KOR'))
    const unrecorded = pending.filter((id) => received.has(id)).length
    t.diagnostic(
      `at the kill: ${pending.length} undelivered to USA, ${unrecorded} of them already at USA`,
    )

    await startProcess(net.KOR, 60_000) // generous: CI runs two system test files at once
    const committed = (await reportsOf(net.KOR))
      .filter((r) => r.originator === 'KOR' && (r.payload.text ?? '').startsWith('sender burst '))
      .map((r) => r.id)
    for (const id of acknowledged) assert.ok(committed.includes(id), `KOR kept acknowledged ${id}`)
    const atUsa = await waitFor(
      'every committed report at USA',
      () => reportsOf(net.USA),
      (list) => committed.every((id) => list.some((r) => r.id === id)),
      30_000,
    )
    for (const id of committed)
      assert.equal(atUsa.filter((r) => r.id === id).length, 1, `report ${id} stored once at USA`)
    const drained = await waitFor(
      'KOR outbox to USA drained',
      () => peerAt(net.KOR, 'USA'),
      (p) => p.backlog === 0,
    )
    assert.equal(drained.state, 'up')
    const inbox = inboxIds(net.USA, 'KOR')
    assert.equal(new Set(inbox).size, inbox.length, 'no message twice in USA inbox')
  })

  it('a silent peer (SIGSTOP) goes down within a few heartbeats, and up again on SIGCONT with its backlog', async (t) => {
    const usa = net.USA.process
    assert.ok(usa?.pid)
    await waitFor(
      'KOR link to USA up',
      () => peerAt(net.KOR, 'USA'),
      (p) => p.state === 'up',
    )
    const events = followEvents(net.KOR, await lastAuditSeq(net.KOR))
    const linkEvents = (event: string) =>
      events.seen.filter((e) => e.type === 'link' && e.party === 'USA' && e.data['event'] === event)
    try {
      // Given USA stops answering (its process stopped: TCP still accepts, nothing replies),
      usa.kill('SIGSTOP')
      const stoppedAtMs = Date.now()
      // then KOR shows it down after three missed heartbeats, and the stream says so.
      await waitFor(
        'KOR shows USA down',
        () => peerAt(net.KOR, 'USA'),
        (p) => p.state === 'down',
        10 * HEARTBEAT_MS,
      )
      const downAfterMs = Date.now() - stoppedAtMs
      await waitFor(
        'a link down entry on the event stream',
        () => Promise.resolve(linkEvents('down')),
        (list) => list.length === 1,
        5_000,
      )
      t.diagnostic(`USA shown down ${downAfterMs} ms after SIGSTOP`)
      // When KOR ingests while USA is silent, the reports wait in the outbox;
      const ids: string[] = []
      for (let i = 0; i < 5; i++) ids.push((await ingest(net.KOR, `while stopped ${i}`)).id)
      const waiting = await peerAt(net.KOR, 'USA')
      assert.ok(waiting.backlog >= ids.length, `backlog ${waiting.backlog} ≥ ${ids.length}`)
      // Redialled meanwhile (its TCP port still accepts, its TLS never answers): still down.
      assert.equal(waiting.state, 'down', 'a silent peer stays down while it is redialled')
      // and once USA runs again, it is up and the backlog is delivered, each report once.
      usa.kill('SIGCONT')
      await waitFor(
        'KOR shows USA up',
        () => peerAt(net.KOR, 'USA'),
        (p) => p.state === 'up',
        15_000,
      )
      await waitFor(
        'a link up entry on the event stream',
        () => Promise.resolve(linkEvents('up')),
        (list) => list.length >= 1,
        5_000,
      )
      const atUsa = await waitFor(
        'the backlog at USA',
        () => reportsOf(net.USA),
        (list) => ids.every((id) => list.some((r) => r.id === id)),
        15_000,
      )
      for (const id of ids)
        assert.equal(atUsa.filter((r) => r.id === id).length, 1, `report ${id} stored once`)
      await waitFor(
        'KOR outbox to USA drained',
        () => peerAt(net.KOR, 'USA'),
        (p) => p.backlog === 0,
      )
    } finally {
      usa.kill('SIGCONT')
      await events.stop()
    }
  })
})
