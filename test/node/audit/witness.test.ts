import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { asPartyId } from '../../../src/domain/ids.ts'
import { MemoryHashStore, MerkleAppender } from '../../../src/lib/merkle-appender.ts'
import { openNote } from '../../../src/lib/signed-note.ts'
import { signCheckpoint } from '../../../src/lib/tlog-checkpoint.ts'
import { merkleLogOf } from '../../../src/node/app/audit-log.ts'
import { DeliveryWorker } from '../../../src/node/app/delivery.ts'
import { receiveFrame } from '../../../src/node/app/receive.ts'
import {
  checkpointSigner,
  checkpointVerifier,
  cosignatureVerifier,
  merkleHasher,
} from '../../../src/node/audit/checkpoint-note.ts'
import { logOrigin, readCheckpointNote } from '../../../src/node/audit/merkle-log.ts'
import { verifyFrameReceipt, sealFrame } from '../../../src/node/crypto/frame.ts'
import type { AuditEntry } from '../../../src/node/store/store.ts'
import type { FrameCheckpoint } from '../../../src/protocol/link.ts'
import { PROTOCOL_VERSION } from '../../../src/protocol/messages.ts'
import { linkPair, requestMessage } from '../../helpers/link-pair.ts'
import { waitFor } from '../../helpers/nodes.ts'

const witnessEntries = async (
  ctx: { store: { listAudit: (f: object) => Promise<AuditEntry[]> } },
  event: string,
) =>
  (await ctx.store.listAudit({ type: 'witness', limit: 100_000 })).filter(
    (e) => e.data['event'] === event,
  )

