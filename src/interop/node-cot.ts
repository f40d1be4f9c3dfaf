/**
 * The one door to `@tak-ps/node-cot` 12.23.0. Its package ships TypeScript sources as its
 * types, which do not compile under this project's NodeNext settings; so it is loaded through
 * a specifier TypeScript does not resolve, and typed here by the little Entente uses.
 */

type Attributes = Record<string, string | number | undefined>

/** The xml-js compact tree of one CoT event, as node-cot holds it in `raw`. */
export interface RawCot {
  event: {
    _attributes: Attributes
    point?: { _attributes?: Attributes }
    detail?: {
      contact?: { _attributes?: Attributes }
      remarks?: { _text?: string }
      [key: string]: unknown
    }
  }
}

export interface NodeCot {
  readonly CoT: new (input: string | RawCot) => {
    raw: RawCot
    to_xml(): string
    is_hostile(): boolean
    is_airborne(): boolean
  }
}

const SPECIFIER: string = '@tak-ps/node-cot'
const loaded = (await import(SPECIFIER)) as { default: NodeCot['CoT'] }
const nodeCot: NodeCot = { CoT: loaded.default }

export function loadNodeCot(): NodeCot {
  return nodeCot
}
