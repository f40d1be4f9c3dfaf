import type { AgreementId, PartyId } from '../../domain/ids.ts'
import { type MessageKind, type PayloadOf, PROTOCOL_VERSION } from '../../protocol/messages.ts'
import type { Envelope } from '../crypto/envelope.ts'
import type { OutboxRow, StoreTx } from '../store/store.ts'
import type { AuditBatch } from './audit-log.ts'
import type { NodeContext } from './context.ts'

/** A message to seal for a peer: its payload is the protocol's type for its kind. */
export type Outgoing = {
  [K in MessageKind]: {
    readonly recipient: PartyId
    readonly kind: K
    readonly agreement: AgreementId | null
    readonly payload: PayloadOf[K]
    /** The release, request or consent this message carries. */
    readonly subjectId: string
    /** Hold the message this long before its first attempt (a hub's handling time). */
    readonly delayMs?: number
  }
}[MessageKind]

/**
 * A message for a peer, ready to store in the outbox: the envelope's header and payload as
 * JSON text. It is signed and encrypted when it leaves, by the link (one frame for many).
 */
export function composeForPeer(ctx: NodeContext, out: Outgoing): OutboxRow {
  const peer = ctx.peers.get(out.recipient)
  if (peer === undefined) throw new Error(`no peer ${out.recipient} is configured`)
  const nowMs = ctx.now()
  // The envelope's instant is when the message leaves: the receiver checks it against its clock.
  const leavesAtMs = nowMs + (out.delayMs ?? 0)
  const messageId = ctx.newId()
  const envelope: Envelope = {
    v: PROTOCOL_VERSION,
    messageId,
    sender: ctx.party,
    recipient: out.recipient,
    agreement: out.agreement,
    instantMs: leavesAtMs,
    kind: out.kind,
    payload: out.payload,
  }
  return {
    messageId,
    recipient: out.recipient,
    kind: out.kind,
    envelope: JSON.stringify(envelope),
    subjectId: out.subjectId,
    createdAtMs: nowMs,
    attempts: 0,
    nextAttemptAtMs: leavesAtMs,
    deliveredAtMs: null,
    receipt: null,
    lastError: null,
    withdrawnAtMs: null,
  }
}

export async function enqueue(tx: StoreTx, audit: AuditBatch, message: OutboxRow): Promise<void> {
  await tx.enqueue(message)
  audit.queued.push(message)
  await audit.append(tx, {
    atMs: message.createdAtMs,
    type: 'send',
    party: message.recipient,
    subject: message.subjectId,
    data: { messageId: message.messageId, kind: message.kind },
  })
}
