import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { prepareNetwork } from '../../src/cli/local-network.ts'
import { asPartyId } from '../../src/domain/ids.ts'
import { merkleLogOf } from '../../src/node/app/audit-log.ts'
import type { NodeContext } from '../../src/node/app/context.ts'
import { DeliveryWorker } from '../../src/node/app/delivery.ts'
import { presentCheckpoint } from '../../src/node/audit/witness.ts'
import { receiveFrame } from '../../src/node/app/receive.ts'
import { loadNodeConfig } from '../../src/node/config.ts'
import type { LinkTls } from '../../src/node/crypto/ca.ts'
import { sealFrame, verifyFrameReceipt } from '../../src/node/crypto/frame.ts'
import type { Envelope } from '../../src/node/crypto/envelope.ts'
import { HttpPostLink } from '../../src/node/link/http-link.ts'
import type { LinkServer } from '../../src/node/link/link-server.ts'
import { LinkError, type OutgoingMessage, type PeerLink } from '../../src/node/link/peer-link.ts'
import { receiptEvidence } from '../../src/node/link/receipt-evidence.ts'
import { WsPeerLink } from '../../src/node/link/ws-link.ts'
import { createNode, listenForLinks } from '../../src/node/main.ts'
import { PROTOCOL_VERSION } from '../../src/protocol/messages.ts'
import { ROOT } from './cli.ts'
import { waitFor } from './nodes.ts'
import { type Script, ScriptedLink } from './scripted-link.ts'

/** One in-process node of a pair: its context, its link certificate, and (when listening) servers. */
export interface PairNode {
  readonly ctx: NodeContext
  readonly tls: LinkTls
  readonly app: FastifyInstance
  url: string
  links: LinkServer | null
}

/**
 * KOR and JPN, in this process, from `prepareNetwork` (real keys, certificates and configs):
 * JPN listens (HTTP and the live link), KOR only sends, through whatever link the test makes.
 */
export async function linkPair(
  options: { readonly answerRequests?: 'rule' | 'officer' } = {},
): Promise<{
  kor: PairNode
  jpn: PairNode
  links: Record<'wss' | 'https-post' | 'memory', () => PeerLink>
  close(): Promise<void>
}> {
  const root = mkdtempSync(join(tmpdir(), 'entente-link-'))
  const prepared = await prepareNetwork({
    root,
    scenario: join(ROOT, 'scenarios/korea-japan-2019.yaml'),
    parties: ['KOR', 'JPN'],
    delivery: { timeoutMs: 3_000, heartbeatMs: 200, maxBackoffMs: 400 },
    ...(options.answerRequests === undefined
      ? {}
      : {
          options: {
            KOR: { answerRequests: options.answerRequests },
            JPN: { answerRequests: options.answerRequests },
          },
        }),
  })
  const open = async (i: number): Promise<PairNode> => {
    const made = await createNode(
      loadNodeConfig((prepared[i] as { configFile: string }).configFile),
    )
    return { ctx: made.ctx, tls: made.linkTls, app: made.app, url: '', links: null }
  }
  const kor = await open(0)
  const jpn = await open(1)
  await jpn.app.listen({ host: '127.0.0.1', port: 0 })
  const address = jpn.app.server.address()
  jpn.url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
  jpn.links = await listenForLinks(jpn.ctx, jpn.tls)
  const made: PeerLink[] = []
  const remote = () => {
    const peer = kor.ctx.peers.get(asPartyId('JPN'))
    if (peer === undefined) throw new Error('KOR has no peer JPN')
    return peer
  }
  const self = { party: kor.ctx.party, keys: kor.ctx.keys, tls: kor.tls }
  const track = (link: PeerLink) => (made.push(link), link)
  const links = {
    wss: () =>
      track(
        new WsPeerLink(self, remote(), {
          url: `wss://127.0.0.1:${jpn.links?.port ?? 0}`,
          fingerprint256: jpn.tls.fingerprint256,
          window: 4,
          timeoutMs: 3_000,
          heartbeatMs: 200,
          maxBackoffMs: 400,
          random: Math.random,
          now: kor.ctx.now,
          checkpoint: (old) => presentCheckpoint(merkleLogOf(kor.ctx), old),
        }),
      ),
    'https-post': () =>
      track(
        new HttpPostLink(self, { ...remote(), url: jpn.url }, postWithFetch, {
          window: 4,
          timeoutMs: 3_000,
          checkpoint: (old) => presentCheckpoint(merkleLogOf(kor.ctx), old),
        }),
      ),
    memory: () => track(memoryLink(kor.ctx, jpn.ctx)),
  }
  return {
    kor,
    jpn,
    links,
    close: async () => {
      for (const link of made) await link.close()
      await jpn.links?.close()
      await jpn.app.close()
      await kor.ctx.store.close()
      await jpn.ctx.store.close()
      rmSync(root, { recursive: true, force: true })
    },
  }
}

