import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { asPartyId } from '../../../src/domain/ids.ts'
import { DeliveryWorker } from '../../../src/node/app/delivery.ts'
import { receiveFrame } from '../../../src/node/app/receive.ts'
import { type LinkServer, startLinkServer } from '../../../src/node/link/link-server.ts'
import { LinkError } from '../../../src/node/link/peer-link.ts'
import { WsPeerLink } from '../../../src/node/link/ws-link.ts'
import type { OutboxRow } from '../../../src/node/store/store.ts'
import { waitFor } from '../../helpers/nodes.ts'
import { linkPair, requestMessage } from '../../helpers/link-pair.ts'
import { type Harness, makeNode } from '../../helpers/node-harness.ts'
import { type Script, scriptedLinks } from '../../helpers/scripted-link.ts'

/**
 * A peer that reads slowly (here: not at all, until the test lets it) must not make the
 * sender hold its backlog in memory: the lane keeps at most two windows of full frames (or
 * 1,000 messages, docs/node.md "Frames"), the link at most `window` frames in flight, and the
 * rest waits in the durable outbox until the peer reads again.
 */
describe('a peer that reads slowly', () => {
  const WINDOW = 2
  // Both ends share this process's event loop: beats long enough that committing a full frame
  // (hundreds of milliseconds) is not taken for a silent peer.
  const HEARTBEAT_MS = 1_000
  let pair: Awaited<ReturnType<typeof linkPair>>
  let server: LinkServer
  let link: WsPeerLink
  let worker: DeliveryWorker
  let openGate: () => void = () => undefined
  const gate = new Promise<void>((resolve) => (openGate = resolve))
  let framesReceived = 0

  before(async () => {
    pair = await linkPair()
    const jpn = pair.jpn.ctx
    // JPN's link listener, whose handler takes each frame and answers only once the gate opens.
    server = await startLinkServer(
      {
        self: asPartyId('JPN'),
        host: '127.0.0.1',
        port: 0,
        tls: pair.jpn.tls,
        peers: new Map([[asPartyId('KOR'), pair.kor.tls.fingerprint256]]),
        maxFrameBytes: 64 * 1024 * 1024,
        heartbeatMs: HEARTBEAT_MS,
      },
      {
        lastSeq: (peer) => jpn.store.lastFrameSeq(peer),
        refused: () => undefined,
        receive: async (peer, seq, body) => {
          framesReceived++
          await gate
          return receiveFrame(jpn, peer, seq, body)
        },
      },
    )
    link = new WsPeerLink(
      { party: 'KOR', keys: pair.kor.ctx.keys, tls: pair.kor.tls },
      pair.kor.ctx.peers.get(asPartyId('JPN')) as never,
      {
        url: `wss://127.0.0.1:${server.port}`,
        fingerprint256: pair.jpn.tls.fingerprint256,
        window: WINDOW,
        // Long enough that no frame times out while the peer is not reading.
        timeoutMs: 60_000,
        heartbeatMs: HEARTBEAT_MS,
        maxBackoffMs: 400,
        random: () => 0.5,
        now: pair.kor.ctx.now,
      },
    )
    worker = new DeliveryWorker(pair.kor.ctx, new Map([[asPartyId('JPN'), link]]))
  })
  after(async () => {
    openGate()
    await worker.stop()
    await server.close()
    await pair.close()
  })

  it('holds at most its lane capacity queued and its window in flight; the rest stays in the outbox, then all arrive once', async () => {
    const kor = pair.kor.ctx
    // docs/node.md: two windows of full frames, at least 1,000 messages.
    const capacity = Math.max(1_000, 2 * WINDOW * link.maxBatch)
    const total = capacity + WINDOW * link.maxBatch + 512
    const rows: OutboxRow[] = []
    for (let i = 0; i < total; i++) {
      const message = requestMessage(kor, `slow-${i}`)
      rows.push({
        messageId: message.messageId,
        recipient: 'JPN',
        kind: 'request',
        envelope: message.envelope,
        subjectId: `req-slow-${i}`,
        createdAtMs: kor.now(),
        attempts: 0,
        nextAttemptAtMs: kor.now(),
        deliveredAtMs: null,
        receipt: null,
        lastError: null,
        withdrawnAtMs: null,
      })
    }
    await kor.store.transaction(async (tx) => {
      for (const row of rows) await tx.enqueue(row)
    })
    worker.start()
    await waitFor(
      'the link up',
      () => Promise.resolve(link.status().state),
      (state) => state === 'up',
    )

    // Given the peer has taken a window of frames and answers none,
    // when every message is handed to the worker one by one (as each ingest commits),
    let maxQueued = 0
    let maxInFlight = 0
    const sample = () => {
      const [lane] = worker.peers()
      assert.ok(lane)
      maxQueued = Math.max(maxQueued, lane.queued)
      maxInFlight = Math.max(maxInFlight, lane.framesInFlight)
      return lane
    }
    for (const row of rows) {
      worker.add([row])
      sample()
    }
    const full = await waitFor(
      'a full window in flight and a full lane',
      () => Promise.resolve(sample()),
      (lane) => lane.framesInFlight === WINDOW && lane.queued === capacity,
    )
    // then the memory held is bounded, and the bound is the one reached,
    assert.equal(maxQueued, capacity, 'messages queued at most: the lane capacity')
    assert.equal(maxInFlight, WINDOW, 'frames in flight at most: the window')
    // The listener takes a peer's frames one after the other: it holds the first, unanswered.
    const taken = await waitFor(
      'the peer holding the first frame',
      () => Promise.resolve(framesReceived),
      (n) => n >= 1,
    )
    assert.equal(taken, 1, 'the peer holds one frame; the next waits behind it')
    // and every message, in memory or not, is still undelivered in the durable outbox.
    const due = await kor.store.dueMessages(kor.now(), total + 1)
    assert.equal(due.length, total, 'every message still due in the outbox')
    const inMemory = full.queued + WINDOW * link.maxBatch
    assert.ok(total - inMemory >= 512, `${total - inMemory} messages left in the outbox only`)

    // When the peer reads again, every message arrives, once.
    openGate()
    const backlog = await waitFor(
      'the backlog delivered',
      async () => {
        sample()
        return (await kor.store.dueMessages(kor.now(), total + 1)).length
      },
      (n) => n === 0,
      60_000,
    )
    assert.equal(backlog, 0)
    const inbox = await pair.jpn.ctx.store.listInbox({ sender: 'KOR', limit: 10 * total })
    const arrived = inbox.filter((m) => m.messageId.startsWith('m-slow-'))
    assert.equal(arrived.length, total, 'each message in the inbox')
    assert.equal(new Set(arrived.map((m) => m.messageId)).size, total, 'none twice')
    // The lane refilled from the outbox as it drained, within the same bounds.
    assert.ok(maxQueued <= capacity, `at most ${capacity} queued while draining`)
    assert.ok(maxInFlight <= WINDOW, `at most ${WINDOW} frames in flight while draining`)
  })
})

