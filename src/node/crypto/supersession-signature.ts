import type { KeyObject } from 'node:crypto'
import { supersededMessageSchema } from '../../protocol/messages.ts'
import { canonicalJson8785, signAsOriginator, verifyAsOriginator } from './originator-signature.ts'

/**
 * The originator's signed statement that version `version` of a report supersedes the earlier
 * ones (issue 12): a compact JWS, EdDSA, over the RFC 8785 canonical JSON of
 * `{ reportId, originator, version, atMs }`, made once with the correction and carried with it.
 * A holder that may not pass the correction on forwards this statement alone, as a content-free
 * `superseded` notice, and cannot invent one: only the originator's key makes it.
 */
export const SUPERSESSION_SIGNATURE_TYPE = 'entente-supersession+jws'

export interface SupersessionFacts {
  readonly reportId: string
  readonly originator: string
  readonly version: number
  readonly atMs: number
}

const signedSupersessionSchema = supersededMessageSchema.omit({ originatorSignature: true })

export function canonicalSupersession(s: SupersessionFacts): string {
  const { reportId, originator, version, atMs } = s
  return canonicalJson8785({ reportId, originator, version, atMs })
}

/** Signs the statement for a correction of this node's own report. */
export function signSupersession(s: SupersessionFacts, signingKey: KeyObject): string {
  return signAsOriginator(
    canonicalSupersession(s),
    SUPERSESSION_SIGNATURE_TYPE,
    s.originator,
    signingKey,
  )
}

/**
 * Verifies `jws` with the originator's key (looked up by `s.originator`, never the sender) and
 * that `s` is exactly what was signed; throws an OriginatorSignatureError naming what failed.
 */
export function verifySupersession(
  jws: string | undefined,
  originatorKey: KeyObject | undefined,
  s: SupersessionFacts,
): SupersessionFacts {
  return verifyAsOriginator(jws, originatorKey, s.originator, {
    typ: SUPERSESSION_SIGNATURE_TYPE,
    schema: signedSupersessionSchema,
    canonical: canonicalSupersession,
    carried: canonicalSupersession(s),
  })
}

/**
 * The statement a correction carries, checked against the report it came with: signed by the
 * report's originator, naming this report and this version. Returns the facts as signed
 * (their `atMs` is the originator's instant of the version). Throws OriginatorSignatureError.
 */
export function verifySupersessionOf(
  jws: string | undefined,
  originatorKey: KeyObject | undefined,
  report: { readonly id: string; readonly originator: string; readonly version: number },
): SupersessionFacts {
  const claimed = jws === undefined ? undefined : supersessionFacts(jws)
  const facts: SupersessionFacts = {
    reportId: report.id,
    originator: report.originator,
    version: report.version,
    // The instant is the one thing the report does not carry: taken from the statement, then
    // verified with everything else (a statement for another report or version fails).
    atMs: claimed?.atMs ?? 0,
  }
  return verifySupersession(jws, originatorKey, facts)
}

/**
 * The facts of a statement this node verified before (it stores only verified ones), read
 * from its payload without verifying again; undefined when it is not one.
 */
export function supersessionFacts(jws: string): SupersessionFacts | undefined {
  const payload = jws.split('.')[1]
  if (payload === undefined) return undefined
  try {
    const parsed = signedSupersessionSchema.safeParse(
      JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
    )
    return parsed.success ? parsed.data : undefined
  } catch {
    return undefined
  }
}
