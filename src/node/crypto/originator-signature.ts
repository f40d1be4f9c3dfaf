import type { KeyObject } from 'node:crypto'
import canonicalizeModule from 'canonicalize'
import type { z } from 'zod'
import { type WireReport, wireReportSchema } from '../../protocol/messages.ts'
import { signCompact, verifyCompact } from './compact-jose.ts'

// The package is CommonJS: its default import is the function, which NodeNext's types miss.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined

/**
 * The originator's signature over its report, made once where the report is born and carried
 * unchanged by every hop (review H4): a compact JWS, EdDSA, over the RFC 8785 canonical JSON
 * of the report as it travels. A hub's envelope signature only says "I relay this"; this one
 * says "the originator wrote this", so the final recipient need not trust the hub's word.
 * The sender's `createdAtMs` is not signed: each hop sets it, and no receiver relies on it.
 */
export const ORIGINATOR_SIGNATURE_TYPE = 'entente-report+jws'

/** What the originator signs: the fields of the wire report that never change on the way. */
export const signedReportSchema = wireReportSchema.omit({ createdAtMs: true })
export type SignedReport = Omit<WireReport, 'createdAtMs'>

/** Anything holding the signed fields: a wire report, or a report row as a node stores it. */
export interface Signable {
  readonly id: string
  readonly originator: string
  readonly level: string
  readonly topic: string
  readonly releasableTo: readonly string[] | null
  readonly payload: unknown
  /** Issue 12: absent or 1 for the issued report (signed without it, as before versions). */
  readonly version?: number
}

export const ORIGINATOR_SIGNATURE_FAILURES = [
  /** The message carries no signature (e.g. a report a partner added over TAXII at the hub). */
  'NO_SIGNATURE',
  /** This node holds no signing key for the report's originator. */
  'UNKNOWN_ORIGINATOR_KEY',
  /** Not a compact JWS of the originator's key, of this type and algorithm. */
  'BAD_SIGNATURE',
  /** Signed by the originator, but not over the report the message carries. */
  'CONTENT_DIFFERS',
] as const
export type OriginatorSignatureFailure = (typeof ORIGINATOR_SIGNATURE_FAILURES)[number]

const FAILURE_MESSAGES: Record<OriginatorSignatureFailure, string> = {
  NO_SIGNATURE: 'the report carries no originator signature',
  UNKNOWN_ORIGINATOR_KEY: 'no signing key of the originator is held here',
  BAD_SIGNATURE: "the originator signature does not verify with the originator's key",
  CONTENT_DIFFERS: 'the report differs from what its originator signed',
}

/** Why a report's originator signature was refused; the message never echoes the content. */
export class OriginatorSignatureError extends Error {
  readonly failure: OriginatorSignatureFailure
  constructor(
    failure: OriginatorSignatureFailure,
    originator: string,
    options?: { cause?: unknown },
  ) {
    super(`${FAILURE_MESSAGES[failure]} (${originator})`, options)
    this.name = 'OriginatorSignatureError'
    this.failure = failure
  }
}

export function isOriginatorSignatureError(value: unknown): value is OriginatorSignatureError {
  return value instanceof OriginatorSignatureError
}

/** The signed fields only, in the RFC 8785 canonical form: the JWS payload, byte for byte. */
export function canonicalReport(report: Signable): string {
  const { id, originator, level, topic, releasableTo, payload, version } = report
  // Version 1 is signed without the field: signatures made before corrections still verify.
  const numbered = version === undefined || version === 1 ? {} : { version }
  return canonicalJson8785({ id, originator, level, topic, releasableTo, payload, ...numbered })
}

/** RFC 8785 canonical JSON of a plain object (what an originator signs). */
export function canonicalJson8785(value: object): string {
  const text = canonicalize(value)
  // Only a value with no JSON form (undefined at the root) has none: an object always has one.
  if (text === undefined) throw new Error('no canonical JSON form')
  return text
}

/** Signs a report of this node (`report.originator` is this party) with its signing key. */
export function signReport(report: Signable, signingKey: KeyObject): string {
  return signAsOriginator(
    canonicalReport(report),
    ORIGINATOR_SIGNATURE_TYPE,
    report.originator,
    signingKey,
  )
}

/**
 * Verifies `jws` with the originator's key (the caller looks it up by `report.originator`,
 * never by the sender) and that `report` is exactly what was signed. Returns the report as
 * signed, parsed from the signed bytes: the caller uses it, not the unsigned copy.
 * Throws an OriginatorSignatureError naming what failed.
 */
export function verifyReportSignature(
  jws: string | undefined,
  originatorKey: KeyObject | undefined,
  report: Signable,
): SignedReport {
  return verifyAsOriginator(jws, originatorKey, report.originator, {
    typ: ORIGINATOR_SIGNATURE_TYPE,
    schema: signedReportSchema,
    canonical: canonicalReport,
    carried: canonicalReport(report),
  })
}

/** A compact JWS (EdDSA) of `typ` by `originator` over `canonical`, its RFC 8785 JSON. */
export function signAsOriginator(
  canonical: string,
  typ: string,
  originator: string,
  signingKey: KeyObject,
): string {
  return signCompact(
    new TextEncoder().encode(canonical),
    { typ, kid: `${originator}-sig` },
    signingKey,
  )
}

/**
 * What a report's and a withdrawal's signature share: `jws` must verify with the originator's
 * key, be of `typ`, carry canonical JSON that `schema` accepts, and be exactly `carried` (the
 * canonical form of what the message carries). Returns the value as signed.
 */
export function verifyAsOriginator<T>(
  jws: string | undefined,
  originatorKey: KeyObject | undefined,
  originator: string,
  expected: {
    readonly typ: string
    readonly schema: z.ZodType<T>
    readonly canonical: (value: T) => string
    readonly carried: string
  },
): T {
  if (jws === undefined || jws === '')
    throw new OriginatorSignatureError('NO_SIGNATURE', originator)
  if (originatorKey === undefined)
    throw new OriginatorSignatureError('UNKNOWN_ORIGINATOR_KEY', originator)
  let signed: Uint8Array
  try {
    const verified = verifyCompact(jws, originatorKey)
    if (verified.protectedHeader['typ'] !== expected.typ) throw new Error('typ')
    signed = verified.payload
  } catch (error) {
    throw new OriginatorSignatureError('BAD_SIGNATURE', originator, { cause: error })
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(signed)
  let parsed: T
  try {
    parsed = expected.schema.parse(JSON.parse(text))
  } catch (error) {
    throw new OriginatorSignatureError('CONTENT_DIFFERS', originator, { cause: error })
  }
  // The signed bytes must be canonical themselves and name what is carried, field for field.
  if (expected.canonical(parsed) !== text || text !== expected.carried)
    throw new OriginatorSignatureError('CONTENT_DIFFERS', originator)
  return parsed
}
