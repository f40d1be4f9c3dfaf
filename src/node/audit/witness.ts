// Peers witness each other's audit logs on the live link (issue 13; C2SP tlog-witness and
// tlog-cosignature): a frame carries the sender's checkpoint with a consistency proof from
// the size the receiver acknowledged; the receiver checks it, keeps it (an audit entry of type
// 'witness', committed with the frame) and cosigns it in its receipt, or raises LOG_FORK and
// keeps both checkpoints as evidence. The sender keeps every cosignature it gets back.
import { bytesEqual } from '../../lib/bytes.ts'
import { verifyConsistency } from '../../lib/merkle-verify.ts'
import { formatSignatureLine, openNote, parseNote } from '../../lib/signed-note.ts'
import { decodeTimestampedSignature } from '../../lib/tlog-checkpoint.ts'
import type { PartyId } from '../../domain/ids.ts'
import type { FrameCheckpoint, ReceiptWitness } from '../../protocol/link.ts'
import type { NodeContext } from '../app/context.ts'
import type { AuditEntry, AuditInput, Store } from '../store/store.ts'
import {
  checkpointVerifier,
  cosignatureVerifier,
  cosigner,
  merkleHasher,
} from './checkpoint-note.ts'
import {
  type MerkleLog,
  type SignedCheckpoint,
  decodeHashes,
  encodeHashes,
  logOrigin,
  readCheckpointNote,
} from './merkle-log.ts'

/** What a 'witness' audit entry records (its `data.event`). */
export const WITNESS_EVENTS = {
  /** Receiver: a peer's checkpoint, consistent with the one held before, and our cosignature. */
  checkpoint: 'checkpoint',
  /** Sender: a peer's cosignature of our checkpoint (`note`: ours with its cosignature line). */
  cosigned: 'cosigned',
  /** A peer's own checkpoint, as its receipt carried it (kept; no proof came with it). */
  peerCheckpoint: 'peer-checkpoint',
  /** Two checkpoints of one origin with no valid consistency proof between them. */
  fork: 'LOG_FORK',
  /** A peer told us our checkpoint does not extend the one it holds from us. */
  forkReported: 'LOG_FORK_REPORTED',
} as const

type WitnessCtx = Pick<NodeContext, 'party' | 'keys' | 'peers' | 'store' | 'now'>

/** Per peer: the last checkpoint of its log we witnessed, and the LOG_FORKs raised. */
interface WitnessState {
  readonly held: Map<string, SignedCheckpoint>
  readonly forks: Map<string, number>
  /** The last checkpoint a peer's receipts carried of its own log. */
  readonly peerOwn: Map<string, SignedCheckpoint>
  /** The largest checkpoint of OUR log each peer cosigned, and the cosignature's time. */
  readonly cosigned: Map<string, OwnCosigned>
}

/** A checkpoint of this node's log as a peer cosigned it (issue 15: the Peers view). */
export interface OwnCosigned {
  readonly size: number
  /** The cosignature's own timestamp (C2SP tlog-cosignature), in ms. */
  readonly cosignedAtMs: number
  /** The cosigner's key name: `entente/<peer>`. */
  readonly by: string
}

/** The peer's cosignature of a cosigned note of ours, as OwnCosigned (undefined if none). */
function ownCosigned(peer: string, note: string): OwnCosigned | undefined {
  const checkpoint = readCheckpointNote(note)
  const parsed = parseNote(note)
  const by = logOrigin(peer)
  const line = parsed.ok ? parsed.value.signatures.find((sig) => sig.name === by) : undefined
  const stamped = line === undefined ? undefined : decodeTimestampedSignature(line.signature)
  if (checkpoint === undefined || stamped === undefined) return undefined
  return { size: checkpoint.size, cosignedAtMs: stamped.timestampS * 1000, by }
}

function keepCosigned(state: WitnessState, peer: string, cosigned: OwnCosigned | undefined): void {
  if (cosigned !== undefined && cosigned.size >= (state.cosigned.get(peer)?.size ?? 0))
    state.cosigned.set(peer, cosigned)
}

const states = new WeakMap<object, Promise<WitnessState>>()

/** Read once from the audit entries of type 'witness', then kept up to date in memory. */
function stateOf(store: Store): Promise<WitnessState> {
  let state = states.get(store)
  if (state === undefined) {
    state = loadState(store)
    states.set(store, state)
  }
  return state
}

async function loadState(store: Store): Promise<WitnessState> {
  const state: WitnessState = {
    held: new Map(),
    forks: new Map(),
    peerOwn: new Map(),
    cosigned: new Map(),
  }
  for (let afterSeq = 0; ;) {
    const page = await store.listAudit({ type: 'witness', afterSeq, limit: 10_000 })
    for (const entry of page) applyEntry(state, entry)
    afterSeq = page.at(-1)?.seq ?? afterSeq
    if (page.length < 10_000) return state
  }
}

