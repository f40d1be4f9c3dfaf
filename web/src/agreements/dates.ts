import type { Agreement } from '../api/types.ts'

export const FIRST_DAY = '2014-01-01'
export const LAST_DAY = '2024-12-31'
const DAY_MS = 86_400_000

/** Days since FIRST_DAY of a YYYY-MM-DD date. */
export function dayIndex(date: string): number {
  return Math.round(
    (Date.parse(`${date}T00:00:00Z`) - Date.parse(`${FIRST_DAY}T00:00:00Z`)) / DAY_MS,
  )
}

/** The YYYY-MM-DD date `index` days after FIRST_DAY. */
export function dayAt(index: number): string {
  return new Date(Date.parse(`${FIRST_DAY}T00:00:00Z`) + index * DAY_MS).toISOString().slice(0, 10)
}

export const LAST_INDEX = dayIndex(LAST_DAY)

/** True for a well-formed date inside the slider's range. */
export function isDayInRange(date: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(date) && dayIndex(date) >= 0 && dayIndex(date) <= LAST_INDEX
}

export interface Mark {
  readonly date: string
  /** The agreement's id; a merged mark's ids, space-separated. */
  readonly agreement: string
  readonly type: string
  readonly label: string
  /** A merged mark's agreements (mergeSameDay). */
  readonly members?: readonly string[]
}

export interface Band {
  readonly from: string
  readonly to: string
  readonly agreement: string
  readonly label: string
}

const MARKED = new Set([
  'entry-into-force',
  'notice-of-termination',
  'notice-suspended',
  'notice-withdrawn',
  'notice-resumed',
  'termination',
])

/** The agreements' dated events inside the slider's range, as marks on the time line. */
export function marksOf(agreements: readonly Agreement[]): Mark[] {
  return agreements
    .flatMap((a) =>
      a.events
        .filter((e) => MARKED.has(e.type) && isDayInRange(e.date))
        .map((e) => ({
          date: e.date,
          agreement: a.id,
          type: e.type,
          label: `${markLabel(a.id, e.type)}${e.applied ? '' : ' (no effect)'}`,
        })),
    )
    .sort((a, b) => a.date.localeCompare(b.date))
}

/**
 * One mark per day and kind of event: on a registry of 30 agreements, many enter into force
 * the same (assumed) day, and their labels would print over each other. A merged mark names
 * how many and lists them in its title.
 */
export function mergeSameDay(marks: readonly Mark[]): Mark[] {
  const merged = new Map<string, Mark[]>()
  for (const m of marks) {
    const key = `${m.date} ${m.type} ${m.label.endsWith('(no effect)') ? 'void' : ''}`
    merged.set(key, [...(merged.get(key) ?? []), m])
  }
  return [...merged.values()].map((same) => {
    const first = same[0] as Mark
    if (same.length === 1) return first
    const what = first.label.slice(first.label.indexOf(': ') + 2)
    return {
      ...first,
      agreement: same.map((m) => m.agreement).join(' '),
      label: `${same.length} agreements: ${what}`,
      members: same.map((m) => m.agreement),
    }
  })
}

function markLabel(agreement: string, type: string): string {
  const short = agreement.replace(/-gsomia$/, ' GSOMIA')
  switch (type) {
    case 'notice-of-termination':
      return `${short}: notice of termination`
    case 'notice-suspended':
      return `${short}: notice suspended`
    case 'notice-withdrawn':
      return `${short}: notice withdrawn`
    case 'notice-resumed':
      return `${short}: notice resumed`
    case 'entry-into-force':
      return `${short}: in force`
    default:
      return `${short}: ${type}`
  }
}

/** Pending terminations: each notice, from the day it was given until it ended one way or another. */
export function pendingBands(agreements: readonly Agreement[]): Band[] {
  return agreements.flatMap((a) =>
    a.notices.map((n) => ({
      from: n.given,
      to: n.until ?? n.given,
      agreement: a.id,
      label: `${a.id} pending termination`,
    })),
  )
}

/** Rows under the slider at least and at most; a label's estimated width, in % per character. */
export const MARK_ROWS = 3
export const MAX_MARK_ROWS = 6
const PCT_PER_CHAR = 0.6

/**
 * The row of each mark (in date order): the first whose last label ends before this one
 * starts, else a new row (up to MAX_MARK_ROWS; then the row that ends first), so that labels
 * close in time do not print over each other. A mark past `flipAtPct` has its label to the left of its line. Widths are estimated
 * from the text length (the browser's measure is not at hand when the rows are chosen).
 */
export function markRows(
  marks: readonly Mark[],
  pctOf: (date: string) => number,
  flipAtPct: number,
): number[] {
  const ends = Array.from({ length: MARK_ROWS }, () => -Infinity)
  return marks.map((m) => {
    const at = pctOf(m.date)
    const width = (m.date.length + 1 + m.label.length) * PCT_PER_CHAR
    const [from, to] = at > flipAtPct ? [at - width, at] : [at, at + width]
    let row = ends.findIndex((end) => end < from)
    if (row < 0 && ends.length < MAX_MARK_ROWS) row = ends.push(-Infinity) - 1
    if (row < 0) row = ends.indexOf(Math.min(...ends))
    ends[row] = to
    return row
  })
}
