// A node's audit as an RFC 6962 Merkle log (issue 13): the leaves are the canonical audit
// entries, the tree is kept in memory above the store (every backend only adds rows: audit
// entries, and checkpoint rows holding the C2SP signed note), and checkpoints are signed
// only when the stored tree extends the last one signed (C2SP tlog-checkpoint).
import { bytesEqual, fromBase64, toBase64 } from '../../lib/bytes.ts'
import { EntenteError } from '../../lib/errors.ts'
import { MemoryHashStore, MerkleAppender } from '../../lib/merkle-appender.ts'
import { type TreeHead, consistencyProof, inclusionProof, rootHash } from '../../lib/merkle.ts'
import { type NoteSigner, parseNote } from '../../lib/signed-note.ts'
import { parseCheckpoint, signCheckpoint } from '../../lib/tlog-checkpoint.ts'
import type { AuditCheckpoint, AuditEntry, Store } from '../store/store.ts'
import { merkleHasher } from './checkpoint-note.ts'
import { canonicalJson } from './hash.ts'

/** The origin line (and note key name) of a node's log: `entente/<party>`. */
export const logOrigin = (party: string): string => `entente/${party}`

/** The party an origin names, or undefined when it is not an Entente node's log. */
export function partyOfOrigin(origin: string): string | undefined {
  return origin.startsWith('entente/') ? origin.slice('entente/'.length) : undefined
}

/** A leaf of the log: the entry's canonical JSON, every field (its chain hashes included). */
export function auditLeaf(entry: AuditEntry): Uint8Array {
  const { seq, atMs, type, party, subject, data, prevHash, hash } = entry
  // canonicalJson of the eight fields, written in their sorted order: only `data` needs sorting
  // (a quarter of the cost of sorting the whole entry; test/node/audit/merkle-log.test.ts checks
  // that both give the same bytes).
  const j = JSON.stringify
  return Buffer.from(
    `{"atMs":${j(atMs)},"data":${canonicalJson(data)},"hash":${j(hash)},"party":${j(party)},` +
      `"prevHash":${j(prevHash)},"seq":${j(seq)},"subject":${j(subject)},"type":${j(type)}}`,
  )
}

/** A signed checkpoint as a node holds it: the note and what its text says. */
export interface SignedCheckpoint {
  readonly note: string
  readonly origin: string
  readonly size: number
  readonly rootHash: Uint8Array
}

/** Reads a checkpoint note's text (its signatures are checked by whoever opens it). */
export function readCheckpointNote(note: string): SignedCheckpoint | undefined {
  const parsed = parseNote(note)
  if (!parsed.ok) return undefined
  const checkpoint = parseCheckpoint(parsed.value.text)
  if (!checkpoint.ok) return undefined
  const { origin, size, rootHash } = checkpoint.value
  return { note, origin, size, rootHash }
}

/** A checkpoint row written by this module (the older JWS rows of the hash chain are not). */
export const isNoteCheckpoint = (row: AuditCheckpoint): boolean =>
  readCheckpointNote(row.signature) !== undefined

const PAGE = 10_000

type LogStore = Pick<Store, 'listAudit' | 'listCheckpoints' | 'insertCheckpoint'>

export class MerkleLog {
  readonly origin: string
  readonly #store: LogStore
  readonly #signer: NoteSigner
  readonly #now: () => number
  readonly #hashes = new MemoryHashStore()
  readonly #appender = MerkleAppender.empty(merkleHasher)
  #last: SignedCheckpoint | undefined
  #loaded = false
  /** One sync or signature at a time: the tree grows in seq order, rows go in once. */
  #queue: Promise<unknown> = Promise.resolve()
  readonly #pending = new Set<Promise<void>>()

  constructor(store: LogStore, origin: string, signer: NoteSigner, now: () => number) {
    this.#store = store
    this.origin = origin
    this.#signer = signer
    this.#now = now
  }

  get size(): number {
    return this.#appender.size
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(work)
    this.#queue = next.catch(() => undefined)
    return next
  }

