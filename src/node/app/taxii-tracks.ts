import { asPartyId, type PartyId } from '../../domain/ids.ts'
import type { TrackMessageWire } from '../../protocol/track.ts'
import type { StixObject } from '../../interop/stix-objects.ts'
import { versionOf } from '../../interop/stix-objects.ts'
import {
  type TrackInstants,
  trackRevocationToStixObjects,
  trackVersionInstants,
  trackVersionToStixObjects,
} from '../../interop/stix-tracks.ts'
import type { DisclosurePath, TrackVersionRow, WithdrawalRow } from '../store/store.ts'
import { auditedTransaction } from './audit-log.ts'
import type { NodeContext } from './context.ts'
import type { HoldingDisclosure, TaxiiEntry, TaxiiSource } from './taxii-views.ts'
import type { TrackVerdict } from './track-release.ts'
import { type EgressReads, trackEgressVerdict } from './tracks.ts'
import { heldBy, wasShown } from './visible-versions.ts'

/**
 * Tracks in the TAXII collection and `export` (issue 12): every version of every track held
 * here that the viewer may see at this instant. Each version is decided on its own marking by
 * the policy of every track egress (`trackEgressVerdict`, the live link's at each delivery);
 * this node's party and the track's originator see them all. A withdrawn report's tracks show
 * their revocation only, content-free, and to anyone else only if it held the report or was
 * shown the track. Serving a track is recorded once per party and path, as reports are.
 */
export const trackEntries: TaxiiSource = async (ctx, viewer, atMs) => {
  const rows = await ctx.store.listTrackVersions({})
  if (rows.length === 0) return []
  const withdrawals = new Map((await ctx.store.listWithdrawals()).map((w) => [w.reportId, w]))
  const reads: EgressReads = new Map()
  // One question per marking per request: a 1 Hz track's hundreds of versions share a few.
  const verdicts = new Map<string, Promise<TrackVerdict>>()
  const verdictOf = (row: TrackVersionRow): Promise<TrackVerdict> => {
    const key = JSON.stringify([
      row.originator,
      row.reportId,
      row.topic,
      row.level,
      row.releasableTo,
    ])
    let verdict = verdicts.get(key)
    if (verdict === undefined)
      verdicts.set(key, (verdict = trackEgressVerdict(ctx, row, viewer, atMs, reads)))
    return verdict
  }
  const out: TaxiiEntry[] = []
  for (const versions of byTrack(rows).values()) {
    const [first] = versions
    if (first === undefined) continue
    const key = trackKey(first)
    const own = viewer === ctx.party || viewer === first.originator
    const instants = trackVersionInstants(versions)
    const withdrawal = withdrawals.get(first.reportId)
    if (withdrawal !== undefined && !own) {
      if ((await heldBy(ctx, viewer, first.reportId)) || (await wasShown(ctx, viewer, key)))
        out.push(...revocationEntries(ctx, first, instants, withdrawal))
      continue
    }
    for (const [i, row] of versions.entries()) {
      const timed = instants[i]
      if (timed === undefined) continue
      let disclosure: HoldingDisclosure | null = null
      if (!own) {
        const verdict = await verdictOf(row)
        if (!verdict.ok) continue
        disclosure = trackDisclosure(first, verdict.agreement)
      }
      for (const object of versionObjects(ctx, row, timed))
        out.push({ object, dateAddedMs: row.recordedAtMs, version: versionOf(object), disclosure })
    }
    if (withdrawal !== undefined) out.push(...revocationEntries(ctx, first, instants, withdrawal))
  }
  return out
}

/** A stored version: its message is one this node applied, checked by the track schema then. */
type VersionRow = TrackVersionRow & { readonly message: TrackMessageWire }

const trackKey = (t: Pick<TrackVersionRow, 'originator' | 'trackNumber'>): string =>
  `track:${t.originator}:${t.trackNumber}`