function applyEntry(state: WitnessState, entry: Pick<AuditEntry, 'party' | 'data'>): void {
  const peer = entry.party
  const note = entry.data['note']
  if (peer === null) return
  switch (entry.data['event']) {
    case WITNESS_EVENTS.checkpoint: {
      const checkpoint = typeof note === 'string' ? readCheckpointNote(note) : undefined
      if (checkpoint !== undefined) state.held.set(peer, checkpoint)
      return
    }
    case WITNESS_EVENTS.peerCheckpoint: {
      const checkpoint = typeof note === 'string' ? readCheckpointNote(note) : undefined
      if (checkpoint !== undefined) state.peerOwn.set(peer, checkpoint)
      return
    }
    case WITNESS_EVENTS.cosigned:
      if (typeof note === 'string') keepCosigned(state, peer, ownCosigned(peer, note))
      return
    case WITNESS_EVENTS.fork:
      state.forks.set(peer, (state.forks.get(peer) ?? 0) + 1)
      return
  }
}

/** For GET /api/peers: what this node witnessed of each peer's log. */
export async function witnessSummary(
  ctx: Pick<NodeContext, 'store'>,
): Promise<Map<string, { witnessedSize: number; logForks: number; cosigned: OwnCosigned | null }>> {
  const state = await stateOf(ctx.store)
  const peers = new Set([...state.held.keys(), ...state.forks.keys(), ...state.cosigned.keys()])
  return new Map(
    [...peers].map((p) => [
      p,
      {
        witnessedSize: state.held.get(p)?.size ?? 0,
        logForks: state.forks.get(p) ?? 0,
        cosigned: state.cosigned.get(p) ?? null,
      },
    ]),
  )
}

/** The hello's `witnessedSize`: the size of the peer's log last witnessed here. */
export async function witnessedSize(
  ctx: Pick<NodeContext, 'store'>,
  peer: string,
): Promise<number> {
  return (await stateOf(ctx.store)).held.get(peer)?.size ?? 0
}

/** The checkpoint a frame carries: the log's latest, with the proof from `old` when it can. */
export async function presentCheckpoint(log: MerkleLog, old: number): Promise<FrameCheckpoint> {
  const checkpoint = await log.checkpoint()
  const provable = old > 0 && old < checkpoint.size
  return {
    note: checkpoint.note,
    old,
    proof: provable ? encodeHashes(log.consistency(old, checkpoint.size)) : [],
  }
}

/** The receiver's verdict on a frame's checkpoint: the receipt's part, entries to commit. */
export interface Witnessed {
  readonly receipt: ReceiptWitness
  readonly audit: readonly AuditInput[]
  /** After the frame committed: the checkpoint now held (or the fork counted). */
  readonly committed: () => void
}

/**
 * Checks a peer's checkpoint as a C2SP witness does: signed by the peer's pinned key under
 * its origin; if one is held, `old` must be its size (else `conflict`, nothing kept), and the
 * consistency proof must lead from it (else LOG_FORK: both notes kept). Cosigns what holds.
 */
export async function witnessCheckpoint(
  ctx: WitnessCtx,
  peer: PartyId,
  presented: FrameCheckpoint,
): Promise<Witnessed> {
  const state = await stateOf(ctx.store)
  const remote = ctx.peers.get(peer)
  const held = state.held.get(peer)
  const knownSize = held?.size ?? 0
  const origin = logOrigin(peer)
  const nowMs = ctx.now()
  const base = { knownSize }
  const answer = (
    receipt: Omit<ReceiptWitness, 'knownSize'>,
    audit: AuditInput[] = [],
    committed = () => {},
  ): Witnessed => ({ receipt: { ...base, ...receipt }, audit, committed })
  const entry = (data: Record<string, unknown>): AuditInput => ({
    atMs: nowMs,
    type: 'witness',
    party: peer,
    subject: null,
    data,
  })

  if (remote === undefined) return answer({ status: 'invalid', reason: 'not a peer' })
  const opened = openNote(presented.note, [checkpointVerifier(origin, remote.signingKey)])
  const checkpoint = opened.ok ? readCheckpointNote(presented.note) : undefined
  if (!opened.ok || checkpoint === undefined || checkpoint.origin !== origin)
    return answer({
      status: 'invalid',
      reason: `not a checkpoint of ${origin} signed by ${peer}'s key`,
    })

  const fork = (reason: string): Witnessed => {
    const evidence = entry({
      event: WITNESS_EVENTS.fork,
      code: 'LOG_FORK',
      origin,
      reason,
      held: held?.note ?? null,
      presented: presented.note,
    })
    return answer({ status: 'fork', reason }, [evidence], () =>
      state.forks.set(peer, (state.forks.get(peer) ?? 0) + 1),
    )
  }
  const conflict = (): Witnessed =>
    answer({
      status: 'conflict',
      reason: `old ${presented.old} is not the size held (${held?.size})`,
    })
  if (held !== undefined) {
    // A smaller checkpoint that does not claim to extend ours is an older one arriving late
    // (the HTTPS link may reorder): tlog-witness's 409, not a fork.
    if (checkpoint.size < held.size && presented.old !== held.size) return conflict()
    if (checkpoint.size < held.size)
      return fork(`size ${checkpoint.size} is below the ${held.size} witnessed before`)
    if (checkpoint.size === held.size) {
      if (!bytesEqual(checkpoint.rootHash, held.rootHash))
        return fork(`size ${held.size} witnessed before with another root`)
    } else {
      if (presented.old !== held.size) return conflict()
      const proof = decodeHashes(presented.proof)
      const check =
        proof === undefined
          ? { ok: false as const, issues: 'the proof hashes are not base64 of 32 bytes' }
          : verifyConsistency(
              merkleHasher,
              held.size,
              checkpoint.size,
              proof,
              held.rootHash,
              checkpoint.rootHash,
            )
      if (!check.ok) return fork(`no consistency from size ${held.size}: ${check.issues}`)
    }
  }
  const text = (parseNote(presented.note) as { ok: true; value: { text: string } }).value.text
  const cosignature = formatSignatureLine(
    cosigner(logOrigin(ctx.party), ctx.keys.signing).cosign(text, Math.floor(nowMs / 1000)),
  )
  const kept = entry({
    event: WITNESS_EVENTS.checkpoint,
    origin,
    size: checkpoint.size,
    note: presented.note,
    cosignature,
  })
  return {
    receipt: { ...base, knownSize: checkpoint.size, status: 'cosigned', cosignature },
    audit: [kept],
    // Commits may finish out of order (concurrent HTTPS arrivals): the held size never goes down.
    committed: () => {
      if (checkpoint.size >= (state.held.get(peer)?.size ?? 0)) state.held.set(peer, checkpoint)
    },
  }
}

