import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { auditHash, GENESIS_HASH } from '../../src/node/audit/hash.ts'
import type {
  AuditEntry,
  AuditInput,
  ConsentRow,
  InboxRow,
  OutboxRow,
  ProductRow,
  ReleaseRow,
  ReportRow,
  RequestRow,
  Store,
  TokenRow,
  TrackRow,
  TrackVersionRow,
  WithdrawalRow,
} from '../../src/node/store/store.ts'
import { ISSUED } from '../../src/node/store/store.ts'
import {
  AUDIT_TYPES,
  INBOX_STATUSES,
  MESSAGE_KINDS,
  RELEASE_STATES,
} from '../../src/node/store/store.ts'

/**
 * The behaviour every Store must have, written against the interface only. Each
 * implementation runs it: `storeContract('sqlite', () => SqliteStore.open(...))`.
 * `open` must return a fresh, empty store each time.
 */

export const report = (over: Partial<ReportRow> = {}): ReportRow => ({
  id: 'r-1',
  originator: 'KOR',
  level: 'SECRET',
  localLevel: 'SECRET',
  topic: 'launch',
  releasableTo: null,
  payload: { launchAtMs: 1_000, site: { latDeg: 39.5, lonDeg: 125.7 }, note: 'ü — 火', ok: true },
  receivedFrom: null,
  agreement: null,
  path: ['KOR'],
  createdAtMs: 1_000,
  originatorSignature: null,
  ...ISSUED,
  ...over,
})

const release = (over: Partial<ReleaseRow> = {}): ReleaseRow => ({
  id: 'rel-1',
  reportId: 'r-1',
  recipient: 'JPN',
  agreement: 'GSOMIA',
  mode: 'auto',
  state: 'released',
  levelAtRecipient: 'HIMITSU',
  path: ['KOR', 'JPN'],
  reasons: [],
  decidedAtMs: 2_000,
  officer: null,
  updatedAtMs: 2_000,
  reportSha256: 'a'.repeat(64),
  ...over,
})

const message = (over: Partial<OutboxRow> = {}): OutboxRow => ({
  messageId: 'm-1',
  recipient: 'JPN',
  kind: 'report',
  envelope: 'eyJhbGciOiJFQ0RILUVTIn0..iv.ct.tag',
  subjectId: 'rel-1',
  createdAtMs: 3_000,
  attempts: 0,
  nextAttemptAtMs: 3_000,
  deliveredAtMs: null,
  receipt: null,
  lastError: null,
  withdrawnAtMs: null,
  ...over,
})

const arrival = (over: Partial<InboxRow> = {}): InboxRow => ({
  messageId: 'in-1',
  sender: 'USA',
  kind: 'report',
  receivedAtMs: 4_000,
  status: 'accepted',
  reasons: [],
  header: { agreement: 'tisa', instantMs: 3_900 },
  contentSha256: 'b'.repeat(64),
  receipt: 'receipt.jws.sig',
  ...over,
})

const request = (over: Partial<RequestRow> = {}): RequestRow => ({
  id: 'q-1',
  direction: 'incoming',
  requester: 'JPN',
  asked: 'KOR',
  topic: 'launch',
  windowFromMs: 0,
  windowUntilMs: 10_000,
  createdAtMs: 5_000,
  status: 'open',
  answeredAtMs: null,
  answer: null,
  ...over,
})

const consent = (over: Partial<ConsentRow> = {}): ConsentRow => ({
  id: 'c-1',
  originator: 'USA',
  holder: 'KOR',
  recipient: 'JPN',
  reportId: null,
  topic: 'launch',
  fromMs: 1_000,
  untilMs: 2_000,
  revokedAtMs: null,
  ...over,
})

const event = (over: Partial<AuditInput> = {}): AuditInput => ({
  atMs: 1_000,
  type: 'ingest',
  party: null,
  subject: 'r-1',
  data: { level: 'SECRET', nested: { b: 2, a: [1, null, 'x'] } },
  ...over,
})

/** seq 1, 2, 3...; each links to the previous hash; each hash recomputes. */
export function assertChain(entries: readonly AuditEntry[]): void {
  let prevHash = GENESIS_HASH
  entries.forEach((e, i) => {
    assert.equal(e.seq, i + 1, `seq of entry ${i}`)
    assert.equal(e.prevHash, prevHash, `prevHash of seq ${e.seq}`)
    assert.equal(e.hash, auditHash(e.seq, e.prevHash, e), `hash of seq ${e.seq}`)
    prevHash = e.hash
  })
}

const ids = (rows: readonly { id: string }[]): string[] => rows.map((r) => r.id).sort()
const messageIds = (rows: readonly { messageId: string }[]): string[] =>
  rows.map((r) => r.messageId)
const yieldTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

