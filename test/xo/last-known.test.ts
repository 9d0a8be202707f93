import assert from 'node:assert/strict'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LAST_KNOWN_FILE_NAME, LastKnownHosts } from '../../src/xo/last-known'
import { getHost, resolveScope } from '../../src/xo/targets'
import type { XoApp } from '../../src/xo/types'
import { host, threeHostPool } from '../restart/fixtures'

/** An xo that shows no object at all: every pool is lost. */
const xoShowingNothing = {
  getObject: (id: string) => {
    throw Object.assign(new Error(`no such object ${id}`), { code: 1 })
  },
} as unknown as XoApp

describe('last known hosts', () => {
  let dir: string

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'last-known-'))
  })

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('keeps the hosts of a pool XO stops showing, and replaces those of the pools it shows', async () => {
    const known = await LastKnownHosts.open(dir)
    const other = { ...threeHostPool(), id: 'other-pool', hosts: [{ ...host(9, true), poolId: 'other-pool' }] }
    await known.remember([threeHostPool(), other], poolId => `server-of-${poolId}`)
    await known.remember([{ ...other, hosts: [{ ...other.hosts[0], address: '127.77.2.9' }] }], () => undefined)

    const reopened = await LastKnownHosts.open(dir)
    assert.deepEqual(reopened.poolHosts('pool-uuid').map(h => [h.label, h.isMaster, h.serverId]), [
      ['host-1', true, 'server-of-pool-uuid'],
      ['host-2', false, 'server-of-pool-uuid'],
      ['host-3', false, 'server-of-pool-uuid'],
    ])
    assert.equal(reopened.host('host-9-uuid')?.address, '127.77.2.9')
    assert.deepEqual(await readdir(dir), [LAST_KNOWN_FILE_NAME], 'no temporary file is left behind')
  })

  it('starts empty from a file it cannot read, and drops entries that are not hosts', async () => {
    await writeFile(join(dir, LAST_KNOWN_FILE_NAME), '{"version":1,"hosts":[{"id":"x"},{"id":"y","label":"' + 'a'.repeat(5000) + '"}]}')
    assert.equal((await LastKnownHosts.open(dir)).host('x'), undefined)
    await writeFile(join(dir, LAST_KNOWN_FILE_NAME), 'not json')
    const known = await LastKnownHosts.open(dir)
    await known.remember([threeHostPool()], () => undefined)
    assert.equal(JSON.parse(await readFile(join(dir, LAST_KNOWN_FILE_NAME), 'utf8')).hosts.length, 3)
  })

  it('answers for a host or a pool XO does not show, marked as last known, and only then', async () => {
    const known = await LastKnownHosts.open(dir)
    await known.remember([threeHostPool()], () => undefined)
    const target = getHost(xoShowingNothing, 'host-2-uuid', known)
    assert.deepEqual([target.address, target.lastKnown], ['127.77.1.2', true])
    const scope = resolveScope(xoShowingNothing, { hosts: ['host-1-uuid'] }, known)
    assert.deepEqual([scope.lastKnown, scope.hosts.map(h => h.id)], [true, ['host-1-uuid']])
    assert.throws(() => getHost(xoShowingNothing, 'host-2-uuid'), /no such object/, 'without the fallback, XO decides')
    assert.throws(() => getHost(xoShowingNothing, 'unknown-host', known), /no such object/)
  })
})
