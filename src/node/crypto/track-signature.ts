import type { KeyObject } from 'node:crypto'
import { type TrackBatch, trackBatchSchema } from '../../protocol/track.ts'
import { canonicalJson8785, signAsOriginator, verifyAsOriginator } from './originator-signature.ts'

/**
 * The originator's signature over a batch of track messages (issue 12): a compact JWS, EdDSA,
 * over the RFC 8785 canonical JSON of the batch, made once where the batch is born and carried
 * unchanged by every hop, as a report's signature is. One signature per batch, not per update:
 * one Ed25519 verification (~120 µs here) per update would cap a receiver near 8,000 updates/s.
 */
export const TRACK_SIGNATURE_TYPE = 'entente-track-batch+jws'

export function canonicalBatch(batch: TrackBatch): string {
  return canonicalJson8785(batch)
}

export function signTrackBatch(batch: TrackBatch, signingKey: KeyObject): string {
  return signAsOriginator(canonicalBatch(batch), TRACK_SIGNATURE_TYPE, batch.originator, signingKey)
}

/** Verifies with the ORIGINATOR's key (never the sender's); throws OriginatorSignatureError. */
export function verifyTrackBatch(
  jws: string,
  originatorKey: KeyObject | undefined,
  batch: TrackBatch,
): TrackBatch {
  return verifyAsOriginator(jws, originatorKey, batch.originator, {
    typ: TRACK_SIGNATURE_TYPE,
    schema: trackBatchSchema,
    canonical: canonicalBatch,
    carried: canonicalBatch(batch),
  })
}
