import { useEffect, useState } from 'preact/hooks'
import { ApiError, getJson, send } from './api.ts'
import { ConsoleShell } from './shell.tsx'
import { SignIn } from './sign-in.tsx'
import type { Session } from './types.ts'

type SessionState =
  | { readonly state: 'checking' }
  | { readonly state: 'signed-out'; readonly message?: string }
  | { readonly state: 'signed-in'; readonly session: Session }

/**
 * The watch officer's console of one node: asks the node who is signed in (the HttpOnly
 * cookie is invisible to scripts), offers the sign-in form when nobody is, else the views.
 */
export function ConsoleApp() {
  const [state, setState] = useState<SessionState>({ state: 'checking' })
  useEffect(() => {
    getJson<Session>('/api/session').then(
      (session) => setState({ state: 'signed-in', session }),
      (error: unknown) =>
        setState(
          error instanceof ApiError && error.status === 401
            ? { state: 'signed-out' }
            : { state: 'signed-out', message: (error as Error).message },
        ),
    )
  }, [])
  const signOut = async (): Promise<void> => {
    await send('DELETE', '/api/session')
    setState({ state: 'signed-out', message: 'Signed out.' })
  }
  switch (state.state) {
    case 'checking':
      return <p class="shell">Connecting to the node…</p>
    case 'signed-out':
      return (
        <SignIn
          message={state.message}
          onSignedIn={(session) => setState({ state: 'signed-in', session })}
        />
      )
    case 'signed-in':
      return <ConsoleShell session={state.session} onSignOut={signOut} />
  }
}
