import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { describe, it } from 'node:test'
import { DENIAL_CODES } from '../../src/domain/decision.ts'
import { LIFE_REFUSAL_CODES } from '../../src/domain/report-life.ts'
import { ERROR_CODES } from '../../src/lib/errors.ts'
import { EGRESS_DENIAL_CODES, QUARANTINE_CODES } from '../../src/protocol/codes.ts'

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8')

describe('docs/errors.md and the code catalogue', () => {
  it('documents every error code in the table, and nothing else', () => {
    const errorTable = doc.split('Release denials')[0] ?? ''
    const documented = [...errorTable.matchAll(/^\| `([A-Z_]+)` +\|/gm)].map((m) => m[1])
    assert.deepEqual([...documented].sort(), [...ERROR_CODES].sort())
  })

  it('lists every quarantine code of its own, and names every egress denial code', () => {
    const own = QUARANTINE_CODES.filter((c) => !(DENIAL_CODES as readonly string[]).includes(c))
    const table = [...doc.matchAll(/^\| `([A-Z_]+)` +\| [a-z]/gm)].map((m) => m[1] ?? '')
    for (const code of own) assert.ok(table.includes(code), `${code} is missing from the table`)
    for (const code of EGRESS_DENIAL_CODES)
      assert.ok(doc.includes(`\`${code}\``), `${code} is missing from docs/errors.md`)
  })

  it('names every denial code and every report-life refusal code', () => {
    for (const code of [...DENIAL_CODES, ...LIFE_REFUSAL_CODES])
      assert.ok(doc.includes(`\`${code}\``), `${code} is missing from docs/errors.md`)
  })
})
