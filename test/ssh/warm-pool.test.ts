import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { isHostAccessError } from '../../src/ssh/errors'
import { sshHostFiles } from '../../src/services/dropins/ssh-files'
import { mapBounded } from '../../src/util/bounded'
import type { HostTarget } from '../../src/xo/targets'
import { AccessFixture, failure, hostOf, waitFor } from './fixture'
import { startRebootProxy, type RebootProxy } from './reboot-proxy'
import { startSshd, type TestSshd } from './sshd'

const ids = (count: number) => Array.from({ length: count }, (_, index) => `host-${index}`)

describe('ssh/host-access: warm connections (real sshd)', function () {
  let sshd: TestSshd
  let other: TestSshd // another server, with another host key
  const fixture = new AccessFixture()

  before(async () => ([sshd, other] = await Promise.all([startSshd(), startSshd()])))
  after(() => Promise.all([sshd?.stop(), other?.stop()]))
  beforeEach(() => fixture.setUp())
  afterEach(() => fixture.tearDown())

  describe('reuse beyond the concurrency bound', () => {
    it('keeps every host warm between two fleet calls larger than the bound: one login per host', async () => {
      const access = fixture.access(sshd, { concurrency: 2 })
      const before = sshd.logins()
      for (let call = 0; call < 2; call++) {
        await mapBounded(ids(6), 6, id => access.withHost(hostOf(sshd, id), session => session.listDir('/')))
      }
      assert.equal(sshd.logins() - before, 6)
      assert.equal(access.idleConnections, 6)
    })

    it('the write after a plan uses the connection the plan read with (sshHostFiles)', async () => {
      const access = fixture.access(sshd, { concurrency: 2 })
      const files = sshHostFiles(access)
      await mkdir(join(sshd.root, 'etc/xapi.conf.d'), { recursive: true }) // the hosts share this scratch root
      const hosts = ids(4).map(id => ({ ...hostOf(sshd, id), id }) as unknown as HostTarget)
      const before = sshd.logins()
      await mapBounded(hosts, 4, host => files.readTree(host))
      await mapBounded(hosts, 4, async host => {
        await files.readFile(host, '/etc/xapi.conf.d/zz-warm.conf')
        await files.writeFile(host, '/etc/xapi.conf.d/zz-warm.conf', 'a = 1\n')
      })
      assert.equal(sshd.logins() - before, 4)
      assert.equal(await files.readFile(hosts[0], '/etc/xapi.conf.d/zz-warm.conf'), 'a = 1\n')
      await files.removeFile(hosts[0], '/etc/xapi.conf.d/zz-warm.conf')
    })

    it('never keeps more idle connections than its setting, closing the least recently used', async () => {
      const access = fixture.access(sshd, { concurrency: 3, idleConnections: 2 })
      let mostIdle = 0
      await mapBounded(ids(8), 8, id =>
        access.withHost(hostOf(sshd, id), async session => {
          mostIdle = Math.max(mostIdle, access.idleConnections)
          await session.listDir('/')
          await sleep(20)
        })
      )
      assert.ok(mostIdle <= 2, `${mostIdle} idle connections at once`)
      assert.equal(access.idleConnections, 2)
      assert.equal(access.openConnections, 2)
      const before = sshd.logins()
      await access.withHost(hostOf(sshd, 'host-7'), session => session.listDir('/'))
      assert.equal(sshd.logins(), before, 'the most recently used host is still warm')
      await access.withHost(hostOf(sshd, 'host-0'), session => session.listDir('/'))
      assert.equal(sshd.logins(), before + 1, 'the least recently used was closed')
    })

    it('keeps no idle connection with a setting of 0', async () => {
      const access = fixture.access(sshd, { idleConnections: 0 })
      await access.withHost(hostOf(sshd), session => session.listDir('/'))
      assert.equal(access.openConnections, 0)
    })

    it('closes an idle connection after the idle timeout, on the host too', async () => {
      const access = fixture.access(sshd, { timeouts: { idleMs: 150 } })
      const disconnects = () => sshd.log().split('\n').filter(line => line.startsWith('Disconnected from user root')).length
      const before = disconnects()
      await access.withHost(hostOf(sshd), session => session.listDir('/'))
      assert.equal(access.idleConnections, 1)
      await waitFor(() => access.openConnections === 0 && disconnects() === before + 1)
      assert.equal(access.idleConnections, 0)
    })
  })

  describe('a warm connection that died', () => {
    let proxy: RebootProxy
    beforeEach(async () => (proxy = await startRebootProxy(sshd)))
    afterEach(() => proxy.stop())

    it('reconnects once after the host restarted (the old connection is reset on use)', async () => {
      const access = fixture.access(sshd, { port: proxy.port })
      await access.withHost(hostOf(sshd), session => session.listDir('/'))
      const before = sshd.logins()
      proxy.reboot()
      const names = await access.withHost(hostOf(sshd), session => session.listNames('/'))
      assert.ok(Array.isArray(names))
      assert.equal(sshd.logins(), before + 1)
      assert.equal(access.openConnections, 1)
    })

    it('a changed host key behind a warm connection is still refused, and nothing is read', async () => {
      const access = fixture.access(sshd, { port: proxy.port })
      await access.withHost(hostOf(sshd), session => session.listDir('/'))
      proxy.reboot(other) // reinstalled: another host key at the same address
      let called = 0
      const error = await failure(access.withHost(hostOf(sshd), async session => (called++, session.listDir('/'))))
      assert.ok(isHostAccessError(error, 'HOST_KEY_CHANGED'), String(error))
      assert.equal(called, 1, 'only the call on the dead connection ran, and it reached nothing')
      assert.equal(other.logins(), 0)
    })

    it('fails, without a second retry, when the host does not come back', async () => {
      const access = fixture.access(sshd, { port: proxy.port })
      await access.withHost(hostOf(sshd), session => session.listDir('/'))
      proxy.reboot({ address: sshd.address, port: 1 }) // nothing listens there
      let called = 0
      const error = await failure(access.withHost(hostOf(sshd), async session => (called++, session.listDir('/'))))
      assert.ok(isHostAccessError(error), String(error)) // the relay accepts, then hangs up: lost before the handshake
      assert.equal(called, 1)
    })

    it('does not run again work that reached the host before the connection was lost', async () => {
      const access = fixture.access(sshd, { port: proxy.port })
      let called = 0
      const error = await failure(
        access.withHost(hostOf(sshd), async session => {
          called++
          await session.listDir('/')
          proxy.reboot()
          await session.listDir('/')
        })
      )
      assert.ok(isHostAccessError(error), String(error))
      assert.equal(called, 1)
    })
  })

  it('reconnects after sshd restarted and ended its sessions', async () => {
    const access = fixture.access(sshd)
    await access.withHost(hostOf(sshd), session => session.listDir('/'))
    await sshd.restart()
    const before = sshd.logins()
    await access.withHost(hostOf(sshd), session => session.listDir('/'))
    assert.equal(sshd.logins(), before + 1)
  })
})
