import { useState } from 'preact/hooks'
import { send } from './api.ts'
import type { Session } from './types.ts'

interface SignInProps {
  readonly message?: string
  readonly onSignedIn: (session: Session) => void
}

/**
 * Sign-in with an API token (`entente node token`): posted once to the node, which answers
 * with an HttpOnly cookie; the token is not kept in the page, a URL or localStorage.
 */
export function SignIn({ message, onSignedIn }: SignInProps) {
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault()
    const form = event.currentTarget as HTMLFormElement
    const input = form.elements.namedItem('token') as HTMLInputElement
    setBusy(true)
    setError(null)
    try {
      const session = await send<Session>('POST', '/api/session', { token: input.value.trim() })
      input.value = ''
      onSignedIn(session)
    } catch (e) {
      setError((e as Error).message)
    } finally {
      setBusy(false)
    }
  }
  return (
    <main class="shell sign-in" data-testid="sign-in">
      <h1>Entente — watch officer's console</h1>
      {message !== undefined && (
        <p class="muted" role="status">
          {message}
        </p>
      )}
      <form class="panel" onSubmit={(e) => void submit(e)}>
        <label class="field">
          <span>API token</span>
          <input
            name="token"
            type="password"
            autocomplete="off"
            required
            data-testid="token-input"
          />
        </label>
        <button type="submit" disabled={busy} data-testid="sign-in-button">
          Sign in
        </button>
        {error !== null && (
          <p class="error" role="alert" data-testid="sign-in-error">
            {error}
          </p>
        )}
        <p class="muted small">
          Tokens are issued on the node's host with <code>entente node token --role …</code>; the
          demo writes each node's tokens to <code>tokens.txt</code> in its run folder.
        </p>
      </form>
    </main>
  )
}
