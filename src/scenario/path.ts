/** A location inside a scenario document: object keys and array indices, outermost first. */
export type Path = readonly (string | number)[]

/** A problem found in a scenario, before it is given a file and a line. */
export interface PathIssue {
  readonly path: Path
  readonly message: string
}

const SIMPLE_KEY = /^[A-Za-z0-9_-]+$/

/**
 * Dotted form: keys joined by `.`, indices as `[n]`, and a key that is not a plain word
 * (letters, digits, `_`, `-`) written as a JSON string in brackets, e.g.
 * `what_ifs.manual-release.set["agreements.kor-jpn-gsomia.release"]`. The root is `(root)`.
 */
export function formatPath(path: Path): string {
  let text = ''
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`
    else if (!SIMPLE_KEY.test(segment)) text += `[${JSON.stringify(segment)}]`
    else text += text === '' ? segment : `.${segment}`
  }
  return text === '' ? '(root)' : text
}

export function issueAt(path: Path, message: string): PathIssue {
  return { path, message }
}

/** True when one path is the other or lies inside it. */
export function pathsOverlap(a: Path, b: Path): boolean {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i += 1) if (a[i] !== b[i]) return false
  return true
}
