/** Seconds with one decimal: "127.1 s". */
export function seconds(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `${value.toFixed(1)} s`
}

/** A path as the dashboard writes it: "KOR → USA → JPN". */
export function pathText(path: readonly string[] | null | undefined): string {
  return path === null || path === undefined || path.length === 0 ? '—' : path.join(' → ')
}

/** An ISO instant shortened for tables: "2019-11-23 00:00 +09:00"; null: "—". */
export function instant(value: string | null | undefined): string {
  if (value === null || value === undefined) return '—'
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::[\d.]+)?(Z|[+-]\d{2}:\d{2})$/.exec(value)
  return match === null ? value : `${match[1]} ${match[2]} ${match[3] === 'Z' ? 'UTC' : match[3]}`
}

/** Milliseconds since the epoch as "2019-10-31 07:35:45.640Z" (UTC). */
export function utc(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ')
}
