import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import WebSocket from 'ws'
import { asPartyId } from '../../../src/domain/ids.ts'
import { DeliveryWorker } from '../../../src/node/app/delivery.ts'
import { receiveFrame } from '../../../src/node/app/receive.ts'
import { ensureNodeCa, type LinkTls, readLinkTls } from '../../../src/node/crypto/ca.ts'
import { frameSha256, sealFrame, signFrameReceipt } from '../../../src/node/crypto/frame.ts'
import { startLinkServer } from '../../../src/node/link/link-server.ts'
import { WsPeerLink } from '../../../src/node/link/ws-link.ts'
import type { FrameReceipt } from '../../../src/protocol/link.ts'
import { PROTOCOL_VERSION } from '../../../src/protocol/messages.ts'
import { waitFor } from '../../helpers/nodes.ts'
import { linkPair, requestMessage } from '../../helpers/link-pair.ts'

/** A raw client of a link listener: what it is sent, and a way to send control messages. */
function rawClient(port: number, tls: LinkTls) {
  const socket = new WebSocket(`wss://127.0.0.1:${port}`, {
    cert: tls.cert,
    key: tls.key,
    rejectUnauthorized: false,
  })
  const received: Record<string, unknown>[] = []
  const waiters: (() => void)[] = []
  socket.on('message', (data: Buffer) => {
    received.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>)
    for (const w of waiters.splice(0)) w()
  })
  const errors: string[] = []
  socket.on('error', (error) => errors.push(error.message))
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  const next = async (n: number) => {
    while (received.length < n) await new Promise<void>((r) => waiters.push(r))
    return received[n - 1] as Record<string, unknown>
  }
  return { socket, received, next, closed, errors }
}

