/** One instant in UTC and in the party's zone: "2019-10-31 07:35:45 UTC · 16:35:45 Asia/Seoul". */
export function bothZones(ms: number | null | undefined, zone: string): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—'
  return `${utcText(ms)} UTC · ${zoneTime(ms, zone)} ${zone}`
}

export function utcText(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ')
}

/** The wall-clock time in `zone`, with the date when it differs from the UTC one. */
function zoneTime(ms: number, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(ms)
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? ''
  const date = `${get('year')}-${get('month')}-${get('day')}`
  const time = `${get('hour')}:${get('minute')}:${get('second')}`
  return date === utcText(ms).slice(0, 10) ? time : `${date} ${time}`
}

/** An ISO instant (as the API takes it) from a form's text, or null when it is not one. */
export function parseInstantText(text: string): number | null {
  const ms = Date.parse(text.trim())
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text.trim()) &&
    Number.isFinite(ms)
    ? ms
    : null
}

/** Now (or `ms`) as an ISO instant in UTC, seconds precision: the forms' default. */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`
}