export function storeContract(name: string, open: () => Promise<Store>): void {
  const withStore = async (work: (store: Store) => Promise<void>): Promise<void> => {
    const store = await open()
    try {
      await work(store)
    } finally {
      await store.close()
    }
  }
  const test = (title: string, work: (store: Store) => Promise<void>): void => {
    it(title, () => withStore(work))
  }

  describe(`Store contract: ${name}`, () => {
    test('given a fresh store, then its schema version is positive', async (store) => {
      assert.ok((await store.schemaVersion()) > 0)
    })

    describe('reports', () => {
      test('given an own report with nulls, when inserted, then it reads back equal', async (s) => {
        await s.insertReport(report())
        assert.deepEqual(await s.getReport('r-1'), report())
        assert.equal(await s.getReport('nope'), undefined)
      })

      test('given a received report with every field, then it reads back equal', async (s) => {
        const received = report({
          id: 'r-2',
          originator: 'USA',
          level: 'SECRET//REL KOR',
          releasableTo: ['KOR', 'JPN'],
          receivedFrom: 'USA',
          agreement: 'TISA',
          path: ['USA', 'KOR'],
        })
        await s.transaction((tx) => tx.insertReport(received))
        assert.deepEqual(await s.getReport('r-2'), received)
      })

      test('when listed, then originator, sinceMs and limit filter', async (s) => {
        await s.insertReport(report({ id: 'a', createdAtMs: 1 }))
        await s.insertReport(report({ id: 'b', createdAtMs: 2, originator: 'USA' }))
        await s.insertReport(report({ id: 'c', createdAtMs: 3 }))
        assert.deepEqual(ids(await s.listReports({})), ['a', 'b', 'c'])
        assert.deepEqual(ids(await s.listReports({ originator: 'KOR' })), ['a', 'c'])
        assert.deepEqual(ids(await s.listReports({ sinceMs: 2 })), ['b', 'c'])
        assert.equal((await s.listReports({ limit: 2 })).length, 2)
      })

      test('given a stored id, when inserted again, then it rejects with CONFLICT', async (s) => {
        await s.insertReport(report())
        await assert.rejects(s.insertReport(report({ topic: 'other' })), { code: 'CONFLICT' })
        assert.deepEqual(await s.getReport('r-1'), report())
      })
    })

    describe('releases', () => {
      test('given every state, when inserted, then each reads back equal', async (s) => {
        await s.insertReport(report())
        for (const state of RELEASE_STATES) {
          const row = release({ id: `rel-${state}`, state })
          await s.insertRelease(row)
          assert.deepEqual(await s.getRelease(row.id), row)
        }
      })

      test('given a denial with nulls and reasons, then it reads back equal', async (s) => {
        const denial = release({
          agreement: null,
          mode: null,
          state: 'denied',
          levelAtRecipient: null,
          path: [],
          reasons: [{ code: 'NO_AGREEMENT', message: 'no agreement KOR→CHN' }],
        })
        await s.insertReport(report())
        await s.insertRelease(denial)
        assert.deepEqual(await s.getRelease('rel-1'), denial)
      })

      test('when updated, then state, time and officer change; absent officer stays', async (s) => {
        await s.insertReport(report())
        await s.insertRelease(release({ state: 'pending-approval', mode: 'manual' }))
        await s.updateRelease('rel-1', { state: 'released', updatedAtMs: 9, officer: 'alice' })
        assert.deepEqual(await s.getRelease('rel-1'), {
          ...release({ mode: 'manual' }),
          state: 'released',
          updatedAtMs: 9,
          officer: 'alice',
        })
        await s.updateRelease('rel-1', { state: 'rejected', updatedAtMs: 10 })
        assert.equal((await s.getRelease('rel-1'))?.officer, 'alice')
        await s.updateRelease('rel-1', { state: 'rejected', updatedAtMs: 11, officer: null })
        assert.equal((await s.getRelease('rel-1'))?.officer, null)
        await assert.rejects(s.updateRelease('x', { state: 'held', updatedAtMs: 1 }), {
          code: 'NOT_FOUND',
        })
      })

      test('when listed, then state, recipient and reportId filter', async (s) => {
        await s.insertReport(report())
        await s.insertReport(report({ id: 'r-2' }))
        await s.insertRelease(release({ id: 'x', state: 'held' }))
        await s.insertRelease(release({ id: 'y', recipient: 'USA' }))
        await s.insertRelease(release({ id: 'z', reportId: 'r-2' }))
        assert.deepEqual(ids(await s.listReleases({})), ['x', 'y', 'z'])
        assert.deepEqual(ids(await s.listReleases({ state: 'released' })), ['y', 'z'])
        assert.deepEqual(ids(await s.listReleases({ recipient: 'USA' })), ['y'])
        assert.deepEqual(ids(await s.listReleases({ reportId: 'r-2' })), ['z'])
        assert.deepEqual(ids(await s.listReleases({ state: 'held', recipient: 'USA' })), [])
      })
    })

    describe('outbox', () => {
      test('given every kind, when enqueued, then each reads back equal', async (s) => {
        for (const kind of MESSAGE_KINDS) await s.enqueue(message({ messageId: kind, kind }))
        const listed = await s.listOutbox({})
        assert.deepEqual(
          listed,
          MESSAGE_KINDS.map((kind) => message({ messageId: kind, kind })),
        )
      })

      test('when asked for due messages, then oldest due first, without delivered or not-yet-due', async (s) => {
        await s.enqueue(message({ messageId: 'later', nextAttemptAtMs: 50, createdAtMs: 1 }))
        await s.enqueue(message({ messageId: 'tie-2', nextAttemptAtMs: 20, createdAtMs: 6 }))
        await s.enqueue(message({ messageId: 'tie-1', nextAttemptAtMs: 20, createdAtMs: 5 }))
        await s.enqueue(message({ messageId: 'first', nextAttemptAtMs: 10, createdAtMs: 9 }))
        await s.enqueue(message({ messageId: 'done', nextAttemptAtMs: 0, createdAtMs: 0 }))
        await s.enqueue(message({ messageId: 'future', nextAttemptAtMs: 31, createdAtMs: 0 }))
        await s.markDelivered('done', 'receipt', 1)
        assert.deepEqual(messageIds(await s.dueMessages(30, 10)), ['first', 'tie-1', 'tie-2'])
        assert.deepEqual(messageIds(await s.dueMessages(30, 2)), ['first', 'tie-1'])
        assert.deepEqual(messageIds(await s.dueMessages(9, 10)), [])
      })

      test('when an attempt fails, then attempts grow and the next attempt moves', async (s) => {
        await s.enqueue(message())
        await s.markAttemptFailed('m-1', 'ECONNREFUSED', 8_000)
        await s.transaction((tx) => tx.markAttemptFailed('m-1', 'timeout', 9_000))
        const [row] = await s.listOutbox({})
        assert.deepEqual(row, {
          ...message(),
          attempts: 2,
          nextAttemptAtMs: 9_000,
          lastError: 'timeout',
        })
        assert.deepEqual(await s.dueMessages(8_999, 10), [])
        assert.deepEqual(messageIds(await s.dueMessages(9_000, 10)), ['m-1'])
        await assert.rejects(s.markAttemptFailed('x', 'e', 1), { code: 'NOT_FOUND' })
      })

      test('when delivered, then the receipt and time are kept and listOutbox filters', async (s) => {
        await s.enqueue(message())
        await s.enqueue(message({ messageId: 'm-2', recipient: 'USA' }))
        await s.markDelivered('m-1', 'receipt.jws', 7_000)
        const delivered = await s.listOutbox({ delivered: true })
        assert.deepEqual(delivered, [
          { ...message(), deliveredAtMs: 7_000, receipt: 'receipt.jws' },
        ])
        assert.deepEqual(messageIds(await s.listOutbox({ delivered: false })), ['m-2'])
        assert.deepEqual(messageIds(await s.listOutbox({ recipient: 'USA' })), ['m-2'])
        assert.deepEqual(messageIds(await s.listOutbox({ limit: 1 })), ['m-1'])
        await assert.rejects(s.markDelivered('x', 'r', 1), { code: 'NOT_FOUND' })
      })
    })

    describe('inbox', () => {
      test('given accepted and quarantined arrivals, then they read back equal and filter', async (s) => {
        const quarantined = arrival({
          messageId: 'in-2',
          sender: 'JPN',
          kind: 'request',
          status: 'quarantined',
          reasons: [{ code: 'NO_AGREEMENT', message: 'none in force' }],
        })
        await s.insertInbox(arrival())
        await s.transaction((tx) => tx.insertInbox(quarantined))
        assert.deepEqual(await s.getInbox('in-1'), arrival())
        assert.deepEqual(await s.transaction((tx) => tx.getInbox('in-2')), quarantined)
        assert.equal(await s.getInbox('nope'), undefined)
        assert.deepEqual(messageIds(await s.listInbox({ status: 'quarantined' })), ['in-2'])
        assert.deepEqual(messageIds(await s.listInbox({ sender: 'USA' })), ['in-1'])
        assert.equal((await s.listInbox({ limit: 1 })).length, 1)
        for (const status of INBOX_STATUSES) assert.ok((await s.listInbox({ status })).length === 1)
      })

      test('given a stored message id, when inserted again in a transaction, then it rolls back whole', async (s) => {
        await s.insertInbox(arrival())
        const again = s.transaction(async (tx) => {
          await tx.appendAudit(event({ type: 'arrival' }))
          await tx.insertInbox(arrival({ sender: 'JPN' }))
        })
        await assert.rejects(again, { code: 'CONFLICT' })
        assert.deepEqual(await s.getInbox('in-1'), arrival())
        assert.equal(await s.lastAudit(), undefined)
      })
    })

    describe('requests', () => {
      test('given a request, when answered, then it reads back with the answer', async (s) => {
        await s.insertRequest(request())
        assert.deepEqual(await s.getRequest('q-1'), request())
        const answer = { reports: ['r-1'], note: null }
        await s.updateRequest('q-1', { status: 'answered', answeredAtMs: 6_000, answer })
        assert.deepEqual(await s.getRequest('q-1'), {
          ...request(),
          status: 'answered',
          answeredAtMs: 6_000,
          answer,
        })
        assert.equal(await s.getRequest('nope'), undefined)
        await assert.rejects(
          s.updateRequest('x', { status: 'refused', answeredAtMs: 1, answer: null }),
          { code: 'NOT_FOUND' },
        )
      })

      test('when listed, then direction and status filter', async (s) => {
        await s.insertRequest(request({ id: 'a' }))
        await s.insertRequest(request({ id: 'b', direction: 'outgoing' }))
        await s.transaction((tx) => tx.insertRequest(request({ id: 'c', status: 'refused' })))
        assert.deepEqual(ids(await s.listRequests({})), ['a', 'b', 'c'])
        assert.deepEqual(ids(await s.listRequests({ direction: 'incoming' })), ['a', 'c'])
        assert.deepEqual(ids(await s.listRequests({ direction: 'incoming', status: 'open' })), [
          'a',
        ])
        assert.deepEqual((await s.transaction((tx) => tx.getRequest('c')))?.status, 'refused')
      })
    })

    describe('consents', () => {
      test('given consents, when listed at an instant, then only those in force come', async (s) => {
        await s.insertConsent(consent({ id: 'window' })) // [1000, 2000)
        await s.insertConsent(consent({ id: 'open', untilMs: null, reportId: 'r-1', topic: null }))
        await s.insertConsent(consent({ id: 'other-holder', holder: 'JPN', untilMs: null }))
        await s.insertConsent(consent({ id: 'revoked', untilMs: null }))
        await s.revokeConsent('revoked', 1_500)
        await s.transaction((tx) => tx.revokeConsent('revoked', 1_800)) // first revocation wins
        const at = async (activeAtMs: number): Promise<string[]> =>
          ids(await s.listConsents({ holder: 'KOR', activeAtMs }))
        assert.deepEqual(await at(999), [])
        assert.deepEqual(await at(1_000), ['open', 'revoked', 'window'])
        assert.deepEqual(await at(1_499), ['open', 'revoked', 'window'])
        assert.deepEqual(await at(1_500), ['open', 'window'])
        assert.deepEqual(await at(2_000), ['open'])
        assert.equal((await s.listConsents({})).length, 4)
        const revoked = (await s.listConsents({ holder: 'KOR' })).find((c) => c.id === 'revoked')
        assert.deepEqual(revoked, consent({ id: 'revoked', untilMs: null, revokedAtMs: 1_500 }))
        const open = (await s.listConsents({ activeAtMs: 5_000 })).find((c) => c.id === 'open')
        assert.deepEqual(open, consent({ id: 'open', untilMs: null, reportId: 'r-1', topic: null }))
        await assert.rejects(s.revokeConsent('x', 1), { code: 'NOT_FOUND' })
      })
    })

    describe('withdrawals', () => {
      const withdrawal = (over: Partial<WithdrawalRow> = {}): WithdrawalRow => ({
        reportId: 'r-1',
        originator: 'KOR',
        reason: 'false alarm: a test launch misread',
        atMs: 5_000,
        signature: 'a.b.c',
        receivedFrom: null,
        recordedAtMs: 5_001,
        ...over,
      })

      test('given a held report, when its withdrawal is recorded, then it reads back equal', async (s) => {
        await s.insertReport(report())
        assert.equal(await s.getWithdrawal('r-1'), undefined)
        assert.equal(await s.transaction((tx) => tx.insertWithdrawal(withdrawal())), true)
        assert.deepEqual(await s.getWithdrawal('r-1'), withdrawal())
        assert.deepEqual(await s.transaction((tx) => tx.getWithdrawal('r-1')), withdrawal())
        assert.deepEqual(await s.listWithdrawals(), [withdrawal()])
      })

      test('given a recorded withdrawal, when another is recorded, then the first is kept', async (s) => {
        await s.insertReport(report())
        await s.insertWithdrawal(withdrawal())
        const again = withdrawal({ reason: 'other', receivedFrom: 'USA', recordedAtMs: 9_000 })
        assert.equal(await s.insertWithdrawal(again), false)
        assert.deepEqual(await s.getWithdrawal('r-1'), withdrawal())
      })

      test('given received ones, when listed, then every one comes, oldest first', async (s) => {
        await s.insertReport(report({ id: 'a' }))
        await s.insertReport(report({ id: 'b', originator: 'USA' }))
        const b = withdrawal({
          reportId: 'b',
          originator: 'USA',
          receivedFrom: 'USA',
          recordedAtMs: 1,
        })
        await s.insertWithdrawal(withdrawal({ reportId: 'a', recordedAtMs: 2 }))
        await s.insertWithdrawal(b)
        assert.deepEqual(
          (await s.listWithdrawals()).map((w) => w.reportId),
          ['b', 'a'],
        )
      })

      test('given no report under the id, when a withdrawal is recorded, then it rejects and nothing is kept', async (s) => {
        await assert.rejects(s.insertWithdrawal(withdrawal({ reportId: 'nope' })))
        assert.deepEqual(await s.listWithdrawals(), [])
      })
    })

    describe('report versions (issue 12)', () => {
      const v2 = report({
        level: 'TOP-SECRET',
        payload: { corrected: true },
        version: 2,
        supersession: 'x.y.z',
        createdAtMs: 2_000,
      })

      test('given a held report, when a later version replaces it, then it reads back as that version with the one before in its history', async (s) => {
        await s.insertReport(report())
        await s.transaction((tx) => tx.replaceReport(v2))
        assert.deepEqual(await s.getReport('r-1'), v2)
        assert.deepEqual(await s.listReportVersions('r-1'), [report()])
        assert.deepEqual(ids(await s.listReports({})), ['r-1'], 'still one report')
      })

      test('given version 2 held, when version 2 or 1 replaces it, then CONFLICT and nothing changes; an unknown id is NOT_FOUND', async (s) => {
        await s.insertReport(report())
        await s.replaceReport(v2)
        await assert.rejects(s.replaceReport({ ...v2, payload: {} }), { code: 'CONFLICT' })
        await assert.rejects(s.replaceReport(report()), { code: 'CONFLICT' })
        await assert.rejects(s.replaceReport({ ...v2, id: 'nope' }), { code: 'NOT_FOUND' })
        assert.deepEqual(await s.getReport('r-1'), v2)
        assert.equal((await s.listReportVersions('r-1')).length, 1)
      })

      test('when a copy is marked superseded, then the notice reads back with it', async (s) => {
        await s.insertReport(report())
        const notice = { version: 3, atMs: 3_000, signature: 'n.o.t', receivedFrom: 'USA' }
        await s.transaction((tx) => tx.markSuperseded('r-1', notice))
        assert.deepEqual((await s.getReport('r-1'))?.supersededBy, notice)
        await assert.rejects(s.markSuperseded('nope', notice), { code: 'NOT_FOUND' })
      })
    })

    describe('tracks (issue 12)', () => {
      const track = (over: Partial<TrackRow> = {}): TrackRow => ({
        originator: 'KOR',
        trackNumber: 4011,
        reportId: 'r-1',
        topic: 'launch',
        level: 'SECRET',
        localLevel: 'SECRET',
        releasableTo: null,
        state: { atMs: 1_000, position: { lat: 39.4, lon: 125.9, altM: 1_000 }, quality: 9 },
        status: 'live',
        endedAtMs: null,
        survivor: null,
        updates: 1,
        receivedFrom: null,
        path: ['KOR'],
        updatedAtMs: 1_000,
        ...over,
      })

      test('when a track is put, then it reads back equal; put again, it is replaced', async (s) => {
        assert.equal(await s.getTrack('KOR', 4011), undefined)
        await s.transaction((tx) => tx.putTrack(track()))
        assert.deepEqual(await s.getTrack('KOR', 4011), track())
        const dropped = track({
          status: 'dropped',
          endedAtMs: 9_000,
          updates: 5,
          updatedAtMs: 9_000,
        })
        await s.putTrack(dropped)
        assert.deepEqual(await s.transaction((tx) => tx.getTrack('KOR', 4011)), dropped)
        assert.equal((await s.listTracks({})).length, 1)
      })

      test('when many are read at once, then those held of that originator come, and no other', async (s) => {
        await s.putTrack(track({ trackNumber: 1 }))
        await s.putTrack(track({ trackNumber: 2 }))
        await s.putTrack(track({ trackNumber: 3, originator: 'USA' }))
        const read = await s.transaction((tx) => tx.getTracks('KOR', [1, 3, 4]))
        assert.deepEqual(
          read.map((t) => t.trackNumber),
          [1],
        )
        assert.deepEqual(await s.getTracks('KOR', []), [])
        assert.equal((await s.getTracks('KOR', [...Array(2_500).keys()])).length, 2, 'in chunks')
      })

      test('when listed, then originator, report, status, sinceMs and limit filter, most recently changed last', async (s) => {
        await s.putTrack(track({ trackNumber: 1, updatedAtMs: 3 }))
        await s.putTrack(
          track({ trackNumber: 2, originator: 'USA', updatedAtMs: 1, receivedFrom: 'USA' }),
        )
        await s.putTrack(
          track({ trackNumber: 3, reportId: 'r-2', status: 'dropped', updatedAtMs: 2 }),
        )
        const numbers = (rows: TrackRow[]) => rows.map((t) => t.trackNumber)
        assert.deepEqual(numbers(await s.listTracks({})), [2, 3, 1])
        assert.deepEqual(numbers(await s.listTracks({ originator: 'KOR' })), [3, 1])
        assert.deepEqual(numbers(await s.listTracks({ reportId: 'r-2' })), [3])
        assert.deepEqual(numbers(await s.listTracks({ status: 'live' })), [2, 1])
        assert.deepEqual(numbers(await s.listTracks({ sinceMs: 2 })), [3, 1])
        assert.deepEqual(numbers(await s.listTracks({ limit: 1 })), [2])
      })

      const version = (over: Partial<TrackVersionRow> = {}): TrackVersionRow => ({
        originator: 'KOR',
        trackNumber: 4011,
        seq: 1,
        reportId: 'r-1',
        topic: 'launch',
        level: 'SECRET',
        localLevel: 'SECRET',
        releasableTo: ['USA'],
        message: { kind: 'drop', trackNumber: 4011, atMs: 9_000 },
        recordedAtMs: 1_000,
        ...over,
      })

      test('when versions are recorded, then they read back in the order recorded, filtered by originator, number and report; one recorded twice is kept as it was', async (s) => {
        await s.transaction((tx) =>
          tx.insertTrackVersions([
            version({ recordedAtMs: 2 }),
            version({ seq: 2, recordedAtMs: 2 }),
          ]),
        )
        await s.insertTrackVersions([
          version({ trackNumber: 7, recordedAtMs: 1, reportId: 'r-2' }),
          version({ originator: 'USA', recordedAtMs: 3, releasableTo: null }),
          version({ level: 'TOP-SECRET', recordedAtMs: 9 }),
        ])
        const keys = (rows: TrackVersionRow[]) =>
          rows.map((v) => `${v.originator}:${v.trackNumber}:${v.seq}`)
        assert.deepEqual(keys(await s.listTrackVersions({})), [
          'KOR:7:1',
          'KOR:4011:1',
          'KOR:4011:2',
          'USA:4011:1',
        ])
        assert.deepEqual(await s.listTrackVersions({ originator: 'KOR', trackNumber: 4011 }), [
          version({ recordedAtMs: 2 }),
          version({ seq: 2, recordedAtMs: 2 }),
        ])
        assert.deepEqual(keys(await s.listTrackVersions({ reportId: 'r-2' })), ['KOR:7:1'])
      })
    })

    describe('products (issue 17)', () => {
      const product = (over: Partial<ProductRow> = {}): ProductRow => ({
        id: 'p-1',
        kind: 'imagery',
        originator: 'JPN',
        level: 'HIMITSU',
        localLevel: 'HIMITSU',
        topic: 'dprk-imagery',
        releasableTo: ['KOR'],
        version: 1,
        product: { id: 'p-1', kind: 'imagery', title: 'Sunchon — 順川', imagery: { sizeBytes: 3 } },
        originatorSignature: null,
        manifest: null,
        manifestSignature: null,
        state: 'awaiting-content',
        verifiedChunks: 0,
        receivedFrom: null,
        agreement: null,
        path: ['JPN'],
        createdAtMs: 1_000,
        updatedAtMs: 1_000,
        withdrawal: null,
        supersededBy: null,
        ...over,
      })

      test('when a product is inserted, then it reads back equal; again, it is refused', async (s) => {
        assert.equal(await s.getProduct('p-1'), undefined)
        assert.equal(await s.insertProduct(product()), true)
        assert.deepEqual(await s.getProduct('p-1'), product())
        assert.equal(
          await s.transaction((tx) => tx.insertProduct(product({ topic: 'other' }))),
          false,
        )
        assert.deepEqual(await s.transaction((tx) => tx.getProduct('p-1')), product())
      })

      test('when a product is put, then it replaces the one held; progress is recorded', async (s) => {
        await s.insertProduct(product())
        const complete = product({
          state: 'complete',
          originatorSignature: 'a.b.c',
          manifest: { sha256: 'f'.repeat(64), chunks: ['f'.repeat(64)] },
          manifestSignature: 'd.e.f',
          verifiedChunks: 1,
          updatedAtMs: 2_000,
          withdrawal: {
            reportId: 'p-1',
            originator: 'JPN',
            reason: 'wrong site',
            atMs: 2_000,
            signature: 'g.h.i',
            receivedFrom: null,
            recordedAtMs: 2_000,
          },
          supersededBy: { version: 2, atMs: 1_900, signature: 'j.k.l', receivedFrom: 'JPN' },
        })
        await s.transaction((tx) => tx.putProduct(complete))
        assert.deepEqual(await s.getProduct('p-1'), complete)
        await s.putProduct(product({ id: 'p-2', receivedFrom: 'JPN', state: 'transferring' }))
        await s.setProductProgress('p-2', 7, 3_000)
        const p2 = await s.getProduct('p-2')
        assert.equal(p2?.verifiedChunks, 7, 'the verified chunks recorded')
        assert.equal(p2?.updatedAtMs, 3_000)
        await assert.rejects(s.setProductProgress('nope', 1, 1), { code: 'NOT_FOUND' })
      })

      test('when a product is released by an answer, then it is recorded once', async (s) => {
        await s.insertProduct(product())
        const row = {
          productId: 'p-1',
          recipient: 'KOR',
          agreement: 'kor-jpn-gsomia',
          requestId: 'q-1',
          releasedAtMs: 5_000,
        }
        assert.equal(await s.transaction((tx) => tx.insertProductRelease(row)), true)
        assert.equal(await s.insertProductRelease({ ...row, releasedAtMs: 6_000 }), false)
        await s.insertProductRelease({ ...row, recipient: 'USA', requestId: null })
        assert.deepEqual(await s.listProductReleases({ recipient: 'KOR' }), [row])
        assert.equal((await s.listProductReleases({ productId: 'p-1' })).length, 2)
        assert.deepEqual(await s.listProductReleases({ productId: 'p-2' }), [])
      })

      test('when products are listed, then they come oldest first, filtered', async (s) => {
        await s.insertProduct(product({ id: 'p-2', createdAtMs: 2_000 }))
        await s.insertProduct(product({ id: 'p-1', createdAtMs: 1_000, kind: 'assessment' }))
        await s.insertProduct(
          product({ id: 'p-3', createdAtMs: 2_000, originator: 'KOR', state: 'complete' }),
        )
        const ids = (rows: ProductRow[]) => rows.map((p) => p.id)
        assert.deepEqual(ids(await s.listProducts({})), ['p-1', 'p-2', 'p-3'])
        assert.deepEqual(ids(await s.listProducts({ kind: 'imagery' })), ['p-2', 'p-3'])
        assert.deepEqual(ids(await s.listProducts({ originator: 'KOR' })), ['p-3'])
        assert.deepEqual(ids(await s.listProducts({ state: 'awaiting-content' })), ['p-1', 'p-2'])
      })
    })

    describe('audit chain', () => {
      test('when entries are appended, then seq grows, hashes link and recompute', async (s) => {
        const first = await s.appendAudit(event())
        assert.deepEqual(first, { ...event(), seq: 1, prevHash: GENESIS_HASH, hash: first.hash })
        const rest = await s.transaction(async (tx) => [
          await tx.appendAudit(event({ type: 'decision', party: 'JPN', atMs: 2_000 })),
          await tx.appendAudit(event({ type: 'send', party: 'JPN', atMs: 3_000, data: {} })),
        ])
        const all = await s.listAudit({})
        assert.deepEqual(all, [first, ...rest])
        assertChain(all)
        assert.deepEqual(await s.lastAudit(), rest[1])
      })

      test('given every audit type, when appended, then each reads back', async (s) => {
        for (const type of AUDIT_TYPES) await s.appendAudit(event({ type }))
        const all = await s.listAudit({})
        assert.deepEqual(
          all.map((e) => e.type),
          [...AUDIT_TYPES],
        )
        assertChain(all)
      })

      test('when listed, then type, party, subject, window, afterSeq and limit filter', async (s) => {
        await s.appendAudit(event({ atMs: 10, type: 'ingest', subject: 'r-1' }))
        await s.appendAudit(event({ atMs: 20, type: 'decision', party: 'JPN', subject: 'r-1' }))
        await s.appendAudit(event({ atMs: 30, type: 'decision', party: 'USA', subject: 'r-2' }))
        await s.appendAudit(event({ atMs: 40, type: 'send', party: 'JPN', subject: 'm-1' }))
        const seqs = async (f: Parameters<Store['listAudit']>[0]): Promise<number[]> =>
          (await s.listAudit(f)).map((e) => e.seq)
        assert.deepEqual(await seqs({}), [1, 2, 3, 4])
        assert.deepEqual(await seqs({ type: 'decision' }), [2, 3])
        assert.deepEqual(await seqs({ party: 'JPN' }), [2, 4])
        assert.deepEqual(await seqs({ subject: 'r-1' }), [1, 2])
        assert.deepEqual(await seqs({ fromMs: 20, untilMs: 40 }), [2, 3])
        assert.deepEqual(await seqs({ afterSeq: 2 }), [3, 4])
        assert.deepEqual(await seqs({ afterSeq: 1, limit: 2 }), [2, 3])
        assert.deepEqual(await seqs({ type: 'decision', party: 'JPN' }), [2])
      })

      test('given signed checkpoints, then they read back in seq order', async (s) => {
        const cp = (seq: number) => ({
          seq,
          hash: 'a'.repeat(64),
          atMs: seq * 10,
          signature: `s${seq}`,
        })
        await s.insertCheckpoint(cp(200))
        await s.insertCheckpoint(cp(100))
        assert.deepEqual(await s.listCheckpoints(), [cp(100), cp(200)])
        await assert.rejects(s.insertCheckpoint(cp(100)), { code: 'CONFLICT' })
      })
    })

    describe('transactions', () => {
      test('given a report, release and audit in one transaction, when it throws, then none remains and the chain goes on', async (s) => {
        const kept = await s.appendAudit(event())
        const boom = new Error('boom')
        const failing = s.transaction(async (tx) => {
          await tx.insertReport(report())
          await tx.insertRelease(release())
          await tx.appendAudit(event({ type: 'decision' }))
          assert.deepEqual(await tx.getReport('r-1'), report(), 'a tx reads its own writes')
          throw boom
        })
        await assert.rejects(failing, (e) => e === boom)
        assert.equal(await s.getReport('r-1'), undefined)
        assert.equal(await s.getRelease('rel-1'), undefined)
        assert.deepEqual(await s.listAudit({}), [kept])
        const next = await s.appendAudit(event({ type: 'node' }))
        assert.equal(next.seq, kept.seq + 1)
        assert.equal(next.prevHash, kept.hash)
        assertChain(await s.listAudit({}))
      })

      test('given transactions started together, then they never interleave and all commit', async (s) => {
        let inside = 0
        const runs = Array.from({ length: 20 }, (_, i) =>
          s.transaction(async (tx) => {
            inside += 1
            assert.equal(inside, 1, 'one transaction at a time')
            await tx.insertReport(report({ id: `r-${i}` }))
            await yieldTurn()
            const entry = await tx.appendAudit(event({ subject: `r-${i}` }))
            inside -= 1
            return entry.seq
          }),
        )
        const seqs = await Promise.all(runs)
        assert.deepEqual(
          seqs,
          Array.from({ length: 20 }, (_, i) => i + 1),
          'in call order',
        )
        assert.equal((await s.listReports({})).length, 20)
        assertChain(await s.listAudit({}))
      })

      test('given a transaction in flight, when store-level writes come, then they wait for it', async (s) => {
        const failing = s.transaction(async (tx) => {
          await tx.appendAudit(event({ subject: 'rolled-back' }))
          await yieldTurn()
          throw new Error('boom')
        })
        const direct = Promise.all([
          s.appendAudit(event({ subject: 'kept' })),
          s.insertReport(report()),
        ])
        await assert.rejects(failing)
        await direct
        const all = await s.listAudit({})
        assert.deepEqual(
          all.map((e) => e.subject),
          ['kept'],
        )
        assertChain(all)
        assert.deepEqual(await s.getReport('r-1'), report())
      })

      test('given a transaction in flight, when the store itself is read, then only committed rows show', async (s) => {
        let report1: Promise<ReportRow | undefined> = Promise.resolve(undefined)
        let head: Promise<AuditEntry | undefined> = Promise.resolve(undefined)
        const failing = s.transaction(async (tx) => {
          await tx.insertReport(report())
          await tx.appendAudit(event())
          report1 = s.getReport('r-1')
          head = s.lastAudit()
          await yieldTurn()
          throw new Error('boom')
        })
        await assert.rejects(failing, /boom/)
        assert.equal(await report1, undefined, 'no uncommitted report')
        assert.equal(await head, undefined, 'no uncommitted audit entry')
      })

      test('given a transaction that has ended, when its tx is used, then it refuses', async (s) => {
        const leaked = await s.transaction((tx) => Promise.resolve(tx))
        await assert.rejects(leaked.insertReport(report()))
        assert.equal(await s.getReport('r-1'), undefined)
      })
    })

    describe('tokens', () => {
      const token = (over: Partial<TokenRow> = {}): TokenRow => ({
        tokenHash: 'h'.repeat(64),
        role: 'release-officer',
        label: 'duty officer',
        createdAtMs: 1,
        expiresAtMs: 1_000,
        revokedAtMs: null,
        ...over,
      })

      test('given a token, then it is found by its hash only', async (s) => {
        await s.insertToken(token())
        assert.deepEqual(await s.findToken(token().tokenHash), token())
        assert.equal(await s.findToken('other'), undefined)
        await assert.rejects(s.insertToken(token()), { code: 'CONFLICT' })
      })

      test('given tokens with and without expiry, when listed, then each comes, oldest first', async (s) => {
        await s.insertToken(token({ tokenHash: 'b', createdAtMs: 2, expiresAtMs: null }))
        await s.insertToken(token({ tokenHash: 'a', createdAtMs: 1 }))
        assert.deepEqual(
          (await s.listTokens()).map((t) => [t.tokenHash, t.expiresAtMs]),
          [
            ['a', 1_000],
            ['b', null],
          ],
        )
      })

      test('given a token revoked twice, then the first revocation stands', async (s) => {
        await s.insertToken(token())
        await s.revokeToken(token().tokenHash, 5)
        await s.revokeToken(token().tokenHash, 9)
        assert.equal((await s.findToken(token().tokenHash))?.revokedAtMs, 5)
        await assert.rejects(s.revokeToken('absent', 5), { code: 'NOT_FOUND' })
      })

      test('given a transaction that fails after a token write, then neither it nor its audit stays', async (s) => {
        await assert.rejects(
          s.transaction(async (tx) => {
            await tx.insertToken(token())
            await tx.appendAudit(event())
            throw new Error('abort')
          }),
        )
        assert.equal(await s.findToken(token().tokenHash), undefined)
        assert.deepEqual(await s.listAudit({}), [])
      })
    })
  })
}
