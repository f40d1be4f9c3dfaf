import type { Allowed } from '../../domain/decision.ts'
import type { ReleaseMode } from '../../domain/agreement.ts'
import { asLevel, asPartyId, asTopic } from '../../domain/ids.ts'
import type { Consent, ReportFacts } from '../../domain/registry.ts'
import { canonicalJson } from '../audit/hash.ts'
import { sha256Hex } from '../crypto/receipt.ts'
import type { ReportRow, StoreTx } from '../store/store.ts'
import type { NodeContext } from './context.ts'

/** What the release engine needs from this node: a report's facts, its mode, the consents held. */

export function reportFacts(
  report: Pick<ReportRow, 'id' | 'originator' | 'level' | 'topic' | 'releasableTo'>,
): ReportFacts {
  return {
    id: report.id,
    originator: asPartyId(report.originator),
    level: asLevel(report.level),
    topic: asTopic(report.topic),
    releasableTo: report.releasableTo?.map(asPartyId) ?? null,
  }
}

/** How this node releases by `option`'s first hop: its own policy, else the agreement's mode. */
export function releaseModeOf(ctx: NodeContext, option: Allowed): ReleaseMode {
  const hop = option.hops[0]
  const agreement = hop?.agreement ?? null
  return (
    (agreement !== null ? ctx.config.release.modes[agreement] : undefined) ?? hop?.release ?? 'auto'
  )
}

/** SHA-256 of what identifies a report's content: sealing checks it against the row decided. */
export function reportDigest(
  report: Pick<ReportRow, 'id' | 'originator' | 'level' | 'topic' | 'releasableTo' | 'payload'> & {
    readonly version?: number
  },
): string {
  const { id, originator, level, topic, releasableTo, payload, version } = report
  // Version 1 hashes as before versions existed: releases decided then still seal.
  const numbered = version === undefined || version === 1 ? {} : { version }
  return sha256Hex(
    canonicalJson({ id, originator, level, topic, releasableTo, payload, ...numbered }),
  )
}

/** The originators' explicit consents (R4) this node holds, in force at `atMs`. */
export function activeConsents(ctx: NodeContext, atMs: number): Promise<Consent[]> {
  return consentsHeld(ctx.store, ctx.party, atMs)
}

/** The consents naming `holder` in force at `atMs`, read through a store or a transaction. */
export async function consentsHeld(
  reader: Pick<StoreTx, 'listConsents'>,
  holder: string,
  atMs: number,
  recipient?: string,
): Promise<Consent[]> {
  const rows = await reader.listConsents({
    holder,
    activeAtMs: atMs,
    ...(recipient === undefined ? {} : { recipient }),
  })
  return rows.map((c) => ({
    originator: asPartyId(c.originator),
    holder: asPartyId(c.holder),
    recipient: asPartyId(c.recipient),
    scope: c.reportId !== null ? { reportId: c.reportId } : { topic: asTopic(c.topic ?? '') },
    fromMs: c.fromMs,
    untilMs: c.untilMs,
  }))
}
