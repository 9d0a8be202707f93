// Sequential SFTP round trips per host, counted by playing the network in lock step (not by timing):
// behind a WAN link, they set the time of a fleet call.
import assert from 'node:assert/strict'
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { HostConnection } from '../../src/ssh/connection'
import { HostSession } from '../../src/ssh/session'
import { AccessFixture, hostOf } from './fixture'
import { LockstepSftp } from './lockstep-sftp'
import { startSshd, type TestSshd } from './sshd'

describe('ssh: SFTP round trips per host (real sshd, lock-step counting)', function () {
  let sshd: TestSshd
  let connection: HostConnection
  let lockstep: LockstepSftp
  let session: HostSession
  const fixture = new AccessFixture()

  before(async () => {
    sshd = await startSshd()
    await fixture.setUp()
    connection = await HostConnection.open(hostOf(sshd), {
      credentials: { username: 'root', privateKey: sshd.clientKey },
      hostKeys: fixture.hostKeys(),
      port: sshd.port,
      connectMs: 5000,
    })
    lockstep = new LockstepSftp(await connection.sftp(5000))
  })
  after(async () => {
    await connection?.close()
    await fixture.tearDown()
    await sshd?.stop()
  })
  beforeEach(async () => {
    const etc = join(sshd.root, 'etc')
    await rm(etc, { recursive: true, force: true })
    await mkdir(join(etc, 'xapi.conf.d', 'backup.d'), { recursive: true })
    await writeFile(join(etc, 'xapi.conf'), 'use-xenopsd = true\n')
    for (let index = 0; index < 6; index++) {
      await writeFile(join(etc, 'xapi.conf.d', `${index}-vendor.conf`), `key${index} = ${index}\n`)
    }
    const sftp = lockstep.sftp
    session = new HostSession(
      hostOf(sshd),
      { sftp: async () => sftp, exec: (command, ms) => connection.exec(command, ms), destroy: () => connection.destroy() },
      { stepMs: 10_000, root: sshd.root }
    )
  })

  const opened = (requests: Array<{ operation: string }>) => requests.filter(r => r.operation === 'open' || r.operation === 'opendir').length
  const closed = (requests: Array<{ operation: string }>) => requests.filter(r => r.operation === 'close').length

  it('reads /etc/xapi.conf and every drop-in in at most 4 sequential round trips, and closes every handle', async () => {
    const { result: tree, roundTrips, requests } = await lockstep.count(() => session.readTree())
    assert.equal(tree.dirState, 'directory')
    assert.equal(tree.main?.content?.toString(), 'use-xenopsd = true\n')
    assert.deepEqual(
      tree.dropIns.map(entry => [entry.name, entry.kind, entry.content?.toString()]).sort(),
      [
        ...Array.from({ length: 6 }, (_, index) => [`${index}-vendor.conf`, 'file', `key${index} = ${index}\n`]),
        ['backup.d', 'directory', undefined],
      ].sort()
    )
    assert.ok(roundTrips <= 4, `${roundTrips} sequential round trips: ${JSON.stringify(requests)}`)
    assert.equal(opened(requests), closed(requests), 'every handle is closed')
    assert.equal(requests.filter(r => r.operation === 'lstat').length, 1, 'entries take their kinds from the listing')
    assert.equal(requests.filter(r => r.operation === 'fstat').length, 0, 'a file is read without a stat: a short read is its end')
    assert.equal(requests.length, 3 + 2 + 7 * 3 + 1, 'stat, lstat; opendir and two readdirs; open, read, close per file; the listing\'s close')
  })

  it('a symlinked drop-in costs two more round trips (its target is looked up, then read)', async () => {
    await symlink('0-vendor.conf', join(sshd.root, 'etc', 'xapi.conf.d', 'link.conf'))
    const { result: tree, roundTrips } = await lockstep.count(() => session.readTree())
    const link = tree.dropIns.find(entry => entry.name === 'link.conf')
    assert.equal(link?.resolved, 'file')
    assert.equal(link?.content?.toString(), 'key0 = 0\n')
    assert.ok(roundTrips <= 6, `${roundTrips} sequential round trips`)
  })

  it('reads one file in 3 round trips (stat, open, then bytes and close at once)', async () => {
    const { result, roundTrips, requests } = await lockstep.count(() => session.readFile('/etc/xapi.conf'))
    assert.equal(result, 'use-xenopsd = true\n')
    assert.equal(roundTrips, 3)
    assert.equal(opened(requests), closed(requests))
  })

  it('writes a file atomically in 3 round trips (lstat and open, write+chmod+fsync+close at once, rename)', async () => {
    const write = () => session.writeFileAtomic('/etc/xapi.conf.d/zz-xo.conf', 'a = 1\n', { mode: 0o644, directoryMode: 0o755 })
    const { roundTrips, requests } = await lockstep.count(write)
    assert.equal(roundTrips, 3)
    assert.equal(opened(requests), closed(requests))
    assert.equal(await session.readFile('/etc/xapi.conf.d/zz-xo.conf'), 'a = 1\n')
  })

  describe('the change gate\'s write: the file checked on the host right before it is replaced', () => {
    const path = '/etc/xapi.conf.d/0-vendor.conf'
    const modes = { mode: 0o644, directoryMode: 0o755 }
    const tempFiles = async () => (await session.listNames('/etc'))!.filter(name => name.includes('xo-tmp'))

    it('replaces a file that still holds what was read in 3 round trips and 9 requests (open and create; read while the temp file is written; rename)', async () => {
      const { result, roundTrips, requests } = await lockstep.count(() => session.replaceIfUnchanged(path, 'key0 = 0\n', 'key0 = 9\n', modes))
      assert.equal(result, true)
      assert.equal(roundTrips, 3, JSON.stringify(requests))
      assert.equal(requests.length, 9, `no stat, no look at the directory a file expected to exist is in: ${JSON.stringify(requests)}`)
      assert.equal(opened(requests), closed(requests), 'every handle is closed')
      assert.equal(await session.readFile(path), 'key0 = 9\n')
      assert.deepEqual(await tempFiles(), [])
    })

    it('creates a file that is still absent in 3 round trips', async () => {
      const { result, roundTrips } = await lockstep.count(() => session.replaceIfUnchanged('/etc/xapi.conf.d/new.conf', null, 'a = 1\n', modes))
      assert.equal(result, true)
      assert.equal(roundTrips, 3)
      assert.equal(await session.readFile('/etc/xapi.conf.d/new.conf'), 'a = 1\n')
    })

    it('removes a file that still holds what was read in 3 round trips (open; attributes, bytes and close; unlink)', async () => {
      const { result, roundTrips } = await lockstep.count(() => session.replaceIfUnchanged(path, 'key0 = 0\n', null, modes))
      assert.equal(result, true)
      assert.equal(roundTrips, 3)
      assert.equal(await session.readFile(path), undefined)
    })

    it('changes nothing and leaves no temp file when the file holds something else, is absent, or is a directory', async () => {
      await writeFile(join(sshd.root, 'etc', 'xapi.conf.d', 'gone.conf'), 'x = 1\n')
      const attempts: Array<[string, string | null, string | null]> = [
        [path, 'key0 = 1\n', 'key0 = 9\n'], // changed since it was read
        [path, null, 'key0 = 9\n'], // appeared since
        ['/etc/xapi.conf.d/absent.conf', 'a = 1\n', 'a = 2\n'], // vanished since
        ['/etc/xapi.conf.d/backup.d', null, 'a = 2\n'], // a directory now
        [path, 'key0 = 1\n', null], // a removal of a changed file
      ]
      for (const [target, expected, content] of attempts) {
        assert.equal(await session.replaceIfUnchanged(target, expected, content, modes), false, `${target} ${expected}`)
      }
      assert.equal(await session.readFile(path), 'key0 = 0\n')
      assert.equal(await session.readFile('/etc/xapi.conf.d/absent.conf'), undefined)
      assert.equal((await session.lstat('/etc/xapi.conf.d/backup.d'))?.kind, 'directory')
      assert.deepEqual(await tempFiles(), [])
    })
  })
})
