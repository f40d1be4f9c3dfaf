import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { freePort, sleep } from '../../src/cli/local-network.ts'
import { ROOT } from '../helpers/cli.ts'
import { startDemo, stopDemo, waitForRun } from '../helpers/demo.ts'

interface LiveEvent {
  party: string
  type: string
  path: string[] | null
  agreement: string | null
}
interface RunView {
  id: string
  status: string
  live: {
    launches: {
      id: string
      parties: {
        party: string
        warningSeconds: number | null
        receivedFrom: string | null
        receivedAt: string | null
        knowsAt: string | null
      }[]
    }[]
    timeline: LiveEvent[]
  }
}

async function runsOf(url: string): Promise<RunView[]> {
  return (await (await fetch(`${url}/demo/api/runs`)).json()) as RunView[]
}

describe('entente demo (three live nodes, no browser)', () => {
  const children: ChildProcess[] = []
  after(async () => {
    await Promise.all(children.map((child) => stopDemo({ child })))
  })

  it('auto-release: the live nodes carry Korea report straight to Japan, as the model says', async () => {
    // At 20× a second of scheduling lag on two loaded cores (the browser tests may run beside
    // this) is 20 exercise seconds, well inside the 40 s margins asserted below.
    const demo = await startDemo(['--no-build', '--what-if', 'auto-release', '--speed', '20'])
    children.push(demo.child)
    const bad = await fetch(
      `${demo.url}/demo/api/release?from=KOR&to=JPN&level=BOGUS&topic=dprk-missile&at=2019-10-31`,
    )
    assert.equal(bad.status, 400)
    const problem = (await bad.json()) as { title: string; detail: string }
    assert.equal(problem.title, 'UNKNOWN_LEVEL')
    assert.match(problem.detail, /^level: 'BOGUS' is not a level of KOR/, 'names the query field')
    await waitForRun(demo, 'auto-release', 120_000)
    const runs = await runsOf(demo.url)
    const run = runs[0]
    assert.equal(run?.status, 'done')
    const direct = run.live.timeline.filter(
      (e) => e.party === 'JPN' && e.type === 'received' && e.agreement === 'kor-jpn-gsomia',
    )
    assert.ok(direct.length >= 1, 'JPN received KOR report under the GSOMIA')
    assert.deepEqual(direct[0]?.path, ['KOR', 'JPN'])
    // The model: USA's report reaches KOR and JPN at once under TISA auto-release (~70 s),
    // before their own reports (~150 s and ~117 s), so both know from it.
    for (const launch of run.live.launches) {
      for (const p of launch.parties.filter((q) => q.party !== 'USA')) {
        const label = `${launch.id} ${p.party}`
        assert.equal(p.receivedFrom, 'USA', `${label} first heard from USA`)
        assert.equal(p.knowsAt, p.receivedAt, `${label} knew from that receipt, not its own report`)
        assert.ok((p.warningSeconds ?? 0) > 0, `${label} warned before impact`)
      }
    }
  })

  it('a second demo on the same port says the port is taken', async () => {
    const port = await freePort()
    const first = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'demo',
        '--no-build',
        '--port',
        String(port),
        '--speed',
        '120',
        '--dir',
        mkdtempSync(join(tmpdir(), 'entente-demo-')),
      ],
      { cwd: ROOT, stdio: 'ignore' },
    )
    children.push(first)
    for (let i = 0; i < 100; i++) {
      if (
        await fetch(`http://localhost:${port}/demo/api/scenario`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break
      await sleep(100)
    }
    const second = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--no-build', '--port', String(port)],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let err = ''
    second.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()))
    const code = await new Promise((resolve) => second.once('exit', resolve))
    assert.equal(code, 2)
    assert.match(err, /port \d+ is taken/)
  })
})
