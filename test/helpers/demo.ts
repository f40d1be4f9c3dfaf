import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, sleep } from '../../src/cli/local-network.ts'
import { ROOT } from './cli.ts'

export interface DemoProcess {
  readonly url: string
  readonly child: ChildProcess
  /** Everything the demo printed, for failure messages. */
  readonly output: () => string
}

/** Starts `entente demo` as a user would (its own port and folder) and resolves with its URL once it prints it. */
export async function startDemo(args: readonly string[]): Promise<DemoProcess> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'entente-web-demo-'))
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'demo', '--port', String(port), '--dir', dir, ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo printed no URL:\n${output}`)), 60_000)
    const onData = (): void => {
      const match = /http:\/\/localhost:(\d+)/.exec(output)
      if (match === null) return
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      resolve(match[0])
    }
    child.stdout?.on('data', onData)
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`the demo exited with ${code ?? '?'}:\n${output}`))
    })
  })
  return { url, child, output: () => output }
}

/** Ctrl-C (the demo stops its nodes), then SIGKILL if it has not exited within 15 s. */
export async function stopDemo(demo: Pick<DemoProcess, 'child'> | undefined): Promise<void> {
  // Ended already, by itself or by a signal (then exitCode stays null).
  if (demo === undefined || demo.child.exitCode !== null || demo.child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => demo.child.once('exit', () => resolve()))
  demo.child.kill('SIGINT')
  const timer = setTimeout(() => demo.child.kill('SIGKILL'), 15_000)
  await exited
  clearTimeout(timer)
}

/** Polls GET /demo/api/runs until run `id` is done. */
export async function waitForRun(demo: DemoProcess, id: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    // A demo that died says why: its exit code and what it printed.
    const response = await fetch(`${demo.url}/demo/api/runs`).catch((error: unknown) => {
      const exit = demo.child.exitCode ?? demo.child.signalCode ?? 'running'
      throw new Error(`the demo at ${demo.url} does not answer (${exit}):\n${demo.output()}`, {
        cause: error,
      })
    })
    const runs = (await response.json()) as { id: string; status: string }[]
    if (runs.find((r) => r.id === id)?.status === 'done') return
    await sleep(1000)
  }
  throw new Error(`run ${id} not done after ${timeoutMs} ms:\n${demo.output()}`)
}
