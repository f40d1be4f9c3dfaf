// Light receiving peers for `bench:tracks`' fan-out (issue 12, item 5): one process that holds
// the live link's listening end for many parties. Each frame is opened as a node would open it
// (decrypted with the party's key, the sender's signature checked against its pinned key) and
// answered with a signed receipt that every message is stored; nothing is stored. They stand in
// for the receiving nodes, which are outside what the benchmark measures: the latency the
// *sending* node adds. Usage: node --import tsx bench/light-peers.ts CONFIG.json… (node configs
// made by prepareNetwork); prints "ready" once every party listens.
import { readFileSync } from 'node:fs'
import type { PartyId } from '../src/domain/ids.ts'
import { FrameError, frameSha256, openFrame, signFrameReceipt } from '../src/node/crypto/frame.ts'
import { readLinkTls } from '../src/node/crypto/ca.ts'
import { importPeerKeys, type Jwk, readPartyKeys } from '../src/node/crypto/keys.ts'
import { startLinkServer } from '../src/node/link/link-server.ts'
import { PROTOCOL_VERSION } from '../src/protocol/messages.ts'

interface LightConfig {
  readonly party: PartyId
  readonly dataDir: string
  readonly link: { readonly host: string; readonly port: number }
  readonly peers: Record<
    string,
    { readonly keys: { signing: Jwk; encryption: Jwk }; readonly link?: { fingerprint256: string } }
  >
}

async function listen(config: LightConfig): Promise<void> {
  const keys = await readPartyKeys(config.dataDir)
  const peers = new Map(
    Object.entries(config.peers).map(([party, peer]) => [
      party as PartyId,
      { ...peer, signing: importPeerKeys(peer.keys).signing },
    ]),
  )
  const lastSeq = new Map<PartyId, number>()
  await startLinkServer(
    {
      self: config.party,
      host: config.link.host,
      port: config.link.port,
      tls: await readLinkTls(config.dataDir),
      peers: new Map(
        [...peers].flatMap(([p, peer]) =>
          peer.link === undefined ? [] : [[p, peer.link.fingerprint256] as const],
        ),
      ),
      maxFrameBytes: 64 * 1024 * 1024,
      heartbeatMs: 5_000,
    },
    {
      lastSeq: (peer) => Promise.resolve(lastSeq.get(peer) ?? 0),
      receive: (peer, seq, body) => {
        const signing = peers.get(peer)?.signing
        if (signing === undefined)
          return Promise.resolve({ ok: false, code: 'FRAME_UNVERIFIED', message: 'no such peer' })
        try {
          const frame = openFrame(body, keys.encryption, signing, {
            sender: peer,
            recipient: config.party,
            seq,
          })
          lastSeq.set(peer, seq)
          const receipt = signFrameReceipt(
            {
              v: PROTOCOL_VERSION,
              seq,
              sender: peer,
              receiver: config.party,
              receivedAtMs: Date.now(),
              frameSha256: frameSha256(body),
              verdicts: frame.messages.map((m) => ({
                messageId: (m as { messageId: string }).messageId,
                verdict: 'stored' as const,
                status: 'accepted' as const,
                codes: [],
              })),
            },
            keys.signing,
          )
          return Promise.resolve({ ok: true, receipt })
        } catch (error) {
          if (error instanceof FrameError)
            return Promise.resolve({ ok: false, code: error.code, message: error.message })
          throw error
        }
      },
      refused: () => undefined,
    },
  )
}

const configs = process.argv
  .slice(2)
  .map((file) => JSON.parse(readFileSync(file, 'utf8')) as LightConfig)
await Promise.all(configs.map(listen))
process.stdout.write('ready\n')
// Ends with its parent (the benchmark closes stdin).
process.stdin.resume()
process.stdin.on('end', () => process.exit(0))
