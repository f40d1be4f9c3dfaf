import { asAgreementId, asLevel, asPartyId, type Level, type PartyId } from '../../domain/ids.ts'
import {
  applyTrackMessage,
  startTrack,
  type Track,
  type TrackMessage,
  type TrackOutcome,
  type TrackState,
} from '../../domain/track.ts'
import { EntenteError } from '../../lib/errors.ts'
import type { QuarantineReason } from '../../protocol/codes.ts'
import type { Message } from '../../protocol/messages.ts'
import type { TrackBatch, TrackMessageWire, TrackPost } from '../../protocol/track.ts'
import { isOriginatorSignatureError } from '../crypto/originator-signature.ts'
import { signTrackBatch, verifyTrackBatch } from '../crypto/track-signature.ts'
import type { OutboxRow, ReleaseRow, StoreTx, TrackRow, TrackVersionRow } from '../store/store.ts'
import { type AuditBatch, auditedTransaction } from './audit-log.ts'
import type { NodeContext } from './context.ts'
import { checkMarking } from './ingest.ts'
import { composeForPeer, enqueue } from './outbox.ts'
import { activeConsents, consentsHeld } from './release-inputs.ts'
import { isHubOf } from './relay.ts'
import { type TrackFacts, trackDecider, type TrackVerdict } from './track-release.ts'

/**
 * Tracks (issue 12): an originator's sensors post the lifecycle messages of a numbered track;
 * the node folds them into the track's state (src/domain/track.ts: a track never moves back in
 * time), signs the batch once as originator, decides its release to every peer at this instant
 * (cached only while nothing can change the answer: track-release.ts) and queues one `track`
 * message per peer allowed. A receiver verifies the originator's signature, decides the
 * transfer again with its own registry, folds the batch into its own picture, and a hub passes
 * the batch on, signature unchanged, to the members its agreement lets it reach.
 */

export type TrackEffect = 'applied' | 'stale' | 'ended'

export interface TrackPostResult {
  readonly track: TrackRow
  /** The post started the track (its initial message). */
  readonly created: boolean
  /** What each posted message did, in order. */
  readonly effects: readonly TrackEffect[]
  /** The peers the batch was queued for. */
  readonly sentTo: readonly string[]
  /** The peers it may not reach now, with the engine's codes. */
  readonly deniedTo: Readonly<Record<string, readonly string[]>>
}

/** An originator's sensors post one track's messages (one or a batch). */
export async function postTrackUpdates(
  ctx: NodeContext,
  trackNumber: number,
  post: TrackPost,
): Promise<TrackPostResult> {
  const { updates, ...rest } = post
  const messages = updates.map((u) => ({ ...u, trackNumber }))
  const result = await postTrackBatch(ctx, { ...rest, messages })
  const track = result.tracks[0]
  if (track === undefined) throw new Error(`track ${trackNumber} was not folded`)
  const { tracks: _tracks, created, batchId: _batchId, ...common } = result
  return { ...common, track, created: created.includes(trackNumber) }
}

/** Messages of many tracks of one report, in one batch: one signature, one decision per peer. */
export interface TrackBatchPost extends Omit<TrackPost, 'updates'> {
  readonly messages: readonly TrackMessageWire[]
}

export interface TrackBatchResult extends Omit<TrackPostResult, 'track' | 'created'> {
  /** Every track the batch names, as it stands after it. */
  readonly tracks: readonly TrackRow[]
  /** The numbers of the tracks the batch started. */
  readonly created: readonly number[]
  /** The id of the batch signed and sent (the `track` entries name it); null when all were stale. */
  readonly batchId: string | null
}

/**
 * The tracks' messages folded in (all or nothing: a message the domain refuses refuses the
 * post, naming it), the applied ones signed once as a batch, decided for every peer now and
 * queued for those allowed, in one transaction.
 */
