import type { FastifyRequest } from 'fastify'
import { EntenteError } from '../../lib/errors.ts'

/**
 * The console's session: the API token the officer signed in with, in an HttpOnly, Secure,
 * SameSite=Strict cookie the page's scripts cannot read. Browsers do not separate cookies by
 * port, so the name carries the party: nodes that share a host name (the demo's 127.0.0.1)
 * do not sign each other's consoles out, and each reads only its own.
 */
export const sessionCookieName = (party: string): string => `entente-session-${party}`

/** The header the console sends on every state-changing call (a page elsewhere cannot). */
export const CSRF_HEADER = 'x-entente-csrf'

/** A session lasts at most this long, and never past its token's expiry. */
export const SESSION_MAX_AGE_S = 12 * 60 * 60

/** The session cookie's value, or null. (One cookie read by name: no cookie library needed.) */
export function sessionCookieOf(request: FastifyRequest, party: string): string | null {
  const header = request.headers.cookie
  if (typeof header !== 'string') return null
  const name = sessionCookieName(party)
  for (const pair of header.split(';')) {
    const cut = pair.indexOf('=')
    if (cut > 0 && pair.slice(0, cut).trim() === name) {
      const value = pair.slice(cut + 1).trim()
      return value === '' ? null : decodeURIComponent(value)
    }
  }
  return null
}

export function setSessionCookie(party: string, token: string, maxAgeS: number): string {
  return `${sessionCookieName(party)}=${encodeURIComponent(token)}; Path=/; Max-Age=${Math.max(0, Math.floor(maxAgeS))}; HttpOnly; Secure; SameSite=Strict`
}

export function clearSessionCookie(party: string): string {
  return `${sessionCookieName(party)}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict`
}

const SAFE_METHODS = new Set(['GET', 'HEAD'])

/**
 * CSRF: besides SameSite=Strict, a call that changes state with the cookie must carry
 * CSRF_HEADER (a cross-site form or a simple fetch cannot set it without a CORS preflight,
 * which this node never grants) and, when the browser names its Origin, come from this host.
 */
export function assertSameOrigin(request: FastifyRequest): void {
  if (SAFE_METHODS.has(request.method)) return
  if (request.headers[CSRF_HEADER] !== '1')
    throw new EntenteError(
      'FORBIDDEN',
      `headers.${CSRF_HEADER}: a call signed in by the session cookie must carry ${CSRF_HEADER}: 1 (CSRF protection)`,
    )
  const origin = request.headers.origin
  if (typeof origin === 'string' && originHost(origin) !== request.headers.host)
    throw new EntenteError(
      'FORBIDDEN',
      `headers.origin: '${origin}' is not this node's console (CSRF protection)`,
    )
}

const originHost = (origin: string): string | null =>
  URL.canParse(origin) ? new URL(origin).host : null
