import { chmodSync, writeFileSync } from 'node:fs'
import type { PartyId } from '../domain/ids.ts'
import { LAUNCH_TYPE, stixId, type StixBundle, TRACK_TYPE } from '../interop/stix-objects.ts'
import { EntenteError } from '../lib/errors.ts'
import type { NodeContext } from '../node/app/context.ts'
import { reportToCot } from '../node/app/cot-track.ts'
import { disclosableReports, recordDisclosures } from '../node/app/disclosure.ts'
import { collectionView, recordServed } from '../node/app/taxii-views.ts'
import { withNodeContext } from './node-dir.ts'
import { knownParty } from './release.ts'

export const EXPORT_FORMATS = ['stix', 'cot'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

export interface ExportOptions {
  readonly dir: string
  readonly format: string
  /** Only what the release engine allows this node to give that party now (the TAXII view). */
  readonly party?: string
  readonly out?: string
  readonly config?: string
}

/**
 * `export`: the node's reports as one STIX 2.1 bundle (the TAXII collection as `--party`, or
 * the node itself, sees it now) or as CoT events, one per line. Prints them, or writes them to
 * `--out` and prints what it wrote.
 */
export async function runExport(options: ExportOptions): Promise<string> {
  const format = exportFormat(options.format)
  return withNodeContext(options.dir, options.config, async (ctx) => {
    const viewer =
      options.party === undefined ? ctx.party : knownParty(ctx.index, options.party, '--party')
    const atMs = ctx.now()
    const { text, reports, items } =
      format === 'stix' ? await stixExport(ctx, viewer, atMs) : await cotExport(ctx, viewer, atMs)
    if (options.out === undefined) return text
    try {
      writeFileSync(options.out, `${text}\n`, { mode: 0o600 })
      chmodSync(options.out, 0o600) // owner-only, also when the file existed
    } catch (error) {
      throw new EntenteError('FILE_NOT_READABLE', `--out: cannot write ${options.out}`, {
        cause: error,
      })
    }
    return `wrote ${reports} report${reports === 1 ? '' : 's'} (${items}) to ${options.out}`
  })
}

interface Exported {
  readonly text: string
  readonly reports: number
  readonly items: string
}

/** What `--party` is given is a disclosure of each report in it (H2), recorded before it is written. */
async function stixExport(ctx: NodeContext, viewer: PartyId, atMs: number): Promise<Exported> {
  const entries = await collectionView(ctx, viewer, atMs)
  await recordServed(ctx, viewer, 'export', entries, atMs)
  const objects = entries.map((e) => e.object)
  const bundle: StixBundle = {
    type: 'bundle',
    id: stixId('bundle', `export:${ctx.party}:${objects.map((o) => o.id).join(',')}`),
    objects,
  }
  // A launch or a track in several versions (issue 12) is one report, one track.
  const count = (type: string) =>
    new Set(objects.filter((o) => o.type === type).map((o) => o.id)).size
  const tracks = count(TRACK_TYPE)
  return {
    text: JSON.stringify(bundle, null, 2),
    reports: count(LAUNCH_TYPE),
    items: `${objects.length} STIX objects${tracks === 0 ? '' : `, ${tracks} track${tracks === 1 ? '' : 's'}`}`,
  }
}

async function cotExport(ctx: NodeContext, viewer: PartyId, atMs: number): Promise<Exported> {
  const shown = await disclosableReports(ctx, viewer, atMs)
  await recordDisclosures(ctx, viewer, 'export', shown, atMs)
  const reports = shown.map((d) => d.report)
  const events = shown.flatMap((d) => reportToCot(d.report, d.labels))
  return { text: events.join('\n'), reports: reports.length, items: `${events.length} CoT events` }
}

function exportFormat(format: string): ExportFormat {
  if ((EXPORT_FORMATS as readonly string[]).includes(format)) return format as ExportFormat
  throw new EntenteError(
    'INVALID_ARGUMENT',
    `--format: '${format}' is not one of ${EXPORT_FORMATS.join(', ')}`,
  )
}
