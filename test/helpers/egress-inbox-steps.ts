import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import {
  answerRequest,
  applyIncomingMessage,
  checkIncomingMessage,
} from '../../src/node/app/requests.ts'
import { auditedTransaction } from '../../src/node/app/audit-log.ts'
import type { Message } from '../../src/protocol/messages.ts'
import { LAUNCH_TIMES, type TimedStep } from './egress-history.ts'
import { covers } from './egress-oracle.ts'
import { at, count, nth, type Run } from './egress-steps.ts'

/**
 * The steps of a generated history that arrive through the federation inbox — consents
 * granted and revoked, requests — applied exactly as the inbox applies them once it has
 * verified the envelope, and requests' answers (by rule at once, or by an officer).
 */

async function inbox<K extends 'consent' | 'request'>(
  run: Run,
  sender: string,
  kind: K,
  payload: Message<K>['payload'],
): Promise<void> {
  const ctx = run.node.ctx
  const message = {
    v: 1,
    messageId: randomUUID(),
    sender,
    recipient: ctx.party,
    agreement: null,
    instantMs: run.node.clock.ms,
    kind,
    payload,
  } as Message<'consent' | 'request'>
  assert.deepEqual(await checkIncomingMessage(ctx, message, run.node.clock.ms), [], 'accepted')
  await auditedTransaction(ctx, (tx, audit) =>
    applyIncomingMessage(ctx, tx, audit, message, run.node.clock.ms),
  )
}

export async function consent(
  run: Run,
  step: Extract<TimedStep, { kind: 'consent' }>,
): Promise<void> {
  const { oracle, c } = run
  // For a report held from another party (the n-th), by its id or its topic; else any topic.
  const received = [...oracle.reports.values()].filter((r) => r.originator !== c.node)
  const report = step.report === null ? undefined : at(received, step.report)
  const originator = report?.originator ?? nth(run.peers, step.originator)
  const others = [...c.registry.parties.keys()].filter((p) => p !== originator && p !== c.node)
  const other = nth(others, step.recipient)
  const [holder, recipient] = step.asRecipient ? [other, c.node] : [c.node, other]
  const byId = report !== undefined && !step.byTopic
  const held = {
    id: randomUUID(),
    originator,
    holder,
    recipient,
    reportId: byId ? report.id : null,
    topic: byId ? null : (report?.topic ?? step.topic),
    fromMs: step.atMs,
    untilMs: step.untilAfterMs === null ? null : step.atMs + step.untilAfterMs,
    revokedAtMs: null,
  }
  const { id: consentId, originator: _o, revokedAtMs: _r, ...terms } = held
  await inbox(run, originator, 'consent', { action: 'grant', consentId, ...terms })
  oracle.consents.set(held.id, held)
}

/** Revokes one of the consents held (the n-th not yet revoked), as its originator. */
export async function revoke(
  run: Run,
  step: Extract<TimedStep, { kind: 'revoke' }>,
): Promise<void> {
  const held = [...run.oracle.consents.values()].filter((c) => c.revokedAtMs === null)
  const chosen = at(held, step.pick)
  if (chosen === undefined) return
  await inbox(run, chosen.originator, 'consent', {
    action: 'revoke',
    consentId: chosen.id,
    atMs: step.atMs - 1_000, // the sender's word; the node records its own instant (M1)
  })
  chosen.revokedAtMs = step.atMs
}

/** An officer answers one of the open requests (the n-th). */
export async function answerOpen(
  run: Run,
  step: Extract<TimedStep, { kind: 'answer' }>,
): Promise<void> {
  const open = [...run.oracle.requests.values()].filter((r) => r.status === 'open')
  const chosen = at(open, step.pick)
  if (chosen !== undefined) await answer(run, chosen.id, step.release, 'officer')
}

export async function request(
  run: Run,
  step: Extract<TimedStep, { kind: 'request' }>,
): Promise<void> {
  const { oracle, c } = run
  const ours = [...oracle.reports.values()].filter((r) => r.originator === c.node)
  const heldFor = [...oracle.releases.values()].filter(
    (r) => r.state === 'held' && ours.some((o) => o.id === r.reportId),
  )
  const asked = step.cover === null ? undefined : at(heldFor, step.cover)
  const requester = asked?.recipient ?? nth(run.peers, step.requester)
  const target =
    asked !== undefined
      ? oracle.reports.get(asked.reportId)
      : step.cover === null
        ? undefined
        : at(ours, step.cover)
  const launchMs =
    target?.launchMs ?? (step.launch === null ? null : Date.parse(LAUNCH_TIMES[step.launch] ?? ''))
  const windowFromMs = launchMs === null ? Date.parse('2015-01-01T00:00:00Z') : launchMs - 60_000
  const held = {
    id: randomUUID(),
    requester,
    topic: target?.topic ?? step.topic,
    windowFromMs,
    windowUntilMs: windowFromMs + 3_600_000,
    status: 'open' as const,
  }
  const { id: requestId, topic, windowUntilMs } = held
  await inbox(run, requester, 'request', { requestId, topic, windowFromMs, windowUntilMs })
  oracle.requests.set(requestId, { ...held })
  // By rule the inbox answers at once; `answerNow: false` is a crash between the two.
  if (c.answerRequests === 'rule' && step.answerNow) await answer(run, requestId, true, null)
}

/** An answer releases each held release to the requester of a report of ours it covers, if still allowed. */
async function answer(
  run: Run,
  id: string,
  release: boolean,
  officer: string | null,
): Promise<void> {
  const { node, oracle } = run
  const atMs = node.clock.ms
  const request = oracle.requests.get(id)
  assert.ok(request)
  const expected = new Map<string, 'released' | 'denied'>()
  if (release)
    for (const r of oracle.releases.values()) {
      const report = oracle.reports.get(r.reportId)
      if (r.state !== 'held' || r.recipient !== request.requester || report === undefined) continue
      if (report.originator !== node.ctx.party || !covers(request, report)) continue
      expected.set(r.id, oracle.allowsUnder(r, atMs) ? 'released' : 'denied')
    }
  const answered = await answerRequest(node.ctx, id, release, officer)
  request.status = release ? 'answered' : 'refused'
  assert.equal(answered.status, request.status)
  const released = [...expected].filter(([, s]) => s === 'released')
  const reportIds = released.map(([rid]) => oracle.releases.get(rid)?.reportId).sort()
  assert.deepEqual([...(answered.answer?.['released'] as string[])].sort(), reportIds)
  for (const [rid, state] of expected) {
    const r = oracle.releases.get(rid)
    if (r !== undefined) r.state = state
  }
  for (const state of expected.values()) count(run, `answer: ${state}`)
}
