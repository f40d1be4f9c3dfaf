import type { ComponentChildren } from 'preact'
import type { Loaded } from '../../api/use-json.ts'

/** The children with the loaded value, or a loading line, or the error as an alert. */
export function Loading<T>({
  loaded,
  children,
}: {
  readonly loaded: Loaded<T>
  readonly children: (value: T) => ComponentChildren
}) {
  if (loaded.state === 'loading') return <p class="muted">Loading…</p>
  if (loaded.state === 'error')
    return (
      <p class="error" role="alert">
        {loaded.message}
      </p>
    )
  return <>{children(loaded.value)}</>
}
