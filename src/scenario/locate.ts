import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml'
import type { Path } from './path.ts'

/** Finds the line (1-based) of the YAML node at a path, or of its nearest existing ancestor. */
export interface Locator {
  lineOf(path: Path): number
}

function childOf(
  node: unknown,
  segment: string | number,
): { node: unknown; offset: number } | null {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key: unknown = pair.key
      const keyValue = isScalar(key) ? key.value : key
      if (String(keyValue) !== String(segment)) continue
      const offset =
        isScalar(key) && key.range !== undefined && key.range !== null ? key.range[0] : -1
      return { node: pair.value, offset }
    }
    return null
  }
  if (isSeq(node) && typeof segment === 'number') {
    const item: unknown = node.items[segment]
    if (item === undefined) return null
    return { node: item, offset: startOf(item) }
  }
  return null
}

function startOf(node: unknown): number {
  if (isPair(node)) return startOf(node.key)
  const range = (node as Node | null)?.range
  return range === undefined || range === null ? -1 : range[0]
}

export function createLocator(document: Document, lineCounter: LineCounter): Locator {
  const lineAt = (offset: number): number => (offset < 0 ? 1 : lineCounter.linePos(offset).line)
  return {
    lineOf(path) {
      let node: unknown = document.contents
      let offset = startOf(node)
      for (const segment of path) {
        const child = childOf(node, segment)
        if (child === null) break
        node = child.node
        if (child.offset >= 0) offset = child.offset
      }
      return lineAt(offset)
    },
  }
}

/** A locator for text that never parsed: everything is on line 1. */
export const FIRST_LINE: Locator = { lineOf: () => 1 }
