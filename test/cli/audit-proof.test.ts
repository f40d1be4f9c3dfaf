import assert from 'node:assert/strict'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, it } from 'node:test'
import Sqlite from 'better-sqlite3'
import { readCheckpointNote } from '../../src/node/audit/merkle-log.ts'
import { deliverOverLiveLink, linkPair } from '../helpers/link-pair.ts'
import { entente, isCleanError } from '../helpers/cli.ts'

// Proofs made on KOR, whose log JPN witnessed on the live link, checked by a third party that
// holds nothing but KOR's and JPN's public keys (`audit keys`).
describe('entente audit prove | absence | check (issue 13)', () => {
  let pair: Awaited<ReturnType<typeof linkPair>>
  const scratch = mkdtempSync(join(tmpdir(), 'entente-proof-'))
  const file = (name: string, text: string) => {
    const path = join(scratch, name)
    writeFileSync(path, text)
    return path
  }
  let korDir = ''
  let requestSeq = 0
  let requestAtMs = 0
  let bothKeys = ''
  let korKeys = ''

  before(async () => {
    pair = await linkPair()
    korDir = pair.kor.ctx.config.dataDir
    requestAtMs = pair.kor.ctx.now()
    // A request KOR received from JPN, then traffic that JPN witnesses and cosigns.
    const entry = await pair.kor.ctx.store.appendAudit({
      atMs: requestAtMs,
      type: 'request',
      party: 'JPN',
      subject: 'req-from-jpn',
      data: { direction: 'incoming', topic: 'dprk-missile' },
    })
    requestSeq = entry.seq
    await deliverOverLiveLink(pair, ['p-1', 'p-2'])
    await deliverOverLiveLink(pair, ['p-3'])
    const kor = entente('audit', 'keys', '--dir', korDir)
    const jpn = entente('audit', 'keys', '--dir', pair.jpn.ctx.config.dataDir)
    assert.equal(kor.status, 0, kor.stderr)
    assert.equal(jpn.status, 0, jpn.stderr)
    korKeys = file('kor.vkeys', kor.stdout)
    bothKeys = file('kor-jpn.vkeys', kor.stdout + jpn.stdout)
  })
  after(async () => {
    await pair.close()
    rmSync(scratch, { recursive: true, force: true })
  })

  it('a proof of one entry verifies with only KOR’s and JPN’s public keys, cosigned by JPN', () => {
    const proof = entente('audit', 'prove', '--dir', korDir, '--entry', String(requestSeq))
    assert.equal(proof.status, 0, proof.stderr)
    assert.match(proof.stdout, /^c2sp\.org\/tlog-proof@v1\nextra /)
    const proofFile = file('entry.tlog-proof', proof.stdout)
    const checked = entente('audit', 'check', '--proof', proofFile, '--keys', bothKeys, '--json')
    assert.equal(checked.status, 0, checked.stdout)
    const result = JSON.parse(checked.stdout) as {
      ok: boolean
      cosignedBy: string[]
      entries: { seq: number; type: string; party: string }[]
    }
    assert.deepEqual(result.cosignedBy, ['entente/JPN'])
    assert.deepEqual(
      result.entries.map((e) => [e.seq, e.type, e.party]),
      [[requestSeq, 'request', 'JPN']],
    )
  })

  it('the same proof fails, naming why, with one byte of its entry changed or without the witness key', () => {
    const proof = readFileSync(join(scratch, 'entry.tlog-proof'), 'utf8')
    const extra = /^extra (.*)$/m.exec(proof)?.[1] ?? ''
    const entry = Buffer.from(extra, 'base64').toString('utf8').replace('"JPN"', '"USA"')
    const forged = file(
      'forged.tlog-proof',
      proof.replace(extra, Buffer.from(entry).toString('base64')),
    )
    const bad = entente('audit', 'check', '--proof', forged, '--keys', bothKeys)
    assert.equal(bad.status, 1)
    assert.match(
      bad.stdout,
      /does NOT hold: inclusion of entry \d+: the proof leads to another root/,
    )
    const alone = entente(
      'audit',
      'check',
      '--proof',
      join(scratch, 'entry.tlog-proof'),
      '--keys',
      korKeys,
    )
    assert.equal(alone.status, 1)
    assert.match(alone.stdout, /0 cosignature\(s\) by the witness keys given, 1 needed/)
  })

  it('absence: no request from JPN before it came, and exactly that one in a window holding it', async () => {
    const entries = await pair.kor.ctx.store.listAudit({ limit: 100_000 })
    const cosigned = Math.max(
      ...entries
        .filter((e) => e.type === 'witness' && e.data['event'] === 'cosigned')
        .map((e) => e.data['size'] as number),
    )
    // The window must close on an entry a cosigned checkpoint covers: the first after the request.
    const closing = entries.find((e) => e.atMs > requestAtMs && e.seq <= cosigned)
    assert.ok(closing !== undefined, 'an entry after the request is covered')
    const iso = (ms: number) => new Date(ms).toISOString()
    const run = (name: string, fromMs: number, untilMs: number) => {
      const made = entente(
        'audit',
        'absence',
        '--dir',
        korDir,
        '--party',
        'JPN',
        '--type',
        'request',
        '--from',
        iso(fromMs),
        '--to',
        iso(untilMs),
      )
      assert.equal(made.status, 0, made.stderr)
      return entente('audit', 'check', '--proof', file(name, made.stdout), '--keys', bothKeys)
    }
    const none = run('none.json', requestAtMs - 60_000, requestAtMs)
    assert.equal(none.status, 0, none.stdout)
    assert.match(none.stdout, /no request entry with party JPN in entente\/KOR/)
    const one = run('one.json', requestAtMs, closing.atMs)
    assert.equal(one.status, 0, one.stdout)
    assert.match(one.stdout, /1 request entry with party JPN/)
    // Leaving out an entry of the window breaks the bundle.
    const bundle = JSON.parse(readFileSync(join(scratch, 'one.json'), 'utf8')) as {
      entries: unknown[]
    }
    bundle.entries.splice(1, 1)
    const gapped = entente(
      'audit',
      'check',
      '--proof',
      file('gapped.json', JSON.stringify(bundle)),
      '--keys',
      bothKeys,
    )
    assert.equal(gapped.status, 1)
    assert.match(gapped.stdout, /does NOT hold: /)
  })

  it('audit verify with what JPN holds: intact, then a truncated copy whose checkpoints were deleted too is caught', () => {
    const held = entente(
      'audit',
      'witnessed',
      '--dir',
      pair.jpn.ctx.config.dataDir,
      '--party',
      'KOR',
    )
    assert.equal(held.status, 0, held.stderr)
    const witnessedFile = file('kor-held-by-jpn.note', held.stdout)
    const intact = entente('audit', 'verify', '--dir', korDir, '--witnessed', witnessedFile)
    assert.equal(intact.status, 0, intact.stdout)
    assert.match(intact.stdout, /intact/)
    // The operator's copy: the last entries and every checkpoint row gone, nothing else to see.
    const copy = join(scratch, 'kor-copy')
    cpSync(korDir, copy, { recursive: true, filter: (src) => !/entente\.db/.test(src) })
    const source = new Sqlite(join(korDir, 'entente.db'), { readonly: true })
    source.exec(`VACUUM INTO '${join(copy, 'entente.db')}'`)
    source.close()
    const db = new Sqlite(join(copy, 'entente.db'))
    const size = readCheckpointNote(held.stdout)?.size ?? 0
    db.prepare('DELETE FROM audit WHERE seq > ?').run(size - 2)
    db.prepare('DELETE FROM audit_checkpoints').run()
    db.close()
    assert.equal(entente('audit', 'verify', '--dir', copy).status, 0, 'alone, the copy verifies')
    const caught = entente('audit', 'verify', '--dir', copy, '--witnessed', witnessedFile)
    assert.equal(caught.status, 1)
    assert.match(
      caught.stdout,
      /witnessed by a peer: only \d+ entries are stored \(log truncated\)/,
    )
  })

  it('bad input is one clean line and exit 2', () => {
    assert.ok(isCleanError(entente('audit', 'prove', '--dir', korDir, '--entry', 'x')))
    assert.ok(isCleanError(entente('audit', 'check', '--proof', '/nonexistent', '--keys', korKeys)))
    const keys = file('bad.vkeys', 'not a key\n')
    assert.ok(
      isCleanError(
        entente('audit', 'check', '--proof', join(scratch, 'entry.tlog-proof'), '--keys', keys),
      ),
    )
  })
})
