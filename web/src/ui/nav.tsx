export const VIEWS = [
  { id: 'map', label: 'Map' },
  { id: 'pictures', label: 'Pictures' },
  { id: 'timeline', label: 'Timeline' },
  { id: 'agreements', label: 'Agreements' },
  { id: 'audit', label: 'Reports & audit' },
] as const
export type View = (typeof VIEWS)[number]['id']

/** The views as links to #map, #pictures, #timeline, #agreements, #audit. */
export function Nav({ current }: { readonly current: View }) {
  return (
    <nav aria-label="Views">
      <ul class="nav">
        {VIEWS.map((v) => (
          <li key={v.id}>
            <a
              href={`#${v.id}`}
              aria-current={v.id === current ? 'page' : undefined}
              data-testid={`nav-${v.id}`}
            >
              {v.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  )
}
