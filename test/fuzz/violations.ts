import type { InjectOptions } from 'fastify'
import type { Surface } from './cases.ts'
import { brief } from './values.ts'

/** What the fuzzer reports: each violation, keyed so that one failure class is one entry. */

export type ViolationKind = '5xx' | 'crash' | 'hang' | 'harness' | 'final'

export interface Violation {
  /** What makes two violations the same failure: surface, route, status, error and where. */
  readonly key: string
  readonly kind: ViolationKind
  readonly surface: Surface | 'node'
  /** The route (API), resource (TAXII) or message kind (inbox). */
  readonly route: string
  readonly status: number | null
  /** Where to replay it: the seed, the epoch's node and the request's number in it. */
  readonly at: string
  readonly input: string
  readonly request: string
  readonly error: string
  /** The id of the allow-list entry it matches (known-pending.ts), if any. */
  readonly known: string | null
}

/** Surface, route and kind, the error's name and gist (ids and numbers elided), and where it was thrown. */
export function keyOf(v: Omit<Violation, 'key' | 'known'>): string {
  const route = v.route === '' ? '' : ` ${v.route}`
  const lines = v.error.split('\n')
  const gist = (lines[0] ?? '')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/"[^"]*"(… \(\d+ chars\))?/g, '<text>')
    .replace(/'[^']*'/g, '<text>')
    .replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, '<n>')
    .slice(0, 160)
  // A stack overflow's frames are the recursion's: its file is the place, whatever the line.
  const where = /Maximum call stack/.test(gist) ? /\/(src\/[^\s):]+):\d+/ : /\/(src\/[^\s):]+:\d+)/
  const frame = lines.map((l) => where.exec(l)?.[1]).find((f) => f !== undefined)
  return `${v.kind} ${v.surface}${route}${v.status === null ? '' : ` ${v.status}`}: ${gist}${frame === undefined ? '' : ` @ ${frame}`}`
}

export function describeRequest(r: InjectOptions): string {
  const headers = Object.entries((r.headers ?? {}) as Record<string, string>)
    .filter(([k]) => k !== 'authorization')
    .map(([k, v]) => `${k}: ${brief(v, 60)}`)
  const body = typeof r.payload === 'string' ? brief(r.payload, 400) : ''
  return `${r.method ?? 'GET'} ${brief(typeof r.url === 'string' ? r.url : JSON.stringify(r.url), 300)}${headers.length === 0 ? '' : ` [${headers.join(', ')}]`}${body === '' ? '' : ` ${body}`}`
}

/** The error, its top frames and the first frames in src/ below them (a recursion hides its caller). */
export function stackOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const frames = (error.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l))
  const top = frames.slice(0, 6)
  const src = [...new Set(frames.slice(6).filter((l) => l.includes('/src/')))].slice(0, 3)
  return [
    `${error.name}: ${error.message.split('\n')[0] ?? ''}`,
    ...top,
    ...(src.length > 0 ? ['    …', ...src] : []),
  ].join('\n')
}
