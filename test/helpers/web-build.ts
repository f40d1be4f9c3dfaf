import { join } from 'node:path'
import { ROOT } from './cli.ts'

/**
 * Builds the web pages into web/dist for a browser test. `scripts/run-tests.mjs` builds them
 * once before any test starts and says so in ENTENTE_WEB_BUILT: test files run two at a
 * time, and one file's build must never empty web/dist while another's node serves from it
 * (a console test once saw 503 "not built" that way). Run alone, a file builds for itself,
 * without emptying the folder first.
 */
export async function buildWeb(): Promise<void> {
  if (process.env['ENTENTE_WEB_BUILT'] === '1') return
  const { build } = await import('vite')
  await build({
    configFile: join(ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    build: { emptyOutDir: false },
  })
}
