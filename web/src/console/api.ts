import { ApiError } from '../api/client.ts'

export { ApiError, getJson } from '../api/client.ts'

/** The header the node requires on every state-changing call made with the session cookie. */
const CSRF = { 'x-entente-csrf': '1' } as const

interface Problem {
  readonly title?: string
  readonly detail?: string
  readonly errors?: readonly { readonly field: string; readonly rule: string }[]
}

/** A problem+json answer, with the fields it names (for the forms). */
export class ProblemError extends ApiError {
  readonly fields: readonly { readonly field: string; readonly rule: string }[]
  constructor(status: number, problem: Problem | null) {
    super(status, [problem?.title, problem?.detail].filter(Boolean).join(': ') || `HTTP ${status}`)
    this.fields = problem?.errors ?? []
  }
}

/** POSTs or DELETEs to this node (same origin, the session cookie, the CSRF header). */
export async function send<T>(method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: {
      ...CSRF,
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  if (response.status === 204) return undefined as T
  const parsed = (await response.json().catch(() => null)) as unknown
  if (!response.ok) throw new ProblemError(response.status, parsed as Problem | null)
  return parsed as T
}
