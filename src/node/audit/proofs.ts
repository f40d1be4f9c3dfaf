// Proofs anyone can check with public keys alone (issue 13): a C2SP tlog-proof of one audit
// entry under the best cosigned checkpoint held, and an absence bundle showing every entry of
// a time window (each with its inclusion proof) so that a verifier can count what is, and is
// not, there. Building reads the store; checking reads only the bundle and the keys.
import { createPublicKey, verify } from 'node:crypto'
import { fromBase64, toBase64 } from '../../lib/bytes.ts'
import { EntenteError } from '../../lib/errors.ts'
import { verifyInclusion } from '../../lib/merkle-verify.ts'
import { Result } from '../../lib/result.ts'
import {
  type NoteSignature,
  type NoteVerifier,
  SIGNATURE_TYPES,
  ed25519NoteVerifier,
  formatNote,
  formatVerifierKey,
  openNote,
  parseNote,
  parseVerifierKey,
} from '../../lib/signed-note.ts'
import { parseCheckpoint } from '../../lib/tlog-checkpoint.ts'
import { checkTlogProof, formatTlogProof } from '../../lib/tlog-proof.ts'
import { ed25519CosignatureVerifier } from '../../lib/tlog-checkpoint.ts'
import { z } from 'zod'
import { AUDIT_TYPES, type AuditEntry, type AuditType, type Store } from '../store/store.ts'
import { ed25519PublicKeyBytes, merkleHasher, sha256 } from './checkpoint-note.ts'
import {
  type MerkleLog,
  type SignedCheckpoint,
  auditLeaf,
  decodeHashes,
  encodeHashes,
  isNoteCheckpoint,
  logOrigin,
  readCheckpointNote,
} from './merkle-log.ts'
import type { KeyObject } from 'node:crypto'

type ProofStore = Pick<Store, 'listAudit' | 'listCheckpoints'>

/** A checkpoint with every cosignature its peers returned for it, merged into one note. */
export interface CosignedCheckpoint extends SignedCheckpoint {
  readonly cosigners: readonly string[]
}

/** Every checkpoint this node signed, each with the cosignatures its peers returned, by size. */
export async function heldCheckpoints(store: ProofStore): Promise<CosignedCheckpoint[]> {
  const own = new Map<number, { note: SignedCheckpoint; extra: NoteSignature[] }>()
  for (const row of await store.listCheckpoints()) {
    const note = isNoteCheckpoint(row) ? readCheckpointNote(row.signature) : undefined
    if (note !== undefined) own.set(note.size, { note, extra: [] })
  }
  for (let afterSeq = 0; ;) {
    const page = await store.listAudit({ type: 'witness', afterSeq, limit: 10_000 })
    for (const entry of page) {
      if (entry.data['event'] !== 'cosigned' || typeof entry.data['note'] !== 'string') continue
      const parsed = parseNote(entry.data['note'])
      const cosigned = readCheckpointNote(entry.data['note'])
      if (!parsed.ok || cosigned === undefined) continue
      // A checkpoint row not stored (yet): the cosigned note carries the log's own signature.
      const signedByLog = parsed.value.signatures.filter((sig) => sig.name === cosigned.origin)
      if (!own.has(cosigned.size) && signedByLog.length > 0) {
        const note = formatNote({ text: parsed.value.text, signatures: signedByLog })
        own.set(cosigned.size, { note: { ...cosigned, note }, extra: [] })
      }
      const held = own.get(cosigned.size)
      if (held === undefined) continue
      const ownText = parseNote(held.note.note)
      if (!ownText.ok || ownText.value.text !== parsed.value.text) continue
      for (const sig of parsed.value.signatures)
        if (sig.name !== held.note.origin && !held.extra.some((e) => e.name === sig.name))
          held.extra.push(sig)
    }
    afterSeq = page.at(-1)?.seq ?? afterSeq
    if (page.length < 10_000) break
  }
  return [...own.values()]
    .sort((a, b) => a.note.size - b.note.size)
    .map(({ note, extra }) => {
      const parsed = parseNote(note.note)
      if (!parsed.ok || extra.length === 0) return { ...note, cosigners: [] }
      const merged = formatNote({
        text: parsed.value.text,
        signatures: [...parsed.value.signatures, ...extra],
      })
      return { ...note, note: merged, cosigners: extra.map((e) => e.name) }
    })
}

