import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { EntenteError } from '../../lib/errors.ts'
import type { NodeContext } from '../app/context.ts'
import type { TokenRow } from '../store/store.ts'
import type { SessionView } from '../../protocol/console-api.ts'
import { ANY_ROLE, auditAuthFailure, tokenHash, usableToken } from './auth.ts'
import { isSession, sessionLabel, signerLabel } from './console-session.ts'
import { parse } from './routes-api.ts'
import type { Route } from './routes.ts'
import {
  assertSameOrigin,
  clearSessionCookie,
  SESSION_MAX_AGE_S,
  sessionCookieOf,
  setSessionCookie,
} from './session-cookie.ts'

const signInBody = z.strictObject({ token: z.string().min(1).max(512) })

function sessionView(ctx: NodeContext, row: TokenRow, routes: readonly Route[]): SessionView {
  return {
    party: ctx.party,
    role: row.role,
    label: signerLabel(row),
    timeZone: ctx.index.registry.timeZone,
    levels: ctx.index.registry.parties.get(ctx.party)?.levels ?? [],
    partners: [...ctx.index.registry.parties.keys()].filter((p) => p !== ctx.party),
    maxRequestWindowDays: ctx.config.release.maxRequestWindowDays,
    allowed: routes
      .filter((r) => r.roles === 'public' || r.roles.includes(row.role))
      .map((r) => `${r.method} ${r.path}`),
    expiresAt: row.expiresAtMs === null ? null : new Date(row.expiresAtMs).toISOString(),
  }
}

/** The console's sign-in, who-am-I and sign-out; `routes` are the API's, for `allowed`. */
export function sessionRoutes(routes: () => readonly Route[]): readonly Route[] {
  return [
    {
      method: 'POST',
      path: '/api/session',
      roles: 'public',
      summary:
        'sign in to the console with an API token: sets an HttpOnly, Secure, SameSite=Strict session cookie (needs header x-entente-csrf: 1)',
      handler: async (ctx, request, reply) => {
        assertSameOrigin(request)
        const { token } = parse(signInBody, request.body, '')
        const row = usableToken(await ctx.store.findToken(tokenHash(token)), ctx.now())
        if (row === undefined) {
          await auditAuthFailure(ctx, request, '/api/session', 'sign-in refused')
          throw new EntenteError('UNAUTHORIZED', 'token: not a valid API token of this node')
        }
        const nowMs = ctx.now()
        const untilExpiryS =
          row.expiresAtMs === null ? SESSION_MAX_AGE_S : (row.expiresAtMs - nowMs) / 1000
        const maxAgeS = Math.min(SESSION_MAX_AGE_S, untilExpiryS)
        // 256 bits from the OS, like every secret this node makes; stored only as its hash.
        const secret = randomBytes(32).toString('base64url')
        const session: TokenRow = {
          tokenHash: tokenHash(secret),
          role: row.role,
          label: sessionLabel(row),
          createdAtMs: nowMs,
          expiresAtMs: nowMs + Math.floor(maxAgeS * 1000),
          revokedAtMs: null,
        }
        await ctx.store.insertToken(session)
        return reply
          .header('set-cookie', setSessionCookie(ctx.party, secret, maxAgeS))
          .header('cache-control', 'no-store')
          .send(sessionView(ctx, session, routes()))
      },
    },
    {
      method: 'GET',
      path: '/api/session',
      roles: ANY_ROLE,
      summary: 'who is signed in: party, role, label, zone and the routes this role may call',
      handler: (ctx, _request, reply, caller) =>
        reply.header('cache-control', 'no-store').send(sessionView(ctx, need(caller), routes())),
    },
    {
      method: 'DELETE',
      path: '/api/session',
      roles: 'public',
      summary: 'sign out of the console: revokes the session and clears its cookie',
      handler: async (ctx, request, reply) => {
        assertSameOrigin(request)
        const secret = sessionCookieOf(request, ctx.party)
        const row = secret === null ? undefined : await ctx.store.findToken(tokenHash(secret))
        // Only a session is revoked here: a cookie holding an API token (set before sessions
        // were tokens of their own) is cleared, and its token lives on for its other users.
        if (row !== undefined && isSession(row) && row.revokedAtMs === null)
          await ctx.store.revokeToken(row.tokenHash, ctx.now())
        return reply.header('set-cookie', clearSessionCookie(ctx.party)).code(204).send()
      },
    },
  ]
}

function need(caller: TokenRow | null): TokenRow {
  if (caller === null) throw new Error('GET /api/session is not public')
  return caller
}