describe('the live link', () => {
  let pair: Awaited<ReturnType<typeof linkPair>>
  before(async () => {
    pair = await linkPair()
  })
  after(async () => pair.close())

  /** A sealed frame from KOR to JPN with the given sequence. */
  function frame(seq: number, ids: readonly string[]) {
    const jpn = pair.kor.ctx.peers.get(asPartyId('JPN'))
    assert.ok(jpn)
    return sealFrame(
      {
        v: PROTOCOL_VERSION,
        seq,
        sender: 'KOR',
        recipient: 'JPN',
        sentAtMs: pair.kor.ctx.now(),
        messages: ids.map((id) => JSON.parse(requestMessage(pair.kor.ctx, id).envelope) as unknown),
      },
      pair.kor.ctx.keys.signing,
      jpn.encryptionKey,
    )
  }

  it('resumes from the hello; a replayed frame is refused and stores nothing new', async () => {
    const port = pair.jpn.links?.port ?? 0
    const client = rawClient(port, pair.kor.tls)
    const hello = await client.next(1)
    assert.equal(hello['t'], 'hello')
    assert.equal(hello['party'], 'JPN')
    const seq = (hello['lastSeq'] as number) + 1
    const body = frame(seq, ['replay-1', 'replay-2'])
    client.socket.send(JSON.stringify({ t: 'frame', seq, body }))
    const receipt = await client.next(2)
    assert.equal(receipt['t'], 'receipt')
    const held = async () => (await pair.jpn.ctx.store.listInbox({ limit: 100_000 })).length
    const before = await held()
    // The same bytes again, and a fresh frame under a sequence already committed.
    client.socket.send(JSON.stringify({ t: 'frame', seq, body }))
    const again = await client.next(3)
    const stale = frame(seq, ['replay-3'])
    client.socket.send(JSON.stringify({ t: 'frame', seq, body: stale }))
    const older = await client.next(4)
    for (const refusal of [again, older]) {
      assert.equal(refusal['t'], 'refused')
      assert.equal(refusal['code'], 'FRAME_REPLAYED')
    }
    assert.equal(await held(), before, 'nothing new stored')
    assert.equal(await pair.jpn.ctx.store.getInbox('m-replay-3'), undefined)
    client.socket.close()
    // A new connection resumes after the last committed sequence.
    const second = rawClient(port, pair.kor.tls)
    assert.equal((await second.next(1))['lastSeq'], seq)
    second.socket.close()
  })

  it('a jump in the sequence is accepted and audited as a gap', async () => {
    const last = await pair.jpn.ctx.store.lastFrameSeq('KOR')
    const seq = last + 5
    const outcome = await receiveFrame(pair.jpn.ctx, asPartyId('KOR'), seq, frame(seq, ['gap']))
    assert.equal(outcome.ok, true)
    const gaps = await pair.jpn.ctx.store.listAudit({ type: 'link', limit: 1_000 })
    assert.deepEqual(gaps.at(-1)?.data, { event: 'gap', expectedSeq: last + 1, seq })
    assert.equal(await pair.jpn.ctx.store.lastFrameSeq('KOR'), seq)
  })

  it('a frame signed by another key is refused whole (FRAME_UNVERIFIED)', async () => {
    const jpn = pair.kor.ctx.peers.get(asPartyId('JPN'))
    assert.ok(jpn)
    const seq = (await pair.jpn.ctx.store.lastFrameSeq('KOR')) + 1
    const forged = sealFrame(
      {
        v: PROTOCOL_VERSION,
        seq,
        sender: 'KOR',
        recipient: 'JPN',
        sentAtMs: pair.kor.ctx.now(),
        messages: [JSON.parse(requestMessage(pair.kor.ctx, 'forged').envelope) as unknown],
      },
      pair.jpn.ctx.keys.signing, // not KOR's
      jpn.encryptionKey,
    )
    const outcome = await receiveFrame(pair.jpn.ctx, asPartyId('KOR'), seq, forged)
    assert.equal(outcome.ok, false)
    assert.equal(!outcome.ok && outcome.code, 'FRAME_UNVERIFIED')
    assert.equal(await pair.jpn.ctx.store.getInbox('m-forged'), undefined)
  })

  it('a listener refuses a client whose certificate is not pinned, before any hello', async () => {
    const stranger = join(mkdtempSync(join(tmpdir(), 'entente-stranger-')), 'x')
    await ensureNodeCa(stranger, 'KOR', Date.now())
    const client = rawClient(pair.jpn.links?.port ?? 0, await readLinkTls(stranger))
    await client.closed
    assert.deepEqual(client.received, [], 'no hello, nothing at all')
    assert.match(client.errors.join(' '), /hang up|ECONNRESET/, 'cut at the handshake')
  })

  it('a dialler refuses a listener whose certificate is not the pinned one', async () => {
    const link = new WsPeerLink(
      { party: 'KOR', keys: pair.kor.ctx.keys, tls: pair.kor.tls },
      pair.kor.ctx.peers.get(asPartyId('JPN')) as never,
      {
        url: `wss://127.0.0.1:${pair.jpn.links?.port ?? 0}`,
        fingerprint256: pair.kor.tls.fingerprint256, // KOR's own, not JPN's
        window: 4,
        timeoutMs: 1_000,
        heartbeatMs: 200,
        maxBackoffMs: 400,
        random: () => 0.5,
        now: pair.kor.ctx.now,
      },
    )
    await assert.rejects(link.deliver([requestMessage(pair.kor.ctx, 'unpinned')]), /down|pinned/)
    await link.close()
    assert.notEqual(link.status().state, 'up')
    assert.equal(await pair.jpn.ctx.store.getInbox('m-unpinned'), undefined)
  })

  it('a listener whose port is in use fails its start (EADDRINUSE) and does not end the process', async () => {
    const options = {
      self: asPartyId('JPN'),
      host: '127.0.0.1',
      tls: pair.jpn.tls,
      peers: new Map([[asPartyId('KOR'), pair.kor.tls.fingerprint256]]),
      maxFrameBytes: 1 << 20,
      heartbeatMs: 200,
    }
    const handler = {
      lastSeq: () => Promise.resolve(0),
      refused: () => undefined,
      receive: () => Promise.reject(new Error('not used')),
    }
    const first = await startLinkServer({ ...options, port: 0 }, handler)
    try {
      // Before the fix, ws re-emitted the listen error with no listener: the process crashed.
      await assert.rejects(startLinkServer({ ...options, port: first.port }, handler), {
        code: 'EADDRINUSE',
      })
    } finally {
      await first.close()
    }
  })

  it('a receipt whose hash is not of the bytes sent marks nothing delivered', async () => {
    // A JPN that stores the frame but signs a receipt over other bytes.
    const server = await startLinkServer(
      {
        self: asPartyId('JPN'),
        host: '127.0.0.1',
        port: 0,
        tls: pair.jpn.tls,
        peers: new Map([[asPartyId('KOR'), pair.kor.tls.fingerprint256]]),
        maxFrameBytes: 1 << 20,
        heartbeatMs: 200,
      },
      {
        lastSeq: () => Promise.resolve(0),
        refused: () => undefined,
        receive: (_peer, seq) => {
          const receipt: FrameReceipt = {
            v: PROTOCOL_VERSION,
            seq,
            sender: 'KOR',
            receiver: 'JPN',
            receivedAtMs: Date.now(),
            frameSha256: frameSha256('other bytes'),
            verdicts: [
              { messageId: 'm-wrong-hash', verdict: 'stored', status: 'accepted', codes: [] },
            ],
          }
          return Promise.resolve({
            ok: true as const,
            receipt: signFrameReceipt(receipt, pair.jpn.ctx.keys.signing),
          })
        },
      },
    )
    const link = new WsPeerLink(
      { party: 'KOR', keys: pair.kor.ctx.keys, tls: pair.kor.tls },
      pair.kor.ctx.peers.get(asPartyId('JPN')) as never,
      {
        url: `wss://127.0.0.1:${server.port}`,
        fingerprint256: pair.jpn.tls.fingerprint256,
        window: 4,
        timeoutMs: 2_000,
        heartbeatMs: 200,
        maxBackoffMs: 400,
        random: () => 0.5,
        now: pair.kor.ctx.now,
      },
    )
    const message = requestMessage(pair.kor.ctx, 'wrong-hash')
    const row = {
      messageId: message.messageId,
      recipient: 'JPN',
      kind: 'request' as const,
      envelope: message.envelope,
      subjectId: 'req-wrong-hash',
      createdAtMs: pair.kor.ctx.now(),
      attempts: 0,
      nextAttemptAtMs: pair.kor.ctx.now(),
      deliveredAtMs: null,
      receipt: null,
      lastError: null,
      withdrawnAtMs: null,
    }
    await pair.kor.ctx.store.transaction((tx) => tx.enqueue(row))
    const worker = new DeliveryWorker(pair.kor.ctx, new Map([[asPartyId('JPN'), link]]))
    worker.start()
    const failed = await waitFor(
      'the attempt recorded as failed',
      async () => (await pair.kor.ctx.store.listOutbox({ recipient: 'JPN' }))[0],
      (m) => m !== undefined && m.attempts > 0,
    )
    await worker.stop()
    await server.close()
    assert.equal(failed?.deliveredAtMs, null)
    assert.equal(failed?.receipt, null)
    assert.match(failed?.lastError ?? '', /frameSha256/)
  })
})
