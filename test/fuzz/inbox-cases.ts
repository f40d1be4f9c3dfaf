import { PROTOCOL_VERSION } from '../../src/protocol/messages.ts'
import { randomUUID } from 'node:crypto'
import fc from 'fast-check'
import type { InjectOptions } from 'fastify'
import { CompactEncrypt, CompactSign } from 'jose'
import { type Envelope, sealEnvelope } from '../../src/node/crypto/envelope.ts'
import { generatePartyKeys } from '../../src/node/crypto/keys.ts'
import type { MessageKind } from '../../src/node/store/store.ts'
import { withOriginatorSignature } from '../helpers/node-harness.ts'
import { LAUNCH_TEMPLATE } from './api-cases.ts'
import { type Variant, variantArb } from './inbox-variants.ts'
import { type FuzzNode, type FuzzParty, PARTIES, pick, remember } from './harness.ts'
import {
  type BodySpec,
  bodyOf,
  contentTypeArb,
  describeBody,
  rawBodyArb,
  resolveRefs,
} from './request-parts.ts'
import {
  applyMutations,
  describeMutation,
  hasDeepMarker,
  jsonText,
  type Mutation,
  mutationsOf,
} from './values.ts'

/**
 * The federation inbox: (a) bodies that are not envelopes at all, (b) envelopes correctly
 * signed by a pinned peer and encrypted to the node, whose payload (or envelope) is mutated.
 */

export type Tamper =
  'none' | 'other-signer' | 'other-recipient-key' | 'truncate' | 'flip' | 'other-algorithms'

export interface InboxCase {
  readonly surface: 'inbox'
  /** Garbage: `garbage` is the body. Sealed: the variant, mutated, signed and encrypted. */
  readonly garbage: BodySpec | null
  readonly variant: Variant
  /** Null: a fresh message id; else an index into the ids already sent (a replay). */
  readonly replay: number | null
  readonly payloadMutations: readonly Mutation[]
  readonly envelopeMutations: readonly Mutation[]
  readonly tamper: Tamper
  readonly contentType: string | null
}

const ENVELOPE_TEMPLATE = {
  messageId: '6f1d9a2e-7c1b-4a55-9d7e-2b8c5c1f0a11',
  sender: 'JPN',
  recipient: 'KOR',
  agreement: 'kor-jpn-gsomia',
  instantMs: 1,
  kind: 'report',
  payload: {},
}

const PAYLOAD_TEMPLATES: Record<MessageKind, unknown> = {
  report: {
    report: {
      id: 'x',
      originator: 'JPN',
      level: 'GOKUHI',
      topic: 'dprk-missile',
      releasableTo: ['KOR'],
      payload: LAUNCH_TEMPLATE,
      createdAtMs: 1,
    },
    originatorSignature: 'x.y.z',
    path: ['JPN', 'KOR'],
    heldLevel: 'GOKUHI',
    levelAtRecipient: 'MIL-II',
  },
  request: { requestId: 'x', topic: 'dprk-missile', windowFromMs: 1, windowUntilMs: 2 },
  answer: { requestId: 'x', refused: false, released: ['x'], officer: null },
  consent: {
    action: 'grant',
    consentId: 'x',
    recipient: 'USA',
    reportId: 'x',
    topic: 'dprk-missile',
    fromMs: 1,
    untilMs: 2,
    atMs: 3,
  },
  withdrawal: {
    reportId: 'x',
    originator: 'JPN',
    reason: 'false alarm',
    atMs: 1,
    originatorSignature: 'x.y.z',
  },
  superseded: {
    reportId: 'x',
    originator: 'JPN',
    version: 2,
    atMs: 1,
    originatorSignature: 'x.y.z',
  },
  track: {
    batch: {
      batchId: 'x',
      originator: 'JPN',
      reportId: 'x',
      topic: 'dprk-missile',
      level: 'GOKUHI',
      releasableTo: null,
      messages: [{ kind: 'drop', trackNumber: 1, atMs: 1 }],
    },
    originatorSignature: 'x.y.z',
    path: ['JPN', 'KOR'],
  },
  product: {
    product: {
      id: 'x',
      kind: 'assessment',
      originator: 'JPN',
      topic: 'dprk-imagery',
      level: 'GOKUHI',
      releasableTo: null,
      title: 'x',
      version: 1,
      createdAtMs: 1,
      assessment: { text: 'x', refs: [{ kind: 'report', id: 'x' }] },
    },
    originatorSignature: 'x.y.z',
    path: ['JPN', 'KOR'],
  },
}

const TAMPERS = fc.constantFrom<Tamper>(
  'none',
  'none',
  'none',
  'none',
  'none',
  'none',
  'none',
  'none',
  'other-signer',
  'other-recipient-key',
  'truncate',
  'flip',
  'other-algorithms',
)

export function inboxCaseArb(node: FuzzNode): fc.Arbitrary<InboxCase> {
  const variants = variantArb(node)
  const sealed = variants.chain((variant) =>
    fc.record({
      surface: fc.constant('inbox' as const),
      garbage: fc.constant(null),
      variant: fc.constant(variant),
      replay: fc.oneof(
        { arbitrary: fc.constant(null), weight: 12 },
        { arbitrary: fc.nat(), weight: 1 },
      ),
      payloadMutations: mutationsOf(PAYLOAD_TEMPLATES[variant.kind]),
      envelopeMutations: fc.oneof(
        { arbitrary: fc.constant([]), weight: 5 },
        { arbitrary: mutationsOf(ENVELOPE_TEMPLATE, 2), weight: 1 },
      ),
      tamper: TAMPERS,
      contentType: fc.oneof(
        { arbitrary: fc.constant('application/jose'), weight: 20 },
        { arbitrary: contentTypeArb, weight: 1 },
      ),
    }),
  )
  const garbage = fc.record({
    surface: fc.constant('inbox' as const),
    garbage: fc.oneof(rawBodyArb, jweLikeArb),
    variant: variants,
    replay: fc.constant(null),
    payloadMutations: fc.constant([]),
    envelopeMutations: fc.constant([]),
    tamper: fc.constant('none' as const),
    contentType: fc.oneof(
      { arbitrary: fc.constant('application/jose'), weight: 3 },
      { arbitrary: contentTypeArb, weight: 1 },
    ),
  })
  return fc.oneof({ arbitrary: sealed, weight: 4 }, { arbitrary: garbage, weight: 1 })
}

