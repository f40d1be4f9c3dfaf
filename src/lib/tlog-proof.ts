// C2SP tlog-proof (c2sp.org/tlog-proof): an offline proof that an entry is in a log, observed
// by witnesses — `c2sp.org/tlog-proof@v1`, an optional `extra` line (Entente puts the entry's
// bytes there, so the bundle carries the entry), `index N`, the inclusion proof's hashes one per
// line, a blank line, then the checkpoint note with its cosignatures. Pure: checking takes the
// note verifiers of the log and its witnesses, and the hasher.
import { fromBase64, toBase64 } from './bytes.ts'
import { EntenteError } from './errors.ts'
import { HASH_BYTES, type MerkleHasher } from './merkle.ts'
import { verifyInclusion } from './merkle-verify.ts'
import { Result } from './result.ts'
import { type NoteVerifier, openNote } from './signed-note.ts'
import { type Checkpoint, parseCheckpoint } from './tlog-checkpoint.ts'

const HEADER = 'c2sp.org/tlog-proof@v1'

export interface TlogProof {
  /** Application data; Entente's is the entry itself (the leaf's bytes). */
  readonly extra: Uint8Array | undefined
  readonly index: number
  readonly proof: readonly Uint8Array[]
  /** The checkpoint as a signed note, with any cosignatures. */
  readonly checkpointNote: string
}

export function formatTlogProof(p: TlogProof): string {
  if (!Number.isSafeInteger(p.index) || p.index < 0)
    throw new EntenteError('INVALID_ARGUMENT', `index must be an integer ≥ 0, not ${p.index}`)
  const lines = [HEADER]
  if (p.extra !== undefined) lines.push(`extra ${toBase64(p.extra)}`)
  lines.push(`index ${p.index}`, ...p.proof.map(toBase64))
  return `${lines.join('\n')}\n\n${p.checkpointNote}`
}

export function parseTlogProof(text: string): Result<TlogProof, string> {
  const split = text.indexOf('\n\n')
  if (split < 0) return Result.fail('a tlog-proof needs a blank line before its checkpoint')
  const [header, ...rest] = text.slice(0, split).split('\n')
  if (header !== HEADER) return Result.fail(`the first line must be '${HEADER}'`)
  let extra: Uint8Array | undefined
  if (rest[0]?.startsWith('extra ') === true) {
    extra = fromBase64(rest[0].slice('extra '.length))
    if (extra === undefined) return Result.fail('the extra line must be standard base64')
    rest.shift()
  }
  const index = /^index (0|[1-9][0-9]*)$/.exec(rest.shift() ?? '')?.[1]
  if (index === undefined || !Number.isSafeInteger(Number(index)))
    return Result.fail("the line after the header (or extra) must be 'index <decimal>'")
  const proof: Uint8Array[] = []
  for (const [i, line] of rest.entries()) {
    const hash = fromBase64(line)
    if (hash?.length !== HASH_BYTES)
      return Result.fail(`proof hash ${i} must be the base64 of ${HASH_BYTES} bytes`)
    proof.push(hash)
  }
  if (proof.length > 63) return Result.fail('an inclusion proof has at most 63 hashes')
  return Result.ok({ extra, index: Number(index), proof, checkpointNote: text.slice(split + 2) })
}

/** What a proof showed: the checkpoint and who signed it, among the keys given. */
export interface CheckedProof {
  readonly checkpoint: Checkpoint
  readonly index: number
  readonly entry: Uint8Array
  /** Witnesses (by key name) whose cosignature verified. */
  readonly cosignedBy: readonly string[]
}

/**
 * Checks a tlog-proof: its checkpoint must verify with `log` (the origin's key) and come from
 * `origin` when given; cosignatures by `witnesses` are checked (one that fails rejects it) and
 * at least `minCosignatures` must verify; the entry (the extra data) must be included at the
 * index under the checkpoint's root.
 */
export function checkTlogProof(options: {
  readonly text: string
  readonly hasher: MerkleHasher
  readonly log: NoteVerifier
  readonly witnesses: readonly NoteVerifier[]
  readonly minCosignatures: number
  readonly origin?: string
}): Result<CheckedProof, string> {
  const parsed = parseTlogProof(options.text)
  if (!parsed.ok) return parsed
  const { extra, index, proof, checkpointNote } = parsed.value
  if (extra === undefined) return Result.fail('the proof carries no entry (no extra line)')
  const opened = openNote(checkpointNote, [options.log, ...options.witnesses])
  if (!opened.ok) return Result.fail(`checkpoint: ${opened.issues}`)
  const checkpoint = parseCheckpoint(opened.value.text)
  if (!checkpoint.ok) return Result.fail(`checkpoint: ${checkpoint.issues}`)
  const { origin, size, rootHash } = checkpoint.value
  if (options.origin !== undefined && origin !== options.origin)
    return Result.fail(`checkpoint: its origin is ${origin}, not ${options.origin}`)
  const signedBy = (v: NoteVerifier) =>
    opened.value.verified.some((s) => s.name === v.name && s.keyId === v.keyId)
  if (!signedBy(options.log))
    return Result.fail(`checkpoint: not signed by the log's key ${options.log.name}`)
  const cosignedBy = options.witnesses.filter(signedBy).map((w) => w.name)
  if (cosignedBy.length < options.minCosignatures)
    return Result.fail(
      `checkpoint: ${cosignedBy.length} cosignature(s) by the witness keys given, ${options.minCosignatures} needed`,
    )
  const included = verifyInclusion(
    options.hasher,
    index,
    size,
    options.hasher.hashLeaf(extra),
    proof,
    rootHash,
  )
  if (!included.ok) return Result.fail(`inclusion of entry ${index}: ${included.issues}`)
  return Result.ok({ checkpoint: checkpoint.value, index, entry: extra, cosignedBy })
}
