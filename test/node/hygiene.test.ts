import assert from 'node:assert/strict'
import { createHash, randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { CompactEncrypt, CompactSign } from 'jose'
import { runExport } from '../../src/cli/export.ts'
import { initNode } from '../../src/cli/node.ts'
import { appendAudit } from '../../src/node/app/audit-log.ts'
import { canonicalJson } from '../../src/node/audit/hash.ts'
import type { Envelope } from '../../src/node/crypto/envelope.ts'
import { tokenHash } from '../../src/node/http/auth.ts'
import { openStore } from '../../src/node/main.ts'
import type { AuditEntry } from '../../src/node/store/store.ts'
import { makeNode, type OneNode, readEventStream } from '../helpers/one-node.ts'

/** A report of JPN's to KOR under the GSOMIA, which KOR accepts (api.test.ts does the same). */
function jpnReport(node: OneNode): Envelope {
  const report = {
    id: randomUUID(),
    originator: 'JPN',
    level: 'GOKUHI',
    topic: 'dprk-missile',
    releasableTo: null,
    payload: {},
    createdAtMs: node.clock.ms,
  }
  return node.envelopeFrom('JPN', {
    agreement: 'kor-jpn-gsomia',
    kind: 'report',
    payload: { report, path: ['JPN', 'KOR'], heldLevel: 'GOKUHI', levelAtRecipient: 'MIL-II' },
  })
}

const problemOf = (body: string) => JSON.parse(body) as { title: string; detail: string }

describe('issue 10 hygiene: one node in-process', () => {
  let node: OneNode
  before(async () => {
    node = await makeNode({
      config: {
        release: { modes: { 'kor-jpn-gsomia': 'manual' }, answerRequests: 'officer' },
        clockSkewS: 45,
      },
    })
  })
  after(() => node.close())

  it('L1: an envelope encrypted with ECDH-ES+A128KW or A128GCM is refused, not opened', async () => {
    for (const [alg, enc] of [
      ['ECDH-ES+A128KW', 'A128CBC-HS256'],
      ['ECDH-ES', 'A128GCM'],
    ] as const) {
      const envelope = jpnReport(node)
      const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(envelope)))
        .setProtectedHeader({ alg: 'EdDSA', typ: 'entente-envelope+jws' })
        .sign(node.peers['JPN']!.signing)
      const jwe = await new CompactEncrypt(new TextEncoder().encode(jws))
        .setProtectedHeader({ alg, enc, cty: 'entente-envelope+jws' })
        .encrypt(node.ctx.keys.encryptionPublic)
      const response = await node.postJwe(jwe)
      assert.equal(response.statusCode, 401, `${alg}/${enc}: ${response.body}`)
      assert.equal(problemOf(response.body).title, 'ENVELOPE_UNDECRYPTABLE')
      assert.equal(await node.ctx.store.getInbox(envelope.messageId), undefined)
    }
  })

  it('L1: an envelope whose cty is not an Entente JWS is refused', async () => {
    const jwe = await new CompactEncrypt(new TextEncoder().encode('hello'))
      .setProtectedHeader({ alg: 'ECDH-ES', enc: 'A256GCM', cty: 'text/plain' })
      .encrypt(node.ctx.keys.encryptionPublic)
    const response = await node.postJwe(jwe)
    assert.equal(response.statusCode, 400, response.body)
    assert.match(problemOf(response.body).detail, /cty must be entente-envelope\+jws/)
  })

  it('L3: an expired token and a revoked one are refused exactly like an unknown one', async () => {
    const expired = 'expired-token-of-the-test'
    const revoked = 'revoked-token-of-the-test'
    const base = { role: 'operator', label: 'test', createdAtMs: 1, revokedAtMs: null } as const
    await node.ctx.store.insertToken({
      ...base,
      tokenHash: tokenHash(expired),
      expiresAtMs: node.clock.ms - 1,
    })
    await node.ctx.store.insertToken({
      ...base,
      tokenHash: tokenHash(revoked),
      expiresAtMs: null,
    })
    await node.ctx.store.revokeToken(tokenHash(revoked), 2)
    const unknown = await node.call('GET', '/api/reports', 'never-issued')
    assert.equal(unknown.statusCode, 401)
    for (const token of [expired, revoked]) {
      const response = await node.call('GET', '/api/reports', token)
      assert.equal(response.statusCode, 401, token)
      assert.deepEqual(problemOf(response.body), problemOf(unknown.body))
    }
    assert.equal((await node.call('GET', '/api/reports', 'operator')).statusCode, 200)
  })

  it("L3: a revoked peer party's TAXII token no longer opens TAXII", async () => {
    const token = await node.partyToken('JPN')
    const discovery = () =>
      node.app.inject({
        method: 'GET',
        url: '/taxii2/',
        headers: { authorization: `Bearer ${token}` },
      })
    assert.equal((await discovery()).statusCode, 200)
    const row = (await node.ctx.store.listTokens()).find((t) => t.label === 'taxii JPN: poc')
    assert.ok(row)
    await node.ctx.store.revokeToken(row.tokenHash, Date.now())
    assert.equal((await discovery()).statusCode, 401)
  })

  it('L3: ?access_token= opens only the event stream, not the other routes', async () => {
    const response = await node.call(
      'GET',
      `/api/reports?access_token=${node.tokens['admin'] ?? ''}`,
      null,
    )
    assert.equal(response.statusCode, 401, response.body)
  })

  it('L5: /api/node publishes its party and keys, not its peers or their URLs', async () => {
    const response = await node.call('GET', '/api/node', null)
    assert.equal(response.statusCode, 200)
    const body = response.json<Record<string, unknown>>()
    assert.deepEqual(Object.keys(body).sort(), ['party', 'publicKeys'])
    assert.doesNotMatch(response.body, /127\.0\.0\.1:9|"JPN"|"USA"/)
  })

  it('L5: an unknown sender and a bad signature get the same answer', async () => {
    const unknown = await node.sendAs('JPN', node.envelopeFrom('CHN'))
    // Claims USA, signed with JPN's key.
    const badSignature = await node.sendAs('JPN', node.envelopeFrom('USA'))
    assert.equal(unknown.statusCode, 401)
    assert.equal(badSignature.statusCode, 401)
    assert.deepEqual(problemOf(unknown.body), problemOf(badSignature.body))
    assert.equal(problemOf(unknown.body).title, 'ENVELOPE_UNVERIFIED')
  })

  it('L6: the start entry records the release policy, answerRequests, clockSkewS, the clock and a hash of the config', async () => {
    const start = (await node.ctx.store.listAudit({ type: 'node' })).find(
      (e) => e.data['event'] === 'start',
    )
    assert.ok(start)
    assert.deepEqual(start.data['release'], {
      modes: { 'kor-jpn-gsomia': 'manual' },
      answerRequests: 'officer',
    })
    assert.equal(start.data['clockSkewS'], 45)
    assert.equal(start.data['clock'], null)
    const hash = createHash('sha256').update(canonicalJson(node.config)).digest('hex')
    assert.equal(start.data['configSha256'], hash)
  })

  it('item 9: a path parameter over 100 characters is a 414 problem+json on /api', async () => {
    const response = await node.call(
      'POST',
      `/api/releases/${'x'.repeat(101)}/approve`,
      'release-officer',
    )
    assert.equal(response.statusCode, 414)
    assert.match(String(response.headers['content-type']), /application\/problem\+json/)
    const problem = problemOf(response.body)
    assert.equal(problem.title, 'URI_TOO_LONG')
    assert.doesNotMatch(problem.detail, /xxxx/, 'the path is not echoed back')
  })

  it('item 9: a path parameter over 100 characters is a 414 TAXII error on /taxii2', async () => {
    const response = await node.app.inject({
      method: 'GET',
      url: `/taxii2/api/collections/${'c'.repeat(101)}/objects/`,
      headers: { authorization: `Bearer ${node.tokens['operator'] ?? ''}` },
    })
    assert.equal(response.statusCode, 414)
    assert.match(String(response.headers['content-type']), /application\/taxii\+json/)
    const error = response.json<{ http_status: string; error_code: string }>()
    assert.equal(error.http_status, '414')
    assert.equal(error.error_code, 'URI_TOO_LONG')
  })
})

