import { z } from 'zod'
import { partyIdSchema } from './launch.ts'
import { epochMsSchema, messageIdSchema, PROTOCOL_VERSION } from './messages.ts'

/**
 * The live link between two nodes (docs/node.md, "The live link"): one persistent TLS
 * WebSocket per peer, dialled by the sender. Over it travel frames — many messages, signed
 * once and encrypted once — and their receipts. Both ends validate every control message with
 * these schemas; anything else closes the connection with a code.
 */

/** Messages per frame at most. */
export const MAX_FRAME_MESSAGES = 512

/** Why a frame or a connection was refused; the receiver answers the code, the sender logs it. */
export const LINK_CODES = [
  /** The frame's sequence is not above the last one committed from this sender: nothing stored. */
  'FRAME_REPLAYED',
  /** The frame cannot be opened: not ours, not decryptable, not signed by the sender's key. */
  'FRAME_UNVERIFIED',
  /** The frame's signed content is not a frame of this protocol (version, fields, sizes). */
  'FRAME_MALFORMED',
  /** The control message is not one of this protocol's. */
  'CONTROL_MALFORMED',
  /** The receiver could not commit the frame (store busy or closing): send it again. */
  'FRAME_NOT_COMMITTED',
] as const
export type LinkCode = (typeof LINK_CODES)[number]

/**
 * The sender's latest checkpoint of its audit log (issue 13; C2SP tlog-witness's request):
 * the signed note, the size `old` of the last one the receiver acknowledged (its hello's
 * `witnessedSize`, then each cosignature), and the consistency proof from `old` (base64).
 */
export const frameCheckpointSchema = z.strictObject({
  note: z.string().max(16 * 1024),
  old: z.number().int().min(0),
  proof: z.array(z.string().max(64)).max(63),
})
export type FrameCheckpoint = z.infer<typeof frameCheckpointSchema>

/**
 * The receiver as a witness of the sender's log, in its receipt: `cosigned` (a C2SP
 * tlog-cosignature line over the checkpoint), `conflict` (`old` is not the size it holds:
 * tlog-witness's 409), `fork` (no valid consistency proof: LOG_FORK), `invalid` (not a
 * checkpoint signed by the sender). `knownSize`: the size it now holds. Its own checkpoint
 * rides in the receipt's `log`.
 */
export const WITNESS_STATUSES = ['cosigned', 'conflict', 'fork', 'invalid'] as const
export const receiptWitnessSchema = z.strictObject({
  status: z.enum(WITNESS_STATUSES),
  knownSize: z.number().int().min(0),
  cosignature: z.string().max(1024).optional(),
  reason: z.string().max(300).optional(),
})
export type ReceiptWitness = z.infer<typeof receiptWitnessSchema>

/**
 * Issue 13: the receipt's own leaf in the receiver's log — the audit entry of type 'receipt'
 * that commits (by `receiptSha256`) to everything else the receipt says — with its inclusion
 * proof against `checkpoint`, the receiver's checkpoint signed after that entry committed.
 * Both receipts carry it (the live link's and the HTTPS inbox's); the sender checks and keeps it.
 */
export const receiptLogSchema = z.strictObject({
  checkpoint: z.string().max(16 * 1024),
  /** The leaf's index (its audit seq − 1). */
  index: z.number().int().min(0),
  /** The leaf's bytes (the entry's canonical JSON), base64. */
  leaf: z.string().max(64 * 1024),
  proof: z.array(z.string().max(64)).max(63),
})
export type ReceiptLog = z.infer<typeof receiptLogSchema>

/**
 * The signed, encrypted content of a frame: who to whom, its sequence on this link, and the
 * messages it carries, each an envelope of src/protocol/messages.ts with its own id.
 */
export const framePayloadSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  seq: z.number().int().positive(),
  sender: partyIdSchema,
  recipient: partyIdSchema,
  sentAtMs: epochMsSchema,
  /** Envelopes, validated one by one by decodeMessage: a bad one is quarantined, not the frame. */
  messages: z.array(z.unknown()).min(1).max(MAX_FRAME_MESSAGES),
  /** The sender's audit checkpoint, for the receiver to witness (optional: older senders). */
  checkpoint: frameCheckpointSchema.optional(),
})
export type FramePayload = z.infer<typeof framePayloadSchema>

/** What the receiver did with one message of a frame. */
export const messageVerdictSchema = z.strictObject({
  messageId: messageIdSchema,
  /** stored (accepted now), duplicate (held from before, with its first status), quarantined. */
  verdict: z.enum(['stored', 'duplicate', 'quarantined']),
  status: z.enum(['accepted', 'quarantined']),
  codes: z.array(z.string().max(40)).max(16),
})
export type MessageVerdict = z.infer<typeof messageVerdictSchema>

/** The receiver's signed receipt for a whole frame, committing to the exact bytes received. */
export const frameReceiptSchema = z.strictObject({
  v: z.literal(PROTOCOL_VERSION),
  seq: z.number().int().positive(),
  sender: partyIdSchema,
  receiver: partyIdSchema,
  receivedAtMs: epochMsSchema,
  frameSha256: z.string().regex(/^[0-9a-f]{64}$/),
  verdicts: z.array(messageVerdictSchema).max(MAX_FRAME_MESSAGES),
  /** The receiver's answer to the frame's checkpoint, when it carried one. */
  witness: receiptWitnessSchema.optional(),
  /** The receipt's leaf in the receiver's log (absent when its log cannot sign: CONFLICT). */
  log: receiptLogSchema.optional(),
})
export type FrameReceipt = z.infer<typeof frameReceiptSchema>

/** Control messages, as JSON text frames of the WebSocket. */
export const linkControlSchema = z.discriminatedUnion('t', [
  /** Listener → dialler, once authenticated: where to resume. */
  z.strictObject({
    t: z.literal('hello'),
    v: z.number().int(),
    party: partyIdSchema,
    lastSeq: z.number().int().min(0),
    /** The size of the dialler's audit log the listener last witnessed (0: none yet). */
    witnessedSize: z.number().int().min(0).optional(),
  }),
  /** Dialler → listener: one frame, a compact JWE. */
  z.strictObject({
    t: z.literal('frame'),
    seq: z.number().int().positive(),
    body: z.string().max(64 * 1024 * 1024),
  }),
  /** Listener → dialler: the frame is committed; a compact JWS of a FrameReceipt. */
  z.strictObject({ t: z.literal('receipt'), seq: z.number().int().positive(), jws: z.string() }),
  /** Listener → dialler: the frame was refused whole; nothing of it was stored. */
  z.strictObject({
    t: z.literal('refused'),
    seq: z.number().int().min(0),
    code: z.enum(LINK_CODES),
    message: z.string().max(300),
  }),
])
export type LinkControl = z.infer<typeof linkControlSchema>

/** Parses one control message; null for anything that is not one. */
export function decodeControl(text: string): LinkControl | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  const parsed = linkControlSchema.safeParse(value)
  return parsed.success ? parsed.data : null
}

/**
 * The HTTPS fallback's POST to `/federation/inbox` (as application/json): one sealed envelope
 * (a compact JWE) and, as on the live link, the sender's checkpoint for the receiver to
 * witness. The receipt answers with the cosignature and its own `log`, as a frame receipt does.
 */
export const inboxPostSchema = z.strictObject({
  envelope: z.string().max(16 * 1024 * 1024),
  checkpoint: frameCheckpointSchema.optional(),
})
export type InboxPost = z.infer<typeof inboxPostSchema>