/** The checkpoint to prove under: the most cosigned covering `size` leaves, then the largest. */
export function bestCheckpoint(
  held: readonly CosignedCheckpoint[],
  size: number,
): CosignedCheckpoint | undefined {
  return held
    .filter((c) => c.size >= size)
    .sort((a, b) => b.cosigners.length - a.cosigners.length || a.size - b.size)[0]
}

async function entryAt(store: ProofStore, seq: number): Promise<AuditEntry> {
  const [entry] = await store.listAudit({ afterSeq: seq - 1, limit: 1 })
  if (entry?.seq !== seq) throw new EntenteError('NOT_FOUND', `--entry: no audit entry ${seq}`)
  return entry
}

function noCheckpoint(what: string): never {
  throw new EntenteError(
    'NOT_FOUND',
    `no signed checkpoint covers ${what} yet: the node signs one at its next frame, every checkpointEvery entries, and when it stops`,
  )
}

/** A C2SP tlog-proof of audit entry `seq` (1-based; its index is seq − 1), with the entry as `extra`. */
export async function proveEntry(store: ProofStore, log: MerkleLog, seq: number): Promise<string> {
  if (!Number.isSafeInteger(seq) || seq < 1)
    throw new EntenteError('INVALID_ARGUMENT', `--entry must be an entry number ≥ 1, not ${seq}`)
  const entry = await entryAt(store, seq)
  await log.sync()
  const checkpoint =
    bestCheckpoint(await heldCheckpoints(store), seq) ?? noCheckpoint(`entry ${seq}`)
  return formatTlogProof({
    extra: auditLeaf(entry),
    index: seq - 1,
    proof: log.inclusion(seq - 1, checkpoint.size),
    checkpointNote: checkpoint.note,
  })
}

export const ABSENCE_KIND = 'entente-audit-absence/v1'

/**
 * Every entry from the last one before `fromMs` (or the first) to the first at or after
 * `untilMs`, each with its inclusion proof under one cosigned checkpoint: the whole window,
 * bounded on both sides, so that what matches `party` and `type` in it — possibly nothing —
 * is all there is. Entries' instants must not go down across the range (checked on both sides).
 */
export interface AbsenceBundle {
  readonly kind: typeof ABSENCE_KIND
  readonly party: string
  readonly type: AuditType
  readonly fromMs: number
  readonly untilMs: number
  readonly checkpoint: string
  /** The index of the first entry shown. */
  readonly first: number
  /** Each entry's leaf bytes (base64), then its inclusion proof (base64 hashes). */
  readonly entries: readonly { readonly leaf: string; readonly proof: readonly string[] }[]
}

const absenceBundleSchema = z.strictObject({
  kind: z.literal(ABSENCE_KIND),
  party: z.string().max(64),
  type: z.enum(AUDIT_TYPES),
  fromMs: z.number().int(),
  untilMs: z.number().int(),
  checkpoint: z.string().max(64 * 1024),
  first: z.number().int().min(0),
  entries: z.array(
    z.strictObject({ leaf: z.string(), proof: z.array(z.string().max(64)).max(63) }),
  ),
})

export async function proveAbsence(
  store: ProofStore,
  log: MerkleLog,
  query: { party: string; type: AuditType; fromMs: number; untilMs: number },
): Promise<AbsenceBundle> {
  if (!(query.fromMs < query.untilMs))
    throw new EntenteError('INVALID_ARGUMENT', '--from must be before --to')
  const before = await store.listAudit({ untilMs: query.fromMs, limit: Number.MAX_SAFE_INTEGER })
  const firstSeq = before.at(-1)?.seq ?? 1
  const [closing] = await store.listAudit({ fromMs: query.untilMs, limit: 1 })
  if (closing === undefined)
    throw new EntenteError(
      'NOT_FOUND',
      `no entry is logged at or after --to yet: the window is not closed in the log`,
    )
  await log.sync()
  const checkpoint =
    bestCheckpoint(await heldCheckpoints(store), closing.seq) ??
    noCheckpoint(`the end of the window (entry ${closing.seq})`)
  const range = await store.listAudit({
    afterSeq: firstSeq - 1,
    limit: closing.seq - firstSeq + 1,
  })
  return {
    kind: ABSENCE_KIND,
    ...query,
    checkpoint: checkpoint.note,
    first: firstSeq - 1,
    entries: range.map((entry) => ({
      leaf: toBase64(auditLeaf(entry)),
      proof: encodeHashes(log.inclusion(entry.seq - 1, checkpoint.size)),
    })),
  }
}

