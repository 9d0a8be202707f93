import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { ensureKeyPair, installPublicKey, PRIVATE_KEY_PATH } from '../../src/ssh/key-pair'
import { AccessFixture, hostOf } from './fixture'
import { startSshd, type TestSshd } from './sshd'

const run = promisify(execFile)

describe('ssh/key-pair', function () {
  const fixture = new AccessFixture()
  beforeEach(() => fixture.setUp())
  afterEach(() => fixture.tearDown())

  describe('ensureKeyPair', () => {
    it('creates an ed25519 key readable by OpenSSH, private file 0600 in a 0700 directory, public line with the comment', async () => {
      const { privateKey, publicKey } = await ensureKeyPair(fixture.dataDir)
      const file = join(fixture.dataDir, PRIVATE_KEY_PATH)
      assert.equal(await readFile(file, 'utf8'), privateKey)
      assert.equal((await stat(file)).mode & 0o777, 0o600)
      assert.equal((await stat(join(file, '..'))).mode & 0o777, 0o700)
      assert.match(publicKey, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/=]+ xo-server-xapi-config$/)
      const { stdout } = await run('ssh-keygen', ['-y', '-f', file])
      assert.equal(stdout.trim().split(' ').slice(0, 2).join(' '), publicKey.split(' ').slice(0, 2).join(' '))
    })

    it('returns the same pair on every call, including concurrent first calls', async () => {
      const pairs = await Promise.all(Array.from({ length: 5 }, () => ensureKeyPair(fixture.dataDir)))
      assert.equal(new Set(pairs.map(pair => pair.publicKey)).size, 1)
      assert.deepEqual(await ensureKeyPair(fixture.dataDir), pairs[0])
    })

    it('tightens a private key file that others could read', async () => {
      await ensureKeyPair(fixture.dataDir)
      const file = join(fixture.dataDir, PRIVATE_KEY_PATH)
      await chmod(file, 0o644)
      await ensureKeyPair(fixture.dataDir)
      assert.equal((await stat(file)).mode & 0o777, 0o600)
    })
  })

  describe('installPublicKey (real sshd)', () => {
    let sshd: TestSshd
    let sshDir: string
    before(async () => {
      sshd = await startSshd()
      sshDir = join(sshd.root, homedir(), '.ssh')
    })
    after(() => sshd?.stop())
    beforeEach(async () => {
      await rm(sshDir, { recursive: true, force: true })
      await mkdir(join(sshDir, '..'), { recursive: true }) // the user's home exists on a host
    })

    it('creates ~/.ssh (0700) and authorized_keys (0600); the host then accepts the generated key', async () => {
      const { privateKey, publicKey } = await ensureKeyPair(fixture.dataDir)
      const outcome = await fixture.access(sshd).withHost(hostOf(sshd), session => installPublicKey(session, publicKey))
      assert.equal(outcome, 'installed')
      assert.equal((await stat(sshDir)).mode & 0o777, 0o700)
      assert.equal((await stat(join(sshDir, 'authorized_keys'))).mode & 0o777, 0o600)
      assert.equal(await readFile(join(sshDir, 'authorized_keys'), 'utf8'), `${publicKey}\n`)

      const withGeneratedKey = fixture.access(sshd, { credentials: { username: 'root', privateKey } })
      const listed = await withGeneratedKey.withHost(hostOf(sshd), session => session.listNames(`${homedir()}/.ssh`))
      assert.deepEqual(listed, ['authorized_keys'])
    })

    it('keeps the existing lines, and does not add the key twice', async () => {
      const { publicKey } = await ensureKeyPair(fixture.dataDir)
      await mkdir(sshDir, { recursive: true })
      const existing = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExisting admin@laptop\nfrom="10.0.0.1" ssh-rsa AAAAB3Nza other'
      await writeFile(join(sshDir, 'authorized_keys'), existing)
      const access = fixture.access(sshd)
      const install = () => access.withHost(hostOf(sshd), session => installPublicKey(session, publicKey))
      assert.equal(await install(), 'installed')
      const installed = `${existing}\n${publicKey}\n`
      assert.equal(await readFile(join(sshDir, 'authorized_keys'), 'utf8'), installed)
      assert.equal(await install(), 'already-present')
      assert.equal(await readFile(join(sshDir, 'authorized_keys'), 'utf8'), installed)
    })

    it('recognises the key when it is already there under another comment or with options', async () => {
      const { publicKey } = await ensureKeyPair(fixture.dataDir)
      const [type, blob] = publicKey.split(' ')
      await mkdir(sshDir, { recursive: true })
      await writeFile(join(sshDir, 'authorized_keys'), `no-pty ${type} ${blob} renamed\n`)
      const outcome = await fixture.access(sshd).withHost(hostOf(sshd), session => installPublicKey(session, publicKey))
      assert.equal(outcome, 'already-present')
    })
  })
})