/** Each track's versions, oldest first (the store lists them by arrival; a track's by seq). */
function byTrack(rows: readonly TrackVersionRow[]): Map<string, VersionRow[]> {
  const out = new Map<string, VersionRow[]>()
  for (const row of rows) {
    const key = trackKey(row)
    const versions = out.get(key) ?? []
    if (versions.length === 0) out.set(key, versions)
    versions.push(row as VersionRow)
  }
  for (const versions of out.values()) versions.sort((a, b) => a.seq - b.seq)
  return out
}

function revocationEntries(
  ctx: NodeContext,
  track: TrackVersionRow,
  instants: readonly TrackInstants[],
  withdrawal: WithdrawalRow,
): TaxiiEntry[] {
  const last = instants.at(-1)
  const objects = trackRevocationToStixObjects(
    {
      originator: track.originator,
      trackNumber: track.trackNumber,
      reportId: track.reportId,
      createdAtMs: last?.createdAtMs ?? withdrawal.recordedAtMs,
      revokedAtMs: Math.max(withdrawal.recordedAtMs, (last?.modifiedAtMs ?? 0) + 1),
    },
    { partyName: partyNameOf(ctx) },
  )
  // Content-free (the report's own revocation is too): serving it discloses nothing.
  return objects.map((object) => ({
    object,
    dateAddedMs: withdrawal.recordedAtMs,
    version: versionOf(object),
    disclosure: null,
  }))
}

/**
 * What serving a track's versions discloses: one `disclosure` entry the first time the viewer
 * is shown the track by this path, naming the agreement it is shown under (that of the newest
 * version in what is served), as reports' and products' are.
 */
function trackDisclosure(track: TrackVersionRow, agreement: string | null): HoldingDisclosure {
  const key = trackKey(track)
  return {
    key,
    record: async (ctx: NodeContext, viewer: PartyId, path: DisclosurePath, atMs: number) => {
      if (viewer === ctx.party || viewer === track.originator) return
      // Recorded once per party and path: a client polling every second writes nothing again.
      const seen = `${key} ${viewer} ${path}`
      const recorded = recordedHere.get(ctx) ?? new Set<string>()
      recordedHere.set(ctx, recorded)
      if (recorded.has(seen)) return
      await auditedTransaction(ctx, async (tx, audit) => {
        const first = await tx.insertDisclosure({
          reportId: key,
          party: viewer,
          path,
          firstAtMs: atMs,
        })
        if (!first) return
        await audit.append(tx, {
          atMs,
          type: 'disclosure',
          party: viewer,
          subject: key,
          data: {
            track: `${track.originator}:${track.trackNumber}`,
            trackNumber: track.trackNumber,
            originator: track.originator,
            reportId: track.reportId,
            path,
            agreement,
          },
        })
      })
      recorded.add(seen)
    },
  }
}

/** The (track, party, path) disclosures this process has recorded, or seen recorded. */
const recordedHere = new WeakMap<NodeContext, Set<string>>()

const partyNameOf =
  (ctx: NodeContext) =>
  (p: string): string | undefined =>
    ctx.index.registry.parties.get(asPartyId(p))?.name

/** A stored version never changes, nor do its objects: built once per version, not per page. */
const objectCache = new WeakMap<NodeContext, Map<string, readonly StixObject[]>>()
const OBJECT_CACHE_VERSIONS = 100_000

function versionObjects(
  ctx: NodeContext,
  row: VersionRow,
  instants: TrackInstants,
): readonly StixObject[] {
  const key = `${trackKey(row)}:${row.seq} ${instants.createdAtMs} ${instants.modifiedAtMs}`
  let cache = objectCache.get(ctx)
  if (cache === undefined) objectCache.set(ctx, (cache = new Map<string, readonly StixObject[]>()))
  let objects = cache.get(key)
  if (objects === undefined) {
    if (cache.size >= OBJECT_CACHE_VERSIONS) cache.clear()
    objects = trackVersionToStixObjects(row, instants, { partyName: partyNameOf(ctx) })
    cache.set(key, objects)
  }
  return objects
}
