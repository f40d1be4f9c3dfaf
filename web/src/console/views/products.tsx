import type { ImageFormat } from '../../../../src/protocol/product.ts'
import { useJson } from '../../api/use-json.ts'
import { bothZones } from '../time.ts'
import type { Product, ProductImagery } from '../types.ts'
import type { ViewProps } from '../view-props.ts'
import { Loading } from './loading.tsx'

/**
 * The products this node holds (issue 17), newest first: an image with its thumbnail, its
 * footprint and how it was taken; an assessment with its text and what it is about. Each image
 * whose file is whole can be downloaded (same origin, the session cookie; the node audits it).
 */
export function ProductsView({ session, events }: ViewProps) {
  const products = useJson<Product[]>('/api/products', events.version, true)
  return (
    <section aria-labelledby="products-heading" data-testid="view-products">
      <h2 id="products-heading">Products</h2>
      <Loading loaded={products}>
        {(list) =>
          list.length === 0 ? (
            <p class="muted">No imagery or assessment held here yet.</p>
          ) : (
            <ul class="cards products" data-testid="products">
              {newestFirst(list).map((p) => (
                <ProductCard key={p.id} product={p} timeZone={session.timeZone} />
              ))}
            </ul>
          )
        }
      </Loading>
    </section>
  )
}

const newestFirst = (list: readonly Product[]): Product[] =>
  [...list].sort((a, b) => b.createdAt.localeCompare(a.createdAt))

function ProductCard({ product: p, timeZone }: { product: Product; timeZone: string }) {
  const headingId = `product-${p.id}-title`
  return (
    <li
      class="panel product"
      aria-labelledby={headingId}
      data-testid="product"
      data-product-id={p.id}
      data-kind={p.kind}
    >
      <h3 id={headingId}>{p.title}</h3>
      <p class="small">
        <span class="pill">{p.kind}</span> · from <strong>{p.originator}</strong> ·{' '}
        <span class="pill" data-testid="product-marking" title={`${p.marking.level} as marked`}>
          {p.localLevel}
        </span>{' '}
        · {p.topic} · v{p.version} ·{' '}
        <span class={`pill product-${p.state}`} data-testid="product-state">
          {p.state}
        </span>
        {p.status === 'superseded' && (
          <>
            {' '}
            <span
              class="pill product-superseded"
              data-testid="product-superseded"
              title="its originator corrected it in a version not released to this party: do not act on this copy"
            >
              superseded by v{p.supersededByVersion}
            </span>
          </>
        )}
        {p.receivedFrom === null ? '' : ` · received from ${p.receivedFrom}`} ·{' '}
        {bothZones(Date.parse(p.createdAt), timeZone)}
      </p>
      {p.imagery !== undefined && <Imagery product={p} imagery={p.imagery} timeZone={timeZone} />}
      {p.assessment !== undefined && (
        <>
          <p class="assessment-text" data-testid="assessment-text">
            {p.assessment.text}
          </p>
          {p.assessment.refs.length > 0 && (
            <>
              <h4>About</h4>
              <ul data-testid="assessment-refs">
                {p.assessment.refs.map((r) => (
                  <li key={`${r.kind} ${r.id}`}>
                    {r.kind}{' '}
                    <a href={refUrl(r)} data-testid="assessment-ref">
                      {r.id}
                    </a>
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </li>
  )
}

/** Where the node serves what an assessment refers to (a track's id is ORIGINATOR:number). */
function refUrl(ref: { readonly kind: 'report' | 'track' | 'product'; readonly id: string }) {
  switch (ref.kind) {
    case 'report':
      return `/api/reports/${encodeURIComponent(ref.id)}`
    case 'product':
      return `/api/products/${encodeURIComponent(ref.id)}`
    case 'track': {
      const [originator = '', number = ''] = ref.id.split(':')
      return `/api/tracks/${encodeURIComponent(originator)}/${encodeURIComponent(number)}`
    }
  }
}

function Imagery({
  product: p,
  imagery,
  timeZone,
}: {
  product: Product
  imagery: ProductImagery
  timeZone: string
}) {
  return (
    <div class="imagery">
      {/* A data: URL of the PNG the API gives inline (the console's CSP allows img-src data:). */}
      <img
        src={`data:image/png;base64,${imagery.thumbnailPng}`}
        alt={`Thumbnail of ${p.title}`}
        class="thumbnail"
        data-testid="product-thumbnail"
      />
      <Footprint ring={imagery.footprint} title={`Footprint of ${p.title}`} />
      <dl class="small imagery-facts">
        <dt>Acquired</dt>
        <dd data-testid="product-acquired">
          {bothZones(Date.parse(imagery.acquiredAt), timeZone)}
        </dd>
        <dt>Platform / sensor</dt>
        <dd data-testid="product-sensor">
          {imagery.platform} / {imagery.sensor}
        </dd>
        <dt>Ground resolution</dt>
        <dd>{imagery.groundResolutionM} m</dd>
        <dt>File</dt>
        <dd>
          {imagery.format}, {formatBytes(imagery.sizeBytes)}{' '}
          {p.contentUrl !== undefined && (
            <a
              class="button"
              href={p.contentUrl}
              download={`${p.id}.${EXTENSION[imagery.format]}`}
              data-testid="product-download"
            >
              Download
            </a>
          )}
        </dd>
      </dl>
    </div>
  )
}

/** The file name's extension a download is saved with. */
const EXTENSION: Readonly<Record<ImageFormat, string>> = { png: 'png', jpeg: 'jpg', geotiff: 'tif' }

const FOOTPRINT_PX = 120

/**
 * The footprint drawn alone in a small square: an equirectangular view of its own bounding box,
 * east–west shrunk by cos(latitude) so that a square on the ground looks square.
 */
function Footprint({ ring, title }: { ring: ProductImagery['footprint']; title: string }) {
  const lons = ring.map(([lon]) => lon)
  const lats = ring.map(([, lat]) => lat)
  const [west, east] = [Math.min(...lons), Math.max(...lons)]
  const [south, north] = [Math.min(...lats), Math.max(...lats)]
  const xScale = Math.cos((((north + south) / 2) * Math.PI) / 180)
  const spanDeg = Math.max((east - west) * xScale, north - south, 1e-9)
  const margin = 8
  const scale = (FOOTPRINT_PX - 2 * margin) / spanDeg
  const points = ring
    .map(([lon, lat]) => {
      const x = margin + (lon - west) * xScale * scale
      const y = margin + (north - lat) * scale
      return `${x.toFixed(1)},${y.toFixed(1)}`
    })
    .join(' ')
  return (
    <svg
      class="footprint"
      viewBox={`0 0 ${FOOTPRINT_PX} ${FOOTPRINT_PX}`}
      width={FOOTPRINT_PX}
      height={FOOTPRINT_PX}
      role="img"
      aria-label={`${title}: ${south.toFixed(2)}–${north.toFixed(2)}°N, ${west.toFixed(2)}–${east.toFixed(2)}°E`}
      data-testid="product-footprint"
    >
      <rect width={FOOTPRINT_PX} height={FOOTPRINT_PX} class="footprint-sea" />
      <polygon points={points} class="footprint-ring" />
    </svg>
  )
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}
