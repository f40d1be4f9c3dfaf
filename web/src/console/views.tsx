import type { ViewProps } from './view-props.ts'
import { AuditView } from './views/audit-view.tsx'
import { ConsentsView } from './views/consents-view.tsx'
import { IngestView } from './views/ingest-view.tsx'
import { PeersView } from './views/peers-view.tsx'
import { PictureView } from './views/picture-view.tsx'
import { ProductsView } from './views/products.tsx'
import { QuarantineView } from './views/quarantine-view.tsx'
import { ReleasesView } from './views/releases-view.tsx'
import { RequestsView } from './views/requests-view.tsx'

/** Each view, and the API route a role needs to see it at all (null: every role). */
export const CONSOLE_VIEWS = [
  { id: 'picture', label: 'Picture', needs: null },
  { id: 'releases', label: 'Releases', needs: null },
  { id: 'requests', label: 'Requests', needs: null },
  { id: 'products', label: 'Products', needs: null },
  { id: 'consents', label: 'Consents', needs: null },
  { id: 'quarantine', label: 'Quarantine', needs: null },
  { id: 'peers', label: 'Peers', needs: null },
  { id: 'audit', label: 'Audit', needs: 'GET /api/audit' },
  { id: 'ingest', label: 'Ingest', needs: 'POST /api/reports' },
] as const
export type ConsoleView = (typeof CONSOLE_VIEWS)[number]['id']

export function ConsoleViews({ view, ...props }: ViewProps & { readonly view: ConsoleView }) {
  switch (view) {
    case 'picture':
      return <PictureView {...props} />
    case 'releases':
      return <ReleasesView {...props} />
    case 'requests':
      return <RequestsView {...props} />
    case 'products':
      return <ProductsView {...props} />
    case 'consents':
      return <ConsentsView {...props} />
    case 'quarantine':
      return <QuarantineView {...props} />
    case 'peers':
      return <PeersView {...props} />
    case 'audit':
      return <AuditView {...props} />
    case 'ingest':
      return <IngestView {...props} />
  }
}
