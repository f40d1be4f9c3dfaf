import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { asPartyId } from '../../../src/domain/ids.ts'
import { toBase64 } from '../../../src/lib/bytes.ts'
import { merkleLogOf } from '../../../src/node/app/audit-log.ts'
import type { NodeContext } from '../../../src/node/app/context.ts'
import { DeliveryWorker } from '../../../src/node/app/delivery.ts'
import { receiveFrame } from '../../../src/node/app/receive.ts'
import { answerRequest, createRequest } from '../../../src/node/app/requests.ts'
import { auditLeaf, encodeHashes, logOrigin } from '../../../src/node/audit/merkle-log.ts'
import { heldCheckpoints } from '../../../src/node/audit/proofs.ts'
import { checkReceiptLog } from '../../../src/node/audit/receipt-proof.ts'
import { presentCheckpoint } from '../../../src/node/audit/witness.ts'
import { sealFrame, verifyFrameReceipt } from '../../../src/node/crypto/frame.ts'
import { HttpPostLink } from '../../../src/node/link/http-link.ts'
import type { PeerLink } from '../../../src/node/link/peer-link.ts'
import type { AuditEntry } from '../../../src/node/store/store.ts'
import type { FrameReceipt } from '../../../src/protocol/link.ts'
import { PROTOCOL_VERSION } from '../../../src/protocol/messages.ts'
import { linkPair, postWithFetch, requestMessage } from '../../helpers/link-pair.ts'
import { waitFor } from '../../helpers/nodes.ts'

/** KOR sends JPN one frame by hand and gets JPN's verified receipt back. */
async function oneFrame(pair: Awaited<ReturnType<typeof linkPair>>, id: string) {
  const remote = pair.kor.ctx.peers.get(asPartyId('JPN'))
  assert.ok(remote)
  const seq = (await pair.jpn.ctx.store.lastFrameSeq('KOR')) + 1
  const message = requestMessage(pair.kor.ctx, id)
  const body = sealFrame(
    {
      v: PROTOCOL_VERSION,
      seq,
      sender: 'KOR',
      recipient: 'JPN',
      sentAtMs: pair.kor.ctx.now(),
      messages: [JSON.parse(message.envelope) as unknown],
    },
    pair.kor.ctx.keys.signing,
    remote.encryptionKey,
  )
  const outcome = await receiveFrame(pair.jpn.ctx, asPartyId('KOR'), seq, body)
  assert.ok(outcome.ok)
  const expected = { seq, sender: 'KOR', receiver: 'JPN', body, messageIds: [message.messageId] }
  return verifyFrameReceipt(outcome.receipt, remote.signingKey, expected)
}

describe("a receipt's own leaf in the receiver's log (issue 13)", () => {
  let pair: Awaited<ReturnType<typeof linkPair>>
  let expected: Parameters<typeof checkReceiptLog>[1]
  before(async () => {
    pair = await linkPair()
    expected = {
      receiver: 'JPN',
      receiverKey: pair.jpn.ctx.keys.signingPublic,
      sender: 'KOR',
    }
  })
  after(async () => pair.close())

  // checkReceiptLog reads a receipt whose signature verified: each altered receipt below stands
  // for one JPN signed anyway, so only its log part can give it away.
  const altered = (receipt: FrameReceipt): FrameReceipt => receipt

  it('given a frame, JPN logs a receipt entry and proves it in the checkpoint it returns', async () => {
    const receipt = await oneFrame(pair, 'leaf-1')
    const checked = checkReceiptLog(receipt, expected)
    assert.ok(checked !== undefined)
    const [leaf] = await pair.jpn.ctx.store.listAudit({ afterSeq: checked.index, limit: 1 })
    assert.equal(leaf?.type, 'receipt')
    assert.equal(leaf?.data['frameSeq'], receipt.seq)
    assert.equal(leaf?.data['frameSha256'], receipt.frameSha256)
    assert.ok(merkleLogOf(pair.jpn.ctx).holds(checked.checkpoint), "JPN's tree holds it")
  })

  it('a receipt whose content is changed after its leaf was logged is refused', async () => {
    const receipt = await oneFrame(pair, 'leaf-2')
    const verdicts = receipt.verdicts.map((v) => ({ ...v, status: 'quarantined' as const }))
    assert.doesNotThrow(() => checkReceiptLog(receipt, expected))
    assert.throws(
      () => checkReceiptLog(altered({ ...receipt, verdicts }), expected),
      /commits to another receipt's content/,
    )
  })

  it('another entry of the log, with its valid proof, is not the receipt’s leaf', async () => {
    const receipt = await oneFrame(pair, 'leaf-3')
    assert.ok(receipt.log)
    const log = merkleLogOf(pair.jpn.ctx)
    const size = log.size
    const [first] = await pair.jpn.ctx.store.listAudit({ limit: 1 })
    const earlierReceipt = (await pair.jpn.ctx.store.listAudit({ type: 'receipt', limit: 1 }))[0]
    const swapped = (entry: AuditEntry) =>
      altered({
        ...receipt,
        log: {
          checkpoint: receipt.log?.checkpoint ?? '',
          index: entry.seq - 1,
          leaf: toBase64(auditLeaf(entry)),
          proof: encodeHashes(log.inclusion(entry.seq - 1, size)),
        },
      })
    assert.ok(first && earlierReceipt)
    assert.throws(() => checkReceiptLog(swapped(first), expected), /not a receipt entry/)
    assert.throws(
      () => checkReceiptLog(swapped(earlierReceipt), expected),
      /commits to another receipt's content/,
    )
    const wrongIndex = altered({
      ...receipt,
      log: { ...receipt.log, index: receipt.log.index - 1 },
    })
    assert.throws(() => checkReceiptLog(wrongIndex, expected), /log\.proof/)
  })

  it("a checkpoint not signed by the receiver's pinned key is refused", async () => {
    const receipt = await oneFrame(pair, 'leaf-4')
    const kor = await merkleLogOf(pair.kor.ctx).checkpoint()
    assert.ok(receipt.log)
    const forged = altered({ ...receipt, log: { ...receipt.log, checkpoint: kor.note } })
    assert.throws(() => checkReceiptLog(forged, expected), /not a checkpoint of entente\/JPN/)
  })
})

