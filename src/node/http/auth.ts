import { createHash } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { EntenteError } from '../../lib/errors.ts'
import { type AuthFailureFamily, authFailuresOf } from '../app/auth-failures.ts'
import type { NodeContext } from '../app/context.ts'
import type { TokenRow } from '../store/store.ts'
import { signerHashOf } from './console-session.ts'
import { assertSameOrigin, sessionCookieOf } from './session-cookie.ts'

import { ROLES, type Role } from '../../protocol/console-api.ts'

export { ROLES, type Role }

export const ANY_ROLE: readonly Role[] = ROLES

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** A token's short id for listings and the audit: the start of its hash, never the secret. */
export function tokenIdOf(storedHash: string, length = 12): string {
  return (storedHash.split(':').at(-1) ?? '').slice(0, length)
}

/** The only route that takes `?access_token=`: EventSource cannot set headers. */
const QUERY_TOKEN_ROUTE = '/api/events'

type Credential = { readonly token: string; readonly from: 'bearer' | 'query' | 'cookie' }

/**
 * The caller's token: the bearer header, else the console's session cookie, else
 * `access_token` on the event stream only.
 */
function credentialOf(ctx: NodeContext, request: FastifyRequest): Credential | null {
  const header = request.headers.authorization
  if (typeof header === 'string' && header.startsWith('Bearer '))
    return { token: header.slice(7).trim(), from: 'bearer' }
  const cookie = sessionCookieOf(request, ctx.party)
  if (cookie !== null) return { token: cookie, from: 'cookie' }
  if (request.method !== 'GET' || request.routeOptions.url !== QUERY_TOKEN_ROUTE) return null
  const query = request.query as Record<string, unknown> | undefined
  const token = query?.['access_token']
  return typeof token === 'string' ? { token, from: 'query' } : null
}

/** Why a stored token may not be used at `nowMs` (the node's clock), or null when it may. */
export function tokenRefusal(
  row: TokenRow,
  nowMs: number,
): 'revoked token' | 'expired token' | null {
  if (row.revokedAtMs !== null) return 'revoked token'
  if (row.expiresAtMs !== null && nowMs >= row.expiresAtMs) return 'expired token'
  return null
}

/** The row if it may be used now; an expired or revoked token is refused like an unknown one. */
export function usableToken(row: TokenRow | undefined, nowMs: number): TokenRow | undefined {
  return row === undefined || tokenRefusal(row, nowMs) !== null ? undefined : row
}

function familyOf(route: string): AuthFailureFamily {
  if (route.startsWith('/taxii2')) return 'taxii'
  if (route.startsWith('/federation')) return 'federation'
  return 'api'
}

/**
 * Counts a refused credential: who tried which route and why, never the token. Written to the
 * audit chain in aggregate, one entry per source, route family and minute (auth-failures.ts).
 */
export async function auditAuthFailure(
  ctx: NodeContext,
  request: FastifyRequest,
  route: string,
  reason: string,
): Promise<void> {
  await authFailuresOf(ctx).count({ remote: request.ip, family: familyOf(route), route, reason })
}

/** Resolves the caller's role or throws 401/403; failures are audited, tokens never logged. */
export async function authorize(
  ctx: NodeContext,
  request: FastifyRequest,
  allowed: readonly Role[],
): Promise<TokenRow> {
  const credential = credentialOf(ctx, request)
  const token = credential?.token ?? null
  // A browser sends the cookie by itself: a state-changing call must prove it is our console's.
  if (credential?.from === 'cookie') assertSameOrigin(request)
  const stored = token === null ? undefined : await ctx.store.findToken(tokenHash(token))
  // A console session lives only as long as the token it was opened with (console-session.ts).
  const signer = stored === undefined ? null : signerHashOf(stored)
  const signerGone =
    signer !== null && usableToken(await ctx.store.findToken(signer), ctx.now()) === undefined
  const row = signerGone ? undefined : usableToken(stored, ctx.now())
  if (row === undefined) {
    const reason =
      token === null
        ? 'no bearer token'
        : stored === undefined
          ? 'unknown token'
          : signerGone
            ? "the session's token is revoked or expired"
            : (tokenRefusal(stored, ctx.now()) ?? 'unknown token')
    await auditAuthFailure(ctx, request, request.routeOptions.url ?? '/api (no such route)', reason)
    throw new EntenteError(
      'UNAUTHORIZED',
      token === null
        ? 'a bearer token is required (Authorization: Bearer …)'
        : 'the bearer token is not valid for this node',
    )
  }
  if (!allowed.includes(row.role)) {
    throw new EntenteError(
      'FORBIDDEN',
      `the role ${row.role} may not use ${request.method} ${request.routeOptions.url ?? request.url} (allowed: ${allowed.join(', ')})`,
    )
  }
  return row
}
