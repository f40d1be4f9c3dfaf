import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { Result } from '../lib/result.ts'
import { asLevel } from './ids.ts'
import {
  SPIF_APPLIED,
  type SpifApplied,
  type SpifClassification,
  type SpifEquivalent,
  type SpifPolicy,
} from './spif.ts'

/** One problem in a SPIF file: where (an element path, and a line when known) and why. */
export interface SpifIssue {
  readonly where: string
  readonly line: number | null
  readonly message: string
}

type Node = Record<string, unknown>

const LISTS = new Set(['securityClassification', 'equivalentClassification', 'equivalentPolicy'])

// Namespace prefixes vary between files (`spif:SPIF`, a default namespace): drop them.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (name) => LISTS.has(name),
})

/**
 * Reads the part of an Open XML SPIF policy Entente needs: `securityPolicyId`, the
 * `securityClassifications` (name, lacv, hierarchy) and their `equivalentClassification`s,
 * whose `policyRef` names an entry of `equivalentPolicies`. Markings, category tag sets and
 * access rules are not read. Pure: the caller reads the file.
 */
export function parseSpif(xml: string): Result<SpifPolicy, readonly SpifIssue[]> {
  const valid = XMLValidator.validate(xml)
  if (valid !== true)
    return Result.fail([{ where: '(xml)', line: valid.err.line, message: valid.err.msg }])
  const root = (parser.parse(xml) as Node)['SPIF']
  if (!isNode(root)) return fail('(root)', 'the document element must be SPIF')
  const issues: SpifIssue[] = []
  const policyId = root['securityPolicyId']
  const id = attr(policyId, 'id')
  const name = attr(policyId, 'name')
  if (id === null || name === null)
    issues.push(issue('SPIF/securityPolicyId', 'needs both a name and an id attribute'))
  const refs = policyRefs(root, issues)
  const classes = nodes(child(root, 'securityClassifications'), 'securityClassification')
  if (classes.length === 0)
    issues.push(issue('SPIF/securityClassifications', 'names no securityClassification'))
  const classifications = classes.map((c, i) => classification(c, i, refs, issues))
  checkUnique(classifications, issues)
  if (issues.length > 0 || id === null || name === null) return Result.fail(issues)
  const ordered = [...(classifications as SpifClassification[])].sort(
    (a, b) => a.hierarchy - b.hierarchy,
  )
  return Result.ok({ id, name, classifications: ordered })
}

function policyRefs(root: Node, issues: SpifIssue[]): ReadonlyMap<string, string> {
  const refs = new Map<string, string>()
  nodes(child(root, 'equivalentPolicies'), 'equivalentPolicy').forEach((p, i) => {
    const name = attr(p, 'name')
    const id = attr(p, 'id')
    if (name === null || id === null)
      issues.push(issue(`SPIF/equivalentPolicies/equivalentPolicy[${i + 1}]`, 'needs name and id'))
    else refs.set(name, id)
  })
  return refs
}

function classification(
  node: Node,
  index: number,
  refs: ReadonlyMap<string, string>,
  issues: SpifIssue[],
): SpifClassification | null {
  const where = `SPIF/securityClassifications/securityClassification[${index + 1}]`
  const name = attr(node, 'name')
  const lacv = integer(attr(node, 'lacv'))
  const hierarchy = integer(attr(node, 'hierarchy'))
  const before = issues.length
  if (name === null) issues.push(issue(where, 'needs a name'))
  if (lacv === null) issues.push(issue(where, 'needs an integer lacv'))
  if (hierarchy === null) issues.push(issue(where, 'needs an integer hierarchy'))
  const equivalents = nodes(node, 'equivalentClassification').flatMap((eq, i) => {
    const at = `${where}/equivalentClassification[${i + 1}]`
    const one = equivalent(eq, refs, at, issues)
    return one === null ? [] : [one]
  })
  if (issues.length > before || name === null || lacv === null || hierarchy === null) return null
  return { name: asLevel(name), lacv, hierarchy, equivalents }
}

function equivalent(
  node: Node,
  refs: ReadonlyMap<string, string>,
  where: string,
  issues: SpifIssue[],
): SpifEquivalent | null {
  const ref = attr(node, 'policyRef')
  const policyId = ref === null ? undefined : refs.get(ref)
  const lacv = integer(attr(node, 'lacv'))
  const applied = attr(node, 'applied')
  if (policyId === undefined) {
    const names = [...refs.keys()].join(', ') || 'none'
    issues.push(
      issue(where, `policyRef "${ref ?? ''}" names no equivalentPolicy (known: ${names})`),
    )
  }
  if (lacv === null) issues.push(issue(where, 'needs an integer lacv'))
  if (!isApplied(applied))
    issues.push(
      issue(where, `applied must be one of ${SPIF_APPLIED.join(', ')}, not "${applied ?? ''}"`),
    )
  if (policyId === undefined || lacv === null || !isApplied(applied)) return null
  return { policyId, lacv, applied }
}

function checkUnique(list: readonly (SpifClassification | null)[], issues: SpifIssue[]): void {
  const present = list.filter((c): c is SpifClassification => c !== null)
  for (const key of ['name', 'lacv', 'hierarchy'] as const) {
    const seen = new Set<unknown>()
    for (const c of present) {
      if (seen.has(c[key]))
        issues.push(
          issue(
            'SPIF/securityClassifications',
            `two classifications share ${key} ${String(c[key])}`,
          ),
        )
      seen.add(c[key])
    }
  }
}

const isApplied = (text: string | null): text is SpifApplied =>
  text !== null && (SPIF_APPLIED as readonly string[]).includes(text)

const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const child = (node: unknown, name: string): unknown => (isNode(node) ? node[name] : undefined)

function nodes(node: unknown, name: string): Node[] {
  const list = child(node, name)
  return Array.isArray(list) ? list.filter(isNode) : []
}

function attr(node: unknown, name: string): string | null {
  const value = child(node, `@${name}`)
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null
}

function integer(text: string | null): number | null {
  return text !== null && /^\d+$/.test(text) ? Number(text) : null
}

const issue = (where: string, message: string): SpifIssue => ({ where, line: null, message })

const fail = (where: string, message: string): Result<never, readonly SpifIssue[]> =>
  Result.fail([issue(where, message)])
