import { randomBytes } from 'node:crypto'
import { isPartyId } from '../domain/ids.ts'
import { formatInstant } from '../domain/time.ts'
import { EntenteError } from '../lib/errors.ts'
import { partyTokenRow } from '../node/app/taxii-views.ts'
import { readPartyKeys } from '../node/crypto/keys.ts'
import { ROLES, type Role, tokenHash, tokenIdOf, tokenRefusal } from '../node/http/auth.ts'
import { openStore } from '../node/main.ts'
import type { StoreTx, TokenRow } from '../node/store/store.ts'
import { requireDataDir } from './node-dir.ts'
import { renderTable } from './table.ts'

/**
 * `node token`: issue, list and revoke a node's tokens. A token is printed once and stored
 * hashed; listings show a short id (the start of its hash), never a secret. Issue and
 * revocation are audited (type `node`: role, label, expiry; no secret, no hash beyond the id).
 */

/** 90 days: a quarter outlives an exercise or a duty rotation; a lost token lapses on its own. */
export const DEFAULT_TOKEN_LIFETIME_MS = 90 * 86_400_000
const MAX_TOKEN_LIFETIME_MS = 366 * 86_400_000
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** `30d`, `12h`, `45m` → milliseconds (at most 366 days). */
export function parseLifetime(text: string, option = '--expires-in'): number {
  const match = /^([1-9][0-9]{0,6})([mhd])$/.exec(text.trim())
  const ms = match === null ? NaN : Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]
  if (!(ms <= MAX_TOKEN_LIFETIME_MS))
    throw new EntenteError(
      'INVALID_ARGUMENT',
      `${option}: '${text}' is not a duration such as 90d, 12h or 30m, of at most 366d`,
    )
  return ms
}

export async function issueToken(
  dir: string,
  role: string,
  label: string | undefined,
  lifetimeMs: number = DEFAULT_TOKEN_LIFETIME_MS,
): Promise<string> {
  if (!(ROLES as readonly string[]).includes(role))
    throw new EntenteError(
      'INVALID_ARGUMENT',
      `--role: '${role}' is not one of ${ROLES.join(', ')}`,
    )
  requireDataDir(dir)
  const token = randomBytes(32).toString('base64url')
  const nowMs = Date.now()
  const row: TokenRow = {
    tokenHash: tokenHash(token),
    role: role as Role,
    label: label ?? role,
    createdAtMs: nowMs,
    expiresAtMs: nowMs + lifetimeMs,
    revokedAtMs: null,
  }
  await withStore(dir, (tx) => insertAudited(tx, row, null, nowMs))
  return token
}

/**
 * Issues a TAXII client token for a peer party (`JPN.<secret>`): it reads what the release
 * engine allows that party now, and opens nothing of the node's own API. Printed once,
 * stored hashed.
 */
export async function issuePartyToken(
  dir: string,
  party: string,
  label: string | undefined,
  lifetimeMs: number = DEFAULT_TOKEN_LIFETIME_MS,
): Promise<string> {
  if (!isPartyId(party))
    throw new EntenteError('INVALID_ARGUMENT', `--party: '${party}' is not a party id such as JPN`)
  requireDataDir(dir)
  const own = (await readPartyKeys(dir)).party
  if (party === own)
    throw new EntenteError(
      'INVALID_ARGUMENT',
      `--party: ${party} is this node's own party; its clients hold role tokens (--role)`,
    )
  const nowMs = Date.now()
  const { token, row } = partyTokenRow(
    party,
    randomBytes(32).toString('base64url'),
    label ?? 'taxii client',
    nowMs,
    nowMs + lifetimeMs,
  )
  await withStore(dir, (tx) => insertAudited(tx, row, party, nowMs))
  return token
}

/** One token as listed: no secret, no full hash. */
export interface TokenListing {
  readonly id: string
  /** The role, or `taxii:PARTY` for a peer party's TAXII client. */
  readonly holder: string
  readonly label: string
  readonly createdAtMs: number
  readonly expiresAtMs: number | null
  readonly revokedAtMs: number | null
  readonly state: 'active' | 'expired' | 'revoked'
}

export async function listTokens(dir: string): Promise<TokenListing[]> {
  requireDataDir(dir)
  const store = await openStore(dir)
  try {
    const nowMs = Date.now()
    return (await store.listTokens()).map((row) => listing(row, nowMs))
  } finally {
    await store.close()
  }
}

