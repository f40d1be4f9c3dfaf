import fc from 'fast-check'
import { asLevel, asPartyId, asTopic, type PartyId } from '../../src/domain/ids.ts'
import type { RegistryIndex } from '../../src/domain/registry-index.ts'
import { isDenied, releaseOptions } from '../../src/domain/release.ts'
import type { MessageKind } from '../../src/node/store/store.ts'
import { launchArb, levelsOf } from './api-cases.ts'
import { type FuzzNode, type FuzzParty, PARTIES } from './harness.ts'

/**
 * What a pinned peer may rightly send a node, before the fuzzer mutates it: every report the
 * registry lets a peer release to it (each sender, originator, level and agreement, the hub's
 * relays included), a request, an answer to one of the node's requests, a consent and its
 * revocation. Each is an arbitrary, so that ids are fresh.
 */
/** A message a peer may rightly send, before mutation. */
export interface Variant {
  readonly name: string
  readonly sender: FuzzParty
  readonly kind: MessageKind
  readonly agreement: string | null
  readonly payload: Readonly<Record<string, unknown>>
}

const WINDOW_FROM_MS = Date.parse('2019-10-30T00:00:00Z')
const WINDOW_UNTIL_MS = Date.parse('2019-11-02T00:00:00Z')

/** Every report message a peer may send this node by the registry: each sender, originator, level. */
function reportVariants(index: RegistryIndex, node: FuzzParty, atMs: number) {
  const out: {
    sender: FuzzParty
    originator: FuzzParty
    level: string
    agreement: string | null
    path: string[]
    heldLevel: string | null
    levelAtRecipient: string | null
  }[] = []
  const recipient = asPartyId(node)
  for (const sender of PARTIES.filter((p) => p !== node))
    for (const originator of PARTIES.filter((p) => p !== node))
      for (const level of levelsOf(originator)) {
        const facts = {
          id: null,
          originator: asPartyId(originator),
          level: asLevel(level),
          topic: asTopic('dprk-missile'),
          releasableTo: null,
        }
        let heldLevel: string | null = null
        if (sender !== originator) {
          const first = releaseOptions(index, {
            holder: facts.originator,
            recipient: asPartyId(sender),
            report: facts,
            atMs,
          })
          if (isDenied(first)) continue
          heldLevel = first[0]?.levelAtRecipient ?? level
        }
        const holder: PartyId = asPartyId(sender)
        const outcome = releaseOptions(index, {
          holder,
          recipient,
          report: facts,
          levelAtHolder: heldLevel === null ? null : asLevel(heldLevel),
          atMs,
        })
        if (isDenied(outcome)) continue
        for (const option of outcome)
          out.push({
            sender,
            originator,
            level,
            agreement: option.hops[0]?.agreement ?? null,
            path: sender === originator ? [sender, node] : [originator, sender, node],
            heldLevel,
            levelAtRecipient: option.levelAtRecipient,
          })
      }
  return out
}

/** The variants of every kind a peer of `node` may send, each an arbitrary (fresh ids). */
export function variantArb(node: FuzzNode): fc.Arbitrary<Variant> {
  const peers = PARTIES.filter((p) => p !== node.party)
  const reports = reportVariants(node.ctx.index, node.party, node.clock.ms).map((v) =>
    fc.record({
      name: fc.constant(
        `report ${v.originator}/${v.level} from ${v.sender} under ${v.agreement ?? 'none'}`,
      ),
      sender: fc.constant(v.sender),
      kind: fc.constant('report' as const),
      agreement: fc.constant(v.agreement),
      payload: fc.record({
        report: fc.record({
          id: fc.uuid(),
          originator: fc.constant(v.originator),
          level: fc.constant(v.level),
          topic: fc.constant('dprk-missile'),
          releasableTo: fc.constant(null),
          payload: launchArb,
          createdAtMs: fc.constant(WINDOW_FROM_MS),
        }),
        path: fc.constant(v.path),
        heldLevel: fc.constant(v.heldLevel ?? v.level),
        levelAtRecipient: fc.constant(v.levelAtRecipient),
      }),
    }),
  )
  const sender = fc.constantFrom(...peers)
  const message = (
    name: string,
    kind: MessageKind,
    payload: fc.Arbitrary<Record<string, unknown>>,
  ) =>
    fc.record({
      name: fc.constant(name),
      sender,
      kind: fc.constant(kind),
      agreement: fc.constant(null),
      payload,
    })
  const others = [
    message(
      'request',
      'request',
      fc.record({
        requestId: fc.uuid(),
        topic: fc.constantFrom('dprk-missile', 'dprk-nuclear'),
        windowFromMs: fc.constant(WINDOW_FROM_MS),
        windowUntilMs: fc.constant(WINDOW_UNTIL_MS),
      }),
    ),
    message(
      'answer',
      'answer',
      fc.record({
        requestId: fc.nat().map((index) => ({ $pool: 'outgoingRequests', index })),
        refused: fc.boolean(),
        released: fc.constant([]),
        officer: fc.constant(null),
      }),
    ),
    message(
      'consent grant',
      'consent',
      fc.record({
        action: fc.constant('grant'),
        consentId: fc.uuid(),
        recipient: fc.constantFrom(...PARTIES),
        reportId: fc.constant(null),
        topic: fc.constant('dprk-missile'),
        fromMs: fc.constant(WINDOW_FROM_MS),
        untilMs: fc.constant(null),
      }),
    ),
    message(
      'consent revoke',
      'consent',
      fc.record({
        action: fc.constant('revoke'),
        consentId: fc.nat().map((index) => ({ $pool: 'consents', index })),
        atMs: fc.constant(WINDOW_UNTIL_MS),
      }),
    ),
  ]
  return fc.oneof(
    { arbitrary: fc.oneof(...reports), weight: 3 },
    ...others.map((arbitrary) => ({ arbitrary, weight: 1 })),
  )
}
