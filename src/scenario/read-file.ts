import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

/** The one place in src/scenario that touches the disk. */
export function readTextFile(
  path: string,
): { ok: true; text: string } | { ok: false; message: string } {
  try {
    return { ok: true, text: readFileSync(path, 'utf8') }
  } catch (error) {
    const code = (error as { code?: unknown }).code
    return {
      ok: false,
      message: `cannot read the file${typeof code === 'string' ? ` (${code})` : ''}`,
    }
  }
}

/** A file a scenario names (a party's `spif`), relative to the scenario's folder. */
export function readBeside(
  scenarioPath: string,
  ref: string,
): { ok: true; text: string } | { ok: false; message: string } {
  return readTextFile(resolve(dirname(scenarioPath), ref))
}
