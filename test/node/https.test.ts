import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { type IncomingMessage, request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import { initNode, issueToken } from '../../src/cli/node.ts'
import { reportStoredBy } from '../../src/node/app/event-hub.ts'
import { loadNodeConfig, type NodeConfig, nodeConfigSchema } from '../../src/node/config.ts'
import { publicJwks, readPartyKeys } from '../../src/node/crypto/keys.ts'
import { postEnvelopeWith } from '../../src/node/http/post-envelope.ts'
import { openStore, type RunningNode, startNode } from '../../src/node/main.ts'
import { ROOT } from '../helpers/cli.ts'
import { launchReport } from '../helpers/nodes.ts'

const SCENARIO = join(ROOT, 'scenarios/korea-japan-2019.yaml')

interface Answer {
  readonly status: number
  readonly body: string
  readonly protocol: string | null
}

/** One request over a real socket: https checked against `ca` (null: the system's roots). */
function get(
  url: string,
  options: {
    ca?: string | null
    token?: string
    method?: string
    body?: string
    accept?: string
  } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {}
    if (options.accept !== undefined) headers['accept'] = options.accept
    if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    const common = { method: options.method ?? 'GET', headers, agent: false } as const
    const onResponse = (response: IncomingMessage): void => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.once('error', reject)
      response.once('end', () => {
        const socket = response.socket as { getProtocol?: () => string | null }
        resolve({
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          protocol: socket.getProtocol?.() ?? null,
        })
      })
    }
    const sent = url.startsWith('https:')
      ? httpsRequest(
          url,
          { ...common, ...(options.ca === null ? {} : { ca: options.ca }) },
          onResponse,
        )
      : httpRequest(url, common, onResponse)
    sent.once('error', reject)
    sent.end(options.body)
  })
}

const caOf = (dir: string): string => readFileSync(join(dir, 'keys', 'ca.cert.pem'), 'utf8')

async function newDir(party: string): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'entente-https-')), party.toLowerCase())
  await initNode(party, dir)
  return dir
}

const configOf = (dir: string, party: string, extra: Record<string, unknown> = {}): NodeConfig =>
  nodeConfigSchema.parse({
    party,
    dataDir: dir,
    listen: { port: 0 },
    registry: { scenario: SCENARIO },
    ...extra,
  })

/** KOR's node in-process on a free loopback port, with the default listen config (HTTPS). */
describe('the API and TAXII over HTTPS (finding H8)', () => {
  let node: RunningNode
  let dir = ''
  let operator = ''

  before(async () => {
    dir = await newDir('KOR')
    operator = await issueToken(dir, 'operator', 'operator')
    node = await startNode(configOf(dir, 'KOR'))
  })
  after(() => node.stop())

  it('serves HTTPS by default, verified against the node CA, TLS 1.2 or later', async () => {
    assert.match(node.url, /^https:\/\/127\.0\.0\.1:\d+$/)
    const answer = await get(`${node.url}/api/health`, { ca: caOf(dir) })
    assert.equal(answer.status, 200)
    assert.deepEqual(JSON.parse(answer.body), { ok: true, party: 'KOR' })
    assert.ok(['TLSv1.2', 'TLSv1.3'].includes(answer.protocol ?? ''), String(answer.protocol))
  })

  it('a client that does not trust the node CA is refused by its own check', async () => {
    await assert.rejects(get(`${node.url}/api/health`, { ca: null }), (error: Error) => {
      assert.match((error as Error & { code?: string }).code ?? '', /CERT|SIGNATURE/)
      return true
    })
  })

  it('a plain HTTP request to the port gets no answer: the TLS server drops it', async () => {
    const plain = node.url.replace(/^https:/, 'http:')
    await assert.rejects(get(`${plain}/api/health`), /socket hang up|ECONNRESET/)
  })

  it('a bearer token travels inside TLS and is honoured; without it, 401', async () => {
    const ca = caOf(dir)
    const post = await get(`${node.url}/api/reports`, {
      ca,
      token: operator,
      method: 'POST',
      body: JSON.stringify(launchReport('KOR', 'MIL-II', 'over tls')),
    })
    assert.equal(post.status, 201, post.body)
    const list = await get(`${node.url}/api/reports`, { ca, token: operator })
    assert.equal(list.status, 200)
    assert.match(list.body, /over tls/)
    assert.equal((await get(`${node.url}/api/reports`, { ca })).status, 401)
  })

  it('TAXII answers over the same HTTPS port and names its API root with https', async () => {
    const answer = await get(`${node.url}/taxii2/`, {
      ca: caOf(dir),
      token: operator,
      accept: 'application/taxii+json;version=2.1',
    })
    assert.equal(answer.status, 200, answer.body)
    const discovery = JSON.parse(answer.body) as { default?: string }
    assert.equal(discovery.default, `${node.url}/taxii2/api/`)
  })
})