describe('M3: the event stream by role (loopback)', () => {
  let node: OneNode
  let url: string
  before(async () => {
    node = await makeNode()
    // Entries an operator may not read: a start (always there) and a failed authentication.
    await appendAudit(node.ctx, {
      atMs: node.clock.ms,
      type: 'auth-failure',
      party: null,
      subject: null,
      data: { remote: '192.0.2.7', reason: 'unknown token' },
    })
    const ingest = await node.call('POST', '/api/reports', 'operator', {
      marking: { originator: 'KOR', level: 'MIL-II' },
      topic: 'dprk-missile',
      launch: {
        time: '2019-10-31T16:35:00+09:00',
        site: { lat: 39.41, lon: 125.89 },
        headingDeg: 68,
        rangeKm: 370,
        apogeeKm: 90,
        count: 1,
        confidence: 'high',
      },
    })
    assert.equal(ingest.statusCode, 201, ingest.body)
    await node.app.listen({ host: '127.0.0.1', port: 0 })
    const address = node.app.server.address()
    assert.ok(typeof address === 'object' && address !== null)
    url = `http://127.0.0.1:${address.port}/api/events`
  })
  after(() => node.close())

  const lastSeq = async () => (await node.ctx.store.lastAudit())?.seq ?? 0
  const upTo = (seq: number) => (entries: readonly AuditEntry[]) =>
    entries.some((e) => e.seq >= seq)

  it("M3: an operator's event stream carries no audit entry an operator may not read", async () => {
    // The last entry is the ingest's (an operator's business): the stream reaches it.
    const last = await lastSeq()
    const entries = await readEventStream(url, node.tokens['operator'] ?? '', upTo(last))
    const types = new Set(entries.map((e) => e.type))
    assert.ok(types.has('ingest'), [...types].join(', '))
    for (const hidden of ['auth-failure', 'node', 'registry'])
      assert.ok(!types.has(hidden as AuditEntry['type']), `${hidden} in ${[...types].join(', ')}`)
  })

  it('M3: an auditor follows every entry, the failed authentication too', async () => {
    const last = await lastSeq()
    const entries = await readEventStream(url, node.tokens['auditor'] ?? '', upTo(last))
    assert.deepEqual(
      entries.map((e) => e.seq),
      Array.from({ length: last }, (_, i) => i + 1),
    )
    assert.ok(entries.some((e) => e.type === 'auth-failure'))
  })

  it('?access_token= still opens the event stream (EventSource cannot set headers)', async () => {
    const last = await lastSeq()
    const query = `${url}?access_token=${node.tokens['auditor'] ?? ''}`
    const entries = await readEventStream(query, null, upTo(last))
    assert.equal(entries.at(-1)?.seq, last)
  })
})

