import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import Sqlite from 'better-sqlite3'
import { entente, isCleanError, json } from '../helpers/cli.ts'

interface Listed {
  id: string
  holder: string
  label: string
  expiresAtMs: number | null
  state: string
}

const list = (dir: string) =>
  json<Listed[]>(entente('node', 'token', 'list', '--dir', dir, '--json'))

describe('entente node token (issue, list, revoke)', () => {
  let dir: string
  const issued: Record<string, string> = {}
  before(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'entente-token-')), 'kor')
    assert.equal(entente('node', 'init', '--party', 'KOR', '--dir', dir).status, 0)
    for (const [label, role, extra] of [
      ['duty-officer', 'release-officer', ['--expires-in', '12h']],
      ['watch', 'operator', []],
      ['watch', 'auditor', []],
    ] as const) {
      const run = entente('node', 'token', '--role', role, '--dir', dir, '--label', label, ...extra)
      assert.equal(run.status, 0, run.stderr)
      issued[`${label}/${role}`] = run.stdout.trim()
    }
    const peer = entente('node', 'token', '--party', 'JPN', '--dir', dir, '--label', 'poc')
    assert.equal(peer.status, 0, peer.stderr)
    issued['poc'] = peer.stdout.trim()
  })

  it('L3: tokens expire: 90 days by default, or as --expires-in says', () => {
    const tokens = list(dir)
    const now = Date.now()
    const lifetime = (label: string) =>
      (tokens.find((t) => t.label === label)?.expiresAtMs ?? 0) - now
    const day = 86_400_000
    assert.ok(Math.abs(lifetime('watch') - 90 * day) < 60_000, `watch: ${lifetime('watch')} ms`)
    assert.ok(Math.abs(lifetime('duty-officer') - day / 2) < 60_000, 'duty-officer: 12 h')
    assert.ok(Math.abs(lifetime('taxii JPN: poc') - 90 * day) < 60_000, 'peer party token')
  })

  it('L3: node token list shows ids, holders and labels, never a secret', () => {
    const run = entente('node', 'token', 'list', '--dir', dir)
    assert.equal(run.status, 0, run.stderr)
    for (const secret of Object.values(issued)) {
      assert.ok(!run.stdout.includes(secret), 'a token is printed')
      assert.ok(!run.stdout.includes(secret.split('.').at(-1) ?? secret), 'a secret is printed')
    }
    assert.match(run.stdout, /release-officer\s+duty-officer/)
    assert.match(run.stdout, /taxii:JPN\s+taxii JPN: poc/)
  })

  it('L3: node token revoke --label revokes every token of that label; --id one by its prefix', () => {
    const byLabel = entente('node', 'token', 'revoke', '--dir', dir, '--label', 'watch')
    assert.equal(byLabel.status, 0, byLabel.stderr)
    assert.equal(byLabel.stdout.trim().split('\n').length, 2, byLabel.stdout)
    const peer = list(dir).find((t) => t.holder === 'taxii:JPN')
    assert.ok(peer)
    const byId = entente('node', 'token', 'revoke', '--dir', dir, '--id', peer.id.slice(0, 8))
    assert.equal(byId.status, 0, byId.stderr)
    assert.deepEqual(
      list(dir).map((t) => [t.label, t.state]),
      [
        ['duty-officer', 'active'],
        ['watch', 'revoked'],
        ['watch', 'revoked'],
        ['taxii JPN: poc', 'revoked'],
      ],
    )
  })

  it('L3: issue and revocation are audited, without a secret', () => {
    const db = new Sqlite(join(dir, 'entente.db'), { readonly: true })
    const rows = db
      .prepare("SELECT party, subject, data FROM audit WHERE type = 'node' ORDER BY seq")
      .all() as { party: string | null; subject: string; data: string }[]
    db.close()
    const events = rows.map((r) => (JSON.parse(r.data) as { event: string }).event)
    assert.deepEqual(events, [
      ...Array<string>(4).fill('token-issued'),
      ...Array<string>(3).fill('token-revoked'),
    ])
    assert.equal(rows[3]?.party, 'JPN')
    const text = JSON.stringify(rows)
    for (const secret of Object.values(issued))
      assert.ok(!text.includes(secret.split('.').at(-1) ?? secret), 'a secret is in the audit')
  })

  it('L3: bad token commands are clean errors naming the option', () => {
    const cases: [string[], RegExp][] = [
      [['node', 'token', '--role', 'admin', '--dir', dir, '--expires-in', '5y'], /--expires-in/],
      [['node', 'token', '--role', 'admin', '--dir', dir, '--expires-in', '400d'], /366d/],
      [['node', 'token', '--role', 'admin'], /--dir/],
      [['node', 'token', 'revoke', '--dir', dir], /--label or --id/],
      [['node', 'token', 'revoke', '--dir', dir, '--label', 'nobody'], /--label: no unrevoked/],
      [['node', 'token', 'revoke', '--dir', dir, '--id', 'zz'], /--id/],
    ]
    for (const [args, message] of cases) {
      const run = entente(...args)
      assert.ok(isCleanError(run), `${args.join(' ')}: ${run.status} ${run.stderr}`)
      assert.match(run.stderr, message)
    }
  })
})

describe('entente audit verify names an entry it cannot read', () => {
  const tampered = (sql: string) => {
    const dir = join(mkdtempSync(join(tmpdir(), 'entente-verify-')), 'kor')
    assert.equal(entente('node', 'init', '--party', 'KOR', '--dir', dir).status, 0)
    for (const label of ['a', 'b', 'c'])
      assert.equal(
        entente('node', 'token', '--role', 'admin', '--dir', dir, '--label', label).status,
        0,
      )
    const db = new Sqlite(join(dir, 'entente.db'))
    db.prepare(sql).run()
    db.close()
    return entente('audit', 'verify', '--dir', dir)
  }

  it('item 9: an entry whose type is unknown: exit 1 naming it, no stack trace', () => {
    const run = tampered("UPDATE audit SET type = 'teleport' WHERE seq = 2")
    assert.equal(run.status, 1, run.stderr)
    assert.match(run.stdout, /BROKEN at entry 2: entry 2 cannot be read: its type is not one/)
    assert.doesNotMatch(run.stderr, /\n\s+at /)
  })

  it('item 9: an entry whose data is not JSON: exit 1 naming it, no stack trace', () => {
    const run = tampered("UPDATE audit SET data = '{not json' WHERE seq = 3")
    assert.equal(run.status, 1, run.stderr)
    assert.match(run.stdout, /BROKEN at entry 3: entry 3 cannot be read: its data is not JSON/)
    assert.doesNotMatch(run.stderr, /\n\s+at /)
  })
})
