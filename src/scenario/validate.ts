import { URL_PATTERN } from './schema-fields.ts'
import type { Path, PathIssue } from './path.ts'
import { issueAt } from './path.ts'
import type { ParsedScenario } from './schema.ts'
import { checkAgreement } from './validate-agreements.ts'
import { checkParty, checkUnique, knownList } from './validate-common.ts'
import { checkLaunches, checkRequests } from './validate-launches.ts'

function checkParties(doc: ParsedScenario): PathIssue[] {
  return Object.entries(doc.parties).flatMap(([id, party]) => {
    const path = ['parties', id]
    const issues = checkUnique(party.levels, [...path, 'levels'], 'level')
    if (party.public !== null && !party.levels.includes(party.public)) {
      issues.push(
        issueAt(
          [...path, 'public'],
          `"${party.public}" is not one of the levels: ${knownList(party.levels)}`,
        ),
      )
    }
    return issues
  })
}

function checkSensors(doc: ParsedScenario): PathIssue[] {
  return Object.entries(doc.sensors).flatMap(([id, sensor]) =>
    checkParty(doc.parties, sensor.party, ['sensors', id, 'party']),
  )
}

/** Every `source` field anywhere (outside `sources` itself) names a key of `sources` or a URL. */
function checkSourceRefs(value: unknown, keys: readonly string[], path: Path): PathIssue[] {
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => checkSourceRefs(item, keys, [...path, index]))
  }
  if (value === null || typeof value !== 'object') return []
  return Object.entries(value).flatMap(([key, child]) => {
    const at = [...path, key]
    if (path.length === 0 && key === 'sources') return []
    if (key !== 'source' || typeof child !== 'string') return checkSourceRefs(child, keys, at)
    if (keys.includes(child) || URL_PATTERN.test(child)) return []
    return [
      issueAt(at, `"${child}" is neither a key of sources nor a URL; keys: ${knownList(keys)}`),
    ]
  })
}

/**
 * The rules a schema cannot express: references resolve, levels exist, kinds have the right
 * parties, events are in order, ranges agree. Every issue found, in document order.
 */
export function validateScenario(doc: ParsedScenario): PathIssue[] {
  return [
    ...checkParties(doc),
    ...Object.entries(doc.agreements).flatMap(([id, agreement]) =>
      checkAgreement(doc, id, agreement),
    ),
    ...checkSensors(doc),
    ...checkLaunches(doc),
    ...checkRequests(doc),
    ...checkSourceRefs(doc, Object.keys(doc.sources), []),
  ]
}
