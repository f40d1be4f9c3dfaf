import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { randomUUID, type KeyObject } from 'node:crypto'
import { initNode, issueToken } from '../../src/cli/node.ts'
import { sealEnvelope } from '../../src/node/crypto/envelope.ts'
import { generatePartyKeys, publicJwks } from '../../src/node/crypto/keys.ts'
import { signReport } from '../../src/node/crypto/originator-signature.ts'
import { nodeConfigSchema } from '../../src/node/config.ts'
import { createNode } from '../../src/node/main.ts'
import { authFailuresOf } from '../../src/node/app/auth-failures.ts'
import type { NodeContext } from '../../src/node/app/context.ts'
import type { Store } from '../../src/node/store/store.ts'
import { ROOT } from '../helpers/cli.ts'
import { launchReport } from '../helpers/nodes.ts'
import { koreanLaunchReport } from '../helpers/reports.ts'
import { PROTOCOL_VERSION, wireReportSchema } from '../../src/protocol/messages.ts'

/** One node in-process with no peers and no port: HTTP through inject. */
describe('node API (one process, real SQLite, inject)', () => {
  let app: FastifyInstance
  let store: Store
  let ctx: NodeContext
  const tokens: Record<string, string> = {}
  let clockMs = Date.parse('2019-10-31T07:36:00Z')
  const jpn = generatePartyKeys('JPN')
  let korEncryption: KeyObject

  before(async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'entente-api-')), 'kor')
    await initNode('KOR', dir)
    for (const role of ['operator', 'release-officer', 'auditor', 'admin'])
      tokens[role] = await issueToken(dir, role, role)
    const jpnPublic = publicJwks(jpn).keys
    const config = nodeConfigSchema.parse({
      party: 'KOR',
      dataDir: dir,
      listen: { port: 0 },
      registry: { scenario: join(ROOT, 'scenarios/korea-japan-2019.yaml') },
      // A peer whose private keys the test holds; its URL is never called (no delivery worker).
      peers: {
        JPN: {
          url: 'http://127.0.0.1:9',
          keys: { signing: jpnPublic[0], encryption: jpnPublic[1] },
        },
      },
      checkpointEvery: 5,
    })
    const node = await createNode(config, { now: () => clockMs++ })
    app = node.app
    ctx = node.ctx
    store = node.ctx.store
    korEncryption = node.ctx.keys.encryptionPublic
  })
  after(async () => {
    await app.close()
    await store.close()
  })

  const call = (method: 'GET' | 'POST', url: string, role: string | null, payload?: unknown) =>
    app.inject({
      method,
      url,
      payload: payload as object,
      headers: role === null ? {} : { authorization: `Bearer ${tokens[role] ?? ''}` },
    })

  it('ingests a report durably and answers 201 with the stored report', async () => {
    const response = await call('POST', '/api/reports', 'operator', launchReport('KOR', 'MIL-II'))
    assert.equal(response.statusCode, 201, response.body)
    const { report } = response.json<{ report: { id: string; localLevel: string } }>()
    assert.equal(report.localLevel, 'MIL-II')
    assert.ok(await store.getReport(report.id))
  })

  it('a retried submission with the same id is stored once', async () => {
    const id = '6f1d9a2e-7c1b-4a55-9d7e-2b8c5c1f0a11'
    const first = await call(
      'POST',
      '/api/reports',
      'operator',
      launchReport('KOR', 'MIL-III', 'once', id),
    )
    const second = await call(
      'POST',
      '/api/reports',
      'operator',
      launchReport('KOR', 'MIL-III', 'once', id),
    )
    assert.equal(first.statusCode, 201)
    assert.equal(second.statusCode, 200)
    assert.equal((await store.listReports({})).filter((r) => r.id === id).length, 1)
  })

  it('schema errors are 400 problem+json naming each field; nothing is stored', async () => {
    const before = (await store.listReports({})).length
    const bad = {
      ...launchReport('KOR', 'MIL-II'),
      topic: 'Bad Topic',
      launch: { time: 'yesterday' },
    }
    const response = await call('POST', '/api/reports', 'operator', bad)
    assert.equal(response.statusCode, 400)
    assert.match(String(response.headers['content-type'] ?? ''), /application\/problem\+json/)
    const fields = response
      .json<{ errors: { field: string; rule: string }[] }>()
      .errors.map((e) => e.field)
    assert.ok(fields.includes('topic'), fields.join(', '))
    assert.ok(
      fields.some((f) => f.startsWith('launch.')),
      fields.join(', '),
    )
    assert.equal((await store.listReports({})).length, before)
  })

  it('a marking in another party scheme is refused naming the field', async () => {
    const response = await call('POST', '/api/reports', 'operator', launchReport('KOR', 'SECRET'))
    assert.equal(response.statusCode, 400)
    assert.match(
      response.json<{ detail: string }>().detail,
      /marking.level: 'SECRET' is not a level of KOR/,
    )
  })

  it('oversized bodies are refused with 413', async () => {
    const huge = { ...launchReport('KOR', 'MIL-II'), padding: 'x'.repeat(300_000) }
    assert.equal((await call('POST', '/api/reports', 'operator', huge)).statusCode, 413)
  })

  it('roles are enforced per route; failures are counted, to be audited once a minute (M4)', async () => {
    const pending = authFailuresOf(ctx).pending
    assert.equal((await call('GET', '/api/reports', null)).statusCode, 401)
    assert.equal(
      (await call('POST', '/api/reports', 'auditor', launchReport('KOR', 'MIL-II'))).statusCode,
      403,
    )
    assert.equal((await call('GET', '/api/audit', 'operator')).statusCode, 403)
    assert.equal(authFailuresOf(ctx).pending, pending + 1)
  })

  it('the audit chain verifies, with signed checkpoints', async () => {
    const response = await call('GET', '/api/audit/verify', 'auditor')
    const result = response.json<{ ok: boolean; checkpoints: number }>()
    assert.equal(result.ok, true, JSON.stringify(result))
    assert.ok(result.checkpoints >= 1)
  })

  it('serves its OpenAPI description and the agreements at an instant', async () => {
    const openapi = (await call('GET', '/api/openapi.json', null)).json<{
      paths: Record<string, unknown>
    }>()
    assert.ok(openapi.paths['/api/reports'])
    assert.ok(openapi.paths['/api/releases/{id}/approve'])
    const rows = (
      await call('GET', '/api/agreements?at=2019-11-25T00:00:00%2B09:00', 'operator')
    ).json<{ id: string; status: string }[]>()
    assert.equal(rows.find((r) => r.id === 'kor-jpn-gsomia')?.status, 'in-force')
  })

  /** A report of JPN's sent to KOR under the GSOMIA, at `instantMs` on JPN's clock. */
  function envelopeAt(instantMs: number): string {
    const id = randomUUID()
    const report = {
      id,
      originator: 'JPN',
      level: 'GOKUHI',
      topic: 'dprk-missile',
      releasableTo: null,
      payload: koreanLaunchReport().payload,
      createdAtMs: instantMs,
    }
    return sealEnvelope(
      {
        v: PROTOCOL_VERSION,
        messageId: randomUUID(),
        sender: 'JPN',
        recipient: 'KOR',
        agreement: 'kor-jpn-gsomia',
        instantMs,
        kind: 'report',
        payload: {
          report,
          // Signed by JPN as its node signs its own reports (H4).
          originatorSignature: signReport(wireReportSchema.parse(report), jpn.signing),
          path: ['JPN', 'KOR'],
          heldLevel: 'GOKUHI',
          levelAtRecipient: 'MIL-II',
        },
      },
      jpn.signing,
      korEncryption,
    )
  }

  const inbox = (jwe: string) =>
    app.inject({
      method: 'POST',
      url: '/federation/inbox',
      payload: jwe,
      headers: { 'content-type': 'application/jose' },
    })

  it('accepts a pinned peer envelope sent an hour ago (a late delivery), with a signed receipt', async () => {
    const response = await inbox(envelopeAt(clockMs - 3_600_000))
    assert.equal(response.statusCode, 200, response.body)
    assert.equal(response.json<{ status: string }>().status, 'accepted')
  })

  it('quarantines an envelope from the future beyond the clock skew, naming the reason', async () => {
    const response = await inbox(envelopeAt(clockMs + 600_000))
    assert.equal(response.json<{ status: string }>().status, 'quarantined')
    const quarantined = await call('GET', '/api/quarantine', 'operator')
    const reasons = quarantined
      .json<{ reasons: { code: string }[] }[]>()
      .flatMap((q) => q.reasons.map((r) => r.code))
    assert.ok(reasons.includes('CLOCK_SKEW'), reasons.join(', '))
  })

  it('an envelope from nobody we know is a 401 problem', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/federation/inbox',
      payload: 'not.a.jwe.at.all',
      headers: { 'content-type': 'application/jose' },
    })
    assert.ok([400, 401].includes(response.statusCode), `status ${response.statusCode}`)
  })
})
