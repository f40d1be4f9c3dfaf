import type { PartyId } from '../../domain/ids.ts'
import { isDenied, releaseOptions } from '../../domain/release.ts'
import { isEntenteError } from '../../lib/errors.ts'
import {
  readStixBundle,
  splitLaunches,
  type StixReading,
  type StixReport,
} from '../../interop/stix.ts'
import { LAUNCH_TYPE, type StixObject, TRACK_TYPE, versionOf } from '../../interop/stix-objects.ts'
import { readStixTracks, type StixTrackReading } from '../../interop/stix-tracks-import.ts'
import {
  MAX_TRACK_BATCH,
  trackBatchPostSchema,
  type TrackMessageWire,
} from '../../protocol/track.ts'
import type { ReportRow } from '../store/store.ts'
import { ISSUED } from '../store/store.ts'
import { auditedTransaction } from './audit-log.ts'
import { correctReport } from './corrections.ts'
import type { NodeContext } from './context.ts'
import { checkMarking, ingestReport } from './ingest.ts'
import { type ReportInput, reportInputSchema } from './report-input.ts'
import { isHubOf, planRelays, storeReceived } from './relay.ts'
import { postTrackBatch, type TrackBatchPost, trackMessagesRefused } from './tracks.ts'
import { reportDigest, reportFacts } from './release-inputs.ts'
import { withdrawReport } from './withdrawals.ts'

/** One object's fate in a TAXII status resource. */
export interface ObjectOutcome {
  readonly id: string
  readonly version: string
  readonly message?: string
}

export interface EnvelopeOutcome {
  readonly successes: readonly ObjectOutcome[]
  readonly failures: readonly ObjectOutcome[]
}

/** Supporting objects a client may send along (every export carries them); they are not stored. */
const SUPPORTING = new Set([
  'identity',
  'extension-definition',
  'marking-definition',
  'location',
  'relationship',
])

/** Launches of one POST ingested at once: enough to fill a commit, few enough to stay fair. */
const PARALLEL_LAUNCHES = 64

/**
 * Objects POSTed by a TAXII client of `party`: each launch (with the objects it refers to)
 * is one report from that party. The node's own clients ingest as `POST /api/reports` does;
 * a peer party's report is re-checked like a federation arrival — it must be the party's own
 * and the release from it to this node must be allowed now — then stored or quarantined.
 * Tracks (`entente-track`) go in after the launches, the node's own only (`ingestTrack`).
 */
export async function ingestTaxiiObjects(
  ctx: NodeContext,
  party: PartyId,
  objects: readonly StixObject[],
): Promise<EnvelopeOutcome> {
  // An object shared by several launches (an identity) succeeds if any of them is stored.
  const problems = new Map<string, string | null>()
  const { bundles, others } = splitLaunches(objects)
  // Launches are ingested side by side, so that their transactions share commits (the store
  // groups those that queue); the same launch twice stays in order: the second is the duplicate.
  const lanes = new Map<string, (typeof bundles)[number][]>()
  for (const bundle of bundles) lanes.set(bundle.id, [...(lanes.get(bundle.id) ?? []), bundle])
  const queue = [...lanes.values()]
  const worker = async (): Promise<void> => {
    for (let lane = queue.shift(); lane !== undefined; lane = queue.shift())
      for (const bundle of lane) {
        const problem = await ingestOne(ctx, party, bundle)
        for (const { id } of bundle.objects)
          if (problems.get(id) !== null) problems.set(id, problem)
      }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL_LAUNCHES, queue.length) }, worker))
  // Tracks after the launches they belong to (an export carries both), one after another;
  // read among all the objects, as `import` reads them: a track's creator identity may be a
  // launch's too (a revocation alone names its originator by it).
  for (const reading of readStixTracks(objects)) {
    const trackId = reading.ok ? reading.value.id : reading.issues.id
    const problem = reading.ok
      ? await ingestTrack(ctx, party, reading.value)
      : reading.issues.issues.join('; ')
    problems.set(trackId, problem)
    // A refused track's own markings and relationships carry its problem, as a refused
    // launch's objects carry its (unless something stored uses them too).
    if (problem !== null)
      for (const id of trackOwnObjectIds(trackId, others))
        if (problems.get(id) !== null) problems.set(id, problem)
  }
  for (const { id, type } of others) {
    if (type === TRACK_TYPE || problems.has(id)) continue
    problems.set(
      id,
      SUPPORTING.has(type)
        ? null
        : `this collection holds ${LAUNCH_TYPE} reports, ${TRACK_TYPE} tracks and their supporting objects only, not ${type}`,
    )
  }
  const successes: ObjectOutcome[] = []
  const failures: ObjectOutcome[] = []
  for (const object of objects) {
    const problem = problems.get(object.id) ?? null
    const outcome = { id: object.id, version: versionOf(object) }
    if (problem === null) successes.push(outcome)
    else failures.push({ ...outcome, message: problem })
  }
  return { successes, failures }
}

