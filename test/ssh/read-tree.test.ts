import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { readLocalTree } from '../../src/conf/local-tree'
import type { ConfTree } from '../../src/conf/tree'
import type { HostAccess } from '../../src/ssh/host-access'
import { vectorIndex, writeVectorTree } from '../support/xapi-conf-vectors'
import { AccessFixture, hostOf } from './fixture'
import { startSshd, type TestSshd } from './sshd'

describe('ssh/read-tree: a host tree over SFTP (real sshd)', function () {
  let sshd: TestSshd
  let access: HostAccess
  const fixture = new AccessFixture()

  before(async () => (sshd = await startSshd()))
  after(() => sshd?.stop())
  beforeEach(async () => {
    await fixture.setUp()
    access = fixture.access(sshd)
    await rm(join(sshd.root, 'etc'), { recursive: true, force: true })
  })
  afterEach(() => fixture.tearDown())

  const readTree = () => access.withHost(hostOf(sshd), session => session.readTree())

  it('reads files, a symlink to a file, a dangling symlink, a subdirectory and a FIFO as XAPI meets them', async () => {
    const dir = join(sshd.root, 'etc/xapi.conf.d')
    await mkdir(dir, { recursive: true })
    await writeFile(join(sshd.root, 'etc/xapi.conf'), 'hsts_max_age = 5\n')
    await writeFile(join(dir, 'a.conf'), 'pending_task_timeout = 1\r\n')
    await writeFile(join(sshd.root, 'etc/shared.conf'), 'x = 1\n')
    await symlink('../shared.conf', join(dir, 'link.conf'))
    await symlink('missing.conf', join(dir, 'dangling.conf'))
    await mkdir(join(dir, 'backup'))
    await promisify(execFile)('mkfifo', [join(dir, 'pipe')])
    const tree = await readTree()
    assert.equal(tree.configDir, '/etc/xapi.conf.d')
    assert.equal(tree.dirState, 'directory')
    assert.deepEqual(tree.main, { name: 'xapi.conf', path: '/etc/xapi.conf', kind: 'file', content: Buffer.from('hsts_max_age = 5\n') })
    assert.deepEqual(byName(tree), {
      'a.conf': { name: 'a.conf', path: '/etc/xapi.conf.d/a.conf', kind: 'file', content: Buffer.from('pending_task_timeout = 1\r\n') },
      'link.conf': {
        name: 'link.conf',
        path: '/etc/xapi.conf.d/link.conf',
        kind: 'symlink',
        target: '../shared.conf',
        resolved: 'file',
        content: Buffer.from('x = 1\n'),
      },
      'dangling.conf': { name: 'dangling.conf', path: '/etc/xapi.conf.d/dangling.conf', kind: 'symlink', target: 'missing.conf', resolved: 'missing' },
      backup: { name: 'backup', path: '/etc/xapi.conf.d/backup', kind: 'directory' },
      pipe: { name: 'pipe', path: '/etc/xapi.conf.d/pipe', kind: 'unreadable' },
    })
  })

  it('lists the directory that config-dir in /etc/xapi.conf designates', async () => {
    await mkdir(join(sshd.root, 'etc/xapi.conf.d'), { recursive: true })
    await mkdir(join(sshd.root, 'etc/other.d'))
    await writeFile(join(sshd.root, 'etc/xapi.conf'), 'config-dir = /etc/other.d\n')
    await writeFile(join(sshd.root, 'etc/xapi.conf.d/ignored.conf'), 'a = 1\n')
    await writeFile(join(sshd.root, 'etc/other.d/used.conf'), 'b = 2\n')
    const tree = await readTree()
    assert.equal(tree.configDir, '/etc/other.d')
    assert.deepEqual(Object.keys(byName(tree)), ['used.conf'])
    assert.equal(byName(tree)['used.conf'].path, '/etc/other.d/used.conf')
  })

  it('reports a missing /etc/xapi.conf as null and a missing or non-directory drop-in directory by its state', async () => {
    await mkdir(join(sshd.root, 'etc'))
    assert.deepEqual(await readTree(), { main: null, configDir: '/etc/xapi.conf.d', dirState: 'missing', dropIns: [] })
    await writeFile(join(sshd.root, 'etc/xapi.conf.d'), '')
    assert.equal((await readTree()).dirState, 'not-a-directory')
  })

  it("agrees with the conf module's local reader on every xapi-conf test vector", async function () {
    const cases = vectorIndex()
    assert.ok(cases.length > 100)
    for (const { id } of cases) {
      await rm(join(sshd.root, 'etc'), { recursive: true, force: true })
      writeVectorTree(sshd.root, id)
      assert.deepEqual(normalize(await readTree()), normalize(await readLocalTree(sshd.root)), `case ${id}`)
    }
  })
})

function byName(tree: ConfTree): Record<string, ConfTree['dropIns'][number]> {
  return Object.fromEntries(tree.dropIns.map(entry => [entry.name, entry]))
}

function normalize(tree: ConfTree): ConfTree {
  return { ...tree, dropIns: [...tree.dropIns].sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name))) }
}