export async function postTrackBatch(
  ctx: NodeContext,
  post: TrackBatchPost,
): Promise<TrackBatchResult> {
  if (post.marking !== undefined)
    checkMarking(ctx, { marking: post.marking, releasableTo: post.releasableTo })
  else if (post.releasableTo !== undefined)
    throw new EntenteError(
      'INVALID_REQUEST',
      'releasableTo: give it with the batch’s own marking; without one the track takes its report’s',
    )
  const numbers = [...new Set(post.messages.map((m) => m.trackNumber))]
  const held = new Map(
    (await ctx.store.getTracks(ctx.party, numbers)).map((row) => [row.trackNumber, row]),
  )
  const reportId = post.reportId ?? held.values().next().value?.reportId
  const fresh = numbers.filter((n) => !held.has(n))
  if (reportId === undefined || (post.reportId === undefined && fresh.length > 0))
    throw new EntenteError(
      'INVALID_REQUEST',
      `reportId: track ${fresh[0] ?? numbers[0]} is new here; its first post names the report (the launch) it belongs to`,
    )
  for (const row of held.values())
    if (row.reportId !== reportId)
      throw new EntenteError(
        'INVALID_REQUEST',
        `reportId: track ${row.trackNumber} belongs to report ${row.reportId}`,
      )
  const report = await ctx.store.getReport(reportId)
  if (report === undefined)
    throw new EntenteError('NOT_FOUND', `reportId: report '${reportId}' is not held here`)
  if (report.originator !== ctx.party)
    throw new EntenteError(
      'CONFLICT',
      `reportId: report '${reportId}' is ${report.originator}'s; a track belongs to a report of its own originator`,
    )
  if ((await ctx.store.getWithdrawal(reportId)) !== undefined)
    throw new EntenteError(
      'CONFLICT',
      `reportId: report '${reportId}' was withdrawn; its tracks end`,
    )

  const { tracks, effects, issues, versions } = foldTracks(ctx.party, reportId, held, post.messages)
  if (issues.length > 0) throw new EntenteError('INVALID_REQUEST', issues.join('; '))
  const applied = post.messages.filter((_, i) => effects[i] !== 'stale')
  const nowMs = ctx.now()
  const facts: TrackFacts = {
    originator: ctx.party,
    reportId,
    topic: report.topic,
    level: post.marking?.level ?? report.level,
    releasableTo: post.marking !== undefined ? (post.releasableTo ?? null) : report.releasableTo,
  }
  const changed = [...tracks.values()].filter((t) => {
    const before = held.get(t.trackNumber)
    return before === undefined || before.updates !== t.updates || before.status !== t.status
  })
  const rows = new Map<number, TrackRow>(held)
  for (const t of changed)
    rows.set(t.trackNumber, trackRow(t, facts, facts.level, null, [ctx.party], nowMs))
  const result = (
    batchId: string | null,
    sentTo: string[],
    deniedTo: Record<string, string[]>,
  ): TrackBatchResult => ({
    tracks: numbers.map((n) => rows.get(n)).filter((r) => r !== undefined),
    created: fresh,
    batchId,
    effects,
    sentTo,
    deniedTo,
  })
  if (applied.length === 0) return result(null, [], {})

  const batch: TrackBatch = {
    batchId: ctx.newId(),
    ...facts,
    releasableTo: facts.releasableTo === null ? null : [...facts.releasableTo],
    messages: applied,
  }
  // Signed before the transaction: crypto never holds the store's lock.
  const signature = signTrackBatch(batch, ctx.keys.signing)
  const decisions = await decideForPeers(ctx, facts, null, [...ctx.peers.keys()], nowMs)
  const outgoing = decisions.flatMap(({ peer, verdict }) =>
    verdict.ok
      ? [composeTrack(ctx, peer, verdict.agreement, batch, signature, [ctx.party, peer])]
      : [],
  )
  await auditedTransaction(ctx, async (tx, audit) => {
    const current = new Map(
      (
        await tx.getTracks(
          ctx.party,
          changed.map((t) => t.trackNumber),
        )
      ).map((r) => [r.trackNumber, r]),
    )
    for (const t of changed) {
      const before = held.get(t.trackNumber)
      const now = current.get(t.trackNumber)
      if ((now?.updates ?? 0) !== (before?.updates ?? 0) || now?.status !== before?.status)
        throw new EntenteError('CONFLICT', `track ${t.trackNumber} changed meanwhile: post again`)
      await tx.putTrack(rows.get(t.trackNumber) as TrackRow)
    }
    await tx.insertTrackVersions(versionRows(versions, facts, facts.level, nowMs))
    await recordBatch(tx, audit, { batch, effects, receivedFrom: null, decisions, nowMs })
    for (const message of outgoing) await enqueue(tx, audit, message)
  })
  return result(
    batch.batchId,
    outgoing.map((m) => m.recipient),
    Object.fromEntries(
      decisions.flatMap(({ peer, verdict }) =>
        verdict.ok ? [] : [[peer, verdict.reasons.map((r) => r.code)]],
      ),
    ),
  )
}

