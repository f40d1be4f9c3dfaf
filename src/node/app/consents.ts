import { asPartyId } from '../../domain/ids.ts'
import { EntenteError } from '../../lib/errors.ts'
import type { ConsentRow } from '../store/store.ts'
import { auditedTransaction } from './audit-log.ts'
import type { NodeContext } from './context.ts'
import { enqueue, sealForPeer } from './outbox.ts'

export interface ConsentInput {
  readonly holder: string
  readonly recipient: string
  readonly reportId?: string | undefined
  readonly topic?: string | undefined
  readonly untilMs?: number | undefined
}

/**
 * As originator, consent that `holder` releases one report (or a topic) onward to
 * `recipient` (rule R4). The holder's node learns of it by a signed message.
 */
export async function grantConsent(ctx: NodeContext, input: ConsentInput): Promise<ConsentRow> {
  const holder = asPartyId(input.holder)
  if (!ctx.peers.has(holder))
    throw new EntenteError('INVALID_REQUEST', `holder: '${input.holder}' is not a configured peer`)
  if ((input.reportId === undefined) === (input.topic === undefined)) {
    throw new EntenteError('INVALID_REQUEST', 'reportId, topic: give exactly one of them')
  }
  const nowMs = ctx.now()
  const consent: ConsentRow = {
    id: ctx.newId(),
    originator: ctx.party,
    holder,
    recipient: input.recipient,
    reportId: input.reportId ?? null,
    topic: input.topic ?? null,
    fromMs: nowMs,
    untilMs: input.untilMs ?? null,
    revokedAtMs: null,
  }
  const payload = {
    action: 'grant' as const,
    consentId: consent.id,
    recipient: consent.recipient,
    reportId: consent.reportId,
    topic: consent.topic,
    fromMs: consent.fromMs,
    untilMs: consent.untilMs,
  }
  const message = await sealForPeer(ctx, {
    recipient: holder,
    kind: 'consent',
    agreement: null,
    subjectId: consent.id,
    payload,
  })
  await auditedTransaction(ctx, async (tx, audit) => {
    await tx.insertConsent(consent)
    await audit.append(tx, {
      atMs: nowMs,
      type: 'consent',
      party: holder,
      subject: consent.id,
      data: { direction: 'outgoing', ...payload },
    })
    await enqueue(tx, audit, message)
  })
  return consent
}

export async function revokeConsent(ctx: NodeContext, id: string): Promise<void> {
  const consents = await ctx.store.listConsents({})
  const consent = consents.find((c) => c.id === id && c.originator === ctx.party)
  if (consent === undefined)
    throw new EntenteError('NOT_FOUND', `consent '${id}' given by ${ctx.party} does not exist`)
  if (consent.revokedAtMs !== null)
    throw new EntenteError('CONFLICT', `consent '${id}' is already revoked`)
  const nowMs = ctx.now()
  const payload = { action: 'revoke' as const, consentId: id, atMs: nowMs }
  const message = await sealForPeer(ctx, {
    recipient: asPartyId(consent.holder),
    kind: 'consent',
    agreement: null,
    subjectId: id,
    payload,
  })
  await auditedTransaction(ctx, async (tx, audit) => {
    await tx.revokeConsent(id, nowMs)
    await audit.append(tx, {
      atMs: nowMs,
      type: 'consent',
      party: consent.holder,
      subject: id,
      data: { direction: 'outgoing', ...payload },
    })
    await enqueue(tx, audit, message)
  })
}
