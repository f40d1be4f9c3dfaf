import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { openNote } from '../../../src/lib/signed-note.ts'
import { merkleLogOf } from '../../../src/node/app/audit-log.ts'
import { checkpointVerifier, cosignatureVerifier } from '../../../src/node/audit/checkpoint-note.ts'
import { logOrigin, readCheckpointNote } from '../../../src/node/audit/merkle-log.ts'
import type { OutgoingMessage, PeerLink } from '../../../src/node/link/peer-link.ts'
import { linkPair, requestMessage } from '../../helpers/link-pair.ts'

/**
 * The PeerLink contract, run over every link: the live WebSocket, the per-message POST and
 * the in-memory fake. What the delivery worker relies on: each message gets the receiver's
 * verdict, a message sent again is a duplicate and is stored once, a refused one is
 * quarantined (never lost, never stored as accepted), and the link says when it last heard;
 * issue 13: each receipt's own leaf is proven in the receiver's log, and a link that carries
 * our checkpoint (the live one and the HTTPS one, by the same code) gets it cosigned.
 */
for (const kind of ['wss', 'https-post', 'memory'] as const) {
  describe(`PeerLink contract over ${kind}`, () => {
    let pair: Awaited<ReturnType<typeof linkPair>>
    let link: PeerLink
    before(async () => {
      pair = await linkPair()
      link = pair.links[kind]()
    })
    after(async () => pair.close())

    /** Delivers in as many deliveries as the link's batch size needs. */
    async function deliverAll(messages: readonly OutgoingMessage[]) {
      const verdicts = new Map<string, { verdict: string; status: string }>()
      for (let i = 0; i < messages.length; i += link.maxBatch) {
        const delivered = await link.deliver(messages.slice(i, i + link.maxBatch))
        assert.equal(typeof delivered.receipt, 'string')
        for (const [id, v] of delivered.verdicts) verdicts.set(id, v)
      }
      return verdicts
    }

    it('each message is stored, with a verdict for it alone', async () => {
      const run = randomUUID().slice(0, 8)
      const messages = [1, 2, 3].map((n) => requestMessage(pair.kor.ctx, `${run}-${n}`))
      const verdicts = await deliverAll(messages)
      for (const m of messages) {
        assert.equal(verdicts.get(m.messageId)?.verdict, 'stored')
        assert.equal(verdicts.get(m.messageId)?.status, 'accepted')
        assert.equal((await pair.jpn.ctx.store.getInbox(m.messageId))?.status, 'accepted')
      }
      assert.notEqual(link.status().lastHeardAtMs, null)
    })

    it('a message sent again is a duplicate with its first status, stored once', async () => {
      const message = requestMessage(pair.kor.ctx, randomUUID().slice(0, 8))
      await deliverAll([message])
      const again = await deliverAll([message])
      assert.equal(again.get(message.messageId)?.verdict, 'duplicate')
      assert.equal(again.get(message.messageId)?.status, 'accepted')
      const held = await pair.jpn.ctx.store.listInbox({ sender: 'KOR', limit: 10_000 })
      assert.equal(held.filter((r) => r.messageId === message.messageId).length, 1)
    })

    it('a message the receiver refuses is quarantined, and the others of its delivery are not', async () => {
      const run = randomUUID().slice(0, 8)
      const bad = requestMessage(pair.kor.ctx, `${run}-bad`, -1)
      const good = requestMessage(pair.kor.ctx, `${run}-good`)
      const verdicts = await deliverAll([bad, good])
      assert.equal(verdicts.get(bad.messageId)?.status, 'quarantined')
      assert.equal(verdicts.get(good.messageId)?.status, 'accepted')
      const row = await pair.jpn.ctx.store.getInbox(bad.messageId)
      assert.equal(row?.status, 'quarantined')
      assert.ok(row?.reasons.some((r) => r.code === 'PAYLOAD_INVALID'))
    })

    it("issue 13: the receipt proves its own leaf in the receiver's log, against the checkpoint it returns", async () => {
      const message = requestMessage(pair.kor.ctx, randomUUID().slice(0, 8))
      const delivered = await link.deliver([message])
      const proven = delivered.receiverLog
      assert.ok(proven !== undefined, 'the link checked and handed over the receipt’s leaf')
      const checkpoint = readCheckpointNote(proven.checkpoint)
      assert.ok(checkpoint !== undefined && merkleLogOf(pair.jpn.ctx).holds(checkpoint))
      const [leaf] = await pair.jpn.ctx.store.listAudit({ afterSeq: proven.index, limit: 1 })
      assert.equal(leaf?.seq, proven.index + 1)
      assert.equal(leaf?.type, 'receipt')
      assert.equal(leaf?.party, 'KOR')
      assert.equal(leaf?.data['transport'], kind === 'https-post' ? 'https-post' : 'wss')
    })

    if (kind !== 'memory')
      it('issue 13: the delivery carries our checkpoint and the receiver cosigns it', async () => {
        const message = requestMessage(pair.kor.ctx, randomUUID().slice(0, 8))
        const delivered = await link.deliver([message])
        assert.equal(delivered.witness?.answer.status, 'cosigned', delivered.witness?.answer.reason)
        const presented = readCheckpointNote(delivered.witness?.presented ?? '')
        assert.ok(presented !== undefined && merkleLogOf(pair.kor.ctx).holds(presented))
        const cosigned = `${delivered.witness?.presented ?? ''}${delivered.witness?.answer.cosignature ?? ''}`
        const opened = openNote(cosigned, [
          checkpointVerifier(logOrigin('KOR'), pair.kor.ctx.keys.signingPublic),
          cosignatureVerifier(logOrigin('JPN'), pair.jpn.ctx.keys.signingPublic),
        ])
        assert.ok(opened.ok && opened.value.verified.length === 2, 'signed by KOR, cosigned by JPN')
        const kept = await pair.jpn.ctx.store.listAudit({
          type: 'witness',
          party: 'KOR',
          limit: 10_000,
        })
        assert.ok(
          kept.some((e) => e.data['event'] === 'checkpoint' && e.data['size'] === presented.size),
          'JPN keeps the checkpoint it cosigned',
        )
      })
  })
}