interface PeerDecision {
  readonly peer: PartyId
  readonly verdict: TrackVerdict
  /** The engine was asked now (not answered from the cache): the decision is audited. */
  readonly fresh: boolean
}

/** The release of a batch from this node to each peer at `atMs` (but its originator). */
async function decideForPeers(
  ctx: NodeContext,
  facts: TrackFacts,
  levelAtHolder: Level | null,
  peers: readonly PartyId[],
  atMs: number,
  read: Promise<ReportReads> = readForReport(ctx, facts.reportId, atMs),
): Promise<PeerDecision[]> {
  const { consents, released } = await read
  const decider = trackDecider(ctx)
  return peers
    .filter((peer) => peer !== facts.originator)
    .sort()
    .map((peer) => {
      const releasedUnder = new Set(
        released.filter((r) => r.recipient === peer).map((r) => r.agreement ?? ''),
      )
      const { verdict, fresh } = decider.decide({
        holder: ctx.party,
        recipient: peer,
        facts,
        levelAtHolder,
        atMs,
        consents,
        releasedUnder,
      })
      return { peer, verdict, fresh }
    })
}

/** What a decision on a report's tracks reads from the store at one instant. */
interface ReportReads {
  readonly withdrawn: boolean
  readonly consents: Awaited<ReturnType<typeof activeConsents>>
  readonly released: readonly ReleaseRow[]
}

/** The reads for deciding at `atMs`: the releases to `recipient` only, when it is given. */
async function readForReport(
  ctx: NodeContext,
  reportId: string,
  atMs: number,
  recipient?: PartyId,
): Promise<ReportReads> {
  return {
    withdrawn: (await ctx.store.getWithdrawal(reportId)) !== undefined,
    consents: await activeConsents(ctx, atMs),
    released: await ctx.store.listReleases({
      reportId,
      state: 'released',
      ...(recipient === undefined ? {} : { recipient }),
    }),
  }
}

/**
 * The reads of one delivery attempt (or TAXII request), per report and recipient: a delivery
 * carries many batches of one report, decided at one instant, and each would otherwise read
 * the same rows again.
 */
export type EgressReads = Map<string, Promise<ReportReads>>

function composeTrack(
  ctx: NodeContext,
  peer: PartyId,
  agreement: string | null,
  batch: TrackBatch,
  originatorSignature: string,
  path: readonly string[],
): OutboxRow {
  return composeForPeer(ctx, {
    recipient: peer,
    kind: 'track',
    agreement: agreement === null ? null : asAgreementId(agreement),
    // The batch, not its report: a frame carries many batches of one report (takeBatch cuts
    // a delivery before a second message about the same subject).
    subjectId: batch.batchId,
    payload: { batch, originatorSignature, path: [...path] },
  })
}

/**
 * One `track` entry per batch applied here: its tracks and what each message did, where it
 * goes, and every decision the engine made afresh for it (a cached one was audited when made).
 */
async function recordBatch(
  tx: StoreTx,
  audit: AuditBatch,
  r: {
    batch: TrackBatch
    effects: readonly TrackEffect[]
    receivedFrom: string | null
    decisions: readonly PeerDecision[]
    nowMs: number
  },
): Promise<void> {
  const { batch, effects, decisions } = r
  await audit.append(tx, {
    atMs: r.nowMs,
    type: 'track',
    party: r.receivedFrom,
    subject: batch.reportId,
    data: {
      batchId: batch.batchId,
      originator: batch.originator,
      reportId: batch.reportId,
      level: batch.level,
      tracks: [...new Set(batch.messages.map((m) => m.trackNumber))],
      messages: batch.messages.map((m, i) => ({
        trackNumber: m.trackNumber,
        kind: m.kind,
        effect: effects[i] ?? 'applied',
      })),
      receivedFrom: r.receivedFrom,
      sentTo: decisions.filter((d) => d.verdict.ok).map((d) => d.peer),
      decided: decisions
        .filter((d) => d.fresh)
        .map((d) => ({
          recipient: d.peer,
          decision: d.verdict.ok ? 'allowed' : 'denied',
          agreement: d.verdict.ok ? d.verdict.agreement : null,
          validUntilMs: Number.isFinite(d.verdict.validUntilMs) ? d.verdict.validUntilMs : null,
          reasons: d.verdict.ok ? [] : d.verdict.reasons,
        })),
    },
  })
}

