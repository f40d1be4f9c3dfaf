import { createHash } from 'node:crypto'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { type Harness, makeNode } from '../helpers/node-harness.ts'

/** Issue 15: the console's session is a token of its own, revoked when the officer signs out. */
describe('console sessions', () => {
  let node: Harness
  before(async () => {
    node = await makeNode()
  })
  after(async () => node.close())

  const csrf = { 'x-entente-csrf': '1' }
  async function signIn(role: 'operator' | 'auditor' | 'admin'): Promise<string> {
    const response = await node.app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { 'content-type': 'application/json', ...csrf },
      payload: { token: node.tokens[role] },
    })
    assert.equal(response.statusCode, 200, response.body)
    const cookie = String(response.headers['set-cookie'] ?? '').split(';')[0] ?? ''
    assert.match(cookie, /^entente-session-[A-Z]+=.+/)
    return cookie
  }
  const who = (cookie: string) =>
    node.app.inject({ method: 'GET', url: '/api/session', headers: { cookie } })

  it('the cookie holds a session of its own, not the API token typed in', async () => {
    const cookie = await signIn('operator')
    assert.ok(!cookie.includes(encodeURIComponent(node.tokens.operator)), 'not the API token')
    const response = await who(cookie)
    assert.equal(response.statusCode, 200)
    assert.equal(response.json<{ role: string; label: string }>().role, 'operator')
    assert.equal(response.json<{ label: string }>().label, 'operator', "the signer's label")
  })

  it('given a sign-out, the same cookie replayed is refused 401, and the API token still works', async () => {
    const cookie = await signIn('operator')
    const other = await signIn('auditor')
    const out = await node.app.inject({
      method: 'DELETE',
      url: '/api/session',
      headers: { cookie, ...csrf },
    })
    assert.equal(out.statusCode, 204)
    assert.match(String(out.headers['set-cookie']), /Max-Age=0/)
    assert.equal((await who(cookie)).statusCode, 401, 'the replayed cookie opens nothing')
    assert.equal((await who(other)).statusCode, 200, 'another session lives on')
    const bearer = await node.app.inject({
      method: 'GET',
      url: '/api/session',
      headers: { authorization: `Bearer ${node.tokens.operator}` },
    })
    assert.equal(bearer.statusCode, 200, 'signing out of the console revokes no API token')
  })

  it('given the API token a session was opened with is revoked, the session opens nothing', async () => {
    const cookie = await signIn('admin')
    assert.equal((await who(cookie)).statusCode, 200)
    const hash = createHash('sha256').update(node.tokens.admin).digest('hex')
    await node.ctx.store.revokeToken(hash, Date.now())
    assert.equal((await who(cookie)).statusCode, 401, 'the session dies with its token')
  })
})
