// Runs every *.test.ts under test/ with node:test (Node 20 does not expand globs itself).
// Usage: node scripts/run-tests.mjs [folder-or-file ...]
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { dirname, join, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

function collect(path) {
  if (statSync(path).isFile()) return path.endsWith('.test.ts') ? [path] : []
  return readdirSync(path)
    .sort()
    .flatMap((name) => collect(join(path, name)))
}

const roots = process.argv.slice(2)
const files = (roots.length > 0 ? roots : ['test']).flatMap(collect)
if (files.length === 0) {
  console.error('run-tests: no test files found')
  process.exit(1)
}
// The browser tests serve web/dist: build it once here, before two files at a time could
// each rebuild (and empty) it under the other's nodes. The tests skip their own build then.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const VITE = join(ROOT, 'node_modules/vite/bin/vite.js')
const VITE_CONFIG = join(ROOT, 'vite.config.ts')
const env = { ...process.env }
if (files.some((file) => file.split(sep).join('/').includes('test/web/'))) {
  const vite = spawnSync(
    process.execPath,
    [VITE, 'build', '--config', VITE_CONFIG, '--logLevel', 'warn'],
    {
      stdio: 'inherit',
    },
  )
  if (vite.status !== 0) {
    console.error('run-tests: the web build (vite build) failed')
    process.exit(1)
  }
  env.ENTENTE_WEB_BUILT = '1'
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', ...files],
  { stdio: 'inherit', env },
)
process.exit(result.status ?? 1)
