import assert from 'node:assert/strict'
import { CompactEncrypt, CompactSign } from 'jose'
import {
  generatePartyKeys,
  type Jwk,
  type PartyKeys,
  publicJwks,
} from '../../src/node/crypto/keys.ts'
import { type Harness, makeNode } from './node-harness.ts'

/**
 * Three in-process nodes on the reference registry without the Korea–Japan GSOMIA, so that
 * KOR's reports reach JPN only through the TISA's hub, USA; JPN holds KOR's key as an
 * originator's, not a peer's. Each hop's envelope is the node's own bytes: a test moves the
 * signed JWS from one node's outbox into the next node's inbox (signedAs, forward).
 */
export async function makeHubChain(): Promise<{ kor: Harness; usa: Harness; jpn: Harness }> {
  const whatIfs = ['no-gsomia']
  // JPN's keys as USA's config pins them: the test holds the private half.
  const jpnStandIn = generatePartyKeys('JPN')
  const kor = await makeNode({ party: 'KOR', whatIfs, modes: { tisa: 'auto' } })
  const usa = await makeNode({
    party: 'USA',
    whatIfs,
    modes: { tisa: 'auto' },
    config: { peers: { KOR: peerEntry(kor.ctx.keys), JPN: peerEntry(jpnStandIn) } },
  })
  const jpn = await makeNode({
    party: 'JPN',
    whatIfs,
    config: {
      peers: { USA: peerEntry(usa.ctx.keys) },
      originators: { KOR: signingJwk(kor.ctx.keys) },
    },
  })
  return { kor, usa, jpn }
}

/** A peer's config entry with its real public keys (as `node init` prints them). */
export function peerEntry(keys: PartyKeys): unknown {
  const [signing, encryption] = publicJwks(keys).keys
  return { url: 'http://127.0.0.1:9', keys: { signing, encryption } }
}

export const signingJwk = (keys: PartyKeys): Jwk => publicJwks(keys).keys[0] as Jwk

export const ENVELOPE_JWS_TYPE = 'entente-envelope+jws'

/** The envelope as the sender's link signs it when it leaves (optionally altered first). */
export function signedAs(from: Harness, envelope: string): Promise<string> {
  return new CompactSign(new TextEncoder().encode(envelope))
    .setProtectedHeader({ alg: 'EdDSA', typ: ENVELOPE_JWS_TYPE, kid: `${from.ctx.party}-sig` })
    .sign(from.ctx.keys.signing)
}

/** Posts the sender's signed JWS, unchanged, encrypted to the real recipient node. */
export async function forward(
  jws: string,
  to: Harness,
): Promise<{ status: string; codes: string[] }> {
  const jwe = await new CompactEncrypt(new TextEncoder().encode(jws))
    .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', cty: ENVELOPE_JWS_TYPE })
    .encrypt(to.ctx.keys.encryptionPublic)
  return postToInbox(to, jwe)
}

/** Posts a compact JWE to a node's federation inbox; its status and the last inbox row's codes. */
export async function postToInbox(
  to: Harness,
  jwe: string,
): Promise<{ status: string; codes: string[] }> {
  const response = await to.app.inject({
    method: 'POST',
    url: '/federation/inbox',
    payload: jwe,
    headers: { 'content-type': 'application/jose' },
  })
  assert.equal(response.statusCode, 200, response.body)
  const { status } = response.json<{ status: string }>()
  const latest = (await to.ctx.store.listInbox({})).at(-1)
  return { status, codes: latest?.reasons.map((r) => r.code) ?? [] }
}
