import type { Product, Report, Track } from '../console/types.ts'
import type { PictureUpdate as WireUpdate } from '../../../src/cli/demo/live.ts'

/** A picture update as the demo streams it, typed as the node's API gives tracks and reports. */
export type PictureUpdate = Omit<WireUpdate, 'tracks' | 'reports' | 'products'> & {
  readonly tracks: readonly Track[]
  readonly reports: readonly Report[] | null
  readonly products: readonly Product[] | null
}

/** One party's own picture: the tracks its node holds (own and received), its reports and products. */
export interface Picture {
  readonly tracks: ReadonlyMap<string, Track>
  readonly reports: readonly Report[]
  readonly products: readonly Product[]
}

/** Folds a batch of updates into the pictures: a track's latest view replaces its earlier one. */
export function applyPictures(
  pictures: ReadonlyMap<string, ReadonlyMap<string, Picture>>,
  updates: readonly PictureUpdate[],
): ReadonlyMap<string, ReadonlyMap<string, Picture>> {
  if (updates.length === 0) return pictures
  const next = new Map(pictures)
  for (const update of updates) {
    const run = new Map(next.get(update.run) ?? [])
    const held = run.get(update.party) ?? { tracks: new Map(), reports: [], products: [] }
    const tracks = new Map(held.tracks)
    for (const track of update.tracks) tracks.set(`${track.originator}.${track.trackNumber}`, track)
    run.set(update.party, {
      tracks,
      reports: update.reports ?? held.reports,
      products: update.products ?? held.products,
    })
    next.set(update.run, run)
  }
  return next
}
