import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { asPartyId } from '../../../src/domain/ids.ts'
import { MemoryHashStore, MerkleAppender } from '../../../src/lib/merkle-appender.ts'
import { openNote } from '../../../src/lib/signed-note.ts'
import { signCheckpoint } from '../../../src/lib/tlog-checkpoint.ts'
import { merkleLogOf } from '../../../src/node/app/audit-log.ts'
import { receiveFrame } from '../../../src/node/app/receive.ts'
import {
  checkpointSigner,
  checkpointVerifier,
  cosignatureVerifier,
  merkleHasher,
} from '../../../src/node/audit/checkpoint-note.ts'
import { logOrigin, readCheckpointNote } from '../../../src/node/audit/merkle-log.ts'
import { verifyFrameReceipt, sealFrame } from '../../../src/node/crypto/frame.ts'
import { checkBundle, nodeVerifierKeys, parseKeyFile } from '../../../src/node/audit/proofs.ts'
import type { AuditEntry, TokenRow } from '../../../src/node/store/store.ts'
import type { PeerView } from '../../../src/protocol/console-api.ts'
import type { FrameCheckpoint } from '../../../src/protocol/link.ts'
import { PROTOCOL_VERSION } from '../../../src/protocol/messages.ts'
import { deliverOverLiveLink, linkPair, requestMessage } from '../../helpers/link-pair.ts'

const witnessEntries = async (
  ctx: { store: { listAudit: (f: object) => Promise<AuditEntry[]> } },
  event: string,
) =>
  (await ctx.store.listAudit({ type: 'witness', limit: 100_000 })).filter(
    (e) => e.data['event'] === event,
  )

async function tokenFor(
  ctx: { store: { insertToken: (row: TokenRow) => Promise<void> } },
  role: TokenRow['role'],
): Promise<string> {
  const token = randomBytes(32).toString('base64url')
  await ctx.store.insertToken({
    tokenHash: createHash('sha256').update(token).digest('hex'),
    role,
    label: 'test',
    createdAtMs: Date.now(),
    expiresAtMs: Date.now() + 3_600_000,
    revokedAtMs: null,
  })
  return token
}

describe('peers witness each other on the live link (issue 13)', () => {
  let pair: Awaited<ReturnType<typeof linkPair>>
  before(async () => {
    pair = await linkPair()
  })
  after(async () => pair.close())

  it('given frames from KOR, JPN keeps each checkpoint and KOR keeps JPN’s cosignature of it', async () => {
    await deliverOverLiveLink(pair, ['w-1', 'w-2'])
    await deliverOverLiveLink(pair, ['w-3'])
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

  it("GET /api/peers shows the last checkpoint of KOR's own log that JPN cosigned: size, when, by whom", async () => {
    const token = await tokenFor(pair.kor.ctx, 'operator')
    const response = await pair.kor.app.inject({
      method: 'GET',
      url: '/api/peers',
      headers: { authorization: `Bearer ${token}` },
    })
    assert.equal(response.statusCode, 200, response.body)
    const jpn = response.json<PeerView[]>().find((p) => p.peer === 'JPN')
    const sizes = (await witnessEntries(pair.kor.ctx, 'cosigned')).map((e) => e.data['size'])
    assert.equal(jpn?.lastCosigned?.size, Math.max(...(sizes as number[])), 'the largest one')
    assert.equal(jpn?.lastCosigned?.by, 'entente/JPN')
    const atMs = Date.parse(jpn?.lastCosigned?.at ?? '')
    assert.ok(Math.abs(atMs - Date.now()) < 3_600_000, `cosigned at ${jpn?.lastCosigned?.at}`)
  })

  it('GET /api/audit/proof/{seq} serves a tlog-proof that checks with the public keys, to auditors only', async () => {
    const auditor = await tokenFor(pair.kor.ctx, 'auditor')
    const operator = await tokenFor(pair.kor.ctx, 'operator')
    const get = (url: string, token: string) =>
      pair.kor.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })
    assert.equal((await get('/api/audit/proof/2', operator)).statusCode, 403)
    const checkpoint = await get('/api/audit/checkpoint', auditor)
    assert.equal(checkpoint.statusCode, 200, checkpoint.body)
    const head = checkpoint.json<{ origin: string; cosigned: { cosigners: string[] } | null }>()
    assert.equal(head.origin, 'entente/KOR')
    assert.deepEqual(head.cosigned?.cosigners, ['entente/JPN'])
    const response = await get('/api/audit/proof/2', auditor)
    assert.equal(response.statusCode, 200, response.body)
    const keys = parseKeyFile(
      [
        ...nodeVerifierKeys('KOR', pair.kor.ctx.keys.signingPublic),
        ...nodeVerifierKeys('JPN', pair.jpn.ctx.keys.signingPublic),
      ].join('\n'),
    )
    assert.ok(keys.ok)
    const checked = checkBundle(response.json<{ proof: string }>().proof, keys.value, 1)
    assert.ok(checked.ok, checked.ok ? '' : checked.issues)
    assert.equal(checked.value.entries[0]?.['seq'], 2)
    assert.equal((await get('/api/audit/proof/0', auditor)).statusCode, 400)
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
    const token = await tokenFor(pair.jpn.ctx, 'auditor')
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