/**
 * The sender's side of a receipt: a cosignature is checked with the peer's pinned key and kept
 * with our checkpoint (the evidence `audit verify` and `audit prove` use); the peer's own
 * checkpoint (`theirNote`, the one its receipt's leaf was proven in) is kept, and checked
 * against the last one its receipts carried.
 */
export async function recordWitness(
  ctx: WitnessCtx,
  peer: PartyId,
  presented: { readonly note: string; readonly answer: ReceiptWitness } | undefined,
  theirNote: string | undefined,
): Promise<{ audit: AuditInput[]; committed: () => void }> {
  const state = await stateOf(ctx.store)
  const remote = ctx.peers.get(peer)
  const audit: AuditInput[] = []
  const after: (() => void)[] = []
  const nowMs = ctx.now()
  const entry = (data: Record<string, unknown>): AuditInput => ({
    atMs: nowMs,
    type: 'witness',
    party: peer,
    subject: null,
    data,
  })
  if (remote === undefined) return { audit, committed: () => {} }
  const presentedNote = presented?.note ?? ''
  const witness = presented?.answer
  const ours = readCheckpointNote(presentedNote)
  if (witness?.status === 'cosigned' && witness.cosignature !== undefined && ours !== undefined) {
    const cosigned = `${presentedNote}${witness.cosignature}`
    const verifier = cosignatureVerifier(logOrigin(peer), remote.signingKey)
    const opened = openNote(cosigned, [verifier])
    if (opened.ok && opened.value.verified.some((s) => s.keyId === verifier.keyId)) {
      audit.push(entry({ event: WITNESS_EVENTS.cosigned, size: ours.size, note: cosigned }))
      after.push(() => keepCosigned(state, peer, ownCosigned(peer, cosigned)))
    }
  }
  if (witness?.status === 'fork')
    audit.push(
      entry({
        event: WITNESS_EVENTS.forkReported,
        code: 'LOG_FORK',
        reason: witness.reason ?? null,
        note: presentedNote,
      }),
    )
  if (theirNote !== undefined) {
    const theirs = readCheckpointNote(theirNote)
    const signed =
      theirs !== undefined &&
      theirs.origin === logOrigin(peer) &&
      openNote(theirNote, [checkpointVerifier(theirs.origin, remote.signingKey)]).ok
    const last = state.peerOwn.get(peer)
    if (signed && theirs !== undefined) {
      // Without a proof only a smaller size, or one size with two roots, shows a fork here.
      if (
        last !== undefined &&
        (theirs.size < last.size ||
          (theirs.size === last.size && !bytesEqual(theirs.rootHash, last.rootHash)))
      ) {
        audit.push(
          entry({
            event: WITNESS_EVENTS.fork,
            code: 'LOG_FORK',
            origin: theirs.origin,
            reason: `a receipt's checkpoint of size ${theirs.size} contradicts size ${last.size}`,
            held: last.note,
            presented: theirNote,
          }),
        )
        after.push(() => state.forks.set(peer, (state.forks.get(peer) ?? 0) + 1))
      } else if (last === undefined || theirs.size > last.size) {
        audit.push(
          entry({
            event: WITNESS_EVENTS.peerCheckpoint,
            origin: theirs.origin,
            size: theirs.size,
            note: theirNote,
          }),
        )
        after.push(() => state.peerOwn.set(peer, theirs))
      }
    }
  }
  return { audit, committed: () => after.forEach((f) => f()) }
}