describe('a request, its answer and a denial are leaves on both sides (issue 13)', () => {
  let pair: Awaited<ReturnType<typeof linkPair>>
  before(async () => {
    pair = await linkPair({ answerRequests: 'officer' })
    await pair.kor.app.listen({ host: '127.0.0.1', port: 0 })
  })
  after(async () => {
    await pair.kor.app.close()
    await pair.close()
  })

  /** Delivers what `from` has queued for `to` over the HTTPS link, carrying checkpoints. */
  async function drain(from: NodeContext, to: string, link: PeerLink): Promise<void> {
    const worker = new DeliveryWorker(from, new Map([[asPartyId(to), link]]))
    worker.start()
    await waitFor(
      `${from.party}'s outbox to ${to} delivered`,
      () => from.store.listOutbox({ recipient: to, delivered: false }),
      (rows) => rows.length === 0,
    )
    await worker.stop()
    await link.close()
  }
  const entries = async (ctx: NodeContext, type: AuditEntry['type'], subject: string) =>
    (await ctx.store.listAudit({ type, limit: 100_000 })).filter((e) => e.subject === subject)
  /** The best checkpoint `ctx` holds cosigned by `witness` covers `entry`. */
  async function cosignedCover(ctx: NodeContext, witness: string, entry: AuditEntry | undefined) {
    assert.ok(entry !== undefined)
    const held = await heldCheckpoints(ctx.store)
    return held.some((c) => c.size >= entry.seq && c.cosigners.includes(logOrigin(witness)))
  }

  it('KOR asks JPN, JPN refuses: each side logs it, and the other side cosigned it', async () => {
    const fromMs = Date.parse('2019-10-31T00:00:00Z')
    const request = await createRequest(pair.kor.ctx, {
      to: 'JPN',
      topic: 'dprk-missile',
      fromMs,
      untilMs: fromMs + 86_400_000,
    })
    await drain(pair.kor.ctx, 'JPN', pair.links['https-post']())
    await answerRequest(pair.jpn.ctx, request.id, false, 'officer-jpn')
    const korAtJpn = pair.jpn.ctx.peers.get(asPartyId('KOR'))
    assert.ok(korAtJpn)
    const address = pair.kor.app.server.address()
    const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
    const self = { party: pair.jpn.ctx.party, keys: pair.jpn.ctx.keys }
    const back = new HttpPostLink(self, { ...korAtJpn, url }, postWithFetch, {
      window: 1,
      timeoutMs: 3_000,
      checkpoint: (old) => presentCheckpoint(merkleLogOf(pair.jpn.ctx), old),
    })
    await drain(pair.jpn.ctx, 'KOR', back)
    // Each delivery after the last entry carried the sender's checkpoint: one more each way.
    await drain(pair.kor.ctx, 'JPN', pair.links['https-post']())

    const asked = (await entries(pair.kor.ctx, 'request', request.id))[0]
    const received = (await entries(pair.jpn.ctx, 'request', request.id))[0]
    const refused = (await entries(pair.jpn.ctx, 'answer', request.id))[0]
    const told = (await entries(pair.kor.ctx, 'answer', request.id))[0]
    assert.equal(asked?.data['direction'], 'outgoing')
    assert.equal(received?.data['direction'], 'incoming')
    assert.equal(refused?.data['refused'], true, "JPN's denial is a leaf of JPN's log")
    assert.equal(told?.data['refused'], true, "and of KOR's")
    assert.ok(await cosignedCover(pair.kor.ctx, 'JPN', asked), "KOR's request, cosigned by JPN")
    assert.ok(await cosignedCover(pair.jpn.ctx, 'KOR', refused), "JPN's denial, cosigned by KOR")
    // The receipts' leaves: each side holds the other's proof of having logged the receipt.
    const deliveries = await pair.kor.ctx.store.listAudit({ type: 'delivery', limit: 100_000 })
    const proven = deliveries.filter((d) => d.subject === request.id)[0]?.data['receiptLeaf']
    assert.ok(typeof proven === 'object' && proven !== null, 'the delivery names the leaf')
    const receipts = await pair.jpn.ctx.store.listAudit({ type: 'receipt', limit: 100_000 })
    const leafSeq = (proven as { index: number }).index + 1
    assert.equal(receipts.find((r) => r.seq === leafSeq)?.party, 'KOR')
  })
})