describe('listen.insecure: plain HTTP, on loopback only', () => {
  it('insecure: true off loopback is a CONFIG_INVALID naming listen.insecure', () => {
    const root = mkdtempSync(join(tmpdir(), 'entente-https-config-'))
    for (const host of ['0.0.0.0', '192.0.2.1', '::', 'node.example.org']) {
      const file = join(root, 'kor.yaml')
      writeFileSync(
        file,
        JSON.stringify({
          party: 'KOR',
          dataDir: 'kor',
          listen: { host, port: 7101, insecure: true },
          registry: { scenario: SCENARIO },
        }),
      )
      assert.throws(
        () => loadNodeConfig(file),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, 'CONFIG_INVALID', host)
          assert.match(
            error.message,
            /: listen\.insecure: plain HTTP is allowed only on a loopback/,
          )
          return true
        },
      )
    }
    for (const host of ['127.0.0.1', '::1', 'localhost'])
      assert.ok(
        nodeConfigSchema.safeParse({
          party: 'KOR',
          dataDir: 'kor',
          listen: { host, port: 0, insecure: true },
          registry: { scenario: SCENARIO },
        }).success,
        host,
      )
    assert.equal(
      nodeConfigSchema.safeParse({
        party: 'KOR',
        dataDir: 'kor',
        listen: { port: 0, insecure: false },
        registry: { scenario: SCENARIO },
      }).success,
      false,
      'insecure takes only true',
    )
  })

  it('a config built past the schema is refused at start too, before anything is audited', async () => {
    const dir = await newDir('KOR')
    const config = configOf(dir, 'KOR')
    const offLoopback = { ...config, listen: { host: '0.0.0.0', port: 0, insecure: true as const } }
    await assert.rejects(startNode(offLoopback), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'CONFIG_INVALID')
      assert.match(error.message, /^listen\.insecure: /)
      return true
    })
    const store = await openStore(dir)
    assert.deepEqual(await store.listAudit({}), [], 'nothing audited: the node never started')
    await store.close()
  })

  it('insecure: true on loopback serves plain HTTP, and says so in its url', async () => {
    const dir = await newDir('KOR')
    const node = await startNode(configOf(dir, 'KOR', { listen: { port: 0, insecure: true } }))
    try {
      assert.match(node.url, /^http:\/\/127\.0\.0\.1:\d+$/)
      const answer = await get(`${node.url}/api/health`)
      assert.equal(answer.status, 200)
      assert.deepEqual(JSON.parse(answer.body), { ok: true, party: 'KOR' })
    } finally {
      await node.stop()
    }
  })
})

describe('HTTPS on a data directory from an older node init', () => {
  it('creates the CA and server certificate at start rather than fail', async () => {
    const dir = await newDir('KOR')
    const files = ['ca.key.pem', 'ca.cert.pem', 'server.key.pem', 'server.cert.pem']
    for (const f of files) rmSync(join(dir, 'keys', f))
    const node = await startNode(configOf(dir, 'KOR'))
    try {
      for (const f of files) assert.ok(existsSync(join(dir, 'keys', f)), f)
      const answer = await get(`${node.url}/api/health`, { ca: caOf(dir) })
      assert.equal(answer.status, 200)
    } finally {
      await node.stop()
    }
  })
})

