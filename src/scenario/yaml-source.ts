import { LineCounter, parseDocument, type YAMLError } from 'yaml'
import { createLocator, FIRST_LINE, type Locator } from './locate.ts'

export interface YamlSyntaxIssue {
  readonly line: number
  readonly message: string
}

export type YamlSource =
  | { readonly ok: true; readonly value: unknown; readonly locator: Locator }
  | { readonly ok: false; readonly issues: readonly YamlSyntaxIssue[] }

/** yaml's messages end with the position and an excerpt; the issue gives the line itself. */
function shortMessage(error: YAMLError): string {
  const firstLine = error.message.split('\n')[0] ?? error.message
  return firstLine.replace(/ at line \d+, column \d+:?$/, '')
}

/** A `!!timestamp` tag makes a Date even under the YAML 1.2 core schema: turn it back. */
function withoutDates(value: unknown): unknown {
  if (value instanceof Date) {
    const iso = value.toISOString()
    return iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso
  }
  if (Array.isArray(value)) return value.map(withoutDates)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, withoutDates(child)]))
}

/** Parses YAML 1.2 (core schema: bare dates stay strings), keeping positions for issues. */
export function readYaml(text: string): YamlSource {
  const lineCounter = new LineCounter()
  const document = parseDocument(text, { lineCounter, prettyErrors: false, schema: 'core' })
  const problems = [...document.errors, ...document.warnings]
  if (problems.length > 0) {
    const lineOf = (error: YAMLError): number => lineCounter.linePos(error.pos[0]).line
    return {
      ok: false,
      issues: problems.map((error) => ({ line: lineOf(error), message: shortMessage(error) })),
    }
  }
  try {
    const value = withoutDates(document.toJS({ maxAliasCount: 1000 }))
    return { ok: true, value, locator: createLocator(document, lineCounter) }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return { ok: false, issues: [{ line: FIRST_LINE.lineOf([]), message }] }
  }
}
