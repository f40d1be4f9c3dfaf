import { asPartyId, type PartyId } from '../../domain/ids.ts'
import { EntenteError } from '../../lib/errors.ts'
import type { QuarantineReason } from '../../protocol/codes.ts'
import type { Message } from '../../protocol/messages.ts'
import type { OutboxRow, ReleaseRow, ReportRow, RequestRow, StoreTx } from '../store/store.ts'
import { type AuditBatch, auditedTransaction } from './audit-log.ts'
import type { NodeContext } from './context.ts'
import { enqueue, composeForPeer } from './outbox.ts'
import { commitRequestedProducts, planRequestedProducts } from './product-requests.ts'
import { coversReport, denyAtEgress, redecideInTx, composeRelease } from './releases.ts'

export interface RequestInput {
  readonly to: string
  readonly topic: string
  readonly fromMs: number
  readonly untilMs: number
}

const DAY_MS = 86_400_000

/** Why a window (on launch time) is not one this node asks or answers; null when it is. */
export function windowProblem(ctx: NodeContext, fromMs: number, untilMs: number): string | null {
  const maxDays = ctx.config.release.maxRequestWindowDays
  if (!Number.isFinite(fromMs) || !Number.isFinite(untilMs)) return 'the window must be finite'
  if (untilMs <= fromMs) return 'the window must end after it starts'
  if (untilMs - fromMs > maxDays * DAY_MS)
    return `the window may cover at most ${maxDays} days (release.maxRequestWindowDays)`
  return null
}