/** The marking definitions a track's versions name, and the relationships from it. */
export function trackOwnObjectIds(trackId: string, objects: readonly StixObject[]): Set<string> {
  const ids = new Set<string>()
  for (const o of objects) {
    if (o.type === TRACK_TYPE && o.id === trackId) {
      const refs = o['object_marking_refs']
      for (const ref of Array.isArray(refs) ? refs : []) if (typeof ref === 'string') ids.add(ref)
    }
    if (o.type === 'relationship' && o['source_ref'] === trackId) ids.add(o.id)
  }
  return ids
}

/** Null when stored (or already held); else why not. */
async function ingestOne(
  ctx: NodeContext,
  party: PartyId,
  bundle: unknown,
): Promise<string | null> {
  const parsed = readStixBundle(bundle)
  if (!parsed.ok) return parsed.issues.join('; ')
  if (parsed.value.status === 'withdrawn') return ingestWithdrawal(ctx, party, parsed.value)
  return ingestVersions(ctx, party, parsed.value.versions)
}

/**
 * A report's versions, oldest first. A peer party's newest is re-checked as an arrival. The
 * node's own: one not held is ingested, then corrected by each later version; one held is
 * corrected by each version numbered above the one held whose content differs from it (the
 * same export again changes nothing). Null when stored or held already; else why not.
 */
async function ingestVersions(
  ctx: NodeContext,
  party: PartyId,
  versions: readonly StixReport[],
): Promise<string | null> {
  const inputs: ReportInput[] = []
  for (const report of versions) {
    if (report.originator !== party)
      return `marking: the originator is ${report.originator}; a client of ${party} may add ${party}'s reports only`
    const input = reportInputSchema.safeParse({
      id: report.id,
      marking: { originator: report.originator, level: report.level },
      topic: report.topic,
      ...(report.releasableTo === null ? {} : { releasableTo: report.releasableTo }),
      launch: report.payload,
    })
    if (!input.success)
      return input.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    inputs.push(input.data)
  }
  const newest = versions.at(-1)
  const newestInput = inputs.at(-1)
  if (newest === undefined || newestInput === undefined) return 'no version of the report to store'
  if (party !== ctx.party)
    return receiveFromParty(ctx, party, { ...newest, payload: newestInput.launch })
  try {
    const held = await ctx.store.getReport(newest.id)
    if (held === undefined || held.originator !== ctx.party) {
      // Not held: ingested as issued (a report held from another originator is refused there).
      await ingestReport(ctx, inputs[0] ?? newestInput)
      for (const input of inputs.slice(1)) await correctReport(ctx, newest.id, input)
      return null
    }
    for (const [i, report] of versions.entries()) {
      const input = inputs[i]
      const now = await ctx.store.getReport(newest.id)
      if (input === undefined || now === undefined || (report.version ?? 1) <= held.version)
        continue
      if (!sameContent(now, report)) await correctReport(ctx, newest.id, input)
    }
    return null
  } catch (error) {
    if (isEntenteError(error)) return error.message
    throw error
  }
}

