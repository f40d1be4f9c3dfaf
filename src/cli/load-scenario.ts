import { buildRegistryIndex, type RegistryIndex } from '../domain/registry-index.ts'
import { EntenteError } from '../lib/errors.ts'
import type { SimulationInput } from '../sim/model.ts'
import { formatIssue, loadScenarioFile } from '../scenario/load.ts'
import { toSimulationInput } from '../scenario/to-domain.ts'

export interface LoadedScenario {
  readonly file: string
  readonly input: SimulationInput
  readonly index: RegistryIndex
}

/** Reads, validates and applies what-ifs; every problem becomes one `file:line:` line. */
export function loadScenario(file: string | undefined, whatIfs: readonly string[]): LoadedScenario {
  if (file === undefined) {
    throw new EntenteError('INVALID_ARGUMENT', '--scenario: a scenario file is required')
  }
  const result = loadScenarioFile(file, whatIfs)
  if (!result.ok) {
    const unknownWhatIf = result.issues.find((i) => i.path.startsWith('what_ifs') && i.line === 0)
    const code = unknownWhatIf ? 'UNKNOWN_WHAT_IF' : 'SCENARIO_INVALID'
    throw new EntenteError(code, result.issues.map(formatIssue).join('\n'), {
      details: result.issues,
    })
  }
  const input = toSimulationInput(result.doc)
  return { file, input, index: buildRegistryIndex(input.registry) }
}