  /** Appends every entry committed since the last sync. */
  sync(): Promise<number> {
    return this.#serial(() => this.#sync())
  }

  async #sync(): Promise<number> {
    if (!this.#loaded) {
      const rows = (await this.#store.listCheckpoints()).filter(isNoteCheckpoint)
      const last = rows.at(-1)
      this.#last = last === undefined ? undefined : readCheckpointNote(last.signature)
      this.#loaded = true
    }
    for (;;) {
      const page = await this.#store.listAudit({ afterSeq: this.size, limit: PAGE })
      for (const entry of page) {
        if (entry.seq !== this.size + 1)
          throw new EntenteError(
            'CONFLICT',
            `audit entry ${this.size + 1} is missing (found ${entry.seq}): the log cannot grow`,
          )
        this.#hashes.put(this.#appender.append(auditLeaf(entry)))
      }
      if (page.length < PAGE) return this.size
    }
  }

  /**
   * The checkpoint of the log as it stands, signed now if it grew since the last one; never
   * one the stored tree does not prove consistent with the last one signed (CONFLICT).
   */
  checkpoint(): Promise<SignedCheckpoint> {
    return this.#serial(async () => {
      await this.#sync()
      const size = this.size
      if (this.#last !== undefined && this.#last.size === size) return this.#last
      const root = this.#appender.root()
      const previous: TreeHead | undefined = this.#last
      const note = signCheckpoint({
        checkpoint: { origin: this.origin, size, rootHash: root, extensions: [] },
        signer: this.#signer,
        hasher: merkleHasher,
        reader: this.#hashes,
        previous,
      })
      // Stored without holding up the frame that asked for it (a commit, an fsync, per frame):
      // flush() waits for the rows, at shutdown and every checkpointEvery entries. A row never
      // stored loses nothing a peer holds: the cosigned notes carry the same signature.
      const stored = this.#store
        .insertCheckpoint({
          seq: size,
          hash: Buffer.from(root).toString('hex'),
          atMs: this.#now(),
          signature: note,
        })
        // CONFLICT: a data directory from before issue 13 holds a JWS checkpoint at this size.
        .catch(() => undefined)
      this.#pending.add(stored)
      void stored.finally(() => this.#pending.delete(stored))
      this.#last = { note, origin: this.origin, size, rootHash: root }
      return this.#last
    })
  }

  /** Resolves once every checkpoint signed so far is stored (or could not be). */
  async flush(): Promise<void> {
    await Promise.all([...this.#pending])
  }

  /** The last checkpoint signed, if any (not signing one). */
  lastSigned(): SignedCheckpoint | undefined {
    return this.#last
  }

  rootAt(size: number): Uint8Array {
    this.#requireSize(size)
    return rootHash(merkleHasher, this.#hashes, size)
  }

  inclusion(index: number, size: number): Uint8Array[] {
    this.#requireSize(size)
    return inclusionProof(merkleHasher, this.#hashes, index, size)
  }

  consistency(size1: number, size2: number): Uint8Array[] {
    this.#requireSize(size2)
    return consistencyProof(merkleHasher, this.#hashes, size1, size2)
  }

  /** Does the tree held prove `checkpoint` (same origin, size held, same root)? */
  holds(checkpoint: SignedCheckpoint): boolean {
    return (
      checkpoint.origin === this.origin &&
      checkpoint.size <= this.size &&
      bytesEqual(this.rootAt(checkpoint.size), checkpoint.rootHash)
    )
  }

  #requireSize(size: number): void {
    if (size > this.size)
      throw new EntenteError('INVALID_ARGUMENT', `size ${size} is above the ${this.size} held`)
  }
}

export const encodeHashes = (hashes: readonly Uint8Array[]): string[] => hashes.map(toBase64)

export function decodeHashes(hashes: readonly string[]): Uint8Array[] | undefined {
  const out: Uint8Array[] = []
  for (const h of hashes) {
    const bytes = fromBase64(h)
    if (bytes?.length !== 32) return undefined
    out.push(bytes)
  }
  return out
}