function sameContent(held: ReportRow, report: StixReport): boolean {
  return reportDigest({ ...held, version: 1 }) === reportDigest({ ...report, version: 1 })
}

/**
 * A revoked launch (issue 12). From the node's own clients, of an own report held here: the
 * report is withdrawn, as `POST /api/reports/{id}/withdraw` does. From a peer's client it is
 * refused: a withdrawal reaches this node signed by its originator, over the federation link.
 */
async function ingestWithdrawal(
  ctx: NodeContext,
  party: PartyId,
  reading: Extract<StixReading, { status: 'withdrawn' }>,
): Promise<string | null> {
  const { reportId, reason } = reading.withdrawal
  const revoked = `revoked: report ${reportId} was withdrawn`
  if (party !== ctx.party)
    return `${revoked}; a withdrawal reaches this node signed by its originator over the federation link, not from a TAXII client`
  if ((await ctx.store.getReport(reportId)) === undefined) {
    // An own export carries the versions before the revocation: the last one is stored first.
    if (reading.report === null)
      return `${revoked}; it is not held here and the bundle carries no version of it to store`
    const stored = await ingestVersions(ctx, party, reading.versions)
    if (stored !== null) return stored
  }
  if ((await ctx.store.getWithdrawal(reportId)) !== undefined) return null
  try {
    await withdrawReport(ctx, reportId, reason === '' ? 'withdrawn (STIX revoked)' : reason)
    return null
  } catch (error) {
    if (isEntenteError(error)) return `${revoked}; ${error.message}`
    throw error
  }
}

/**
 * A track's versions (issue 12). From the node's own clients, of an own track of a report held
 * here: its messages are posted as the node's sensors post them (`POST /api/tracks/updates`:
 * folded, decided for every peer, queued, audited), one batch per run of versions under one
 * marking; versions held already are stale and change nothing. From a peer's client it is
 * refused: a peer's track reaches this node signed by its originator over the federation link.
 * A revoked track needs nothing stored once its report's withdrawal is held here.
 */
async function ingestTrack(
  ctx: NodeContext,
  party: PartyId,
  track: StixTrackReading,
): Promise<string | null> {
  const name = `track ${track.originator ?? '?'}:${track.trackNumber}`
  if (party !== ctx.party)
    return `${name}: a peer's track reaches this node signed by its originator over the federation link, not from a TAXII client of ${party}`
  if (track.originator !== ctx.party)
    return `object_marking_refs: the originator is ${track.originator ?? 'not given'}; a client of ${party} may add ${party}'s tracks only`
  if (track.revoked && (await ctx.store.getWithdrawal(track.reportId)) !== undefined) return null
  if (track.revoked)
    return `revoked: ${name}'s report ${track.reportId} is not withdrawn here; a withdrawal is the report's (its revoked ${LAUNCH_TYPE})`
  try {
    // Every batch is checked before the first is posted (each posts in its own transaction):
    // a marking or a message refused in a later run must not leave the earlier ones stored.
    const refused = await trackMessagesRefused(
      ctx,
      track.reportId,
      track.versions.map((v) => v.message),
    )
    if (refused.length > 0) return `${name}: ${refused.join('; ')}`
    const posts: TrackBatchPost[] = []
    for (const run of markingRuns(track.versions))
      for (let i = 0; i < run.messages.length; i += MAX_TRACK_BATCH) {
        // The same rules as a sensor's POST /api/tracks/updates (lengths, list sizes).
        const post = trackBatchPostSchema.safeParse({
          reportId: track.reportId,
          marking: { originator: ctx.party, level: run.level },
          ...(run.releasableTo === null ? {} : { releasableTo: [...run.releasableTo] }),
          messages: run.messages.slice(i, i + MAX_TRACK_BATCH),
        })
        if (!post.success)
          return `${name}: ${post.error.issues.map((e) => `${e.path.join('.')}: ${e.message}`).join('; ')}`
        checkMarking(ctx, {
          marking: { originator: ctx.party, level: run.level },
          releasableTo: post.data.releasableTo,
        })
        posts.push(post.data)
      }
    for (const post of posts) await postTrackBatch(ctx, post)
    return null
  } catch (error) {
    if (isEntenteError(error)) return `${name}: ${error.message}`
    throw error
  }
}

