import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { generatePartyKeys } from '../../src/node/crypto/keys.ts'
import {
  type Receipt,
  sha256Hex,
  signReceipt,
  verifyReceipt,
} from '../../src/node/crypto/receipt.ts'

const jpn = generatePartyKeys('JPN')
const SENT = 'the.compact.jwe.as.posted.by-KOR'
const expected = { messageId: 'm-1', sender: 'KOR', receiver: 'JPN', envelope: SENT }
const receipt = (over: Partial<Record<keyof Receipt, unknown>> = {}): Receipt =>
  ({
    messageId: 'm-1',
    sender: 'KOR',
    receiver: 'JPN',
    receivedAtMs: 1_000,
    status: 'accepted',
    envelopeSha256: sha256Hex(SENT),
    ...over,
  }) as Receipt

describe('receipts (the sender checks what the receiver signed)', () => {
  it('a receipt for the bytes sent, by the receiver, verifies', () => {
    const jws = signReceipt(receipt(), jpn.signing)
    assert.equal(verifyReceipt(jws, jpn.signingPublic, expected).status, 'accepted')
    const quarantined = signReceipt(receipt({ status: 'quarantined' }), jpn.signing)
    assert.equal(verifyReceipt(quarantined, jpn.signingPublic, expected).status, 'quarantined')
  })

  it('L2: a receipt over other bytes than those sent is refused, naming the field', () => {
    const jws = signReceipt(receipt({ envelopeSha256: sha256Hex('other') }), jpn.signing)
    assert.throws(() => verifyReceipt(jws, jpn.signingPublic, expected), /envelopeSha256/)
  })

  it('L2: a receipt naming another sender is refused', () => {
    const jws = signReceipt(receipt({ sender: 'USA' }), jpn.signing)
    assert.throws(() => verifyReceipt(jws, jpn.signingPublic, expected), /sender/)
  })

  it('L2: a receipt with a status that is neither accepted nor quarantined is refused', () => {
    const jws = signReceipt(receipt({ status: 'delivered' }), jpn.signing)
    assert.throws(() => verifyReceipt(jws, jpn.signingPublic, expected), /status/)
  })

  it('a receipt for another message or receiver is refused, as before', () => {
    for (const over of [{ messageId: 'm-2' }, { receiver: 'USA' }]) {
      const jws = signReceipt(receipt(over), jpn.signing)
      assert.throws(() => verifyReceipt(jws, jpn.signingPublic, expected))
    }
  })
})