const b64 = fc.string({
  unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'),
  maxLength: 60,
})

/** Five dot-separated parts that look like a compact JWE and are not one. */
const jweLikeArb: fc.Arbitrary<BodySpec> = fc
  .tuple(
    fc.oneof(
      b64,
      fc
        .jsonValue({ maxDepth: 2 })
        .map((v) => Buffer.from(JSON.stringify(v) ?? '').toString('base64url')),
      fc.constant(Buffer.from('{"alg":"none","enc":"A256GCM"}').toString('base64url')),
    ),
    b64,
    b64,
    b64,
    b64,
  )
  .map((parts) => ({
    kind: 'raw' as const,
    text: parts.join('.'),
    contentType: 'application/jose',
  }))

export async function inboxRequest(node: FuzzNode, c: InboxCase): Promise<InjectOptions> {
  const headers = c.contentType === null ? {} : { 'content-type': c.contentType }
  if (c.garbage !== null) {
    const body = bodyOf(node, c.garbage)
    return {
      method: 'POST',
      url: '/federation/inbox',
      headers,
      ...(body.payload === undefined ? {} : { payload: body.payload }),
    }
  }
  const messageId =
    (c.replay === null ? undefined : pick(node, 'messageIds', c.replay)) ?? randomUUID()
  remember(node, 'messageIds', messageId)
  // A report is signed by its originator as its node would (H4), after the mutations: the
  // fuzzer reaches the checks behind the signature; a mutation of the signature stays as it is.
  const payload = await withOriginatorSignature(
    c.variant.kind,
    applyMutations(resolveRefs(node, c.variant.payload), c.payloadMutations),
    (p) => node.peers.get(p as FuzzParty)?.signing,
  )
  const base = {
    v: PROTOCOL_VERSION,
    messageId,
    sender: c.variant.sender,
    recipient: node.party,
    agreement: c.variant.agreement,
    instantMs: node.clock.ms,
    kind: c.variant.kind,
    payload: {},
  }
  const envelope = {
    ...(applyMutations(base, c.envelopeMutations) as object),
    ...(payloadReplaced(c) ? {} : { payload }),
  } as Envelope
  return {
    method: 'POST',
    url: '/federation/inbox',
    headers,
    payload: await seal(node, c, envelope),
  }
}

/** An envelope mutation that sets or deletes the payload itself wins over the mutated payload. */
const payloadReplaced = (c: InboxCase): boolean =>
  c.envelopeMutations.some((m) => m.path[0] === 'payload')

async function seal(node: FuzzNode, c: InboxCase, envelope: Envelope): Promise<string> {
  const signer = node.peers.get(
    c.tamper === 'other-signer' ? otherPeer(node, c.variant.sender) : c.variant.sender,
  )
  if (signer === undefined) throw new Error(`no keys for ${c.variant.sender}`)
  const recipientKey =
    c.tamper === 'other-recipient-key'
      ? generatePartyKeys().encryptionPublic
      : node.ctx.keys.encryptionPublic
  const text = JSON.stringify(envelope)
  // Deep nesting cannot go through JSON.stringify (sealEnvelope's): signed as text, same headers.
  if (c.tamper === 'other-algorithms' || hasDeepMarker(text)) {
    const jws = await new CompactSign(new TextEncoder().encode(jsonText(envelope)))
      .setProtectedHeader({
        alg: 'EdDSA',
        typ: 'entente-envelope+jws',
        kid: `${envelope.sender}-sig`,
      })
      .sign(signer.signing)
    const other = c.tamper === 'other-algorithms'
    return new CompactEncrypt(new TextEncoder().encode(jws))
      .setProtectedHeader({
        alg: other ? 'ECDH-ES+A128KW' : 'ECDH-ES',
        enc: other ? 'A128CBC-HS256' : 'A256GCM',
        cty: 'entente-envelope+jws',
      })
      .encrypt(recipientKey)
  }
  const jwe = sealEnvelope(envelope, signer.signing, recipientKey)
  if (c.tamper === 'truncate') return jwe.slice(0, Math.floor(jwe.length / 2))
  if (c.tamper === 'flip') return `${jwe.slice(0, -8)}${jwe.slice(-8).split('').reverse().join('')}`
  return jwe
}

function otherPeer(node: FuzzNode, party: FuzzParty): FuzzParty {
  return PARTIES.find((p) => p !== party && p !== node.party) ?? party
}

export function describeInboxCase(c: InboxCase): string {
  if (c.garbage !== null) return `garbage ${describeBody(c.garbage)}`
  const changes = [
    ...c.envelopeMutations.map((m) => `envelope ${describeMutation(m)}`),
    ...c.payloadMutations.map(describeMutation),
  ]
  return `${c.variant.name}${c.tamper === 'none' ? '' : ` (${c.tamper})`}${c.replay === null ? '' : ' (replayed id)'}: ${changes.length === 0 ? 'valid' : changes.join('; ')}`
}
