import { asPartyId, type PartyId } from '../../domain/ids.ts'
import { EntenteError } from '../../lib/errors.ts'
import type { ConsentMessage } from '../../protocol/messages.ts'
import type { ConsentRow, OutboxRow } from '../store/store.ts'
import { auditedTransaction } from './audit-log.ts'
import type { NodeContext } from './context.ts'
import { enqueue, composeForPeer } from './outbox.ts'

export interface ConsentInput {
  readonly holder: string
  readonly recipient: string
  readonly reportId?: string | undefined
  readonly topic?: string | undefined
  readonly untilMs?: number | undefined
}

/**
 * As originator, consent that `holder` releases one report (or a topic) onward to
 * `recipient` (rule R4). The holder's node learns of it by a signed message, and so does the
 * recipient's when it is our peer: its re-check of the onward release counts a consent it
 * heard from the originator itself (M5), never one the holder claims.
 */
export async function grantConsent(ctx: NodeContext, input: ConsentInput): Promise<ConsentRow> {
  const holder = asPartyId(input.holder)
  if (!ctx.peers.has(holder))
    throw new EntenteError('INVALID_REQUEST', `holder: '${input.holder}' is not a configured peer`)
  const recipient = asPartyId(input.recipient)
  if (!ctx.index.registry.parties.has(recipient) || recipient === ctx.party || recipient === holder)
    throw new EntenteError(
      'INVALID_REQUEST',
      `recipient: '${input.recipient}' must be a party of the registry other than ${ctx.party} and the holder`,
    )
  if ((input.reportId === undefined) === (input.topic === undefined)) {
    throw new EntenteError('INVALID_REQUEST', 'reportId, topic: give exactly one of them')
  }
  if (input.reportId !== undefined) {
    const report = await ctx.store.getReport(input.reportId)
    if (report?.originator !== ctx.party)
      throw new EntenteError(
        'INVALID_REQUEST',
        `reportId: '${input.reportId}' is not a report of ${ctx.party} held here`,
      )
  }
  const nowMs = ctx.now()
  if (input.untilMs !== undefined && input.untilMs <= nowMs)
    throw new EntenteError('INVALID_REQUEST', 'until: must be after now')
  const consent: ConsentRow = {
    id: ctx.newId(),
    originator: ctx.party,
    holder,
    recipient,
    reportId: input.reportId ?? null,
    topic: input.topic ?? null,
    fromMs: nowMs,
    untilMs: input.untilMs ?? null,
    revokedAtMs: null,
  }
  const payload = {
    action: 'grant' as const,
    consentId: consent.id,
    holder,
    recipient: consent.recipient,
    reportId: consent.reportId,
    topic: consent.topic,
    fromMs: consent.fromMs,
    untilMs: consent.untilMs,
  }
  const messages = sealToBoth(ctx, consent, payload)
  await auditedTransaction(ctx, async (tx, audit) => {
    await tx.insertConsent(consent)
    await audit.append(tx, {
      atMs: nowMs,
      type: 'consent',
      party: holder,
      subject: consent.id,
      data: { direction: 'outgoing', ...payload },
    })
    for (const message of messages) await enqueue(tx, audit, message)
  })
  return consent
}

export async function revokeConsent(ctx: NodeContext, id: string): Promise<void> {
  const consent = await ctx.store.getConsent(id)
  if (consent === undefined || consent.originator !== ctx.party)
    throw new EntenteError('NOT_FOUND', `consent '${id}' given by ${ctx.party} does not exist`)
  if (consent.revokedAtMs !== null)
    throw new EntenteError('CONFLICT', `consent '${id}' is already revoked`)
  const nowMs = ctx.now()
  const payload = { action: 'revoke' as const, consentId: id, atMs: nowMs }
  const messages = sealToBoth(ctx, consent, payload)
  await auditedTransaction(ctx, async (tx, audit) => {
    await tx.revokeConsent(id, nowMs)
    await audit.append(tx, {
      atMs: nowMs,
      type: 'consent',
      party: consent.holder,
      subject: id,
      data: { direction: 'outgoing', ...payload },
    })
    for (const message of messages) await enqueue(tx, audit, message)
  })
}

/** One message to the holder, and one to the recipient when it is a peer of ours. */
function sealToBoth(ctx: NodeContext, consent: ConsentRow, payload: ConsentMessage): OutboxRow[] {
  const to = [consent.holder, consent.recipient].filter((p) => ctx.peers.has(asPartyId(p)))
  const messages: OutboxRow[] = []
  for (const party of to)
    messages.push(
      composeForPeer(ctx, {
        recipient: party as PartyId,
        kind: 'consent',
        agreement: null,
        subjectId: consent.id,
        payload,
      }),
    )
  return messages
}
