import { createHash } from 'node:crypto'
import type { AuditEntry, AuditInput } from '../store/store.ts'

/** The hash the first entry commits to. */
export const GENESIS_HASH = '0'.repeat(64)

/** JSON with object keys sorted at every depth, so that equal values hash equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}

/** Each entry commits to the previous hash and to every field of its own. */
export function auditHash(seq: number, prevHash: string, entry: AuditInput): string {
  const body = canonicalJson({
    seq,
    prevHash,
    atMs: entry.atMs,
    type: entry.type,
    party: entry.party,
    subject: entry.subject,
    data: entry.data,
  })
  return createHash('sha256').update(body).digest('hex')
}

/** The chain's head: the last entry's seq and hash (0 and GENESIS_HASH when the log is empty). */
export interface AuditHead {
  readonly seq: number
  readonly hash: string
}

export const EMPTY_AUDIT_HEAD: AuditHead = { seq: 0, hash: GENESIS_HASH }

/**
 * The entry that follows `head`. Every store backend chains through this one function, so a
 * backend only stores rows and serialises appends: equal inputs give byte-identical entries.
 */
export function nextAuditEntry(head: AuditHead, input: AuditInput): AuditEntry {
  const seq = head.seq + 1
  const { atMs, type, party, subject, data } = input
  const hash = auditHash(seq, head.hash, input)
  return { seq, atMs, type, party, subject, data, prevHash: head.hash, hash }
}
