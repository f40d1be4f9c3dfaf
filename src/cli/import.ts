import { readFileSync } from 'node:fs'
import { markingLabel, readStixBundle, splitLaunches, type StixReading } from '../interop/stix.ts'
import type { StixObject } from '../interop/stix-objects.ts'
import { readStixTracks } from '../interop/stix-tracks-import.ts'
import { EntenteError } from '../lib/errors.ts'
import { ingestTaxiiObjects, trackOwnObjectIds } from '../node/app/taxii-ingest.ts'
import { withNodeContext } from './node-dir.ts'

export interface ImportOutcome {
  /** One line per report: imported, corrected, withdrawn, or already held (or withdrawn). */
  readonly lines: readonly string[]
  /** One line per report the node refused (`file: object: why`); empty when all went in. */
  readonly refused: readonly string[]
}

/**
 * `import`: a STIX bundle's reports ingested as the node's own operators' (the path of a
 * TAXII POST by an own client, and of `POST /api/reports`: decided, queued, audited). The
 * bundle is read whole first; a bundle Entente cannot read back is refused before anything is
 * stored. Each report is then ingested on its own, idempotently by its id.
 */
export async function runImport(options: {
  readonly dir: string
  readonly file: string
  readonly config?: string
}): Promise<ImportOutcome> {
  const objects = readBundle(options.file)
  const { bundles } = splitLaunches(objects)
  const readings = bundles.map((b) => readStixBundle(b))
  const tracks = readStixTracks(objects)
  const issues = [
    ...readings.flatMap((r) => (r.ok ? [] : r.issues)),
    ...tracks.flatMap((t) => (t.ok ? [] : t.issues.issues)),
  ]
  if (issues.length > 0)
    throw new EntenteError('STIX_INVALID', issues.map((i) => `${options.file}: ${i}`).join('\n'))
  if (bundles.length === 0)
    throw new EntenteError('STIX_INVALID', `${options.file}: no entente-launch object to import`)
  return withNodeContext(options.dir, options.config, async (ctx) => {
    const heldNow = async () => {
      const held = new Map<string, Held>()
      for (const r of readings) {
        if (!r.ok) continue
        const id = r.value.status === 'current' ? r.value.report.id : r.value.withdrawal.reportId
        const report = await ctx.store.getReport(id)
        const withdrawn = (await ctx.store.getWithdrawal(id)) !== undefined
        if (report !== undefined) held.set(id, { version: report.version, withdrawn })
      }
      return held
    }
    const trackUpdates = async () => {
      const held = new Map<string, number>()
      for (const t of tracks) {
        if (!t.ok || t.value.originator === null) continue
        const row = await ctx.store.getTrack(t.value.originator, t.value.trackNumber)
        held.set(t.value.id, row === undefined ? 0 : row.updates + (row.status === 'live' ? 0 : 1))
      }
      return held
    }
    const before = await heldNow()
    const tracksBefore = await trackUpdates()
    const { failures } = await ingestTaxiiObjects(ctx, ctx.party, objects)
    const afterwards = await heldNow()
    const tracksAfter = await trackUpdates()
    const why = new Map(failures.map((f) => [f.id, f.message ?? 'refused']))
    const lines: string[] = []
    const refused: string[] = []
    bundles.forEach((bundle, i) => {
      const reading = readings[i]
      const launchId = bundle.objects[0]?.id ?? ''
      if (reading === undefined || !reading.ok) return
      const problem = why.get(launchId)
      if (problem !== undefined) refused.push(`${options.file}: ${launchId}: ${problem}`)
      else lines.push(importLine(reading.value, before, afterwards))
    })
    for (const t of tracks) {
      if (!t.ok || why.has(t.value.id)) continue
      const { originator, trackNumber, id } = t.value
      const added = (tracksAfter.get(id) ?? 0) - (tracksBefore.get(id) ?? 0)
      lines.push(
        t.value.revoked
          ? `revoked track ${originator ?? '?'}:${trackNumber} (its report was withdrawn)`
          : added > 0
            ? `imported track ${originator ?? '?'}:${trackNumber} (${added} version${added === 1 ? '' : 's'})`
            : `already held track ${originator ?? '?'}:${trackNumber}`,
      )
    }
    // A refused report's problem is also given to each object of its bundle, and a refused
    // track's to its own markings and relationships: said once, with the report or the track.
    const saidWith = new Set([
      ...bundles.flatMap((b) => b.objects.map((o) => o.id)),
      ...tracks
        .filter((t) => t.ok && why.has(t.value.id))
        .flatMap((t) => (t.ok ? [...trackOwnObjectIds(t.value.id, objects)] : [])),
    ])
    for (const f of failures)
      if (!saidWith.has(f.id)) refused.push(`${options.file}: ${f.id}: ${why.get(f.id) ?? ''}`)
    return { lines, refused }
  })
}

interface Held {
  readonly version: number
  readonly withdrawn: boolean
}

/** What became of one report: imported, corrected, withdrawn, or held as it was. */
function importLine(
  reading: StixReading,
  before: ReadonlyMap<string, Held>,
  afterwards: ReadonlyMap<string, Held>,
): string {
  if (reading.status === 'withdrawn') {
    const id = reading.withdrawal.reportId
    return before.get(id)?.withdrawn === true ? `already withdrawn ${id}` : `withdrawn ${id}`
  }
  const { id, topic } = reading.report
  const was = before.get(id)
  const now = afterwards.get(id)
  const label = `${topic} [${markingLabel(reading.report)}]`
  if (was === undefined) return `imported ${id} ${label}`
  return now !== undefined && now.version > was.version
    ? `corrected ${id} v${now.version} ${label}`
    : `already held ${id}`
}

function readBundle(file: string): StixObject[] {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new EntenteError('FILE_NOT_READABLE', `--file: cannot read ${file}`, { cause: error })
  }
  let bundle: unknown
  try {
    bundle = JSON.parse(text)
  } catch (error) {
    throw new EntenteError('STIX_INVALID', `${file}: not JSON (${(error as Error).message})`)
  }
  const { type, objects } = (bundle ?? {}) as Record<string, unknown>
  if (type !== 'bundle' || !Array.isArray(objects))
    throw new EntenteError(
      'STIX_INVALID',
      `${file}: not a STIX bundle (type "bundle" with an objects array)`,
    )
  objects.forEach((o: unknown, i) => {
    const { type: t, id } = (o ?? {}) as Record<string, unknown>
    if (typeof t !== 'string' || typeof id !== 'string')
      throw new EntenteError('STIX_INVALID', `${file}: objects[${i}]: type and id must be strings`)
  })
  return objects as StixObject[]
}
