import { existsSync, readFileSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { extname, join, normalize } from 'node:path'
import { agreementRows } from '../../domain/agreement-view.ts'
import type { RegistryIndex } from '../../domain/registry-index.ts'
import { isEntenteError } from '../../lib/errors.ts'
import { parseInstant } from '../instant.ts'
import { answerRelease, decisionJson } from '../release.ts'
import type { Run } from './replay.ts'

export interface DemoState {
  /** The registry the agreements view and the why panel answer from (the demo's what-ifs). */
  readonly index: RegistryIndex
  readonly scenario: object
  readonly runs: readonly Run[]
  readonly webRoot: string
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
}

/** The names a browser on this machine reaches the dashboard by (never a DNS name: rebinding). */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'] as const

/**
 * The dashboard's server: static files, the demo API and a merged live stream. It listens on
 * loopback only, answers only requests addressed to a loopback name and its port (a page that
 * rebinds its own DNS name to 127.0.0.1 is refused), reads the nodes with their auditor's
 * read-only token, and never answers with an error's internals.
 */
export class DemoServer {
  readonly #state: DemoState
  readonly #clients = new Set<ServerResponse>()
  readonly #server: Server
  #port = 0

  constructor(state: DemoState) {
    this.#state = state
    this.#server = createServer((request, response) => {
      if (!this.#addressedToUs(request.headers.host))
        return send(response, 421, {
          title: 'MISDIRECTED_REQUEST',
          detail: `the dashboard answers only at http://localhost:${this.#port}`,
        })
      this.#handle(request, response).catch(() => {
        if (response.headersSent) response.destroy()
        else
          send(response, 500, {
            title: 'INTERNAL',
            detail: 'the demo failed to handle this request',
          })
      })
    })
  }

  /** Resolves when listening; rejects with EADDRINUSE when the port is taken. */
  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject)
      this.#server.listen(port, '127.0.0.1', () => {
        const address = this.#server.address()
        this.#port = typeof address === 'object' && address !== null ? address.port : port
        resolve()
      })
    })
  }

  /** The port listened on (the one chosen by the system when 0 was asked for). */
  get port(): number {
    return this.#port
  }

  #addressedToUs(host: string | undefined): boolean {
    return LOOPBACK_NAMES.some((name) => host?.toLowerCase() === `${name}:${this.#port}`)
  }

  close(): Promise<void> {
    for (const client of this.#clients) client.end()
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }

  broadcast(event: string, data: unknown): void {
    for (const client of this.#clients)
      client.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost')
    const path = url.pathname
    if (request.method !== 'GET')
      return send(response, 405, {
        title: 'METHOD_NOT_ALLOWED',
        detail: 'the demo API is read-only',
      })
    if (path === '/demo/api/scenario') return send(response, 200, this.#state.scenario)
    if (path === '/demo/api/agreements') return this.#agreements(url, response)
    if (path === '/demo/api/release') return this.#release(url, response)
    if (path === '/demo/api/runs') return send(response, 200, this.#state.runs.map(runView))
    if (path === '/demo/api/events') return this.#events(response)
    const node = /^\/demo\/api\/nodes\/([A-Z0-9]+)\/(reports|audit|audit\/verify)$/.exec(path)
    if (node) return this.#proxy(url, node[1] ?? '', node[2] ?? '', response)
    if (path.startsWith('/demo/api/'))
      return send(response, 404, { title: 'NOT_FOUND', detail: `no route ${path}` })
    return this.#static(path, response)
  }

  #agreements(url: URL, response: ServerResponse): void {
    const index = this.#state.index
    try {
      const at = url.searchParams.get('at')
      const atMs = at === null ? Date.now() : parseInstant(at, index.registry.timeZone, 'at')
      send(response, 200, agreementRows(index, atMs))
    } catch (error) {
      problem(response, error)
    }
  }

  #release(url: URL, response: ServerResponse): void {
    const index = this.#state.index
    const q = (name: string): string => url.searchParams.get(name) ?? ''
    try {
      const atMs = parseInstant(q('at') || 'now', index.registry.timeZone, 'at')
      const originator = url.searchParams.get('originator') ?? undefined
      const decision = answerRelease(
        index,
        { from: q('from'), to: q('to'), level: q('level'), topic: q('topic'), originator, atMs },
        (name) => name, // the query's own parameter names
      )
      send(response, 200, decisionJson(decision))
    } catch (error) {
      problem(response, error)
    }
  }

  #events(response: ServerResponse): void {
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    })
    for (const run of this.#state.runs) {
      response.write(
        `event: run\ndata: ${JSON.stringify({ id: run.spec.id, status: run.status })}\n\n`,
      )
      for (const event of run.events)
        response.write(`event: live\ndata: ${JSON.stringify(event)}\n\n`)
      for (const picture of run.pictures.snapshot())
        response.write(`event: picture\ndata: ${JSON.stringify(picture)}\n\n`)
    }
    this.#clients.add(response)
    response.on('close', () => this.#clients.delete(response))
  }

  async #proxy(url: URL, party: string, what: string, response: ServerResponse): Promise<void> {
    const runId = url.searchParams.get('run') ?? this.#state.runs[0]?.spec.id
    const run = this.#state.runs.find((r) => r.spec.id === runId)
    const node = run?.nodes.find((n) => n.party === party)
    if (node === undefined)
      return send(response, 404, {
        title: 'NOT_FOUND',
        detail: `no node ${party} in run ${runId ?? '?'} (yet)`,
      })
    const query = new URLSearchParams(url.searchParams)
    query.delete('run')
    const target = `${node.url}/api/${what}${query.size > 0 ? `?${query.toString()}` : ''}`
    const upstream = await fetch(target, {
      headers: { authorization: `Bearer ${node.tokens.auditor}` },
    }).catch(() => null)
    if (upstream === null)
      return send(response, 502, {
        title: 'NODE_UNREACHABLE',
        detail: `the node ${party} of run ${run?.spec.id ?? '?'} does not answer`,
      })
    response.writeHead(upstream.status, {
      'content-type': upstream.headers.get('content-type') ?? 'application/json',
    })
    response.end(await upstream.text())
  }

  #static(path: string, response: ServerResponse): void {
    const root = this.#state.webRoot
    const relative = normalize(decodeURIComponent(path)).replace(/^(\.\.[/\\])+/, '')
    let file = join(root, relative)
    if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory())
      file = join(root, 'index.html')
    if (!existsSync(file))
      return send(response, 404, {
        title: 'NOT_FOUND',
        detail: 'the dashboard is not built (run npx vite build)',
      })
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' })
    response.end(readFileSync(file))
  }
}

function runView(run: Run): object {
  return {
    id: run.spec.id,
    whatIfs: run.spec.whatIfs,
    status: run.status,
    expected: run.expected,
    live: run.live(),
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const type = status >= 400 ? 'application/problem+json' : 'application/json'
  const text = JSON.stringify(status >= 400 ? { status, ...(body as object) } : body)
  response.writeHead(status, { 'content-type': type })
  response.end(text)
}

function problem(response: ServerResponse, error: unknown): void {
  if (isEntenteError(error))
    return send(response, 400, { title: error.code, detail: error.message })
  throw error
}
