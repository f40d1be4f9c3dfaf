import { useEffect, useState } from 'preact/hooks'
import type { Session } from './types.ts'
import { useEvents } from './use-events.ts'
import { ConsoleViews, CONSOLE_VIEWS, type ConsoleView } from './views.tsx'

type Theme = 'system' | 'light' | 'dark'

function viewFromHash(): ConsoleView {
  const hash = window.location.hash.slice(1)
  return CONSOLE_VIEWS.find((v) => v.id === hash)?.id ?? 'picture'
}

interface ShellProps {
  readonly session: Session
  readonly onSignOut: () => Promise<void>
}

/** Who is signed in (party, role), the views this role may use, theme and sign-out. */
export function ConsoleShell({ session, onSignOut }: ShellProps) {
  const events = useEvents()
  const [view, setView] = useState<ConsoleView>(viewFromHash)
  const [theme, setTheme] = useState<Theme>('system')
  useEffect(() => {
    const onHash = (): void => setView(viewFromHash())
    window.addEventListener('hashchange', onHash)
    return () => window.removeEventListener('hashchange', onHash)
  }, [])
  useEffect(() => {
    if (theme === 'system') delete document.documentElement.dataset['theme']
    else document.documentElement.dataset['theme'] = theme
  }, [theme])
  const views = CONSOLE_VIEWS.filter((v) => v.needs === null || session.allowed.includes(v.needs))
  return (
    <div class="shell">
      <header class="top">
        <h1>
          Entente <span class="muted">{session.party} console</span>
        </h1>
        <p class="status" aria-live="polite" data-testid="stream-status">
          {events.connected ? 'live' : 'reconnecting…'} · times in UTC and {session.timeZone}
        </p>
        <p class="who" data-testid="who" data-role={session.role}>
          Signed in as <strong>{session.label}</strong> ·{' '}
          <span class="pill" data-testid="role">
            {session.role}
          </span>
        </p>
        <label class="field">
          <span>Theme</span>
          <select
            value={theme}
            onChange={(e) => setTheme(e.currentTarget.value as Theme)}
            data-testid="theme"
          >
            <option value="system">system</option>
            <option value="light">light</option>
            <option value="dark">dark</option>
          </select>
        </label>
        <button type="button" onClick={() => void onSignOut()} data-testid="sign-out">
          Sign out
        </button>
        <nav aria-label="Views">
          <ul class="nav">
            {views.map((v) => (
              <li key={v.id}>
                <a
                  href={`#${v.id}`}
                  aria-current={v.id === view ? 'page' : undefined}
                  data-testid={`nav-${v.id}`}
                >
                  {v.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main">
        <ConsoleViews view={view} session={session} events={events} />
      </main>
    </div>
  )
}
