import type { ReleaseDecision } from '../api/types.ts'

/** A release decision: allowed/denied, its hops, and every reason or ground. */
export function DecisionView({
  decision,
  title,
}: {
  readonly decision: ReleaseDecision
  readonly title: string
}) {
  return (
    <div
      class={`decision decision-${decision.decision}`}
      data-testid="why-decision"
      data-decision={decision.decision}
    >
      <p>
        <strong>{title}</strong>
        {decision.levelAtRecipient !== null && (
          <> — at the recipient: {decision.levelAtRecipient}</>
        )}
      </p>
      {decision.hops.length > 0 && (
        <ol class="hops">
          {decision.hops.map((h, i) => (
            <li key={i}>
              {h.from} → {h.to} under {h.agreement} as {h.level} ({h.release})
            </li>
          ))}
        </ol>
      )}
      {decision.reasons.length > 0 && (
        <>
          <h4>Reasons</h4>
          <ul data-testid="why-reasons">
            {decision.reasons.map((r, i) => (
              <li key={i}>
                <code>{r.code}</code> {r.message}
              </li>
            ))}
          </ul>
        </>
      )}
      {decision.grounds.length > 0 && (
        <>
          <h4>Grounds</h4>
          <ul data-testid="why-grounds">
            {decision.grounds.map((g, i) => (
              <li key={i}>
                <code>{g.code}</code> {g.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  )
}
