import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import fc from 'fast-check'
import { CotFramer } from '../../src/node/cot/cot-framer.ts'

const event = (uid: string) =>
  `<event version="2.0" uid="${uid}" type="a-h-G"><point lat="1" lon="2"/><detail/></event>`

describe('CotFramer: a TCP stream of CoT cut into events on </event>', () => {
  it('gives the same events whatever the chunks: split inside tags, several per chunk', () => {
    fc.assert(
      fc.property(
        fc.array(fc.stringMatching(/^[a-z0-9.]{1,12}$/), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.constantFrom('', '\n', '\r\n  '),
        (uids, cuts, gap) => {
          const stream = uids.map(event).join(gap)
          const positions = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort(
            (a, b) => a - b,
          )
          const chunks = [0, ...positions, stream.length]
            .slice(1)
            .map((end, i, ends) => stream.slice(i === 0 ? 0 : ends[i - 1], end))
          const framer = new CotFramer()
          const got = chunks.flatMap((c) => framer.push(c).events)
          assert.deepEqual(got, uids.map(event))
        },
      ),
    )
  })

  it('drops an overlong remainder without an end and carries on with the next event', () => {
    const framer = new CotFramer(100)
    assert.deepEqual(framer.push('x'.repeat(101)), { events: [], dropped: true })
    assert.deepEqual(framer.push(event('a')), { events: [event('a')], dropped: false })
  })
})