/**
 * What the domain would refuse of `messages` (in order) folded into this node's tracks as held
 * now, without storing anything: an import posts a track's versions as several batches, one
 * transaction each, and checks them all first so that none is left half stored.
 */
export async function trackMessagesRefused(
  ctx: NodeContext,
  reportId: string,
  messages: readonly TrackMessageWire[],
): Promise<string[]> {
  const numbers = [...new Set(messages.map((m) => m.trackNumber))]
  const held = new Map(
    (await ctx.store.getTracks(ctx.party, numbers)).map((row) => [row.trackNumber, row]),
  )
  return foldTracks(ctx.party, reportId, held, messages).issues
}

/** A message applied to a track, and the version it made (TrackVersionRow's `seq`). */
interface AppliedVersion {
  readonly seq: number
  readonly message: TrackMessageWire
}

/**
 * The messages folded into the tracks they name, in order: the tracks' states, each effect,
 * and the versions the applied ones made (a state is version `updates`; an end the one after).
 */
function foldTracks(
  originator: PartyId,
  reportId: string,
  held: ReadonlyMap<number, TrackRow>,
  messages: readonly TrackMessageWire[],
): {
  tracks: Map<number, Track>
  effects: TrackEffect[]
  issues: string[]
  versions: AppliedVersion[]
} {
  const tracks = new Map<number, Track>()
  for (const [n, row] of held) tracks.set(n, trackOf(row))
  const effects: TrackEffect[] = []
  const issues: string[] = []
  const versions: AppliedVersion[] = []
  messages.forEach((wire, i) => {
    const message = domainMessage(wire)
    const before = tracks.get(wire.trackNumber)
    const outcome: TrackOutcome =
      before === undefined
        ? startTrack(originator, wire.trackNumber, reportId, message)
        : applyTrackMessage(before, message)
    if (!outcome.ok) {
      for (const issue of outcome.issues)
        issues.push(`updates[${i}]: ${issue.code}: ${issue.message}`)
      effects.push('stale')
      return
    }
    const { track, effect } = outcome.value
    tracks.set(wire.trackNumber, track)
    effects.push(effect)
    if (effect !== 'stale')
      versions.push({ seq: track.updates + (effect === 'ended' ? 1 : 0), message: wire })
  })
  return { tracks, effects, issues, versions }
}

function versionRows(
  versions: readonly AppliedVersion[],
  facts: TrackFacts,
  localLevel: string,
  nowMs: number,
): TrackVersionRow[] {
  return versions.map(({ seq, message }) => ({
    originator: facts.originator,
    trackNumber: message.trackNumber,
    seq,
    reportId: facts.reportId,
    topic: facts.topic,
    level: facts.level,
    localLevel,
    releasableTo: facts.releasableTo,
    message,
    recordedAtMs: nowMs,
  }))
}

function domainMessage(wire: TrackMessageWire): TrackMessage {
  switch (wire.kind) {
    case 'initial':
    case 'update':
      return { kind: wire.kind, state: wire.state }
    case 'drop':
      return { kind: 'drop', atMs: wire.atMs }
    case 'correlate':
      return { kind: 'correlate', atMs: wire.atMs, survivor: wire.survivor }
  }
}

function trackOf(row: TrackRow): Track {
  return {
    originator: asPartyId(row.originator),
    trackNumber: row.trackNumber,
    reportId: row.reportId,
    state: row.state as unknown as TrackState,
    status: row.status,
    endedAtMs: row.endedAtMs,
    survivor: row.survivor,
    updates: row.updates,
  }
}

function trackRow(
  track: Track,
  facts: TrackFacts,
  localLevel: string,
  receivedFrom: string | null,
  path: readonly string[],
  nowMs: number,
): TrackRow {
  return {
    originator: track.originator,
    trackNumber: track.trackNumber,
    reportId: track.reportId,
    topic: facts.topic,
    level: facts.level,
    localLevel,
    releasableTo: facts.releasableTo,
    state: track.state as unknown as Record<string, unknown>,
    status: track.status,
    endedAtMs: track.endedAtMs,
    survivor: track.survivor,
    updates: track.updates,
    receivedFrom,
    path,
    updatedAtMs: nowMs,
  }
}

/** What a receiver decided before its transaction about a peer's batch. */
export interface CheckedTrack {
  readonly reasons: QuarantineReason[]
  /** The level at which this node holds the batch, in its own scheme. */
  readonly localLevel: Level | null
  /** For a hub: the members it passes the batch on to, each with its agreement. */
  readonly relays: readonly PeerDecision[]
}

