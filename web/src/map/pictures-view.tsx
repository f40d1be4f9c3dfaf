import type { Picture } from '../api/pictures.ts'
import type { Scenario } from '../api/types.ts'
import type { LiveState } from '../api/use-live.ts'
import { PictureMap } from '../console/views/picture-map.tsx'
import { RunSelect } from '../ui/run-select.tsx'

const EMPTY: Picture = { tracks: new Map(), reports: [], products: [] }

interface PicturesViewProps {
  readonly scenario: Scenario
  readonly live: LiveState
  readonly run: string
  readonly onRun: (run: string) => void
}

/**
 * Each party's own picture, live: the tracks and reports its node holds — its own and those the
 * agreements let it receive — drawn by the console's picture map (originator's colour, predicted
 * impact's uncertainty). In the baseline Japan's picture has no Korean track; under auto-release
 * it does.
 */
export function PicturesView({ scenario, live, run, onRun }: PicturesViewProps) {
  const pictures = live.pictures.get(run)
  return (
    <section aria-labelledby="pictures-heading" data-testid="view-pictures">
      <div class="toolbar">
        <h2 id="pictures-heading">Each party's own picture</h2>
        <RunSelect live={live} run={run} onRun={onRun} />
      </div>
      <p class="muted">
        What each node holds, read from its API as its audit chain changes: its own sensors' tracks
        and those it received, in the originator's colour, each with its predicted impact's
        uncertainty; reports with their status (a withdrawn one is dashed); the footprint of each
        image it holds, marked by a diamond.
      </p>
      <div class="pictures">
        {scenario.parties.map((p) => (
          <PartyPicture key={p.id} party={p.id} picture={pictures?.get(p.id) ?? EMPTY} />
        ))}
      </div>
    </section>
  )
}

function PartyPicture({ party, picture }: { readonly party: string; readonly picture: Picture }) {
  const tracks = [...picture.tracks.values()]
  const live = tracks.filter((t) => t.status === 'live')
  const originators = [...new Set(tracks.map((t) => t.originator))].sort()
  return (
    <article
      class="panel picture"
      data-testid={`picture-${party}`}
      data-party={party}
      data-originators={originators.join(' ')}
    >
      <h3>
        {party}'s picture{' '}
        <span class="muted small" data-testid="picture-summary">
          {live.length} live of {tracks.length} tracks
          {originators.length > 0 ? ` (from ${originators.join(', ')})` : ''}
        </span>
      </h3>
      <PictureMap reports={picture.reports} tracks={live} products={picture.products} />
      <ul class="picture-reports">
        {picture.reports.map((r) => (
          <li
            key={r.id}
            data-testid="picture-report"
            data-originator={r.originator}
            data-status={r.status}
          >
            <span class={`badge status-${r.status}`}>{r.status}</span> {r.originator}
            {r.payload.count !== undefined && r.payload.count > 1 ? ` ×${r.payload.count}` : ''}
            {r.payload.rangeKm !== undefined ? `, ${r.payload.rangeKm} km` : ''}
            {r.withdrawal !== undefined ? ` — ${r.withdrawal.reason}` : ''}
          </li>
        ))}
      </ul>
    </article>
  )
}
