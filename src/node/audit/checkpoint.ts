import type { KeyObject } from 'node:crypto'
import { CompactSign, compactVerify } from 'jose'
import type { AuditCheckpoint } from '../store/store.ts'
import { canonicalJson } from './hash.ts'

const CHECKPOINT_TYPE = 'entente-audit-checkpoint+jws'

/** Signs the chain head, so that truncating or rewriting the log shows. */
export async function signCheckpoint(
  head: { seq: number; hash: string; atMs: number },
  signingKey: KeyObject,
): Promise<AuditCheckpoint> {
  const signature = await new CompactSign(new TextEncoder().encode(canonicalJson(head)))
    .setProtectedHeader({ alg: 'EdDSA', typ: CHECKPOINT_TYPE })
    .sign(signingKey)
  return { ...head, signature }
}

export async function verifyCheckpointSignature(
  checkpoint: AuditCheckpoint,
  publicKey: KeyObject,
): Promise<boolean> {
  try {
    const { payload } = await compactVerify(checkpoint.signature, publicKey, {
      algorithms: ['EdDSA'],
    })
    const signed = JSON.parse(new TextDecoder().decode(payload)) as {
      seq: number
      hash: string
      atMs: number
    }
    return (
      signed.seq === checkpoint.seq &&
      signed.hash === checkpoint.hash &&
      signed.atMs === checkpoint.atMs
    )
  } catch {
    return false
  }
}
