import { z } from 'zod'
import { releaseLabelsSchema } from './label.ts'
import { launchSchema, levelSchema, partyIdSchema, topicSchema } from './launch.ts'
import { type ProductWire, productWireSchema } from './product.ts'
import { type TrackWire, trackWireSchema } from './track.ts'

/**
 * The federation protocol: one schema per message kind, used by the sender to build what it
 * seals and by the receiver to validate what it opened. Every envelope carries the protocol
 * version; a receiver refuses a version or kind it does not know with a quarantine code.
 */
export const PROTOCOL_VERSION = 1

export const MESSAGE_KINDS = [
  'report',
  'request',
  'answer',
  'consent',
  'withdrawal',
  'superseded',
  'track',
  'product',
] as const
export type MessageKind = (typeof MESSAGE_KINDS)[number]

/** Ids a node generates are UUIDs; peers' ids are bounded, printable, and never markup. */
export const messageIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'an id of letters, digits and . _ : - (≤ 128)')

/** Instants on the wire: integer epoch ms between 1970 and 2200. */
export const epochMsSchema = z.number().int().min(0).max(7_258_118_400_000) // 2200-01-01T00:00:00Z

const agreementIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'an agreement id')

/** A report as it travels: the originator's marking and the launch facts. */
export const wireReportSchema = z.strictObject({
  id: messageIdSchema,
  originator: partyIdSchema,
  level: levelSchema,
  topic: topicSchema,
  releasableTo: z.array(partyIdSchema).max(64).nullable(),
  payload: launchSchema,
  createdAtMs: epochMsSchema.optional(),
  /** Issue 12: 1 (absent) for the issued report, one more for each correction. */
  version: z.number().int().min(1).max(10_000).optional(),
})
export type WireReport = z.infer<typeof wireReportSchema>

export const reportMessageSchema = z.strictObject({
  report: wireReportSchema,
  /**
   * The originator's compact JWS over the canonical report (src/node/crypto/
   * originator-signature.ts), carried unchanged by every hop. Absent only for a report that
   * reached a hub without one (a partner's TAXII POST): its final recipient quarantines it.
   */
  originatorSignature: z.string().max(65_536).optional(),
  /** Every party it passed through, originator first, this recipient last. */
  path: z.array(partyIdSchema).min(2).max(16),
  /** The level at which a relaying sender holds it; the receiver derives its own. */
  heldLevel: levelSchema.nullable().optional(),
  /** The sender's view of the level at the recipient: informative only, never trusted. */
  levelAtRecipient: levelSchema.nullable().optional(),
  /** The sender's STANAG 4774 labels of this release (label.ts): informative, never trusted. */
  labels: releaseLabelsSchema.optional(),
  /**
   * Issue 12, a correction (version ≥ 2) only: the originator's signed statement that this
   * version supersedes the earlier ones (supersession-signature.ts), which a holder forwards,
   * without the content, as a `superseded` notice to whom may not receive the correction.
   */
  supersession: z.string().max(65_536).optional(),
})

export const requestMessageSchema = z
  .strictObject({
    requestId: messageIdSchema,
    topic: topicSchema,
    windowFromMs: epochMsSchema,
    windowUntilMs: epochMsSchema,
  })
  .refine((r) => r.windowUntilMs > r.windowFromMs, {
    message: 'the window must end after it starts',
    path: ['windowUntilMs'],
  })

export const answerMessageSchema = z.strictObject({
  requestId: messageIdSchema,
  refused: z.boolean(),
  released: z.array(messageIdSchema).max(10_000),
  officer: z.string().max(200).nullable(),
})

export const consentMessageSchema = z.discriminatedUnion('action', [
  z
    .strictObject({
      action: z.literal('grant'),
      consentId: messageIdSchema,
      /** The party the consent names as holder (absent: the message's recipient). */
      holder: partyIdSchema.optional(),
      recipient: partyIdSchema,
      reportId: messageIdSchema.nullable(),
      topic: topicSchema.nullable(),
      fromMs: epochMsSchema,
      untilMs: epochMsSchema.nullable(),
    })
    .refine((c) => (c.reportId === null) !== (c.topic === null), {
      message: 'give exactly one of reportId and topic',
      path: ['reportId'],
    }),
  z.strictObject({
    action: z.literal('revoke'),
    consentId: messageIdSchema,
    atMs: epochMsSchema,
  }),
])

/**
 * Issue 12: the originator retracts a report it issued (a false alarm), with a reason. Signed
 * by the ORIGINATOR (src/node/crypto/withdrawal-signature.ts), carried unchanged by every hop:
 * a hub relays it to whom it relayed the report, and cannot invent or alter one.
 */
