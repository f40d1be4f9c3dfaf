import { z } from 'zod'
import { scenarioSchema } from './schema.ts'

/** The published JSON Schema (docs/scenario.schema.json) of what a scenario file may hold. */
export function scenarioJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' })
  return {
    ...generated,
    title: 'Entente scenario',
    description:
      'One YAML scenario file. Cross-references, event order, levels and the range rule are ' +
      'checked by Entente itself; see docs/scenario-format.md.',
  }
}

/** The file's text: two-space JSON and a final newline. */
export function scenarioJsonSchemaText(): string {
  return `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`
}
