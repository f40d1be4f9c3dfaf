import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { DENIAL_CODES } from '../../src/domain/decision.ts'
import { ERROR_CODES } from '../../src/lib/errors.ts'

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')

describe('docs/errors.md and the code catalogue', () => {
  it('documents every error code in the table, and nothing else', () => {
    const documented = [...doc.matchAll(/^\| `([A-Z_]+)` +\|/gm)].map((m) => m[1])
    assert.deepEqual([...documented].sort(), [...ERROR_CODES].sort())
  })

  it('names every denial code', () => {
    for (const code of DENIAL_CODES)
      assert.ok(doc.includes(`\`${code}\``), `${code} is missing from docs/errors.md`)
  })
})