export async function postWithFetch(
  url: string,
  envelope: string,
  timeoutMs: number,
  contentType = 'application/jose',
) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: envelope,
    signal: AbortSignal.timeout(timeoutMs),
  })
  return { status: response.status, body: await response.json() }
}

/**
 * The fake link: frames sealed and receipts verified as on the wire, handed to the receiver's
 * receiveFrame in this process instead of over a socket.
 */
export function memoryLink(from: NodeContext, to: NodeContext): PeerLink {
  const script: Script = async (peer, messages) => {
    const seq = (await to.store.lastFrameSeq(from.party)) + 1
    const remote = from.peers.get(peer)
    if (remote === undefined) throw new LinkError('no such peer')
    const body = sealFrame(
      {
        v: PROTOCOL_VERSION,
        seq,
        sender: from.party,
        recipient: peer,
        sentAtMs: from.now(),
        messages: messages.map((m) => JSON.parse(m.envelope) as Envelope),
      },
      from.keys.signing,
      remote.encryptionKey,
    )
    const outcome = await receiveFrame(to, from.party, seq, body)
    if (!outcome.ok) throw new LinkError(`${outcome.code}: ${outcome.message}`)
    const receipt = verifyFrameReceipt(outcome.receipt, remote.signingKey, {
      seq,
      sender: from.party,
      receiver: peer,
      body,
      messageIds: messages.map((m) => m.messageId),
    })
    return {
      receipt: outcome.receipt,
      receivedAtMs: receipt.receivedAtMs,
      verdicts: new Map(receipt.verdicts.map((v) => [v.messageId, v])),
      ...receiptEvidence(receipt, undefined, from.party, remote),
    }
  }
  return new ScriptedLink(to.party, script, { maxBatch: 512 })
}

/** A request message from KOR to JPN, as the outbox holds it; `windowDays` < 0 inverts it. */
export function requestMessage(
  ctx: NodeContext,
  id: string,
  windowDays = 1,
): OutgoingMessage & { envelope: string } {
  const from = Date.parse('2019-10-31T00:00:00Z')
  const envelope: Envelope = {
    v: PROTOCOL_VERSION,
    messageId: `m-${id}`,
    sender: ctx.party,
    recipient: 'JPN',
    agreement: null,
    instantMs: ctx.now(),
    kind: 'request',
    payload: {
      requestId: `req-${id}`,
      topic: 'dprk-missile',
      windowFromMs: from,
      windowUntilMs: from + windowDays * 86_400_000,
    },
  }
  return { messageId: envelope.messageId, envelope: JSON.stringify(envelope) }
}

/**
 * Queues requests from KOR to JPN (each with its 'send' entry) and lets a delivery worker carry
 * them over the live link until none is left: frames, receipts and witnessing as in a node.
 */
export async function deliverOverLiveLink(
  pair: Awaited<ReturnType<typeof linkPair>>,
  ids: readonly string[],
): Promise<void> {
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
