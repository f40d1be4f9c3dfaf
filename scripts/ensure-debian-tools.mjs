// Runs before `npm test`: the dashboard's tests drive Debian's chromium, the CoT TLS test
// runs Debian's openssl and the PostgreSQL store's tests start a throwaway cluster with
// Debian's postgresql (initdb, pg_ctl), which a fresh machine may lack. As root with apt-get,
// install what is missing (as .ci/run does); otherwise say how, and stop.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

/** Any installed major's initdb (Debian keeps each under /usr/lib/postgresql/MAJOR/bin). */
const hasInitdb = () =>
  existsSync('/usr/lib/postgresql') &&
  readdirSync('/usr/lib/postgresql').some((v) =>
    existsSync(join('/usr/lib/postgresql', v, 'bin', 'initdb')),
  )

/** Debian package → whether what the tests run is there. */
const NEEDED = {
  chromium: () => existsSync('/usr/bin/chromium'),
  openssl: () => existsSync('/usr/bin/openssl'),
  // The tests need no server of the machine's; ENTENTE_PG_URL points them at one instead.
  postgresql: () => process.env.ENTENTE_PG_URL !== undefined || hasInitdb(),
}
const missing = Object.entries(NEEDED).filter(([, present]) => !present())
if (missing.length === 0) process.exit(0)
const packages = missing.map(([name]) => name)

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0
if (!isRoot || !hasApt) {
  console.error(
    `npm test: the tests need Debian's ${packages.join(' and ')}; install (apt-get install ${packages.join(' ')}) and run again`,
  )
  process.exit(1)
}
console.log(`npm test: installing Debian's ${packages.join(', ')} with apt-get`)
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
for (const args of [
  ['update', '-qq'],
  ['install', '-y', '-qq', '--no-install-recommends', ...packages],
]) {
  const result = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env })
  if (result.status !== 0) {
    console.error(`npm test: apt-get ${args[0]} failed (status ${result.status ?? '?'})`)
    process.exit(1)
  }
}