describe('a peer with a backlog does not hold up the others', () => {
  let h: Harness
  before(async () => {
    h = await makeNode()
  })
  after(async () => h.close())

  it("another peer's retry is taken from the outbox while a slow peer's backlog waits", async () => {
    const ctx = h.ctx
    const nowMs = ctx.now()
    const row = (recipient: string, id: string, dueAtMs: number, attempts: number): OutboxRow => {
      const message = requestMessage(ctx, id)
      return {
        messageId: message.messageId,
        recipient,
        kind: 'request',
        envelope: message.envelope,
        subjectId: `req-${id}`,
        createdAtMs: dueAtMs,
        attempts,
        nextAttemptAtMs: dueAtMs,
        deliveredAtMs: null,
        receipt: null,
        lastError: attempts > 0 ? 'the peer was down' : null,
        withdrawnAtMs: null,
      }
    }
    // Given JPN was away and 3,000 messages for it wait in the outbox, due for an hour,
    const backlog = Array.from({ length: 3_000 }, (_, i) =>
      row('JPN', `backlog-${i}`, nowMs - 3_600_000 + i, 0),
    )
    // and one message to USA failed once and is due again now,
    const retry = row('USA', 'retry', nowMs, 1)
    await ctx.store.transaction(async (tx) => {
      for (const r of [...backlog, retry]) await tx.enqueue(r)
    })
    // when the worker runs with JPN reading nothing and USA answering at once,
    let release: () => void = () => undefined
    const released = new Promise<void>((resolve) => (release = resolve))
    const script: Script = async (peer, messages) => {
      if (peer === 'JPN') {
        await released
        throw new LinkError('the test is over')
      }
      return {
        receipt: 'a receipt',
        receivedAtMs: ctx.now(),
        verdicts: new Map(
          messages.map((m) => [
            m.messageId,
            { messageId: m.messageId, verdict: 'stored', status: 'accepted', codes: [] },
          ]),
        ),
      }
    }
    const worker = new DeliveryWorker(ctx, scriptedLinks(ctx, script))
    worker.start()
    try {
      // then USA's message is delivered all the same, within a few scans.
      const sent = await waitFor(
        "USA's retry delivered",
        async () => ctx.store.listOutbox({ recipient: 'USA' }),
        (list) => list.some((m) => m.messageId === retry.messageId && m.deliveredAtMs !== null),
        5_000,
      )
      assert.equal(sent.length, 1)
      const jpnPending = await ctx.store.listOutbox({ recipient: 'JPN', delivered: false })
      assert.equal(jpnPending.length, backlog.length, "JPN's backlog still waits")
    } finally {
      release()
      await worker.stop()
    }
  })
})
