import type { FrameCheckpoint, ReceiptLog, ReceiptWitness } from '../../protocol/link.ts'
import type { Peer } from '../app/context.ts'
import { checkReceiptLog } from '../audit/receipt-proof.ts'
import type { Delivered } from './peer-link.ts'

/**
 * What both links take from a verified receipt for the audit (issue 13): the peer's answer to
 * the checkpoint we presented, and the receipt's leaf in the peer's log, whose inclusion proof
 * must hold against the peer's signed checkpoint — a receipt that says it is logged and is not
 * is refused like any other bad receipt (throws: the link fails the delivery, retried later).
 */
export function receiptEvidence(
  receipt: { readonly witness?: ReceiptWitness | undefined; readonly log?: ReceiptLog | undefined },
  presented: FrameCheckpoint | undefined,
  self: string,
  remote: Pick<Peer, 'party' | 'signingKey'>,
): Pick<Delivered, 'witness' | 'receiverLog'> {
  const checked = checkReceiptLog(receipt, {
    receiver: remote.party,
    receiverKey: remote.signingKey,
    sender: self,
  })
  return {
    ...(presented === undefined || receipt.witness === undefined
      ? {}
      : { witness: { presented: presented.note, answer: receipt.witness } }),
    ...(checked === undefined
      ? {}
      : { receiverLog: { checkpoint: checked.checkpoint.note, index: checked.index } }),
  }
}

/** The size of our log the peer now holds, after its answer (tlog-witness: 409 says it). */
export function presentedSizeAfter(current: number, witness: ReceiptWitness | undefined): number {
  return witness?.status === 'conflict' ? witness.knownSize : current
}