/**
 * A peer's batch, before the transaction: the path, the originator's signature (with the
 * ORIGINATOR's key), the transfer allowed by our own registry under the agreement the sender
 * named at its instant and at receipt, and, for a hub, where it goes on.
 */
export async function checkTrackArrival(
  ctx: NodeContext,
  message: Message<'track'>,
  nowMs: number,
): Promise<CheckedTrack> {
  const fail = (reasons: QuarantineReason[]): CheckedTrack => ({
    reasons,
    localLevel: null,
    relays: [],
  })
  const { batch, path, originatorSignature } = message.payload
  const parties = ctx.index.registry.parties
  for (const p of [batch.originator, ...path, ...(batch.releasableTo ?? [])])
    if (!parties.has(asPartyId(p)))
      return fail([
        { code: 'UNKNOWN_REFERENCE', message: `payload: '${p}' is not a party of our registry` },
      ])
  const consistent =
    path[0] === batch.originator &&
    path.at(-1) === ctx.party &&
    path.at(-2) === message.sender &&
    new Set(path).size === path.length
  if (!consistent)
    return fail([
      {
        code: 'PAYLOAD_INVALID',
        message: `payload.path: must run from the originator ${batch.originator} through the sender ${message.sender} to ${ctx.party}, each party once`,
      },
    ])
  try {
    verifyTrackBatch(originatorSignature, ctx.originatorKey(batch.originator), batch)
  } catch (error) {
    if (!isOriginatorSignatureError(error)) throw error
    return fail([
      {
        code: 'ORIGINATOR_SIGNATURE_INVALID',
        message: `payload.originatorSignature: ${error.message}`,
      },
    ])
  }
  const skewMs = ctx.config.clockSkewS * 1000
  if (message.instantMs - nowMs > skewMs)
    return fail([
      {
        code: 'CLOCK_SKEW',
        message: `the sender's instant is ${Math.round((message.instantMs - nowMs) / 1000)} s ahead of ours, beyond the allowed ${ctx.config.clockSkewS} s`,
      },
    ])
  const sender = asPartyId(message.sender)
  const decider = trackDecider(ctx)
  let localLevel: Level | null = null
  for (const [label, atMs] of [
    ["at the sender's instant", message.instantMs],
    ['at receipt', nowMs],
  ] as const) {
    const consents = (await consentsHeld(ctx.store, sender, atMs, ctx.party)).filter(
      (c) => c.originator === batch.originator,
    )
    const heldBySender =
      batch.originator === message.sender ? null : levelHeldBy(ctx, batch, sender, atMs)
    const { verdict } = decider.decide({
      holder: sender,
      recipient: ctx.party,
      facts: batch,
      levelAtHolder: heldBySender,
      atMs,
      consents,
      // The sender's officers' acts are the sender's: the receiver checks only the agreements.
      releasedUnder: 'any',
    })
    if (!verdict.ok)
      return fail(
        verdict.reasons.map((r) => ({
          code: r.code as QuarantineReason['code'],
          message: `${label}: ${r.message}`,
        })),
      )
    const named = verdict.options.find((o) => (o.hops[0]?.agreement ?? null) === message.agreement)
    if (named === undefined)
      return fail([
        {
          code: 'AGREEMENT_MISMATCH',
          message: `${label}: the sender named ${message.agreement ?? 'no agreement'}, which our registry does not allow for this transfer`,
        },
      ])
    localLevel = named.levelAtRecipient ?? asLevel(parties.get(ctx.party)?.public ?? batch.level)
  }
  const relays =
    message.agreement !== null && isHubOf(ctx, message.agreement)
      ? (
          await decideForPeers(
            ctx,
            batch,
            localLevel,
            hubMembers(ctx, message.agreement, batch),
            nowMs,
          )
        ).filter((d) => !path.includes(d.peer))
      : []
  return { reasons: [], localLevel, relays }
}

function hubMembers(ctx: NodeContext, agreement: string, batch: TrackBatch): PartyId[] {
  const via = ctx.index.agreements.get(asAgreementId(agreement))
  return (via?.agreement.parties ?? []).filter(
    (p) => p !== ctx.party && p !== batch.originator && ctx.peers.has(p),
  )
}

