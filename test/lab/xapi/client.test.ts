// The real `xen-api` client (the one xo-server uses) against the simulator.
import * as assert from 'node:assert/strict'

import { createClient, type Xapi, type XapiObject } from 'xen-api'

import type { SimPool } from '../contract'
import { CREDENTIALS, eventually, jsonRpc, LabFixture } from './fixtures'
import { startXapiSim, type XapiSim } from './index'

function connectTo(address: string): Xapi {
  return createClient({
    url: `https://${address}`,
    allowUnauthorized: true,
    auth: { user: CREDENTIALS.username, password: CREDENTIALS.password },
    eventPollDelay: 100,
    watchEvents: false,
  })
}

const objectsOf = (xapi: Xapi, type: string): XapiObject[] => Object.values(xapi.objects.all).filter(object => object.$type === type)

describe('lab XAPI simulator with the xen-api client', function () {
  this.timeout(60_000)
  let fixture: LabFixture
  let pool: SimPool
  let sim: XapiSim
  let xapi: Xapi

  before(() => {
    fixture = new LabFixture()
  })
  after(() => fixture.cleanUp())

  beforeEach(async () => {
    pool = fixture.pool(231, 3)
    sim = await startXapiSim({ pools: [pool], timings: { stopMs: 100, initMs: 300, restartAgentDelayMs: 200 } })
    xapi = connectTo(pool.hosts[0]!.address)
    await xapi.connect()
    xapi.watchEvents()
    await xapi.objectsFetched
  })

  afterEach(async () => {
    await xapi.disconnect().catch(() => undefined)
    await sim.close()
  })

  it('sees the pool, its hosts with their metrics, and the tasks', async () => {
    assert.equal(xapi.pool.uuid, pool.uuid)
    const hosts = objectsOf(xapi, 'host')
    assert.deepEqual(hosts.map(host => host.address).sort(), pool.hosts.map(host => host.address).sort())
    const master = hosts.find(host => host.$ref === xapi.pool.master)!
    assert.equal(master.uuid, pool.hosts[0]!.uuid)
    assert.ok(hosts.every(host => host.enabled === true))
    assert.equal(objectsOf(xapi, 'host_metrics').length, 3)

    const ref = await sim.createTask(pool.uuid, { name_label: '[XO] VM export', hostUuid: pool.hosts[1]!.uuid, progress: 0.25 })
    const task = await eventually(() => {
      const found = objectsOf(xapi, 'task').find(candidate => candidate.$ref === ref)
      assert.ok(found)
      return found
    }, 'the task event')
    assert.equal(task.name_label, '[XO] VM export')
    assert.equal(task.status, 'pending')
    assert.equal(task.progress, 0.25)
    assert.equal(task.resident_on, sim.hostRef(pool.hosts[1]!.uuid))
    assert.match(task.created as string, /^\d{8}T\d{2}:\d{2}:\d{2}Z$/)
  })

  it('passes the client barrier (pool.add_to_other_config / remove_from_other_config events)', async () => {
    const barrierKeys = () => Object.keys(xapi.pool.other_config as object).filter(key => key.startsWith('xo:barrier:'))
    await xapi.barrier()
    await eventually(() => assert.deepEqual(barrierKeys(), []), 'the barrier key removed')
  })

  it('answers a login on a member with HOST_IS_SLAVE and the master address, which the client follows', async () => {
    const member = pool.hosts[2]!.address
    const answer = await jsonRpc(member, 'session.login_with_password', [CREDENTIALS.username, CREDENTIALS.password])
    assert.deepEqual(answer, {
      jsonrpc: '2.0',
      error: { code: 1, message: 'HOST_IS_SLAVE', data: [pool.hosts[0]!.address] },
      id: 0,
    })
    const viaMember = connectTo(member)
    await viaMember.connect()
    try {
      assert.equal(viaMember._url.hostname, pool.hosts[0]!.address)
      assert.equal(viaMember.pool.uuid, pool.uuid)
    } finally {
      await viaMember.disconnect()
    }
  })

  it('follows a master restart: connections drop, tasks vanish, the client reconnects to the restarted host', async () => {
    const masterRef = sim.hostRef(pool.hosts[0]!.uuid)
    const before = Number((xapi.objects.all[pool.hosts[0]!.uuid]!.other_config as Record<string, string>).agent_start_time)
    await sim.createTask(pool.uuid, { name_label: 'VM.export', hostUuid: pool.hosts[1]!.uuid })
    await eventually(() => assert.equal(objectsOf(xapi, 'task').length, 1), 'the task')

    await xapi.call('host.restart_agent', masterRef)

    await eventually(
      () => {
        const master = xapi.objects.all[pool.hosts[0]!.uuid]!
        assert.ok(Number((master.other_config as Record<string, string>).agent_start_time) > before)
        assert.equal(master.enabled, true)
        assert.equal(objectsOf(xapi, 'task').length, 0)
      },
      'the restarted master',
      30_000
    )
    assert.equal(sim.state(pool.hosts[0]!.uuid), 'up')
    assert.equal(await xapi.call('pool.get_master', xapi.pool.$ref), masterRef)
  })

  it('restarts a member through the master: only its pending tasks vanish', async () => {
    const member = pool.hosts[1]!
    const onMember = await sim.createTask(pool.uuid, { name_label: 'Async.VM.migrate_send', hostUuid: member.uuid })
    const onMaster = await sim.createTask(pool.uuid, { name_label: '[XO] VM export' })
    await eventually(() => assert.equal(objectsOf(xapi, 'task').length, 2), 'both tasks')

    await xapi.call('host.restart_agent', sim.hostRef(member.uuid))

    await eventually(() => assert.equal(xapi.objects.all[member.uuid]!.enabled, false), 'the member disabled')
    await eventually(() => assert.equal(xapi.objects.all[member.uuid]!.enabled, true), 'the member enabled again')
    assert.deepEqual(objectsOf(xapi, 'task').map(task => task.$ref), [onMaster])
    assert.notEqual(onMember, onMaster)
  })

  it('shows a VM export in progress in the VM current_operations, until the task goes with a restart', async () => {
    const member = pool.hosts[2]!
    const { vmRef, taskRef } = await sim.createVmOperation(pool.uuid, { vmName: 'web-01', operation: 'export', hostUuid: member.uuid })
    const vm = () => objectsOf(xapi, 'VM').find(candidate => candidate.$ref === vmRef)
    await eventually(() => assert.deepEqual(vm()?.current_operations, { [taskRef]: 'export' }), 'the VM operation')
    assert.equal(vm()!.resident_on, sim.hostRef(member.uuid))
    assert.equal(objectsOf(xapi, 'task').find(task => task.$ref === taskRef)?.name_label, 'VM.export')

    await sim.restartHost(member.uuid)

    await eventually(() => assert.deepEqual(vm()?.current_operations, {}), 'the operation cleared')
    assert.equal(objectsOf(xapi, 'task').length, 0)
  })
})
