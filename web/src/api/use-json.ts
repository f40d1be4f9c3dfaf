import { useEffect, useState } from 'preact/hooks'
import { getJson } from './client.ts'

export type Loaded<T> =
  | { readonly state: 'loading' }
  | { readonly state: 'error'; readonly message: string; readonly path?: string }
  | { readonly state: 'ok'; readonly value: T; readonly path: string }

/**
 * Fetches `path` (null: nothing) and refetches when it or `version` changes. While another
 * path loads, the last answer stays only with `keepStale` (sliders), else it reads as loading.
 */
export function useJson<T>(path: string | null, version = 0, keepStale = false): Loaded<T> {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' })
  useEffect(() => {
    if (path === null) return undefined
    const controller = new AbortController()
    getJson<T>(path, controller.signal).then(
      (value) => setLoaded({ state: 'ok', value, path }),
      (error: unknown) => {
        if (!controller.signal.aborted)
          setLoaded({ state: 'error', message: (error as Error).message, path })
      },
    )
    return () => controller.abort()
  }, [path, version])
  if (loaded.state !== 'loading' && loaded.path !== path && !keepStale) return { state: 'loading' }
  return loaded
}