/** The verifier keys of a node (C2SP vkeys): its log's, and its key as a witness. */
export function nodeVerifierKeys(party: string, signingPublic: KeyObject): string[] {
  const raw = ed25519PublicKeyBytes(signingPublic)
  const name = logOrigin(party)
  return [
    formatVerifierKey(sha256, name, SIGNATURE_TYPES.ed25519, raw),
    formatVerifierKey(sha256, name, SIGNATURE_TYPES.cosignatureEd25519, raw),
  ]
}

const verifyRaw = (raw: Uint8Array) => {
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
    format: 'jwk',
  })
  return (message: Uint8Array, signature: Uint8Array) => verify(null, message, key, signature)
}

/** Log keys (type 0x01) by name and witness keys (type 0x04), from vkey lines. */
export function parseKeyFile(
  text: string,
): Result<{ logs: Map<string, NoteVerifier>; witnesses: NoteVerifier[] }, string> {
  const logs = new Map<string, NoteVerifier>()
  const witnesses: NoteVerifier[] = []
  for (const [i, line] of text.split('\n').entries()) {
    const vkey = line.trim()
    if (vkey === '' || vkey.startsWith('#')) continue
    const parsed = parseVerifierKey(sha256, vkey)
    if (!parsed.ok) return Result.fail(`line ${i + 1}: ${parsed.issues}`)
    const { name, type, publicKey } = parsed.value
    if (type === SIGNATURE_TYPES.ed25519)
      logs.set(name, ed25519NoteVerifier(sha256, name, publicKey, verifyRaw(publicKey)))
    else if (type === SIGNATURE_TYPES.cosignatureEd25519)
      witnesses.push(ed25519CosignatureVerifier(sha256, name, publicKey, verifyRaw(publicKey)))
    else return Result.fail(`line ${i + 1}: key type ${type} is neither Ed25519 nor a cosignature`)
  }
  return Result.ok({ logs, witnesses })
}

/** What a checked bundle showed, for the CLI to print. */
export interface CheckedBundle {
  readonly kind: 'entry' | 'absence'
  readonly origin: string
  readonly size: number
  readonly cosignedBy: readonly string[]
  /** The entry proven (entry), or the entries of the window matching party and type (absence). */
  readonly entries: readonly Record<string, unknown>[]
  readonly summary: string
}

function entryOf(leaf: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(leaf).toString('utf8')) as unknown
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** Checks a tlog-proof or an absence bundle with public keys only. */
export function checkBundle(
  text: string,
  keys: { logs: Map<string, NoteVerifier>; witnesses: NoteVerifier[] },
  minCosignatures: number,
): Result<CheckedBundle, string> {
  if (text.startsWith('{')) return checkAbsence(text, keys, minCosignatures)
  const split = text.indexOf('\n\n')
  const origin = split < 0 ? undefined : text.slice(split + 2).split('\n')[0]
  const log = origin === undefined ? undefined : keys.logs.get(origin)
  if (log === undefined)
    return Result.fail(`no log key for the checkpoint's origin ${origin ?? '?'}`)
  const checked = checkTlogProof({
    text,
    hasher: merkleHasher,
    log,
    witnesses: keys.witnesses,
    minCosignatures,
  })
  if (!checked.ok) return checked
  const entry = entryOf(checked.value.entry)
  if (entry === undefined || entry['seq'] !== checked.value.index + 1)
    return Result.fail(`the entry is not an audit entry numbered ${checked.value.index + 1}`)
  const { size } = checked.value.checkpoint
  return Result.ok({
    kind: 'entry',
    origin: checked.value.checkpoint.origin,
    size,
    cosignedBy: checked.value.cosignedBy,
    entries: [entry],
    summary: `entry ${checked.value.index + 1} is in ${origin} at size ${size}`,
  })
}

