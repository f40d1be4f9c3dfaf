import type { Allowed } from '../../domain/decision.ts'
import type { PartyId } from '../../domain/ids.ts'
import { releaseLabels, type ReleaseLabels } from '../../protocol/label.ts'
import type { ReportRow } from '../store/store.ts'
import type { NodeContext } from './context.ts'

/**
 * The STANAG 4774 labels of a report shown to `viewer` under `verdict` (TAXII, export, the
 * CoT stream): the originator's, and the alternative at the level the engine maps it to in
 * the viewer's policy. None when nothing is released: the viewer is this node or the originator.
 */
export function disclosureLabels(
  ctx: NodeContext,
  report: ReportRow,
  viewer: PartyId,
  verdict: Allowed | 'own',
): ReleaseLabels | undefined {
  if (verdict === 'own') return undefined
  return releaseLabels(ctx.index.registry.parties, {
    originator: report.originator,
    level: report.level,
    releasableTo: report.releasableTo,
    recipient: viewer,
    levelAtRecipient: verdict.levelAtRecipient,
  })
}
