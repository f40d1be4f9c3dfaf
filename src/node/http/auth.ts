import { createHash } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { EntenteError } from '../../lib/errors.ts'
import { appendAudit } from '../app/audit-log.ts'
import type { NodeContext } from '../app/context.ts'
import type { TokenRow } from '../store/store.ts'

export const ROLES = ['operator', 'release-officer', 'auditor', 'admin'] as const
export type Role = (typeof ROLES)[number]

export const ANY_ROLE: readonly Role[] = ROLES

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

/** The bearer token of a request (header, or `access_token` for EventSource, which cannot set headers). */
function bearerOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization
  if (typeof header === 'string' && header.startsWith('Bearer ')) return header.slice(7).trim()
  const query = request.query as Record<string, unknown> | undefined
  const token = query?.['access_token']
  return typeof token === 'string' ? token : null
}

/** Every refused credential is an audit entry: who tried which route, never the token. */
export async function auditAuthFailure(
  ctx: NodeContext,
  request: FastifyRequest,
  route: string,
  reason: string,
): Promise<void> {
  await appendAudit(ctx, {
    atMs: ctx.now(),
    type: 'auth-failure',
    party: null,
    subject: null,
    data: { route, reason, remote: request.ip },
  })
}

/** Resolves the caller's role or throws 401/403; failures are audited, tokens never logged. */
export async function authorize(
  ctx: NodeContext,
  request: FastifyRequest,
  allowed: readonly Role[],
): Promise<TokenRow> {
  const token = bearerOf(request)
  const row = token === null ? undefined : await ctx.store.findToken(tokenHash(token))
  if (row === undefined) {
    await auditAuthFailure(
      ctx,
      request,
      request.routeOptions.url ?? request.url,
      token === null ? 'no bearer token' : 'unknown token',
    )
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
