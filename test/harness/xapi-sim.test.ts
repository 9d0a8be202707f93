// The harness connected to the lab's XAPI simulator with real `xen-api` clients, as xo-server connects
// to pools: the pools, hosts and tasks must show up as the XO objects xo-server would build.
import assert from 'node:assert/strict'

import type { SimPool } from '../lab/contract'
import { LabFixture } from '../lab/xapi/fixtures'
import { startXapiSim, type XapiSim } from '../lab/xapi/index'
import { createHarness, waitUntil, type Harness, type XoObject } from './index'

// Subnets apart from the simulator's own tests, which may run at the same time.
const SUBNETS = [211, 212]

describe('harness: pools of the XAPI simulator as XO objects', function () {
  this.timeout(60_000)
  let fixture: LabFixture
  let pools: SimPool[]
  let sim: XapiSim
  let harness: Harness

  before(async () => {
    fixture = new LabFixture()
    pools = [fixture.pool(SUBNETS[0], 2), fixture.pool(SUBNETS[1], 1)]
    sim = await startXapiSim({ pools, timings: { stopMs: 50, initMs: 100, restartAgentDelayMs: 50 } })
    harness = await createHarness({
      pools: pools.map((pool, index) => ({
        url: `https://${pool.hosts[0].address}`,
        username: pool.credentials.username,
        password: pool.credentials.password,
        autoConnect: index === 0,
      })),
    })
  })
  after(async () => {
    await harness?.stop()
    await sim?.close()
    fixture?.cleanUp()
  })

  const first = 0
  const hostsOf = (poolId: string) => harness.getObjects({ type: 'host', $pool: poolId })

  it('shows the connected pool with its master', () => {
    const pool = pools[first]
    const xoPool = harness.xo.getObject(pool.uuid, 'pool')
    assert.equal(xoPool.id, pool.uuid)
    assert.equal(xoPool.uuid, pool.uuid)
    assert.equal(xoPool.name_label, pool.name_label)
    assert.equal(xoPool.master, pool.hosts[0].uuid)
    assert.equal(xoPool.$pool, pool.uuid)
    assert.equal(xoPool.$poolId, pool.uuid)
    assert.equal(xoPool._xapiRef, sim.poolRef(pool.uuid))
    assert.equal(xoPool.HA_enabled, false)
    assert.ok(Object.isFrozen(xoPool))
  })

  it('shows its hosts with address, version, agent start time and power state', () => {
    const pool = pools[first]
    const hosts = hostsOf(pool.uuid).sort((a, b) => a.address.localeCompare(b.address))
    assert.deepEqual(
      hosts.map(host => [host.id, host.address, host.name_label]),
      pool.hosts.map(host => [host.uuid, host.address, host.name_label])
    )
    for (const host of hosts) {
      assert.equal(host.type, 'host')
      assert.equal(host.$poolId, pool.uuid)
      assert.equal(host._xapiRef, sim.hostRef(host.id))
      assert.equal(host.version, '8.3.0')
      assert.equal(host.productBrand, 'XCP-ng')
      assert.equal(host.enabled, true)
      assert.equal(host.power_state, 'Running')
      assert.equal(typeof host.agentStartTime, 'number')
      assert.ok(host.agentStartTime > 1e9)
      assert.equal(typeof host.otherConfig, 'object')
    }
  })

  it('shows XAPI tasks with their host, progress and status, and follows them', async () => {
    const pool = pools[first]
    const member = pool.hosts[1]
    const ref = await sim.createTask(pool.uuid, { name_label: 'VM.migrate', hostUuid: member.uuid, progress: 0.4 })
    const task = await harness.waitForObject({ type: 'task', _xapiRef: ref })
    assert.equal(task.name_label, 'VM.migrate')
    assert.equal(task.status, 'pending')
    assert.equal(task.progress, 0.4)
    assert.equal(task.$host, member.uuid)
    assert.equal(task.$pool, pool.uuid)
    assert.equal(typeof task.created, 'number')

    sim.finishTask(pool.uuid, ref, 'success')
    await harness.waitForObject({ type: 'task', _xapiRef: ref, status: 'success' })
  })

  it("leaves xo-server's mark in the pool's other_config", async () => {
    const marksOf = ({ otherConfig }: XoObject) => Object.keys(otherConfig).filter(key => key.startsWith('xo:clientInfo:'))
    const xoPool = await harness.waitForObject(object => object.id === pools[first].uuid && marksOf(object).length !== 0)
    const { otherConfig } = xoPool
    const marks = marksOf(xoPool)
    assert.equal(marks.length, 1)
    const { lastConnected, networkInterfaces } = JSON.parse(otherConfig[marks[0]])
    assert.ok(Date.now() - lastConnected < 60e3)
    assert.equal('lo' in networkInterfaces, false)
  })

  it('gives the XAPI connection and wrapped records of an object', async () => {
    const pool = pools[first]
    const host = harness.xo.getObject(pool.hosts[1].uuid, 'host')
    const xapi = harness.xo.getXapi(host)
    assert.equal(xapi, harness.xo.getXapi(host.id))
    assert.equal(xapi.pool.$id, pool.uuid)
    const record = harness.xo.getXapiObject(host, 'host')
    assert.equal(record.$ref, host._xapiRef)
    assert.equal(record.uuid, host.id)
    assert.equal(await xapi.call('host.get_address', host._xapiRef), host.address)
  })

  it("restarts a host's toolstack through the record's $restartAgent(), as XO does", async () => {
    const pool = pools[first]
    const before = harness.xo.getObject(pool.hosts[1].uuid, 'host')
    await harness.xo.getXapiObject(before, 'host').$restartAgent()
    const after = await harness.waitForObject(
      (object: XoObject) => object.id === before.id && object.agentStartTime > before.agentStartTime
    )
    assert.equal(after.enabled, true)
  })

  it('reports a pool that is not connected, and connects it on demand', async () => {
    const [connected, disconnected] = await harness.xo.getAllXenServers()
    assert.equal(connected.status, 'connected')
    assert.equal(connected.poolId, pools[0].uuid)
    assert.equal(connected.master, pools[0].hosts[0].uuid)
    assert.equal(disconnected.status, 'disconnected')
    assert.equal(disconnected.poolId, undefined)
    assert.equal('password' in disconnected, false)
    assert.throws(() => harness.xo.getXapi(pools[1].uuid), /no such object/)

    await harness.connectPool(harness.serverIds[1])
    assert.equal(harness.xo.getObject(pools[1].uuid, 'pool').master, pools[1].hosts[0].uuid)
    assert.equal(hostsOf(pools[1].uuid).length, 1)
    assert.equal(Object.keys(harness.xo.getAllXapis()).length, 2)
  })

  it('refuses a second server record for a pool already connected', async () => {
    const pool = pools[first]
    const { username, password } = pool.credentials
    const duplicate = harness.xo.xenServers.addXenServer({ url: `https://${pool.hosts[0].address}`, username, password })
    await assert.rejects(harness.xo.xenServers.connectXenServer(duplicate), { message: 'this pool is already connected' })
    const records = await harness.xo.getAllXenServers()
    assert.equal(records.find(record => record.id === duplicate)?.status, 'disconnected')
  })

  it("hides a pool's objects while its master's XAPI is down, as xo-server does, and shows them again", async () => {
    const pool = pools[first]
    const serverStatus = async () => (await harness.xo.getAllXenServers())[0].status
    await sim.stopXapi(pool.hosts[0].uuid)
    await waitUntil(() => (harness.xo.hasObject(pool.uuid) ? undefined : true), 10e3, () => 'the pool hidden')
    assert.equal(await serverStatus(), 'connecting')
    assert.throws(() => harness.xo.getXapi(pool.uuid), /no such object/)

    await sim.startXapi(pool.hosts[0].uuid)
    await harness.waitForObject({ type: 'pool', id: pool.uuid })
    assert.equal(await serverStatus(), 'connected')
    assert.equal(hostsOf(pool.uuid).length, pool.hosts.length)
  })

  it('follows pool changes and removes the objects of a disconnected pool', async () => {
    const pool = pools[first]
    sim.setHaEnabled(pool.uuid, true)
    await harness.waitForObject({ type: 'pool', id: pool.uuid, HA_enabled: true })

    await harness.disconnectPool(harness.serverIds[0])
    await waitUntil(() => (harness.xo.hasObject(pool.uuid) ? undefined : true), 5000, () => 'the pool object removed')
    assert.deepEqual(hostsOf(pool.uuid), [])
  })
})