export function renderTokens(tokens: readonly TokenListing[]): string {
  if (tokens.length === 0) return 'no tokens (issue one with node token --role R)'
  const at = (ms: number | null): string => (ms === null ? '-' : formatInstant(ms, 'UTC'))
  return renderTable(
    ['id', 'holder', 'label', 'created', 'expires', 'state'],
    tokens.map((t) => [
      t.id,
      t.holder,
      t.label,
      at(t.createdAtMs),
      t.expiresAtMs === null ? 'never' : at(t.expiresAtMs),
      t.state === 'revoked' ? `revoked ${at(t.revokedAtMs)}` : t.state,
    ]),
  )
}

/**
 * Revokes every token with `label` (as `node token list` shows it), or the one token whose id
 * starts with `id`. Revoked tokens are refused at once, as unknown ones are.
 */
export async function revokeTokens(
  dir: string,
  by: { readonly label?: string | undefined; readonly id?: string | undefined },
): Promise<string> {
  if ((by.label === undefined) === (by.id === undefined))
    throw new EntenteError('INVALID_ARGUMENT', 'node token revoke: give either --label or --id')
  requireDataDir(dir)
  const nowMs = Date.now()
  const revoked = await withStore(dir, async (tx, tokens) => {
    const rows = tokens.filter((r) => r.revokedAtMs === null)
    const chosen = by.id === undefined ? byLabel(rows, by.label ?? '') : [byId(rows, by.id)]
    for (const row of chosen) {
      await tx.revokeToken(row.tokenHash, nowMs)
      await tx.appendAudit(tokenAudit('token-revoked', row, nowMs))
    }
    return chosen
  })
  return revoked
    .map((row) => `revoked ${tokenIdOf(row.tokenHash)} ${holderOf(row)} ${row.label}`)
    .join('\n')
}

function byLabel(rows: readonly TokenRow[], label: string): TokenRow[] {
  const chosen = rows.filter((r) => r.label === label)
  if (chosen.length === 0)
    throw new EntenteError(
      'INVALID_ARGUMENT',
      `--label: no unrevoked token is labelled '${label}' (see node token list)`,
    )
  return chosen
}

function byId(rows: readonly TokenRow[], prefix: string): TokenRow {
  if (!/^[0-9a-f]{4,64}$/.test(prefix))
    throw new EntenteError(
      'INVALID_ARGUMENT',
      `--id: '${prefix}' is not the start of a token id (4 or more of its hex digits)`,
    )
  const chosen = rows.filter((r) => tokenIdOf(r.tokenHash, 64).startsWith(prefix))
  if (chosen.length !== 1 || chosen[0] === undefined)
    throw new EntenteError(
      'INVALID_ARGUMENT',
      chosen.length === 0
        ? `--id: no unrevoked token's id starts with ${prefix} (see node token list)`
        : `--id: ${chosen.length} tokens' ids start with ${prefix}; give more digits`,
    )
  return chosen[0]
}

async function insertAudited(
  tx: StoreTx,
  row: TokenRow,
  party: string | null,
  nowMs: number,
): Promise<void> {
  await tx.insertToken(row)
  await tx.appendAudit({ ...tokenAudit('token-issued', row, nowMs), party })
}

function tokenAudit(event: 'token-issued' | 'token-revoked', row: TokenRow, atMs: number) {
  const taxii = /^taxii:([^:]+):/.exec(row.tokenHash)?.[1] ?? null
  return {
    atMs,
    type: 'node' as const,
    party: taxii,
    subject: tokenIdOf(row.tokenHash),
    data: {
      event,
      holder: holderOf(row),
      label: row.label,
      expiresAtMs: row.expiresAtMs,
    },
  }
}

function holderOf(row: TokenRow): string {
  const taxii = /^taxii:([^:]+):/.exec(row.tokenHash)?.[1]
  return taxii === undefined ? row.role : `taxii:${taxii}`
}

function listing(row: TokenRow, nowMs: number): TokenListing {
  const refusal = tokenRefusal(row, nowMs)
  return {
    id: tokenIdOf(row.tokenHash),
    holder: holderOf(row),
    label: row.label,
    createdAtMs: row.createdAtMs,
    expiresAtMs: row.expiresAtMs,
    revokedAtMs: row.revokedAtMs,
    state:
      refusal === 'revoked token' ? 'revoked' : refusal === 'expired token' ? 'expired' : 'active',
  }
}

/** One transaction on the store of `dir`, which is closed after. */
async function withStore<T>(
  dir: string,
  work: (tx: StoreTx, tokens: readonly TokenRow[]) => Promise<T>,
): Promise<T> {
  const store = await openStore(dir)
  try {
    const tokens = await store.listTokens()
    return await store.transaction((tx) => work(tx, tokens))
  } finally {
    await store.close()
  }
}
