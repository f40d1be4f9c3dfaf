import type { z } from 'zod'
import { issueAt, type Path, type PathIssue } from './path.ts'

type RawIssue = z.core.$ZodRawIssue
type Issue = z.core.$ZodIssue

const TYPE_NAMES: Readonly<Record<string, string>> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
}

/** How a YAML value is described to the person who wrote it. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${value}`
  return typeof value
}

function boundMessage(issue: RawIssue & { code: 'too_small' | 'too_big' }): string | undefined {
  const small = issue.code === 'too_small'
  const bound = small ? issue.minimum : issue.maximum
  if (issue.origin === 'number') {
    const word =
      issue.inclusive === true
        ? small
          ? 'at least'
          : 'at most'
        : small
          ? 'greater than'
          : 'less than'
    return `must be ${word} ${bound}, got ${describeValue(issue.input)}`
  }
  if (issue.origin === 'array')
    return `must have ${small ? 'at least' : 'at most'} ${bound} item(s)`
  if (issue.origin === 'string' && small) return 'must not be empty'
  return undefined
}

function discriminatorMessage(issue: RawIssue): string | undefined {
  const { discriminator, options } = issue as { discriminator?: string; options?: unknown[] }
  if (discriminator === undefined || options === undefined) return undefined
  const input: unknown = issue.input
  const given =
    input !== null && typeof input === 'object'
      ? (input as Record<string, unknown>)[discriminator]
      : undefined
  const list = options.map((option) => JSON.stringify(option)).join(', ')
  const got = given === undefined ? 'missing' : `got ${describeValue(given)}`
  return `${discriminator} must be one of ${list}; ${got}`
}

/** Messages for zod's built-in checks; checks with their own message keep it. */
export function scenarioErrorMap(issue: RawIssue): string | undefined {
  if (issue.code === 'invalid_type') {
    const expected = TYPE_NAMES[issue.expected] ?? issue.expected
    if (issue.input === undefined) return `is required (${expected})`
    return `expected ${expected}, got ${describeValue(issue.input)}`
  }
  if (issue.code === 'too_small' || issue.code === 'too_big') return boundMessage(issue)
  if (issue.code === 'invalid_value') {
    const values = issue.values.map((value) => JSON.stringify(value)).join(', ')
    return `must be one of ${values}; got ${describeValue(issue.input)}`
  }
  if (issue.code === 'invalid_union') return discriminatorMessage(issue)
  return undefined
}

const KEY_HINTS: Readonly<Record<string, string>> = {
  by: 'allowed only on notice-* events',
  changes: 'allowed only on amendment events',
}

function unknownKeys(issue: Issue & { code: 'unrecognized_keys' }, path: Path): PathIssue[] {
  const parentKey = path.at(-2)
  const inEvents = parentKey === 'events' || parentKey === 'add_events'
  return issue.keys.map((key) => {
    const hint = inEvents ? KEY_HINTS[key] : undefined
    return issueAt([...path, key], `unknown key "${key}"${hint === undefined ? '' : `: ${hint}`}`)
  })
}

/** The one branch of a union that got past the type check, if exactly one did. */
function closestBranch(errors: readonly (readonly Issue[])[]): readonly Issue[] | undefined {
  const typeFailure = (issue: Issue): boolean =>
    issue.path.length === 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value')
  const close = errors.filter((branch) => !branch.some(typeFailure))
  return close.length === 1 ? close[0] : undefined
}

function convert(issue: Issue, prefix: Path): PathIssue[] {
  const path: Path = [...prefix, ...(issue.path as (string | number)[])]
  if (issue.code === 'unrecognized_keys') return unknownKeys(issue, path)
  if (issue.code === 'invalid_key') {
    const reason = issue.issues[0]?.message ?? 'is not allowed'
    return [issueAt(path, `key "${String(path.at(-1))}" ${reason}`)]
  }
  if (issue.code === 'invalid_union') {
    const branch = closestBranch(issue.errors)
    if (branch !== undefined) return branch.flatMap((inner) => convert(inner, path))
  }
  return [issueAt(path, issue.message)]
}

export function fromZodIssues(issues: readonly Issue[]): PathIssue[] {
  return issues.flatMap((issue) => convert(issue, []))
}
