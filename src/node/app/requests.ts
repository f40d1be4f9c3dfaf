import { asPartyId, type PartyId } from '../../domain/ids.ts'
import { EntenteError } from '../../lib/errors.ts'
import type { Envelope } from '../crypto/envelope.ts'
import type { OutboxRow, ReleaseRow, RequestRow, StoreTx } from '../store/store.ts'
import { type AuditBatch, auditedTransaction } from './audit-log.ts'
import type { NodeContext } from './context.ts'
import { enqueue, sealForPeer } from './outbox.ts'
import { coversReport, sealRelease } from './releases.ts'

export interface RequestInput {
  readonly to: string
  readonly topic: string
  readonly fromMs: number
  readonly untilMs: number
}

/** Asks a peer for its reports on a topic whose launch time falls in a window. */
export async function createRequest(ctx: NodeContext, input: RequestInput): Promise<RequestRow> {
  const asked = asPartyId(input.to)
  if (!ctx.peers.has(asked))
    throw new EntenteError('INVALID_REQUEST', `to: '${input.to}' is not a configured peer`)
  if (input.untilMs <= input.fromMs)
    throw new EntenteError('INVALID_REQUEST', 'until: the window must end after it starts')
  const nowMs = ctx.now()
  const request: RequestRow = {
    id: ctx.newId(),
    direction: 'outgoing',
    requester: ctx.party,
    asked,
    topic: input.topic,
    windowFromMs: input.fromMs,
    windowUntilMs: input.untilMs,
    createdAtMs: nowMs,
    status: 'open',
    answeredAtMs: null,
    answer: null,
  }
  const message = await sealForPeer(ctx, {
    recipient: asked,
    kind: 'request',
    agreement: null,
    subjectId: request.id,
    payload: {
      requestId: request.id,
      topic: request.topic,
      windowFromMs: request.windowFromMs,
      windowUntilMs: request.windowUntilMs,
    },
  })
  await auditedTransaction(ctx, async (tx, audit) => {
    await tx.insertRequest(request)
    await audit.append(tx, {
      atMs: nowMs,
      type: 'request',
      party: asked,
      subject: request.id,
      data: {
        direction: 'outgoing',
        topic: request.topic,
        windowFromMs: request.windowFromMs,
        windowUntilMs: request.windowUntilMs,
      },
    })
    await enqueue(tx, audit, message)
  })
  return request
}

/** Requests, answers and consents from a verified peer, inside the inbox transaction. */
export async function applyIncomingMessage(
  ctx: NodeContext,
  tx: StoreTx,
  audit: AuditBatch,
  envelope: Envelope,
  nowMs: number,
): Promise<void> {
  const p = envelope.payload
  switch (envelope.kind) {
    case 'request': {
      const request: RequestRow = {
        id: String(p['requestId']),
        direction: 'incoming',
        requester: envelope.sender,
        asked: ctx.party,
        topic: String(p['topic']),
        windowFromMs: Number(p['windowFromMs']),
        windowUntilMs: Number(p['windowUntilMs']),
        createdAtMs: nowMs,
        status: 'open',
        answeredAtMs: null,
        answer: null,
      }
      await tx.insertRequest(request)
      await audit.append(tx, {
        atMs: nowMs,
        type: 'request',
        party: envelope.sender,
        subject: request.id,
        data: {
          direction: 'incoming',
          topic: request.topic,
          windowFromMs: request.windowFromMs,
          windowUntilMs: request.windowUntilMs,
        },
      })
      return
    }
    case 'answer': {
      const id = String(p['requestId'])
      await tx.updateRequest(id, {
        status: p['refused'] === true ? 'refused' : 'answered',
        answeredAtMs: nowMs,
        answer: p,
      })
      await audit.append(tx, {
        atMs: nowMs,
        type: 'answer',
        party: envelope.sender,
        subject: id,
        data: { direction: 'incoming', ...p },
      })
      return
    }
    case 'consent':
      return applyConsent(tx, audit, envelope, nowMs)
    case 'report':
      throw new Error('reports are stored by receiveEnvelope')
  }
}

async function applyConsent(
  tx: StoreTx,
  audit: AuditBatch,
  envelope: Envelope,
  nowMs: number,
): Promise<void> {
  const p = envelope.payload
  const id = String(p['consentId'])
  if (p['action'] === 'revoke') await tx.revokeConsent(id, Number(p['atMs'] ?? nowMs))
  else {
    await tx.insertConsent({
      id,
      originator: envelope.sender,
      holder: envelope.recipient,
      recipient: String(p['recipient']),
      reportId: typeof p['reportId'] === 'string' ? p['reportId'] : null,
      topic: typeof p['topic'] === 'string' ? p['topic'] : null,
      fromMs: Number(p['fromMs']),
      untilMs: typeof p['untilMs'] === 'number' ? p['untilMs'] : null,
      revokedAtMs: null,
    })
  }
  await audit.append(tx, {
    atMs: nowMs,
    type: 'consent',
    party: envelope.sender,
    subject: id,
    data: { direction: 'incoming', ...p },
  })
}

/**
 * Answers an incoming request: releases every held report of ours it covers (the engine
 * already allowed them; on-request waited for exactly this), or refuses. By rule at once,
 * or by a release officer.
 */
export async function answerRequest(
  ctx: NodeContext,
  requestId: string,
  release: boolean,
  officer: string | null,
): Promise<RequestRow> {
  const request = await ctx.store.getRequest(requestId)
  if (request === undefined || request.direction !== 'incoming')
    throw new EntenteError('NOT_FOUND', `incoming request '${requestId}' does not exist`)
  if (request.status !== 'open')
    throw new EntenteError('CONFLICT', `request '${requestId}' is already ${request.status}`)
  const requester = asPartyId(request.requester)
  const held = release ? await coveredReleases(ctx, request, requester) : []
  const nowMs = ctx.now()
  const messages: { release: ReleaseRow; message: OutboxRow }[] = []
  for (const { report, release: r } of held)
    messages.push({ release: r, message: await sealRelease(ctx, report, r) })
  const answer = {
    requestId,
    refused: !release,
    released: messages.map((m) => m.release.reportId),
    officer,
  }
  const answerMessage = await sealForPeer(ctx, {
    recipient: requester,
    kind: 'answer',
    agreement: null,
    subjectId: requestId,
    payload: answer,
  })
  await auditedTransaction(ctx, async (tx, audit) => {
    for (const { release: r, message } of messages) {
      await tx.updateRelease(r.id, { state: 'released', updatedAtMs: nowMs, officer })
      await enqueue(tx, audit, message)
    }
    await tx.updateRequest(requestId, {
      status: release ? 'answered' : 'refused',
      answeredAtMs: nowMs,
      answer,
    })
    await audit.append(tx, {
      atMs: nowMs,
      type: 'answer',
      party: requester,
      subject: requestId,
      data: { direction: 'outgoing', ...answer },
    })
    await enqueue(tx, audit, answerMessage)
  })
  return { ...request, status: release ? 'answered' : 'refused', answeredAtMs: nowMs, answer }
}

async function coveredReleases(ctx: NodeContext, request: RequestRow, requester: PartyId) {
  const held = await ctx.store.listReleases({ state: 'held', recipient: requester })
  const out = []
  for (const release of held) {
    const report = await ctx.store.getReport(release.reportId)
    if (report !== undefined && report.originator === ctx.party && coversReport(request, report))
      out.push({ report, release })
  }
  return out
}