function checkAbsence(
  text: string,
  keys: { logs: Map<string, NoteVerifier>; witnesses: NoteVerifier[] },
  minCosignatures: number,
): Result<CheckedBundle, string> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return Result.fail('the bundle is neither a tlog-proof nor JSON')
  }
  const parsed = absenceBundleSchema.safeParse(value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    return Result.fail(`${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`)
  }
  const bundle = parsed.data
  const origin = readCheckpointNote(bundle.checkpoint)?.origin
  const log = origin === undefined ? undefined : keys.logs.get(origin)
  if (log === undefined)
    return Result.fail(`no log key for the checkpoint's origin ${origin ?? '?'}`)
  const opened = openNote(bundle.checkpoint, [log, ...keys.witnesses])
  if (!opened.ok) return Result.fail(`checkpoint: ${opened.issues}`)
  const checkpoint = parseCheckpoint(opened.value.text)
  if (!checkpoint.ok) return Result.fail(`checkpoint: ${checkpoint.issues}`)
  const signed = (v: NoteVerifier) =>
    opened.value.verified.some((s) => s.name === v.name && s.keyId === v.keyId)
  if (!signed(log)) return Result.fail(`checkpoint: not signed by the log's key ${log.name}`)
  const cosignedBy = keys.witnesses.filter(signed).map((w) => w.name)
  if (cosignedBy.length < minCosignatures)
    return Result.fail(
      `checkpoint: ${cosignedBy.length} cosignature(s) by the witness keys given, ${minCosignatures} needed`,
    )
  const { size, rootHash } = checkpoint.value
  const entries: Record<string, unknown>[] = []
  for (const [i, shown] of bundle.entries.entries()) {
    const index = bundle.first + i
    const leaf = fromBase64(shown.leaf)
    const proof = decodeHashes(shown.proof)
    if (leaf === undefined || proof === undefined)
      return Result.fail(`entries[${i}]: leaf and proof must be base64`)
    const included = verifyInclusion(
      merkleHasher,
      index,
      size,
      merkleHasher.hashLeaf(leaf),
      proof,
      rootHash,
    )
    if (!included.ok) return Result.fail(`entries[${i}] (index ${index}): ${included.issues}`)
    const entry = entryOf(leaf)
    if (entry?.['seq'] !== index + 1 || typeof entry['atMs'] !== 'number')
      return Result.fail(`entries[${i}]: not the audit entry numbered ${index + 1}`)
    const previous = entries.at(-1)
    if (previous !== undefined && (previous['atMs'] as number) > entry['atMs'])
      return Result.fail(`entries[${i}]: its instant is before the previous entry's`)
    entries.push(entry)
  }
  const first = entries[0]
  const last = entries.at(-1)
  if (first === undefined || last === undefined) return Result.fail('the bundle shows no entry')
  if (bundle.first !== 0 && !((first['atMs'] as number) < bundle.fromMs))
    return Result.fail('the first entry shown is not before the window: its start is not bounded')
  if (!((last['atMs'] as number) >= bundle.untilMs))
    return Result.fail('the last entry shown is not after the window: its end is not bounded')
  const matches = entries.filter(
    (e) =>
      e['type'] === bundle.type &&
      e['party'] === bundle.party &&
      (e['atMs'] as number) >= bundle.fromMs &&
      (e['atMs'] as number) < bundle.untilMs,
  )
  const window = `${new Date(bundle.fromMs).toISOString()} to ${new Date(bundle.untilMs).toISOString()}`
  return Result.ok({
    kind: 'absence',
    origin: checkpoint.value.origin,
    size,
    cosignedBy,
    entries: matches,
    summary:
      matches.length === 0
        ? `no ${bundle.type} entry with party ${bundle.party} in ${origin} from ${window} (all ${entries.length} entries of the window shown)`
        : `${matches.length} ${bundle.type} entr${matches.length === 1 ? 'y' : 'ies'} with party ${bundle.party} in ${origin} from ${window}, of ${entries.length} shown`,
  })
}
