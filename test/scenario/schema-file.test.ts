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

  await t.test(
    'describes the optional launch boost: burn_s and burnout_altitude_km, both > 0',
    () => {
      const schema = JSON.parse(scenarioJsonSchemaText()) as {
        $defs: Record<string, { required?: string[]; properties: Record<string, unknown> }>
      }
      const launch = schema.$defs['Launch']
      const boost = schema.$defs['Boost']
      assert.ok(launch && boost, 'Launch and Boost are defined')
      assert.equal(launch.required?.includes('boost'), false, 'boost is optional')
      assert.deepEqual(boost.required, ['burn_s', 'burnout_altitude_km'])
      assert.deepEqual(boost.properties['burn_s'], {
        type: 'number',
        exclusiveMinimum: 0,
        description: 'T: burn time, launch to burn-out',
      })
    },
  )
})
