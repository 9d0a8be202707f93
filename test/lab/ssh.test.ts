// XAPI-managed SSH on lab hosts (issue 16), through the real xen-api client and real TCP
// connects to each host's sshd. Behaviour follows xen-api's xapi_host.ml / xapi_pool.ml.
import assert from 'node:assert/strict'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import { createClient, type Xapi, type XapiObject } from 'xen-api'

import { HARDENED_SSH, SSH_MONITOR_PERIOD_MS, startLab, type Lab, type LabOptions, type LabPool } from './index'
import { eventually } from './xapi/fixtures'
import { parseXapiDateTime } from './xapi/db/records'

const EPOCH = '19700101T00:00:00Z'
const FAST_XAPI = { stopMs: 50, initMs: 150, restartAgentDelayMs: 100 }

describe('lab: SSH managed by XAPI', function () {
  this.timeout(120_000)
  let lab: Lab | undefined
  let xapi: Xapi | undefined

  afterEach(async () => {
    await xapi?.disconnect().catch(() => undefined)
    await lab?.stop()
    lab = xapi = undefined
  })

  async function start(options: LabOptions): Promise<{ lab: Lab; xapi: Xapi; pool: LabPool }> {
    lab = await startLab({ hostsPerPool: 2, xapiTimings: FAST_XAPI, ...options })
    xapi = await connect(lab.pools[0]!)
    return { lab, xapi, pool: lab.pools[0]! }
  }

  it('has the SSH fields on a recent host; disable_ssh stops its sshd and enable_ssh starts it', async () => {
    const { lab, xapi, pool } = await start({})
    const host = pool.hosts[1]!
    const ref = lab.controls.xapi.hostRef(host.uuid)
    assert.deepEqual(sshFields(await record(xapi, ref)), {
      ssh_enabled: true,
      ssh_enabled_timeout: 0,
      ssh_expiry: EPOCH,
      console_idle_timeout: 0,
      ssh_auto_mode: false,
    })
    assert.equal(await lab.controls.sshListening(host.uuid), true)

    await xapi.call('host.disable_ssh', ref)
    assert.equal(await lab.controls.sshListening(host.uuid), false)
    const disabled = await record(xapi, ref)
    assert.equal(disabled.ssh_enabled, false)
    assertNear(disabled.ssh_expiry, lab.controls.xapi.clock.now(), 'disable_ssh sets ssh_expiry to now')
    assert.equal(await lab.controls.sshListening(pool.hosts[0]!.uuid), true, 'the other host keeps its SSH')

    await xapi.call('host.enable_ssh', ref)
    assert.equal(await lab.controls.sshListening(host.uuid), true)
    assert.deepEqual(sshFields(await record(xapi, ref)), { ...sshFields(disabled), ssh_enabled: true, ssh_expiry: EPOCH })
  })

  it('reports the changes as host events', async () => {
    const { lab, xapi, pool } = await start({})
    xapi.watchEvents()
    await xapi.objectsFetched
    const ref = lab.controls.xapi.hostRef(pool.hosts[1]!.uuid)
    await xapi.call('host.set_console_idle_timeout', ref, 300)
    await xapi.call('host.disable_ssh', ref)
    await eventually(() => {
      const host = Object.values(xapi.objects.all).find(object => object.$ref === ref)!
      assert.equal(host.ssh_enabled, false)
      assert.equal(host.console_idle_timeout, 300)
    }, 'the host event')
  })

  it('closes a timed enable_ssh on the lab clock and restores the auto mode it had (hardened host)', async () => {
    const { lab, xapi, pool } = await start({ pools: [{ hosts: [{}, { ssh: HARDENED_SSH }] }] })
    const host = pool.hosts[1]!
    const ref = lab.controls.xapi.hostRef(host.uuid)
    assert.equal(await lab.controls.sshListening(host.uuid), false)
    const hardened = await record(xapi, ref)
    assert.deepEqual([hardened.ssh_enabled, hardened.ssh_auto_mode], [false, true])

    await xapi.call('host.set_ssh_enabled_timeout', ref, 600)
    await xapi.call('host.enable_ssh', ref)
    assert.equal(await lab.controls.sshListening(host.uuid), true)
    const opened = await record(xapi, ref)
    assert.equal(opened.ssh_enabled, true)
    assert.equal(opened.ssh_auto_mode, false, 'enable_ssh turns auto mode off')
    assertNear(opened.ssh_expiry, lab.controls.xapi.clock.now() + 600_000, 'ssh_expiry is now + 600 s')

    await lab.controls.xapi.clock.advance(590_000)
    assert.equal(await lab.controls.sshListening(host.uuid), true, 'still open before the expiry')
    await lab.controls.xapi.clock.advance(15_000)
    assert.equal(await lab.controls.sshListening(host.uuid), false)
    const closed = await record(xapi, ref)
    assert.equal(closed.ssh_enabled, false)
    assert.equal(closed.ssh_auto_mode, true, 'auto mode is back')
    assert.equal(closed.ssh_enabled_timeout, 600)
  })

  it('re-schedules the expiry after a toolstack restart, which then turns auto mode on', async () => {
    const { lab, xapi, pool } = await start({})
    const host = pool.hosts[1]!
    const ref = lab.controls.xapi.hostRef(host.uuid)
    await xapi.call('host.set_ssh_enabled_timeout', ref, 900)
    await xapi.call('host.enable_ssh', ref)
    const expiry = parseXapiDateTime((await record(xapi, ref)).ssh_expiry as string)

    assert.deepEqual(await lab.controls.xapi.restartHost(host.uuid), { state: 'up' })
    await lab.controls.xapi.initialised(host.uuid)
    const { disableJobDueMs } = lab.controls.xapi.sshServices(host.uuid)
    assert.ok(disableJobDueMs !== undefined && Math.abs(disableJobDueMs - expiry) <= 1000, `job due ${disableJobDueMs}, expiry ${expiry}`)

    await lab.controls.xapi.clock.advance(expiry - lab.controls.xapi.clock.now() + 1000)
    assert.equal(await lab.controls.sshListening(host.uuid), false)
    const closed = await record(xapi, ref)
    assert.equal(closed.ssh_enabled, false)
    assert.equal(closed.ssh_auto_mode, true, 'XAPI re-schedules the job with auto_mode:true')
  })

  it('disables SSH at XAPI start when the expiry passed while XAPI was down', async () => {
    const { lab, xapi, pool } = await start({})
    const host = pool.hosts[1]!
    const ref = lab.controls.xapi.hostRef(host.uuid)
    await xapi.call('host.set_ssh_enabled_timeout', ref, 60)
    await xapi.call('host.enable_ssh', ref)
    await lab.controls.xapi.stopXapi(host.uuid)
    await lab.controls.xapi.clock.advance(120_000)
    assert.equal(await lab.controls.sshListening(host.uuid), true, 'nobody closes SSH while XAPI is down')

    await lab.controls.xapi.startXapi(host.uuid)
    await lab.controls.xapi.initialised(host.uuid)
    assert.equal(await lab.controls.sshListening(host.uuid), false)
    const closed = await record(xapi, ref)
    assert.equal(closed.ssh_enabled, false)
    assert.equal(closed.ssh_auto_mode, true)
  })

  it('in auto mode, starts SSH while XAPI is down or fails to start, and stops it once XAPI is back', async () => {
    const { lab, xapi, pool } = await start({ pools: [{ hosts: [{}, { ssh: HARDENED_SSH }] }] })
    const host = pool.hosts[1]!
    const ref = lab.controls.xapi.hostRef(host.uuid)
    const { xapi: sim } = lab.controls
    assert.equal(sim.sshServices(host.uuid).monitor, true)

    await sim.stopXapi(host.uuid)
    await sim.clock.advance(SSH_MONITOR_PERIOD_MS)
    assert.equal(await lab.controls.sshListening(host.uuid), true, 'the monitor opened SSH')
    await sim.startXapi(host.uuid)
    await sim.initialised(host.uuid)
    assert.equal((await record(xapi, ref)).ssh_enabled, true, 'XAPI records the running sshd at its start')
    await sim.clock.advance(SSH_MONITOR_PERIOD_MS)
    assert.equal(await lab.controls.sshListening(host.uuid), false, 'the monitor closed SSH')
    assert.equal((await record(xapi, ref)).ssh_enabled, false)

    // A drop-in XAPI cannot parse keeps it down: SSH opens, as for a stopped XAPI.
    const badDropIn = join(lab.dir, 'hosts', '1-2', 'etc', 'xapi.conf.d', 'zz-bad.conf')
    await writeFile(badDropIn, 'hsts_max_age = 1y\n')
    assert.equal((await sim.restartHost(host.uuid)).state, 'down')
    await sim.clock.advance(SSH_MONITOR_PERIOD_MS)
    assert.equal(await lab.controls.sshListening(host.uuid), true)
    await rm(badDropIn)
    assert.equal((await sim.startXapi(host.uuid)).state, 'up')
    await sim.initialised(host.uuid)
    await sim.clock.advance(SSH_MONITOR_PERIOD_MS)
    assert.equal(await lab.controls.sshListening(host.uuid), false)
  })

  it('applies the pool calls to every host, and lists the hosts where one failed', async () => {
    const { lab, xapi, pool } = await start({ hostsPerPool: 3 })
    const poolRef = lab.controls.xapi.poolRef(pool.uuid)
    const refs = pool.hosts.map(host => lab.controls.xapi.hostRef(host.uuid))
    const listening = () => Promise.all(pool.hosts.map(host => lab.controls.sshListening(host.uuid)))

    await xapi.call('pool.disable_ssh', poolRef)
    assert.deepEqual(await listening(), [false, false, false])
    await xapi.call('pool.set_ssh_enabled_timeout', poolRef, 300)
    await xapi.call('pool.set_ssh_auto_mode', poolRef, true)
    await xapi.call('pool.enable_ssh', poolRef)
    assert.deepEqual(await listening(), [true, true, true])
    for (const ref of refs) {
      const fields = await record(xapi, ref)
      assert.equal(fields.ssh_enabled_timeout, 300)
      assert.equal(fields.ssh_auto_mode, false)
    }

    await assert.rejects(xapi.call('pool.set_ssh_enabled_timeout', poolRef, 172_801), (error: XapiErrorShape) => {
      assert.equal(error.code, 'SET_SSH_TIMEOUT_PARTIALLY_FAILED')
      assert.deepEqual([...error.params].sort(), [...refs].sort())
      return true
    })
    await lab.controls.xapi.stopXapi(pool.hosts[2]!.uuid)
    await assert.rejects(xapi.call('pool.disable_ssh', poolRef), { code: 'DISABLE_SSH_PARTIALLY_FAILED', params: [refs[2]] })
    assert.deepEqual(await listening(), [false, false, true])
  })

  it('rejects a timeout outside 0..172800 s with INVALID_VALUE and changes nothing', async () => {
    const { lab, xapi, pool } = await start({})
    const ref = lab.controls.xapi.hostRef(pool.hosts[0]!.uuid)
    await xapi.call('host.set_ssh_enabled_timeout', ref, 172_800)
    await assert.rejects(xapi.call('host.set_ssh_enabled_timeout', ref, 172_801), {
      code: 'INVALID_VALUE',
      params: ['ssh_enabled_timeout', '172801'],
    })
    await assert.rejects(xapi.call('host.set_ssh_enabled_timeout', ref, -1), { code: 'INVALID_VALUE', params: ['ssh_enabled_timeout', '-1'] })
    await assert.rejects(xapi.call('host.set_console_idle_timeout', ref, -5), { code: 'INVALID_VALUE', params: ['console_timeout', '-5'] })
    const fields = await record(xapi, ref)
    assert.equal(fields.ssh_enabled_timeout, 172_800)
    assert.equal(fields.console_idle_timeout, 0)
  })

  it('re-times a running SSH with set_ssh_enabled_timeout, without restoring auto mode at its expiry', async () => {
    const { lab, xapi, pool } = await start({ pools: [{ hosts: [{}, { ssh: HARDENED_SSH }] }] })
    const host = pool.hosts[1]!
    const ref = lab.controls.xapi.hostRef(host.uuid)
    await xapi.call('host.enable_ssh', ref)
    const open = await record(xapi, ref)
    assert.deepEqual([open.ssh_enabled, open.ssh_expiry, open.ssh_auto_mode], [true, EPOCH, false], 'no timeout: no expiry')

    await xapi.call('host.set_ssh_enabled_timeout', ref, 300)
    assertNear((await record(xapi, ref)).ssh_expiry, lab.controls.xapi.clock.now() + 300_000, 'the expiry counts from now')
    await lab.controls.xapi.clock.advance(301_000)
    assert.equal(await lab.controls.sshListening(host.uuid), false)
    const closed = await record(xapi, ref)
    assert.equal(closed.ssh_enabled, false)
    assert.equal(closed.ssh_auto_mode, false, 'set_ssh_enabled_timeout schedules the job with auto_mode:false')
  })

  it('gives an XCP-ng 8.2 host no SSH field, and MESSAGE_METHOD_UNKNOWN to the SSH calls', async () => {
    const { lab, xapi, pool } = await start({ release: '8.2', ssh: HARDENED_SSH })
    const host = pool.hosts[1]!
    const ref = lab.controls.xapi.hostRef(host.uuid)
    const fields = await record(xapi, ref)
    assert.deepEqual(sshFields(fields), {})
    assert.ok('hostname' in fields)
    for (const [method, ...args] of [
      ['host.enable_ssh', ref],
      ['host.set_ssh_enabled_timeout', ref, 600],
      ['host.get_ssh_enabled', ref],
      ['pool.disable_ssh', lab.controls.xapi.poolRef(pool.uuid)],
    ] as const) {
      await assert.rejects(xapi.call(method, ...args), { code: 'MESSAGE_METHOD_UNKNOWN', params: [method] })
    }
    assert.equal(await lab.controls.sshListening(host.uuid), true, 'the hardened option does not apply to 8.2 hosts')
  })
  it('in a pool upgraded half-way, leaves the 8.2 member out: MESSAGE_METHOD_UNKNOWN, listed by the pool call', async () => {
    const { lab, xapi, pool } = await start({ pools: [{ hosts: [{}, { release: '8.2' }] }] })
    const [masterRef, memberRef] = pool.hosts.map(host => lab.controls.xapi.hostRef(host.uuid)) as [string, string]
    assert.equal((await record(xapi, masterRef)).ssh_enabled, true)
    assert.deepEqual(sshFields(await record(xapi, memberRef)), {})
    await assert.rejects(xapi.call('host.disable_ssh', memberRef), { code: 'MESSAGE_METHOD_UNKNOWN', params: ['host.disable_ssh'] })
    await assert.rejects(xapi.call('pool.disable_ssh', lab.controls.xapi.poolRef(pool.uuid)), {
      code: 'DISABLE_SSH_PARTIALLY_FAILED',
      params: [memberRef],
    })
    assert.deepEqual(await Promise.all(pool.hosts.map(host => lab.controls.sshListening(host.uuid))), [false, true])
  })
})

interface XapiErrorShape {
  code: string
  params: string[]
}

const SSH_FIELD_NAMES = ['ssh_enabled', 'ssh_enabled_timeout', 'ssh_expiry', 'console_idle_timeout', 'ssh_auto_mode']

function sshFields(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(SSH_FIELD_NAMES.filter(field => field in record).map(field => [field, record[field]]))
}

function record(xapi: Xapi, ref: string): Promise<XapiObject> {
  return xapi.call('host.get_record', ref) as Promise<XapiObject>
}

function assertNear(datetime: unknown, expectedMs: number, message: string, toleranceMs = 5_000): void {
  const actual = parseXapiDateTime(datetime as string)
  assert.ok(Math.abs(actual - expectedMs) <= toleranceMs, `${message}: ${String(datetime)} vs ${new Date(expectedMs).toISOString()}`)
}

async function connect(pool: LabPool): Promise<Xapi> {
  const client = createClient({
    url: pool.xapi.url,
    allowUnauthorized: true,
    auth: { user: pool.xapi.username, password: pool.xapi.password },
    eventPollDelay: 100,
    watchEvents: false,
  })
  await client.connect()
  return client
}