describe('peers over HTTPS: peers.X.ca', () => {
  it('the inbox POST verifies the peer against its CA, and fails without it', async () => {
    const dir = await newDir('JPN')
    const jpn = await startNode(configOf(dir, 'JPN'))
    try {
      const inbox = `${jpn.url}/federation/inbox`
      const trusting = postEnvelopeWith(new Map([[new URL(jpn.url).origin, [caOf(dir)]]]))
      // Not an envelope: the peer's own refusal proves the TLS session was established.
      const answer = await trusting(inbox, 'not-a-jwe', 5_000)
      assert.equal(answer.status, 400)
      assert.equal((answer.body as { type?: unknown } | null)?.type !== undefined, true)
      const other = await newDir('JPN')
      const wrongCa = postEnvelopeWith(new Map([[new URL(jpn.url).origin, [caOf(other)]]]))
      await assert.rejects(wrongCa(inbox, 'not-a-jwe', 5_000), /certificate|signature/i)
      await assert.rejects(postEnvelopeWith(new Map())(inbox, 'not-a-jwe', 5_000), /certificate/i)
    } finally {
      await jpn.stop()
    }
  })

  it('peers.X.ca is for an https url only, and is resolved relative to the config file', () => {
    const root = mkdtempSync(join(tmpdir(), 'entente-https-peer-'))
    const keys = { signing: {}, encryption: {} }
    const write = (url: string): string => {
      const file = join(root, 'kor.yaml')
      writeFileSync(
        file,
        JSON.stringify({
          party: 'KOR',
          dataDir: 'kor',
          listen: { port: 7101 },
          registry: { scenario: SCENARIO },
          peers: { JPN: { url, keys, ca: 'peers/jpn-ca.pem' } },
        }),
      )
      return file
    }
    assert.equal(
      loadNodeConfig(write('https://jpn.example.org:7102')).peers['JPN']?.ca,
      join(root, 'peers/jpn-ca.pem'),
    )
    assert.throws(
      () => loadNodeConfig(write('http://127.0.0.1:7102')),
      /peers\.JPN\.ca: a CA is for an https url only/,
    )
  })

  it('an unreadable or non-PEM peers.X.ca stops the start, naming the field', async () => {
    const dir = await newDir('KOR')
    const jpnDir = await newDir('JPN')
    const [signing, encryption] = publicJwks(await readPartyKeys(jpnDir)).keys
    const notPem = join(dir, 'not-a-cert.pem')
    writeFileSync(notPem, 'hello')
    for (const [ca, code] of [
      [join(dir, 'missing.pem'), 'FILE_NOT_READABLE'],
      [notPem, 'CONFIG_INVALID'],
    ] as const) {
      const config = configOf(dir, 'KOR', {
        peers: { JPN: { url: 'https://127.0.0.1:9', keys: { signing, encryption }, ca } },
      })
      await assert.rejects(startNode(config), (error: Error & { code?: string }) => {
        assert.equal(error.code, code)
        assert.match(error.message, /^peers\.JPN\.ca: /)
        return true
      })
    }
  })

  // Without the CA the delivery would retry forever: the timeout turns that into a failure.
  it(
    'a release reaches a peer over HTTPS, verified against peers.X.ca',
    { timeout: 30_000 },
    async () => {
      const korDir = await newDir('KOR')
      const jpnDir = await newDir('JPN')
      const [korSig, korEnc] = publicJwks(await readPartyKeys(korDir)).keys
      const [jpnSig, jpnEnc] = publicJwks(await readPartyKeys(jpnDir)).keys
      // KOR only receives here: its peer JPN's url is never used.
      const kor = await startNode(
        configOf(korDir, 'KOR', {
          peers: {
            JPN: { url: 'http://127.0.0.1:9', keys: { signing: jpnSig, encryption: jpnEnc } },
          },
        }),
      )
      const jpn = await startNode(
        configOf(jpnDir, 'JPN', {
          peers: {
            KOR: {
              url: kor.url,
              keys: { signing: korSig, encryption: korEnc },
              ca: join(korDir, 'keys', 'ca.cert.pem'),
            },
          },
          release: {
            modes: { 'kor-jpn-gsomia': 'auto', 'jpn-usa-gsomia': 'manual', tisa: 'manual' },
          },
          delivery: { initialBackoffMs: 50, maxBackoffMs: 500 },
        }),
      )
      try {
        const operator = await issueToken(jpnDir, 'operator', 'operator')
        const arrived = new Promise<string>((resolve) => {
          const unsubscribe = kor.ctx.events.subscribe((entry) => {
            const id = entry.type === 'arrival' ? reportStoredBy(entry) : null
            if (id !== null) {
              unsubscribe()
              resolve(id)
            }
          })
        })
        const posted = await get(`${jpn.url}/api/reports`, {
          ca: caOf(jpnDir),
          token: operator,
          method: 'POST',
          body: JSON.stringify(launchReport('JPN', 'GOKUHI', 'over https')),
        })
        assert.equal(posted.status, 201, posted.body)
        const reportId = await arrived
        const stored = await kor.ctx.store.listReports({})
        const atKor = stored.find((r) => r.id === reportId)
        assert.equal(atKor?.receivedFrom, 'JPN')
        assert.equal(atKor?.payload['text'], 'over https')
      } finally {
        await jpn.stop()
        await kor.stop()
      }
    },
  )
})