/** Consecutive versions under one marking: one signed batch each. */
function markingRuns(versions: StixTrackReading['versions']) {
  const runs: {
    level: string
    releasableTo: readonly string[] | null
    messages: TrackMessageWire[]
  }[] = []
  for (const v of versions) {
    const last = runs.at(-1)
    const same =
      last !== undefined &&
      last.level === v.level &&
      JSON.stringify(last.releasableTo) === JSON.stringify(v.releasableTo)
    if (same) last.messages.push(v.message)
    else runs.push({ level: v.level, releasableTo: v.releasableTo, messages: [v.message] })
  }
  return runs
}

/** The federation inbox's re-check at receipt, for a report that came in over TAXII. */
async function receiveFromParty(
  ctx: NodeContext,
  party: PartyId,
  report: StixReport,
): Promise<string | null> {
  const nowMs = ctx.now()
  const held = await ctx.store.getReport(report.id)
  if (held !== undefined) {
    // The same report again is fine; other content or another originator under a held id is
    // refused as the inbox refuses it (ID_CONFLICT), without saying whose the id is (M6).
    const again = { ...held, ...report, localLevel: held.localLevel }
    if (held.originator === party && reportDigest(held) === reportDigest(again)) return null
    const reasons = [
      { code: 'ID_CONFLICT', message: `report id ${report.id} conflicts with one held here` },
    ]
    await auditedTransaction(ctx, (tx, audit) =>
      audit.append(tx, {
        atMs: nowMs,
        type: 'quarantine',
        party,
        subject: report.id,
        data: { kind: 'report', via: 'taxii', agreement: null, reportId: report.id, reasons },
      }),
    )
    return `quarantined: ID_CONFLICT: report id ${report.id} conflicts with one held here`
  }
  const outcome = releaseOptions(ctx.index, {
    holder: party,
    recipient: ctx.party,
    report: reportFacts(report),
    atMs: nowMs,
  })
  const reasons = isDenied(outcome)
    ? outcome.reasons.map((r) => ({ code: r.code, message: r.message }))
    : []
  // A hub takes a member's report under the mediated agreement, so that it relays it (R4).
  const chosen = isDenied(outcome)
    ? null
    : (outcome.find((o) => isHubOf(ctx, o.hops[0]?.agreement ?? '')) ?? outcome[0] ?? null)
  const row: ReportRow = {
    ...report,
    // A public release (R0) maps no level: it is held at our own public level.
    localLevel:
      chosen?.levelAtRecipient ?? ctx.index.registry.parties.get(ctx.party)?.public ?? report.level,
    receivedFrom: party,
    agreement: chosen?.hops[0]?.agreement ?? null,
    path: [party, ctx.party],
    createdAtMs: nowMs,
    // A partner's TAXII POST carries no originator signature: relayed on, it is quarantined (H4).
    originatorSignature: null,
    ...ISSUED,
  }
  const relays = chosen === null ? [] : await planRelays(ctx, row.agreement, row, nowMs)
  await auditedTransaction(ctx, async (tx, audit) => {
    await audit.append(tx, {
      atMs: nowMs,
      type: chosen === null ? 'quarantine' : 'arrival',
      party,
      subject: report.id,
      data: {
        kind: 'report',
        via: 'taxii',
        agreement: row.agreement,
        reportId: report.id,
        path: row.path,
        reasons,
      },
    })
    if (chosen === null) return
    const received = { report: row, sender: party, agreement: row.agreement, nowMs }
    await storeReceived(tx, audit, received, relays)
  })
  return chosen === null
    ? `quarantined: ${reasons.map((r) => `${r.code}: ${r.message}`).join('; ')}`
    : null
}
