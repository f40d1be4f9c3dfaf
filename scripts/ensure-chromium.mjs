// Runs before `npm test`: the dashboard's tests drive Debian's chromium, which a fresh machine
// lacks. As root with apt-get, install it (as .ci/run does); otherwise say how, and stop.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const CHROMIUM = '/usr/bin/chromium'
if (existsSync(CHROMIUM)) process.exit(0)

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0
if (!isRoot || !hasApt) {
  console.error(
    `npm test: the dashboard tests need Debian's chromium at ${CHROMIUM}; install it (apt-get install chromium) and run again`,
  )
  process.exit(1)
}
console.log(`npm test: ${CHROMIUM} is missing; installing Debian's chromium with apt-get`)
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
for (const args of [
  ['update', '-qq'],
  ['install', '-y', '-qq', '--no-install-recommends', 'chromium'],
]) {
  const result = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env })
  if (result.status !== 0) {
    console.error(`npm test: apt-get ${args[0]} failed (status ${result.status ?? '?'})`)
    process.exit(1)
  }
}