describe('M4: failed authentications are audited in aggregate', () => {
  it('M4: 100 anonymous requests write no entry while their minute lasts, then one per source and route family', async () => {
    const node = await makeNode({ startIso: '2019-10-31T07:36:00Z' })
    try {
      const count = async () => (await node.ctx.store.listAudit({ limit: 100_000 })).length
      const before = await count()
      const checkpoints = (await node.ctx.store.listCheckpoints()).length
      for (let i = 0; i < 50; i++) {
        assert.equal((await node.call('GET', '/api/reports', null)).statusCode, 401)
        assert.equal((await node.postJwe('not.a.jwe.at.all')).statusCode, 401)
      }
      assert.equal(await count(), before, 'no durable write per anonymous request')
      assert.equal((await node.ctx.store.listCheckpoints()).length, checkpoints)

      node.clock.ms += 60_000 // the minute is over: the next failure writes its counts
      assert.equal((await node.call('GET', '/api/reports', null)).statusCode, 401)
      const written = await node.ctx.store.listAudit({ type: 'auth-failure' })
      assert.deepEqual(
        written.map((e) => [e.data['family'], e.data['remote'], e.data['count']]).sort(),
        [
          ['api', '127.0.0.1', 50],
          ['federation', '127.0.0.1', 50],
        ],
      )
      const api = written.find((e) => e.data['family'] === 'api')
      assert.deepEqual(api?.data['reasons'], { 'no bearer token': 50 })
      assert.deepEqual(api?.data['routes'], { '/api/reports': 50 })
      assert.equal(api?.data['fromMs'], Date.parse('2019-10-31T07:36:00Z'))

      await node.app.close() // at stop, the current minute's count is written too
      const last = await node.ctx.store.listAudit({ type: 'auth-failure' })
      assert.equal(last.length, 3)
      assert.equal(last[2]?.data['count'], 1)
    } finally {
      await node.close()
    }
  })
})

describe('L4: data at rest', () => {
  it('L4: a data directory made beforehand 0755 becomes 0700, the database files 0600', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'entente-l4-')), 'kor')
    mkdirSync(dir, { mode: 0o755 })
    await initNode('KOR', dir)
    const store = await openStore(dir)
    try {
      const mode = (p: string) => statSync(p).mode & 0o777
      assert.equal(mode(dir), 0o700, 'data directory')
      for (const file of ['entente.db', 'entente.db-wal', 'entente.db-shm'])
        assert.equal(mode(join(dir, file)), 0o600, file)
    } finally {
      await store.close()
    }
  })

  it('L4: export --out writes a file only its owner can read', async () => {
    const node = await makeNode()
    try {
      const out = join(node.dir, '..', 'export.json')
      const { writeFileSync } = await import('node:fs')
      writeFileSync(out, '', { mode: 0o644 }) // an existing file keeps no wider mode either
      const configFile = join(node.dir, '..', 'config.json')
      writeFileSync(configFile, JSON.stringify(node.config))
      await runExport({ dir: node.dir, format: 'stix', out, config: configFile })
      assert.equal(statSync(out).mode & 0o777, 0o600)
    } finally {
      await node.close()
    }
  })
})