/** The level at which a relaying sender holds the batch: the originator's release to it, by our registry. */
function levelHeldBy(
  ctx: NodeContext,
  batch: TrackFacts,
  sender: PartyId,
  atMs: number,
): Level | null {
  const { verdict } = trackDecider(ctx).decide({
    holder: asPartyId(batch.originator),
    recipient: sender,
    facts: batch,
    levelAtHolder: null,
    atMs,
    consents: [],
    releasedUnder: 'any',
  })
  return verdict.ok ? verdict.levelAtRecipient : null
}

/** Inside the arrival's transaction: the batch folded into this node's picture, audited, passed on. */
export async function applyTrackArrival(
  ctx: NodeContext,
  tx: StoreTx,
  audit: AuditBatch,
  message: Message<'track'>,
  checked: CheckedTrack,
  nowMs: number,
): Promise<void> {
  const { batch, path, originatorSignature } = message.payload
  const originator = asPartyId(batch.originator)
  const numbers = [...new Set(batch.messages.map((m) => m.trackNumber))]
  const held = new Map(
    (await tx.getTracks(batch.originator, numbers)).map((row) => [row.trackNumber, row]),
  )
  // A peer's message this node's rules refuse (an update after a drop) changes nothing; the rest apply.
  const { tracks, effects, versions } = foldTracks(originator, batch.reportId, held, batch.messages)
  const localLevel = checked.localLevel ?? batch.level
  for (const [n, track] of tracks) {
    const before = held.get(n)
    if (before !== undefined && before.updates === track.updates && before.status === track.status)
      continue
    await tx.putTrack(trackRow(track, batch, localLevel, message.sender, path, nowMs))
  }
  await tx.insertTrackVersions(versionRows(versions, batch, localLevel, nowMs))
  const applied = batch.messages.some((_, i) => effects[i] !== 'stale')
  const relays = applied ? checked.relays : []
  await recordBatch(tx, audit, {
    batch,
    effects,
    receivedFrom: message.sender,
    decisions: relays,
    nowMs,
  })
  for (const { peer, verdict } of relays)
    if (verdict.ok)
      await enqueue(
        tx,
        audit,
        composeTrack(ctx, peer, verdict.agreement, batch, originatorSignature, [...path, peer]),
      )
}

/**
 * At egress (every delivery attempt): may this queued batch still leave for its recipient now?
 * The report it belongs to must not be withdrawn, and the engine must allow it at this instant
 * (from the cache while nothing can have changed).
 */
export async function trackStillAllowed(
  ctx: NodeContext,
  message: OutboxRow,
  atMs: number,
  reads: EgressReads = new Map(),
): Promise<TrackVerdict> {
  const envelope = JSON.parse(message.envelope) as { payload: { batch: TrackBatch } }
  return trackEgressVerdict(ctx, envelope.payload.batch, asPartyId(message.recipient), atMs, reads)
}

/**
 * May track messages under `facts` leave this node for `recipient` at `atMs`? The one policy of
 * every track egress — the live link at each delivery attempt, TAXII and export (issue 12) —
 * asked at the instant it leaves: not for a withdrawn report's tracks, else as the engine
 * allows (from the cache while nothing can have changed).
 */
export async function trackEgressVerdict(
  ctx: NodeContext,
  facts: TrackFacts,
  recipient: PartyId,
  atMs: number,
  reads: EgressReads = new Map(),
): Promise<TrackVerdict> {
  // One egress decides for one recipient: its releases are all it reads (a report released to
  // twenty peers has twenty rows, and every delivery to each of them asks).
  const key = `${facts.reportId} ${recipient}`
  let read = reads.get(key)
  if (read === undefined)
    reads.set(key, (read = readForReport(ctx, facts.reportId, atMs, recipient)))
  if ((await read).withdrawn)
    return {
      ok: false,
      reasons: [
        {
          code: 'REPORT_WITHDRAWN',
          message: `report ${facts.reportId} was withdrawn by its originator: its tracks leave for no one`,
        },
      ],
      validUntilMs: Infinity,
    }
  const levelAtHolder =
    facts.originator === ctx.party ? null : levelHeldBy(ctx, facts, ctx.party, atMs)
  const [decision] = await decideForPeers(ctx, facts, levelAtHolder, [recipient], atMs, read)
  if (decision === undefined) throw new Error(`a track message for its own originator ${recipient}`)
  return decision.verdict
}

/** What the API shows of a track. */
export function trackView(ctx: NodeContext, row: TrackRow) {
  return {
    ...row,
    marking: {
      originator: row.originator,
      level: row.level,
      levelHere: row.localLevel,
      scheme: ctx.party,
    },
  }
}