export const withdrawalMessageSchema = z.strictObject({
  reportId: messageIdSchema,
  originator: partyIdSchema,
  reason: z.string().min(1).max(2_000),
  /** The originator's instant of the withdrawal. */
  atMs: epochMsSchema,
  /** The originator's compact JWS over the canonical { reportId, originator, reason, atMs }. */
  originatorSignature: z.string().max(65_536),
})

/**
 * Issue 12: a content-free notice that a report's copy is superseded by a later version the
 * recipient may not receive (a correction that raised the level, say). It carries only the
 * originator's signed statement `{ reportId, originator, version, atMs }`, unchanged by hops.
 */
export const supersededMessageSchema = z.strictObject({
  reportId: messageIdSchema,
  originator: partyIdSchema,
  /** The version that supersedes the recipient's copy. */
  version: z.number().int().min(2).max(10_000),
  /** The originator's instant of that version. */
  atMs: epochMsSchema,
  originatorSignature: z.string().max(65_536),
})

export type ReportMessage = z.infer<typeof reportMessageSchema>
export type RequestMessage = z.infer<typeof requestMessageSchema>
export type AnswerMessage = z.infer<typeof answerMessageSchema>
export type ConsentMessage = z.infer<typeof consentMessageSchema>
export type WithdrawalMessage = z.infer<typeof withdrawalMessageSchema>
export type SupersededMessage = z.infer<typeof supersededMessageSchema>

export interface PayloadOf {
  readonly report: ReportMessage
  readonly request: RequestMessage
  readonly answer: AnswerMessage
  readonly consent: ConsentMessage
  readonly withdrawal: WithdrawalMessage
  readonly superseded: SupersededMessage
  readonly track: TrackWire
  readonly product: ProductWire
}

export const PAYLOAD_SCHEMAS = {
  report: reportMessageSchema,
  request: requestMessageSchema,
  answer: answerMessageSchema,
  consent: consentMessageSchema,
  withdrawal: withdrawalMessageSchema,
  superseded: supersededMessageSchema,
  track: trackWireSchema,
  product: productWireSchema,
} as const

/** The envelope's header, as signed: who, to whom, under what, when, which kind. */
export const envelopeHeaderSchema = z.strictObject({
  v: z.number().int(),
  messageId: messageIdSchema,
  sender: partyIdSchema,
  recipient: partyIdSchema,
  agreement: agreementIdSchema.nullable(),
  instantMs: epochMsSchema,
  kind: z.string().max(32),
})

/** A message of one kind, header and payload, as both ends hold it. */
export type Message<K extends MessageKind = MessageKind> = {
  [Kind in K]: {
    readonly v: number
    readonly messageId: string
    readonly sender: string
    readonly recipient: string
    readonly agreement: string | null
    readonly instantMs: number
    readonly kind: Kind
    readonly payload: PayloadOf[Kind]
  }
}[K]

export type DecodeProblem = {
  readonly code: 'PROTOCOL_VERSION' | 'UNKNOWN_KIND' | 'PAYLOAD_INVALID'
  readonly message: string
}

/**
 * Validates what a verified envelope claims: the version, the kind, then the kind's payload.
 * Never throws: a problem is a value the receiver quarantines with its code.
 */
export function decodeMessage(
  value: unknown,
): { ok: true; message: Message } | { ok: false; problem: DecodeProblem } {
  const { payload: _payload, ...rest } =
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}
  const header = envelopeHeaderSchema.safeParse(rest)
  if (!header.success) return invalid('', header.error)
  const h = header.data
  if (h.v !== PROTOCOL_VERSION)
    return {
      ok: false,
      problem: {
        code: 'PROTOCOL_VERSION',
        message: `v: protocol version ${h.v} is not spoken here (${PROTOCOL_VERSION})`,
      },
    }
  if (!(MESSAGE_KINDS as readonly string[]).includes(h.kind))
    return {
      ok: false,
      problem: { code: 'UNKNOWN_KIND', message: 'kind: not a message kind of this protocol' },
    }
  const kind = h.kind as MessageKind
  const payload = PAYLOAD_SCHEMAS[kind].safeParse((value as { payload?: unknown }).payload)
  if (!payload.success) return invalid('payload.', payload.error)
  return { ok: true, message: { ...h, kind, payload: payload.data } as Message }
}

function invalid(prefix: string, error: z.ZodError): { ok: false; problem: DecodeProblem } {
  // The sender's keys and values are not echoed (they go into the audit): path and rule only.
  const message = error.issues
    .slice(0, 5)
    .map((i) => {
      const path = i.path.map((p) => (typeof p === 'number' ? p : String(p).slice(0, 40)))
      const rule = i.code === 'unrecognized_keys' ? 'unknown field' : i.message.slice(0, 120)
      return `${prefix}${path.join('.') || '(root)'}: ${rule}`
    })
    .join('; ')
  return { ok: false, problem: { code: 'PAYLOAD_INVALID', message } }
}