/** Asks a peer for its reports on a topic whose launch time falls in a window. */
export async function createRequest(ctx: NodeContext, input: RequestInput): Promise<RequestRow> {
  const asked = asPartyId(input.to)
  if (!ctx.peers.has(asked))
    throw new EntenteError('INVALID_REQUEST', `to: '${input.to}' is not a configured peer`)
  const problem = windowProblem(ctx, input.fromMs, input.untilMs)
  if (problem !== null) throw new EntenteError('INVALID_REQUEST', `until: ${problem}`)
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
  const message = composeForPeer(ctx, {
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

type PeerMessage = Message<'request' | 'answer' | 'consent'>

/**
 * A peer may change only what it owns (M1): it answers only a request we made of it,
 * revokes only a consent it gave, and cannot reuse an id held for something else.
 */
export async function checkIncomingMessage(
  ctx: NodeContext,
  message: PeerMessage,
  _nowMs: number,
): Promise<QuarantineReason[]> {
  const sender = message.sender
  switch (message.kind) {
    case 'request': {
      const p = message.payload
      const problem = windowProblem(ctx, p.windowFromMs, p.windowUntilMs)
      if (problem !== null) return [{ code: 'WINDOW_INVALID', message: `payload: ${problem}` }]
      if ((await ctx.store.getRequest(p.requestId)) !== undefined)
        return [{ code: 'ID_CONFLICT', message: `request id ${p.requestId} is already held here` }]
      return []
    }
    case 'answer': {
      const request = await ctx.store.getRequest(message.payload.requestId)
      if (request === undefined || request.direction !== 'outgoing' || request.asked !== sender)
        return [
          {
            code: 'NOT_OWNER',
            message: `payload.requestId: no request of ours to ${sender} has this id`,
          },
        ]
      if (request.status !== 'open')
        return [
          { code: 'ID_CONFLICT', message: `request ${request.id} is already ${request.status}` },
        ]
      return []
    }
    case 'consent': {
      const p = message.payload
      const held = await ctx.store.getConsent(p.consentId)
      if (p.action === 'revoke') {
        return held !== undefined && held.originator === sender
          ? []
          : [
              {
                code: 'NOT_OWNER',
                message: `payload.consentId: no consent of ${sender} has this id`,
              },
            ]
      }
      if (held !== undefined)
        return [{ code: 'ID_CONFLICT', message: `consent id ${p.consentId} is already held here` }]
      const holder = p.holder ?? ctx.party
      // We are the holder, or the recipient the originator tells of its consent (M5).
      if (holder !== ctx.party && p.recipient !== ctx.party)
        return [
          { code: 'NOT_OWNER', message: 'payload: a consent must name us as holder or recipient' },
        ]
      const parties = ctx.index.registry.parties
      for (const [field, party] of [
        ['payload.holder', holder],
        ['payload.recipient', p.recipient],
      ] as const)
        if (!parties.has(asPartyId(party)))
          return [
            {
              code: 'UNKNOWN_REFERENCE',
              message: `${field}: '${party}' is not a party of our registry`,
            },
          ]
      return []
    }
  }
}

/** Requests, answers and consents from a verified peer, checked, inside the inbox transaction. */
export async function applyIncomingMessage(
  _ctx: NodeContext,
  tx: StoreTx,
  audit: AuditBatch,
  message: PeerMessage,
  nowMs: number,
): Promise<void> {
  const sender = message.sender
  switch (message.kind) {
    case 'request': {
      const p = message.payload
      const request: RequestRow = {
        id: p.requestId,
        direction: 'incoming',
        requester: sender,
        asked: message.recipient,
        topic: p.topic,
        windowFromMs: p.windowFromMs,
        windowUntilMs: p.windowUntilMs,
        createdAtMs: nowMs,
        status: 'open',
        answeredAtMs: null,
        answer: null,
      }
      await tx.insertRequest(request)
      await audit.append(tx, {
        atMs: nowMs,
        type: 'request',
        party: sender,
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
      const p = message.payload
      const answer = { refused: p.refused, released: p.released, officer: p.officer }
      await tx.updateRequest(p.requestId, {
        status: p.refused ? 'refused' : 'answered',
        answeredAtMs: nowMs,
        answer,
      })
      await audit.append(tx, {
        atMs: nowMs,
        type: 'answer',
        party: sender,
        subject: p.requestId,
        data: { direction: 'incoming', requestId: p.requestId, ...answer },
      })
      return
    }
    case 'consent': {
      const p = message.payload
      if (p.action === 'revoke') {
        // At receipt, never backdated by the sender's word (M1).
        await tx.revokeConsent(p.consentId, nowMs)
        await audit.append(tx, {
          atMs: nowMs,
          type: 'consent',
          party: sender,
          subject: p.consentId,
          data: { direction: 'incoming', action: 'revoke', consentId: p.consentId, atMs: nowMs },
        })
        return
      }
      const consent = {
        id: p.consentId,
        originator: sender,
        holder: p.holder ?? message.recipient,
        recipient: p.recipient,
        reportId: p.reportId,
        topic: p.topic,
        fromMs: p.fromMs,
        untilMs: p.untilMs,
        revokedAtMs: null,
      }
      await tx.insertConsent(consent)
      const { id: consentId, originator: _o, revokedAtMs: _r, ...terms } = consent
      await audit.append(tx, {
        atMs: nowMs,
        type: 'consent',
        party: sender,
        subject: consentId,
        data: { direction: 'incoming', action: 'grant', consentId, ...terms },
      })
      return
    }
  }
}

/**
 * Answers an incoming request: releases every held report of ours it covers, each decided
 * again by the engine at the answer's instant, inside the transaction (C1) — what an ended or
 * amended agreement no longer allows is denied with its reasons — or refuses. By rule at
 * once, or by a release officer.
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
  // Sealed before the transaction (crypto never holds the lock); enqueued only if still allowed.
  const sealed: { release: ReleaseRow; message: OutboxRow }[] = []
  for (const { report, release: r } of held)
    sealed.push({ release: r, message: composeRelease(ctx, report, r) })
  // Issue 17: the products it covers, under an on-request agreement, leave with the answer.
  const products = release ? await planRequestedProducts(ctx, request, ctx.now()) : []
  return auditedTransaction(ctx, async (tx, audit) => {
    const nowMs = ctx.now()
    const current = await tx.getRequest(requestId)
    if (current?.status !== 'open')
      throw new EntenteError('CONFLICT', `request '${requestId}' was answered meanwhile`)
    const released: string[] = []
    for (const { release: r, message } of sealed) {
      if ((await tx.getRelease(r.id))?.state !== 'held') continue
      const verdict = await redecideInTx(ctx, tx, r, nowMs)
      if (!verdict.ok) {
        await denyAtEgress(tx, audit, r, verdict.reasons, nowMs, 'answer')
        continue
      }
      await tx.updateRelease(r.id, { state: 'released', updatedAtMs: nowMs, officer })
      await enqueue(tx, audit, message)
      released.push(r.reportId)
    }
    const productsReleased = await commitRequestedProducts(tx, audit, products)
    const answer = { requestId, refused: !release, released, officer }
    const answerMessage = composeForPeer(ctx, {
      recipient: requester,
      kind: 'answer',
      agreement: null,
      subjectId: requestId,
      payload: answer,
    })
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
      data: { direction: 'outgoing', ...answer, productsReleased },
    })
    await enqueue(tx, audit, answerMessage)
    return {
      ...request,
      status: release ? 'answered' : 'refused',
      answeredAtMs: nowMs,
      answer,
    } satisfies RequestRow
  })
}

async function coveredReleases(
  ctx: NodeContext,
  request: RequestRow,
  requester: PartyId,
): Promise<{ report: ReportRow; release: ReleaseRow }[]> {
  const held = await ctx.store.listReleases({ state: 'held', recipient: requester })
  const out = []
  for (const release of held) {
    const report = await ctx.store.getReport(release.reportId)
    if (report !== undefined && report.originator === ctx.party && coversReport(request, report))
      out.push({ report, release })
  }
  return out
}
