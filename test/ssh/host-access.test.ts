import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { utils } from 'ssh2'
import { isHostAccessError } from '../../src/ssh/errors'
import { AccessFixture, failure, hostOf, waitFor } from './fixture'
import { freePort, SSHD_ADDRESS, startSilentListener, startSshd, type TestSshd } from './sshd'


describe('ssh/host-access: connections (real sshd)', function () {
  let sshd: TestSshd
  let other: TestSshd // another server, with another host key
  const fixture = new AccessFixture()

  before(async () => ([sshd, other] = await Promise.all([startSshd(), startSshd()])))
  after(() => Promise.all([sshd?.stop(), other?.stop()]))
  beforeEach(() => fixture.setUp())
  afterEach(() => fixture.tearDown())

  describe('one connection per host', () => {
    it('reuses the connection across successive withHost calls on a host', async () => {
      const access = fixture.access(sshd)
      const before = sshd.logins()
      await access.withHost(hostOf(sshd), session => session.readFile('/etc/none'))
      await access.withHost(hostOf(sshd), session => session.listDir('/'))
      assert.equal(sshd.logins() - before, 1)
      assert.equal(access.openConnections, 1)
    })

    it('shares one connection between concurrent callers for the same host', async () => {
      const access = fixture.access(sshd)
      const before = sshd.logins()
      await Promise.all(Array.from({ length: 5 }, () => access.withHost(hostOf(sshd), session => session.listDir('/'))))
      assert.equal(sshd.logins() - before, 1)
    })

    it('opens one connection per host id', async () => {
      const access = fixture.access(sshd)
      const before = sshd.logins()
      await Promise.all(['a', 'b'].map(id => access.withHost(hostOf(sshd, id), session => session.listDir('/'))))
      assert.equal(sshd.logins() - before, 2)
    })

    it('closes a connection once idle, and opens a new one for the next call', async () => {
      const access = fixture.access(sshd, { timeouts: { idleMs: 100 } })
      const before = sshd.logins()
      await access.withHost(hostOf(sshd), session => session.listDir('/'))
      await waitFor(() => access.openConnections === 0)
      await access.withHost(hostOf(sshd), session => session.listDir('/'))
      assert.equal(sshd.logins() - before, 2)
    })

    it('close() ends every connection and refuses later calls', async () => {
      const access = fixture.access(sshd)
      await access.withHost(hostOf(sshd), session => session.listDir('/'))
      const disconnects = () => sshd.log().split('\n').filter(line => line.startsWith('Disconnected from user root')).length
      const before = disconnects()
      await access.close()
      assert.equal(access.openConnections, 0)
      await waitFor(() => disconnects() === before + 1)
      assert.equal((await failure(access.withHost(hostOf(sshd), async () => 1)) as Error).message.includes('closed'), true)
    })
  })

  describe('fleet-wide bound', () => {
    it('never works on more hosts than the limit, and keeps no more connections when none may idle', async () => {
      const access = fixture.access(sshd, { concurrency: 3, idleConnections: 0 })
      let running = 0
      let highest = 0
      let mostConnections = 0
      await Promise.all(
        Array.from({ length: 10 }, (_, index) =>
          access.withHost(hostOf(sshd, `host-${index}`), async session => {
            running++
            highest = Math.max(highest, running)
            mostConnections = Math.max(mostConnections, access.openConnections)
            await session.listDir('/')
            await sleep(50)
            running--
          })
        )
      )
      assert.equal(highest, 3)
      assert.ok(mostConnections <= 3, `${mostConnections} connections open at once`)
    })
  })

  describe('unreachable hosts', () => {
    it('fails at once with UNREACHABLE when nothing listens', async () => {
      const access = fixture.access(sshd, { port: await freePort() })
      const error = await failure(access.withHost(hostOf(sshd), async () => 1))
      assert.ok(isHostAccessError(error, 'UNREACHABLE'), String(error))
      assert.match(error.message, /ECONNREFUSED/)
      assert.equal(error.host?.address, SSHD_ADDRESS)
    })

    it('fails within the connect timeout when the server accepts and never answers', async () => {
      const listener = await startSilentListener()
      try {
        const access = fixture.access(sshd, { port: listener.port, timeouts: { connectMs: 300 } })
        const start = Date.now()
        const error = await failure(access.withHost(hostOf(sshd), async () => 1))
        const elapsed = Date.now() - start
        assert.ok(isHostAccessError(error, 'CONNECT_TIMEOUT'), String(error))
        assert.ok(elapsed >= 300 && elapsed < 1500, `failed after ${elapsed} ms`)
        assert.equal(access.openConnections, 0)
      } finally {
        await listener.stop()
      }
    })
  })

  describe('step timeouts', () => {
    it('times out an SFTP request the host never answers, and drops that connection', async () => {
      const access = fixture.access(sshd, { timeouts: { commandMs: 300 } })
      await access.withHost(hostOf(sshd), session => session.listDir('/'))
      await sshd.freezeSessions(true)
      try {
        const start = Date.now()
        const error = await failure(access.withHost(hostOf(sshd), session => session.readFile('/etc/xapi.conf')))
        assert.ok(isHostAccessError(error, 'TIMEOUT'), String(error))
        assert.ok(Date.now() - start < 1500, `failed after ${Date.now() - start} ms`)
      } finally {
        await sshd.freezeSessions(false)
      }
      await waitFor(() => access.openConnections === 0)
      const before = sshd.logins()
      await access.withHost(hostOf(sshd), session => session.listDir('/'))
      assert.equal(sshd.logins(), before + 1, 'the next call connected again')
    })
  })

  describe('host keys', () => {
    it('pins the key on first use, then refuses another key for that host with both fingerprints; nothing is read', async () => {
      const hostKeys = fixture.hostKeys()
      await fixture.access(sshd, { hostKeys }).withHost(hostOf(sshd), session => session.listDir('/'))
      assert.equal((await hostKeys.pinned('host-1'))?.fingerprint, sshd.fingerprint)

      let called = false
      const access = fixture.access(other, { hostKeys })
      const error = await failure(access.withHost(hostOf(other), async () => (called = true)))
      assert.ok(isHostAccessError(error, 'HOST_KEY_CHANGED'), String(error))
      assert.ok(error.message.includes(`expected ${sshd.fingerprint}`), error.message)
      assert.ok(error.message.includes(`presented ${other.fingerprint}`), error.message)
      assert.equal(called, false)
      assert.equal(other.logins(), 0, 'the client never authenticated')
      assert.doesNotMatch(other.log(), /Starting session/)
    })

    it('forgetHostKey lets the next connection pin the new key', async () => {
      const hostKeys = fixture.hostKeys()
      await fixture.access(sshd, { hostKeys }).withHost(hostOf(sshd), session => session.listDir('/'))
      const access = fixture.access(other, { hostKeys })
      await failure(access.withHost(hostOf(other), async () => 1))
      assert.equal(await access.forgetHostKey('host-1'), true)
      await access.withHost(hostOf(other), session => session.listDir('/'))
      assert.equal((await hostKeys.pinned('host-1'))?.fingerprint, other.fingerprint)
    })

    it('listed-only connects to a listed host and refuses an unlisted one before authenticating', async () => {
      const hostKeys = fixture.hostKeys({ policy: 'listed-only', listed: [`${sshd.address} ${sshd.fingerprint}`] })
      const access = fixture.access(sshd, { hostKeys })
      await access.withHost(hostOf(sshd), session => session.listDir('/'))

      const before = other.logins()
      const error = await failure(fixture.access(other, { hostKeys }).withHost(hostOf(other, 'host-2'), async () => 1))
      assert.ok(isHostAccessError(error, 'HOST_KEY_NOT_LISTED'), String(error))
      assert.ok(error.message.includes(other.fingerprint))
      assert.equal(other.logins(), before)
    })
  })

  describe('credentials', () => {
    it('reports a refused key as AUTH_FAILED without the key in the message', async () => {
      const { private: wrongKey } = utils.generateKeyPairSync('ed25519')
      const access = fixture.access(sshd, { credentials: { username: 'root', privateKey: wrongKey, password: 'secret-pw' } })
      const error = await failure(access.withHost(hostOf(sshd), async () => 1))
      assert.ok(isHostAccessError(error, 'AUTH_FAILED'), String(error))
      const everything = JSON.stringify({ message: error.message, data: error.data })
      assert.doesNotMatch(everything, /secret-pw|PRIVATE KEY/)
    })

    it('refuses to connect without a password or key (NOT_CONFIGURED)', async () => {
      const access = fixture.access(sshd, { credentials: { username: 'root' } })
      const before = sshd.logins()
      const error = await failure(access.withHost(hostOf(sshd), async () => 1))
      assert.ok(isHostAccessError(error, 'NOT_CONFIGURED'), String(error))
      assert.equal(sshd.logins(), before)
    })

    it('reports an unusable private key as NOT_CONFIGURED', async () => {
      const access = fixture.access(sshd, { credentials: { username: 'root', privateKey: 'not a key' } })
      assert.ok(isHostAccessError(await failure(access.withHost(hostOf(sshd), async () => 1)), 'NOT_CONFIGURED'))
    })
  })
})
