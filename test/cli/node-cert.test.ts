import assert from 'node:assert/strict'
import { X509Certificate } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { before, describe, it } from 'node:test'
import { entente, isCleanError } from '../helpers/cli.ts'

const mode = (file: string) => statSync(file).mode & 0o777

describe('node init and node cert: the CA for CoT over TLS', () => {
  let root = ''
  let dir = ''
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'entente-cli-cert-'))
    dir = join(root, 'kor')
    const run = entente('node', 'init', '--party', 'KOR', '--dir', dir)
    assert.equal(run.status, 0, run.stderr)
  })

  it('node init --host puts the names clients use in the server certificate; a bad one is refused', () => {
    const named = join(root, 'named')
    const run = entente(
      'node',
      'init',
      '--party',
      'KOR',
      '--dir',
      named,
      '--host',
      'kor-node.example.mil',
      '10.1.2.3',
    )
    assert.equal(run.status, 0, run.stderr)
    const server = new X509Certificate(readFileSync(join(named, 'keys', 'server.cert.pem')))
    assert.equal(server.checkHost('kor-node.example.mil'), 'kor-node.example.mil')
    assert.equal(server.checkIP('10.1.2.3'), '10.1.2.3')
    assert.equal(server.checkHost('localhost'), 'localhost')
    assert.equal(server.checkHost('other.example.mil'), undefined)
    const bad = entente(
      'node',
      'init',
      '--party',
      'KOR',
      '--dir',
      join(root, 'bad'),
      '--host',
      'a b',
    )
    assert.ok(isCleanError(bad), bad.stderr)
    assert.match(bad.stderr, /--host: 'a b' is neither a DNS name nor an IP address/)
    assert.equal(existsSync(join(root, 'bad', 'keys')), false, 'nothing written')
  })

  it("node init makes the node's CA and server certificate, keys owner-only", () => {
    const keys = join(dir, 'keys')
    for (const key of ['ca.key.pem', 'server.key.pem']) assert.equal(mode(join(keys, key)), 0o600)
    const ca = new X509Certificate(readFileSync(join(keys, 'ca.cert.pem')))
    const server = new X509Certificate(readFileSync(join(keys, 'server.cert.pem')))
    assert.equal(ca.ca, true)
    assert.match(ca.subject, /CN=Entente KOR node CA/)
    assert.equal(server.checkIssued(ca) && server.verify(ca.publicKey), true, 'signed by the CA')
    assert.equal(server.checkIP('127.0.0.1'), '127.0.0.1')
    assert.equal(server.checkHost('localhost'), 'localhost')
  })

  it('node cert --party: a client certificate naming the party in a SAN URI, files 0600, paths printed', () => {
    const out = join(root, 'jpn-client')
    const run = entente(
      'node',
      'cert',
      '--party',
      'JPN',
      '--dir',
      dir,
      '--out',
      out,
      '--days',
      '30',
    )
    assert.equal(run.status, 0, run.stderr)
    for (const file of ['party-JPN.key.pem', 'party-JPN.cert.pem', 'ca.cert.pem']) {
      assert.ok(run.stdout.includes(join(out, file)), `prints ${file}`)
      assert.equal(mode(join(out, file)), 0o600, file)
    }
    assert.doesNotMatch(run.stdout, /PRIVATE KEY/)
    const cert = new X509Certificate(readFileSync(join(out, 'party-JPN.cert.pem')))
    const ca = new X509Certificate(readFileSync(join(dir, 'keys', 'ca.cert.pem')))
    assert.equal(cert.subjectAltName, 'URI:urn:entente:party:JPN')
    assert.match(cert.subject, /OU=party\nCN=JPN/)
    assert.equal(cert.verify(ca.publicKey), true)
    const days = (Date.parse(cert.validTo) - Date.now()) / 86_400_000
    assert.ok(days > 29.9 && days <= 30, `valid ${days.toFixed(2)} days`)
  })

  it('node cert --role: a certificate naming the role; by default under <dir>/clients', () => {
    const run = entente('node', 'cert', '--role', 'operator', '--dir', dir)
    assert.equal(run.status, 0, run.stderr)
    const certFile = /^ {2}certificate +(\S+)$/m.exec(run.stdout)?.[1] ?? ''
    assert.ok(certFile.startsWith(join(dir, 'clients', 'role-operator-')), certFile)
    assert.equal(
      new X509Certificate(readFileSync(certFile)).subjectAltName,
      'URI:urn:entente:role:operator',
    )
  })

  it('a data directory from an older init gets its CA at the first node cert; nothing is overwritten', () => {
    const keys = join(dir, 'keys')
    const old = join(root, 'old')
    const init = entente('node', 'init', '--party', 'KOR', '--dir', old)
    assert.equal(init.status, 0, init.stderr)
    for (const f of ['ca.key.pem', 'ca.cert.pem', 'server.key.pem', 'server.cert.pem'])
      rmSync(join(old, 'keys', f))
    const run = entente('node', 'cert', '--party', 'KOR', '--dir', old)
    assert.equal(run.status, 0, run.stderr)
    assert.match(run.stdout, /^Created the node's CA and server certificate/)
    assert.ok(existsSync(join(old, 'keys', 'server.cert.pem')))
    const before = readFileSync(join(keys, 'ca.cert.pem'), 'utf8')
    const again = entente('node', 'cert', '--party', 'USA', '--dir', dir)
    assert.doesNotMatch(again.stdout, /Created/)
    assert.equal(readFileSync(join(keys, 'ca.cert.pem'), 'utf8'), before, 'the CA is kept')
    const twice = entente(
      'node',
      'cert',
      '--party',
      'JPN',
      '--dir',
      dir,
      '--out',
      join(root, 'jpn-client'),
    )
    assert.ok(isCleanError(twice), twice.stderr)
    assert.match(twice.stderr, /exists; certificates and keys are never overwritten/)
  })

  it('bad input: one entente: line naming the option, exit 2', () => {
    for (const [args, message] of [
      [['--dir', dir], /give either --party or --role/],
      [['--party', 'JPN', '--role', 'operator', '--dir', dir], /give either --party or --role/],
      [['--party', 'jpn', '--dir', dir], /--party: 'jpn' is not a party id/],
      [['--role', 'pilot', '--dir', dir], /--role: 'pilot' is not one of operator/],
      [['--party', 'JPN', '--dir', dir, '--days', '0'], /--days: '0' is not a whole number/],
      [['--party', 'JPN', '--dir', join(root, 'none')], /--dir: .* holds no node data/],
    ] as const) {
      const run = entente('node', 'cert', ...args)
      assert.ok(isCleanError(run), `${args.join(' ')}: ${run.stderr}`)
      assert.equal(run.stderr.trim().split('\n').length, 1)
      assert.match(run.stderr, message)
    }
  })
})
