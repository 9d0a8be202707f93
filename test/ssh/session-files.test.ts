import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdir, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { isHostAccessError } from '../../src/ssh/errors'
import { tempPathFor, type HostSession } from '../../src/ssh/session'
import { AccessFixture, hostOf } from './fixture'
import { startSshd, type TestSshd } from './sshd'

const run = promisify(execFile)

describe('ssh/session: files over SFTP (real sshd)', function () {
  let sshd: TestSshd
  const fixture = new AccessFixture()
  let etc: string

  before(async () => (sshd = await startSshd()))
  after(() => sshd?.stop())
  beforeEach(async () => {
    await fixture.setUp()
    etc = join(sshd.root, 'etc')
    await rm(etc, { recursive: true, force: true })
    await mkdir(join(etc, 'xapi.conf.d'), { recursive: true })
  })
  afterEach(() => fixture.tearDown())

  const withSession = <T>(fn: (session: HostSession) => Promise<T>) => fixture.access(sshd).withHost(hostOf(sshd), fn)

  it('reads files as binary strings, lists entries in byte order with their kinds, and answers undefined for missing ones', async () => {
    await writeFile(join(etc, 'xapi.conf.d', 'b.conf'), Buffer.from([0x61, 0x0d, 0x0a, 0xe9, 0xff]))
    await writeFile(join(etc, 'xapi.conf.d', 'Z.conf'), '')
    await mkdir(join(etc, 'xapi.conf.d', 'backup'))
    await symlink('b.conf', join(etc, 'xapi.conf.d', '.link'))
    const [content, entries, missingFile, missingDir] = await withSession(async session => [
      await session.readFile('/etc/xapi.conf.d/b.conf'),
      await session.listDir('/etc/xapi.conf.d'),
      await session.readFile('/etc/nothing.conf'),
      await session.listDir('/etc/nothing.d'),
    ])
    assert.equal(content, 'a\r\n\u00e9\u00ff')
    assert.deepEqual(entries, [
      { name: '.link', kind: 'symlink' },
      { name: 'Z.conf', kind: 'file' },
      { name: 'b.conf', kind: 'file' },
      { name: 'backup', kind: 'directory' },
    ])
    assert.equal(missingFile, undefined)
    assert.equal(missingDir, undefined)
  })

  it('lists a directory longer than one SFTP answer, and reads a file longer than the first read, whole', async () => {
    const names = Array.from({ length: 250 }, (_, index) => `${String(index).padStart(3, '0')}.conf`)
    await Promise.all(names.map(name => writeFile(join(etc, 'xapi.conf.d', name), '')))
    const big = Buffer.alloc(200 * 1024, 0x62)
    big.write('end', big.length - 3)
    await writeFile(join(etc, 'big.conf'), big)
    const [listed, content] = await withSession(async session => [
      await session.listNames('/etc/xapi.conf.d'),
      await session.readBytes('/etc/big.conf'),
    ])
    assert.deepEqual(listed, names)
    assert.ok(content?.equals(big))
  })

  it('reads a listed file without a stat whatever its size: empty, exactly the first read, longer; refuses one over 1 MiB', async () => {
    const sized = { empty: Buffer.alloc(0), exact: Buffer.alloc(64 * 1024, 0x61), longer: Buffer.alloc(64 * 1024 + 1, 0x63) }
    for (const [name, content] of Object.entries(sized)) {
      await writeFile(join(etc, 'xapi.conf.d', name), content)
    }
    await writeFile(join(etc, 'xapi.conf.d', 'huge'), Buffer.alloc(1024 * 1024 + 1))
    await withSession(async session => {
      for (const [name, content] of Object.entries(sized)) {
        assert.ok((await session.readRegularFile(`/etc/xapi.conf.d/${name}`))?.equals(content), name)
      }
      await assert.rejects(session.readRegularFile('/etc/xapi.conf.d/huge'), (e: unknown) => isHostAccessError(e, 'IO') && /refusing to read/.test(e.message))
      await assert.rejects(session.readRegularFile('/etc/xapi.conf.d'), (e: unknown) => isHostAccessError(e, 'IO') && /is a directory/.test(e.message))
      assert.equal(await session.readRegularFile('/etc/xapi.conf.d/absent'), undefined)
    })
  })

  it('refuses to read a directory or a file over 1 MiB', async () => {
    await writeFile(join(etc, 'big'), Buffer.alloc(1024 * 1024 + 1))
    await withSession(async session => {
      await assert.rejects(session.readFile('/etc/xapi.conf.d'), (e: unknown) => isHostAccessError(e, 'IO') && /is a directory/.test(e.message))
      await assert.rejects(session.readFile('/etc/big'), (e: unknown) => isHostAccessError(e, 'IO') && /refusing to read/.test(e.message))
    })
  })

  it('writeFileAtomic replaces a file by renaming a new one over it, with the mode asked, and leaves no temp file', async () => {
    const target = join(etc, 'xapi.conf.d', 'zz-xo.conf')
    await writeFile(target, 'old = 1\n', { mode: 0o600 })
    const oldInode = (await stat(target)).ino
    await withSession(session => session.writeFileAtomic('/etc/xapi.conf.d/zz-xo.conf', 'new = 2\n\u00e9', { mode: 0o644 }))
    assert.deepEqual(await readFile(target), Buffer.from('new = 2\n\xe9', 'latin1'))
    const stats = await stat(target)
    assert.equal(stats.mode & 0o777, 0o644)
    assert.notEqual(stats.ino, oldInode, 'a new file was renamed into place, not the old one rewritten')
    assert.deepEqual(await readdir(join(etc, 'xapi.conf.d')), ['zz-xo.conf'])
    assert.deepEqual((await readdir(etc)).sort(), ['xapi.conf.d'])
  })

  it('writeFileAtomic creates a missing file', async () => {
    await withSession(session => session.writeFileAtomic('/etc/xapi.conf.d/new.conf', 'a = 1\n', { mode: 0o600 }))
    assert.equal(await readFile(join(etc, 'xapi.conf.d', 'new.conf'), 'utf8'), 'a = 1\n')
    assert.equal((await stat(join(etc, 'xapi.conf.d', 'new.conf'))).mode & 0o777, 0o600)
  })

  it('puts the temp file beside the directory, never inside it', () => {
    assert.match(tempPathFor('/etc/xapi.conf.d/zz-xo.conf'), /^\/etc\/\.xapi\.conf\.d\.xo-tmp-[0-9a-f]{12}$/)
  })

  it('a rename that fails after the data was written (missing directory) leaves nothing behind', async () => {
    await rm(join(etc, 'xapi.conf.d'), { recursive: true })
    await assert.rejects(
      withSession(session => session.writeFileAtomic('/etc/xapi.conf.d/zz-xo.conf', 'a = 1\n', { mode: 0o644 })),
      (e: unknown) => isHostAccessError(e, 'IO') && /rename/.test(e.message)
    )
    assert.deepEqual(await readdir(etc), [])
  })

  it('refuses to replace a directory, and leaves nothing behind', async () => {
    await mkdir(join(etc, 'xapi.conf.d', 'zz-xo.conf'))
    await assert.rejects(
      withSession(session => session.writeFileAtomic('/etc/xapi.conf.d/zz-xo.conf', 'a = 1\n', { mode: 0o644 })),
      (e: unknown) => isHostAccessError(e, 'IO') && /is a directory/.test(e.message)
    )
    assert.deepEqual(await readdir(join(etc, 'xapi.conf.d')), ['zz-xo.conf'])
    assert.deepEqual(await readdir(etc), ['xapi.conf.d'])
  })

  it('reports a full filesystem as NO_SPACE, keeps the old file and removes the temp file', async function () {
    const mounted = await run('mount', ['-t', 'tmpfs', '-o', 'size=32k', 'tmpfs', etc]).then(() => true, () => false)
    if (!mounted) {
      this.skip()
    }
    try {
      await mkdir(join(etc, 'xapi.conf.d'))
      await writeFile(join(etc, 'xapi.conf.d', 'zz-xo.conf'), 'old = 1\n')
      await assert.rejects(
        withSession(session => session.writeFileAtomic('/etc/xapi.conf.d/zz-xo.conf', Buffer.alloc(256 * 1024, 0x61), { mode: 0o644 })),
        (e: unknown) => isHostAccessError(e, 'NO_SPACE') && /no space left/.test(e.message)
      )
      assert.equal(await readFile(join(etc, 'xapi.conf.d', 'zz-xo.conf'), 'utf8'), 'old = 1\n')
      assert.deepEqual(await readdir(etc), ['xapi.conf.d'])
    } finally {
      await run('umount', [etc])
    }
  })

  it('says what access the SSH user lacks when the host refuses the write', async function () {
    const immutable = await run('chattr', ['+i', etc]).then(() => true, () => false)
    if (!immutable) {
      this.skip()
    }
    try {
      await assert.rejects(
        withSession(session => session.writeFileAtomic('/etc/xapi.conf.d/zz-xo.conf', 'a = 1\n', { mode: 0o644 })),
        (e: unknown) => isHostAccessError(e, 'IO') && /permission denied.*write access to \/etc\/xapi\.conf\.d and to \/etc/.test(e.message)
      )
    } finally {
      await run('chattr', ['-i', etc])
    }
    assert.deepEqual(await readdir(etc), ['xapi.conf.d'])
  })

  it('refuses content that is not a binary string', async () => {
    await assert.rejects(
      withSession(session => session.writeFileAtomic('/etc/xapi.conf.d/x.conf', 'caf\u00e9 \u20ac', { mode: 0o644 })),
      TypeError
    )
    assert.deepEqual(await readdir(join(etc, 'xapi.conf.d')), [])
  })

  it('removeFile removes a file and answers false when there is none', async () => {
    await writeFile(join(etc, 'xapi.conf.d', 'old.conf'), 'a = 1\n')
    const outcomes = await withSession(async session => [
      await session.removeFile('/etc/xapi.conf.d/old.conf'),
      await session.removeFile('/etc/xapi.conf.d/old.conf'),
    ])
    assert.deepEqual(outcomes, [true, false])
    assert.deepEqual(await readdir(join(etc, 'xapi.conf.d')), [])
  })

  it('refuses relative or unnormalized paths', async () => {
    await withSession(async session => {
      for (const path of ['etc/xapi.conf', '/etc/../root/x', '/etc//xapi.conf', '/etc/xapi.conf.d/']) {
        await assert.rejects(session.readFile(path), TypeError, path)
      }
    })
  })

  it('a session cannot be used once its withHost callback has returned', async () => {
    const session = await withSession(async s => s)
    await assert.rejects(async () => session.readFile('/etc/xapi.conf'), /session has ended/)
  })
})
