import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { scenarioJsonSchemaText } from '../../src/scenario/json-schema.ts'

await test('docs/scenario.schema.json', async (t) => {
  await t.test(
    'is up to date with the zod schema (regenerate: node --import tsx scripts/generate-scenario-schema.ts)',
    () => {
      const published = readFileSync(
        new URL('../../docs/scenario.schema.json', import.meta.url),
        'utf8',
      )
      assert.equal(published, scenarioJsonSchemaText())
    },
  )

  await t.test('forbids unknown keys and names the required top-level fields', () => {
    const schema = JSON.parse(scenarioJsonSchemaText()) as {
      additionalProperties: unknown
      required: unknown
    }
    assert.equal(schema.additionalProperties, false)
    assert.deepEqual(schema.required, ['name', 'timezone', 'parties', 'agreements'])
  })
})
