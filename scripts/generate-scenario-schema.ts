// Writes docs/scenario.schema.json from the zod schema in src/scenario/schema.ts.
// Usage: node --import tsx scripts/generate-scenario-schema.ts
import { writeFileSync } from 'node:fs'
import { scenarioJsonSchemaText } from '../src/scenario/json-schema.ts'

const target = new URL('../docs/scenario.schema.json', import.meta.url)
writeFileSync(target, scenarioJsonSchemaText())
console.log(`wrote ${target.pathname}`)
