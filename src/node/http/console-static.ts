import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { extname, join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { sendProblem } from './problem.ts'

/** Where `vite build` puts the dashboard and the console (one build, two entries). */
export const WEB_DIST = fileURLToPath(new URL('../../../web/dist/', import.meta.url))
const CONSOLE_PAGE = 'console.html'

/**
 * Strict: everything from this node only (scripts, styles, images, the event stream); no
 * inline script or style attribute, no frames, no plugins, forms post only here. The map's
 * coastlines are bundled at build time, so no tile or font is fetched from anywhere else.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ')

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
}

function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', CONSOLE_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin')
}

/** The watch officer's console at `/`, and its built assets under `/assets/`. */
export function registerConsole(app: FastifyInstance, root = WEB_DIST): void {
  app.get('/', (_request, reply) => {
    const page = join(root, CONSOLE_PAGE)
    if (!existsSync(page))
      return secure(reply)
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The console is not built: run `npm run build:web` (vite build), then reload.\n')
    return secure(reply)
      .header('cache-control', 'no-cache')
      .type(TYPES['.html'] ?? '')
      .send(readFileSync(page))
  })
  app.get('/assets/*', (request, reply) => {
    const name = (request.params as { '*': string })['*']
    const file = assetFile(root, name)
    if (file === null) return sendProblem(secure(reply), 404, 'NOT_FOUND', `no asset ${name}`)
    return secure(reply)
      .header('cache-control', 'public, max-age=31536000, immutable')
      .type(TYPES[extname(file)] ?? 'application/octet-stream')
      .send(readFileSync(file))
  })
}

/** The file under `root/assets/` a request names, or null (never a path outside it). */
function assetFile(root: string, name: string): string | null {
  if (!/^[\w.-]+$/.test(name)) return null
  const file = join(root, 'assets', name)
  if (!existsSync(file)) return null
  const real = realpathSync(file)
  return real.startsWith(realpathSync(join(root, 'assets')) + sep) ? real : null
}
