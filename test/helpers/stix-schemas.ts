import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'

/** The official STIX 2.1 JSON schemas (third-party data beside the repository; see its README). */
const ROOT = fileURLToPath(new URL('../../../shared/stix2.1-schemas/', import.meta.url))
const BASE = 'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/'

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? jsonFiles(path) : path.endsWith('.json') ? [path] : []
  })
}

/** Which schema checks an object of each type (bundle.json misses several: validate one by one). */
const SCHEMA_OF: Record<string, string> = {
  identity: 'schemas/sdos/identity.json',
  location: 'schemas/sdos/location.json',
  relationship: 'schemas/sros/relationship.json',
  'marking-definition': 'schemas/common/marking-definition.json',
  'extension-definition': 'schemas/common/extension-definition.json',
  artifact: 'schemas/observables/artifact.json',
  note: 'schemas/sdos/note.json',
}
/** A new SDO declared by an extension definition has only the common properties to check. */
const CUSTOM_SDO = 'schemas/common/core.json'

export function stixValidator(): (object: { type: string }) => string[] {
  const ajv = new Ajv2020({ strict: false, unicodeRegExp: false, allErrors: true })
  addFormats.default(ajv)
  ajv.addFormat('idn-hostname', true)
  for (const file of jsonFiles(join(ROOT, 'schemas'))) {
    const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
    ajv.addSchema({ ...schema, $id: BASE + relative(ROOT, file) })
  }
  const cache = new Map<string, ValidateFunction>()
  return (object) => {
    const path = SCHEMA_OF[object.type] ?? CUSTOM_SDO
    let validate = cache.get(path)
    if (validate === undefined) {
      validate = ajv.getSchema(BASE + path)
      if (validate === undefined) throw new Error(`no schema ${path}`)
      cache.set(path, validate)
    }
    const { type } = object
    if (validate(object)) return []
    return (validate.errors ?? []).map((e) => `${type} ${e.instancePath} ${e.message ?? ''}`)
  }
}

/** STIX 2.1 region-ov (UN M49 regions and sub-regions). */
export const REGION_OV: ReadonlySet<string> = new Set(
  (
    'africa eastern-africa middle-africa northern-africa southern-africa western-africa americas ' +
    'latin-america-caribbean south-america caribbean central-america northern-america asia ' +
    'central-asia eastern-asia southern-asia south-eastern-asia western-asia europe ' +
    'eastern-europe northern-europe southern-europe western-europe oceania ' +
    'australia-new-zealand melanesia micronesia polynesia antarctica'
  ).split(' '),
)
