/** A problem+json answer from the demo API, or a transport failure. */
export class ApiError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

/** GETs `path` from the demo server and parses its JSON; throws ApiError on 4xx/5xx. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { signal, headers: { accept: 'application/json' } })
  if (response.ok) return (await response.json()) as T
  const problem = (await response.json().catch(() => null)) as Problem | null
  const message = [problem?.title, problem?.detail].filter(Boolean).join(': ')
  throw new ApiError(response.status, message || `HTTP ${response.status}`)
}

interface Problem {
  readonly title?: string
  readonly detail?: string
}

/** Builds `/demo/api/<path>?<query>`, leaving out empty values. */
export function apiPath(path: string, query: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== '') params.set(key, value)
  const search = params.toString()
  return `/demo/api/${path}${search === '' ? '' : `?${search}`}`
}
