// The work behind `audit prove | absence | check | keys | witnessed` (audit-proof.ts parses).
import { isPartyId } from '../domain/ids.ts'
import { EntenteError } from '../lib/errors.ts'
import { formatNote, parseNote } from '../lib/signed-note.ts'
import { checkpointSigner } from '../node/audit/checkpoint-note.ts'
import { MerkleLog, logOrigin } from '../node/audit/merkle-log.ts'
import {
  checkBundle,
  nodeVerifierKeys,
  parseKeyFile,
  proveAbsence,
  proveEntry,
} from '../node/audit/proofs.ts'
import { readPartyKeys } from '../node/crypto/keys.ts'
import { openStore } from '../node/main.ts'
import { AUDIT_TYPES, type AuditType } from '../node/store/store.ts'
import { requireDataDir } from './node-dir.ts'

async function withLog<T>(
  dir: string,
  work: (store: Awaited<ReturnType<typeof openStore>>, log: MerkleLog) => Promise<T>,
): Promise<T> {
  requireDataDir(dir)
  const keys = await readPartyKeys(dir)
  const store = await openStore(dir)
  try {
    const origin = logOrigin(keys.party)
    // Read-only here: proofs use the checkpoints the node signed; this command signs none.
    const log = new MerkleLog(store, origin, checkpointSigner(origin, keys.signing), Date.now)
    return await work(store, log)
  } finally {
    await store.close()
  }
}

export function prove(dir: string, seq: number): Promise<string> {
  return withLog(dir, (store, log) => proveEntry(store, log, seq))
}

export function absence(
  dir: string,
  query: { party: string; type: string; fromMs: number; untilMs: number },
): Promise<string> {
  if (!(AUDIT_TYPES as readonly string[]).includes(query.type))
    throw new EntenteError(
      'INVALID_ARGUMENT',
      `--type: '${query.type}' is not one of ${AUDIT_TYPES.join(', ')}`,
    )
  if (!isPartyId(query.party))
    throw new EntenteError('INVALID_ARGUMENT', `--party: '${query.party}' is not a party id`)
  return withLog(dir, async (store, log) =>
    JSON.stringify(
      await proveAbsence(store, log, { ...query, type: query.type as AuditType }),
      null,
      2,
    ),
  )
}

export function check(
  proofText: string,
  keysText: string,
  minCosignatures: number,
): { ok: boolean; text: string; json: unknown } {
  const keys = parseKeyFile(keysText)
  if (!keys.ok) throw new EntenteError('INVALID_ARGUMENT', `--keys: ${keys.issues}`)
  const checked = checkBundle(proofText, keys.value, minCosignatures)
  if (!checked.ok)
    return {
      ok: false,
      text: `proof does NOT hold: ${checked.issues}`,
      json: { ok: false, reason: checked.issues },
    }
  const { summary, cosignedBy, entries } = checked.value
  const lines = [
    `proof holds: ${summary}`,
    `cosigned by: ${cosignedBy.length === 0 ? 'none' : cosignedBy.join(', ')}`,
    ...entries.map((e) => `  #${String(e['seq'])} ${String(e['type'])} ${JSON.stringify(e)}`),
  ]
  return { ok: true, text: lines.join('\n'), json: { ok: true, ...checked.value } }
}

export async function keys(dir: string): Promise<string> {
  requireDataDir(dir)
  const own = await readPartyKeys(dir)
  return nodeVerifierKeys(own.party, own.signingPublic).join('\n')
}

/** The last checkpoint of `party`'s log held here, its cosignature by this node merged in. */
export function witnessed(dir: string, party: string): Promise<string> {
  return withLog(dir, async (store) => {
    const held = (await store.listAudit({ type: 'witness', party, limit: Number.MAX_SAFE_INTEGER }))
      .filter((e) => e.data['event'] === 'checkpoint')
      .at(-1)
    const note = held?.data['note']
    const cosignature = held?.data['cosignature']
    if (typeof note !== 'string' || typeof cosignature !== 'string')
      throw new EntenteError('NOT_FOUND', `--party: no checkpoint of ${party}'s log is held here`)
    const own = parseNote(note)
    const cosigned = parseNote(`${note}${cosignature}`)
    if (!own.ok || !cosigned.ok) throw new EntenteError('CONFLICT', 'the note held does not parse')
    return formatNote(cosigned.value)
  })
}