describe('peers witness each other on the live link (issue 13)', () => {
  let pair: Awaited<ReturnType<typeof linkPair>>
  before(async () => {
    pair = await linkPair()
  })
  after(async () => pair.close())

  async function deliverRequests(ids: readonly string[]): Promise<void> {
    const link = pair.links.wss()
    const nowMs = pair.kor.ctx.now()
    await pair.kor.ctx.store.transaction(async (tx) => {
      for (const id of ids) {
        const message = requestMessage(pair.kor.ctx, id)
        await tx.enqueue({
          messageId: message.messageId,
          recipient: 'JPN',
          kind: 'request',
          envelope: message.envelope,
          subjectId: `req-${id}`,
          createdAtMs: nowMs,
          attempts: 0,
          nextAttemptAtMs: nowMs,
          deliveredAtMs: null,
          receipt: null,
          lastError: null,
          withdrawnAtMs: null,
        })
        await tx.appendAudit({
          atMs: nowMs,
          type: 'send',
          party: 'JPN',
          subject: `req-${id}`,
          data: { messageId: message.messageId },
        })
      }
    })
    const worker = new DeliveryWorker(pair.kor.ctx, new Map([[asPartyId('JPN'), link]]))
    worker.start()
    await waitFor(
      'every request delivered',
      async () => pair.kor.ctx.store.listOutbox({ recipient: 'JPN', delivered: false }),
      (rows) => rows.length === 0,
    )
    await worker.stop()
    await link.close()
  }

  it('given frames from KOR, JPN keeps each checkpoint and KOR keeps JPN’s cosignature of it', async () => {
    await deliverRequests(['w-1', 'w-2'])
    await deliverRequests(['w-3'])
    const kept = await witnessEntries(pair.jpn.ctx, 'checkpoint')
    assert.ok(kept.length >= 2, `JPN kept ${kept.length} checkpoints of KOR's log`)
    const sizes = kept.map((e) => e.data['size'] as number)
    assert.ok(
      sizes.every((s, i) => i === 0 || s >= (sizes[i - 1] ?? 0)),
      'sizes never go down',
    )
    const korLog = checkpointVerifier(logOrigin('KOR'), pair.kor.ctx.keys.signingPublic)
    const jpnCosigner = cosignatureVerifier(logOrigin('JPN'), pair.jpn.ctx.keys.signingPublic)
    const cosigned = await witnessEntries(pair.kor.ctx, 'cosigned')
    assert.ok(cosigned.length >= 2, `KOR kept ${cosigned.length} cosigned checkpoints`)
    for (const entry of cosigned) {
      const opened = openNote(entry.data['note'] as string, [korLog, jpnCosigner])
      assert.ok(opened.ok, 'the cosigned note verifies')
      assert.equal(opened.value.verified.length, 2, 'signed by KOR and cosigned by JPN')
    }
    // The cosigned checkpoint is of KOR's log as its own tree holds it.
    const last = readCheckpointNote(cosigned.at(-1)?.data['note'] as string)
    assert.ok(last !== undefined && merkleLogOf(pair.kor.ctx).holds(last))
  })

  it('a forked checkpoint from KOR raises LOG_FORK on JPN, kept with both notes, shown in GET /api/peers', async () => {
    const held = (await witnessEntries(pair.jpn.ctx, 'checkpoint')).at(-1)
    const heldNote = readCheckpointNote(held?.data['note'] as string)
    assert.ok(heldNote !== undefined)
    // KOR's key signs a tree that does not extend the one JPN witnessed: other entries.
    const forkHashes = new MemoryHashStore()
    const forkLog = MerkleAppender.empty(merkleHasher)
    for (let i = 0; i < heldNote.size + 3; i++) forkHashes.put(forkLog.append(randomBytes(40)))
    const note = signCheckpoint({
      checkpoint: {
        origin: logOrigin('KOR'),
        size: forkLog.size,
        rootHash: forkLog.root(),
        extensions: [],
      },
      signer: checkpointSigner(logOrigin('KOR'), pair.kor.ctx.keys.signing),
      hasher: merkleHasher,
      reader: forkHashes,
      previous: undefined,
    })
    const checkpoint: FrameCheckpoint = { note, old: heldNote.size, proof: [] }
    const seq = (await pair.jpn.ctx.store.lastFrameSeq('KOR')) + 1
    const remote = pair.kor.ctx.peers.get(asPartyId('JPN'))
    assert.ok(remote)
    const message = requestMessage(pair.kor.ctx, 'fork-1')
    const body = sealFrame(
      {
        v: PROTOCOL_VERSION,
        seq,
        sender: 'KOR',
        recipient: 'JPN',
        sentAtMs: pair.kor.ctx.now(),
        messages: [JSON.parse(message.envelope) as unknown],
        checkpoint,
      },
      pair.kor.ctx.keys.signing,
      remote.encryptionKey,
    )
    const events: AuditEntry[] = []
    const unsubscribe = pair.jpn.ctx.events.subscribe((e) => events.push(e))
    const outcome = await receiveFrame(pair.jpn.ctx, asPartyId('KOR'), seq, body)
    unsubscribe()
    assert.ok(outcome.ok)
    const receipt = verifyFrameReceipt(outcome.receipt, remote.signingKey, {
      seq,
      sender: 'KOR',
      receiver: 'JPN',
      body,
      messageIds: [message.messageId],
    })
    assert.equal(receipt.witness?.status, 'fork')
    assert.equal(receipt.witness?.cosignature, undefined, 'a fork is not cosigned')
    const [fork] = await witnessEntries(pair.jpn.ctx, 'LOG_FORK')
    assert.equal(fork?.party, 'KOR')
    assert.equal(fork?.data['held'], held?.data['note'], 'the checkpoint held is kept')
    assert.equal(fork?.data['presented'], note, 'the forked one is kept')
    assert.ok(
      events.some((e) => e.type === 'witness' && e.data['event'] === 'LOG_FORK'),
      'on the event stream',
    )
    // Witnessed size unchanged: the fork is not taken as the new reference.
    const token = randomBytes(32).toString('base64url')
    await pair.jpn.ctx.store.insertToken({
      tokenHash: createHash('sha256').update(token).digest('hex'),
      role: 'auditor',
      label: 'test',
      createdAtMs: Date.now(),
      expiresAtMs: Date.now() + 3_600_000,
      revokedAtMs: null,
    })
    const response = await pair.jpn.app.inject({
      method: 'GET',
      url: '/api/peers',
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(response.statusCode, 200, response.body)
    const kor = response.json<{ peer: string; logForks: number; witnessedSize: number }[]>()
    const row = kor.find((p) => p.peer === 'KOR')
    assert.equal(row?.logForks, 1)
    assert.equal(row?.witnessedSize, heldNote.size)
  })

  it('a checkpoint whose old size is not the one held is answered conflict and not kept', async () => {
    const before = (await witnessEntries(pair.jpn.ctx, 'checkpoint')).length
    const log = merkleLogOf(pair.kor.ctx)
    const checkpoint = await log.checkpoint()
    const seq = (await pair.jpn.ctx.store.lastFrameSeq('KOR')) + 1
    const remote = pair.kor.ctx.peers.get(asPartyId('JPN'))
    assert.ok(remote)
    const message = requestMessage(pair.kor.ctx, 'conflict-1')
    const body = sealFrame(
      {
        v: PROTOCOL_VERSION,
        seq,
        sender: 'KOR',
        recipient: 'JPN',
        sentAtMs: pair.kor.ctx.now(),
        messages: [JSON.parse(message.envelope) as unknown],
        checkpoint: { note: checkpoint.note, old: 1, proof: [] },
      },
      pair.kor.ctx.keys.signing,
      remote.encryptionKey,
    )
    const outcome = await receiveFrame(pair.jpn.ctx, asPartyId('KOR'), seq, body)
    assert.ok(outcome.ok)
    const receipt = verifyFrameReceipt(outcome.receipt, remote.signingKey, {
      seq,
      sender: 'KOR',
      receiver: 'JPN',
      body,
      messageIds: [message.messageId],
    })
    assert.ok(checkpoint.size > (receipt.witness?.knownSize ?? 0), 'KOR logged since')
    assert.equal(receipt.witness?.status, 'conflict')
    assert.equal((await witnessEntries(pair.jpn.ctx, 'checkpoint')).length, before)
  })
})
