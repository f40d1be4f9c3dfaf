import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const REFERENCE = 'scenarios/korea-japan-2019.yaml'

export interface CliRun {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Runs ./bin/entente from the repository root, as a user would. */
export function entente(...args: string[]): CliRun {
  const result = spawnSync(`${ROOT}bin/entente`, args, { cwd: ROOT, encoding: 'utf8' })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

export function json<T>(run: CliRun): T {
  return JSON.parse(run.stdout) as T
}

/** A user mistake: exit 2, one or more `entente:` lines, never a stack trace. */
export function isCleanError(run: CliRun): boolean {
  return (
    run.status === 2 &&
    run.stderr
      .split('\n')
      .filter(Boolean)
      .every((line) => line.startsWith('entente: ')) &&
    !/\n\s+at /.test(run.stderr)
  )
}
