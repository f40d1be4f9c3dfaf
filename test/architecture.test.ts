import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, it } from 'node:test'

const SRC = new URL('../src/', import.meta.url).pathname

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ts') ? [path] : []
  })
}

/** Which src folders each layer may import (style.md: imports go one way). */
const ALLOWED: Record<string, readonly string[]> = {
  lib: ['lib'],
  domain: ['lib', 'domain'],
  sim: ['lib', 'domain', 'sim'],
  protocol: ['lib', 'domain', 'protocol'],
  scenario: ['lib', 'domain', 'sim', 'scenario'],
  interop: ['lib', 'domain', 'protocol', 'interop'],
  node: ['lib', 'domain', 'protocol', 'scenario', 'interop', 'sim', 'node'],
  cli: ['lib', 'domain', 'protocol', 'sim', 'scenario', 'interop', 'node', 'cli'],
}
const PURE = new Set(['lib', 'domain', 'sim', 'protocol'])
const IMPURE_CALLS = /\bDate\.now\(|\bnew Date\(|\bMath\.random\(|\bprocess\.|Temporal\.Now\b/

function layerOf(file: string): string {
  return relative(SRC, file).split('/')[0] ?? ''
}

describe('architecture', () => {
  const files = filesUnder(SRC)

  it('imports go one way between layers', () => {
    for (const file of files) {
      const layer = layerOf(file)
      const allowed = ALLOWED[layer]
      assert.ok(allowed, `${relative(SRC, file)}: unknown layer '${layer}'`)
      for (const match of readFileSync(file, 'utf8').matchAll(/from '(\.{1,2}\/[^']+)'/g)) {
        const target = layerOf(join(file, '..', match[1] ?? ''))
        assert.ok(
          allowed.includes(target),
          `${relative(SRC, file)} imports ${match[1]} (layer ${target})`,
        )
      }
    }
  })

  it('the pure layers read no clock, randomness, process or node: module', () => {
    for (const file of files.filter((f) => PURE.has(layerOf(f)))) {
      const text = readFileSync(file, 'utf8')
      assert.doesNotMatch(text, /from 'node:/, `${relative(SRC, file)} imports a node: module`)
      assert.doesNotMatch(
        text,
        IMPURE_CALLS,
        `${relative(SRC, file)} reads the clock, randomness or process`,
      )
    }
  })

  it('nothing imports the CLI', () => {
    for (const file of files.filter((f) => layerOf(f) !== 'cli')) {
      assert.doesNotMatch(
        readFileSync(file, 'utf8'),
        /from '\.\.\/cli\//,
        `${relative(SRC, file)} imports cli`,
      )
    }
  })
})
