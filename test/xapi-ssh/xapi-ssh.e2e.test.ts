// Issue 16: hosts whose SSH XAPI keeps disabled. On a lab pool whose second host is hardened (SSH off,
// auto mode on, as XenServer 9 ships), with an XCP-ng 8.2 pool beside it. Every state is checked
// through the lab's own XAPI client and by real TCP connects to port 22, never through the plugin.
// Run `npm run build` first.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { createServer, type Socket } from 'node:net'
import { join } from 'node:path'
import type { Harness } from '../harness'
import { HARDENED_SSH, type Lab, type LabHost, type LabPool } from '../lab'
import { XoXapi } from '../harness/xapi'
import { eventually } from '../lab/xapi/fixtures'
import { hostSshFields } from '../support/lab-xapi'
import { callError as callErrorOf, onHost as onLabHost } from '../support/lab-calls'
import { PLUGIN_ID, startPluginLab, type PluginLab } from '../support/plugin-lab'

const MANAGED = '/etc/xapi.conf.d/zz-xo-xapi-config.conf'
const SETTING = "When a host's SSH is disabled, enable it through XAPI for the operation"
const HARDENED_FIELDS = { ssh_enabled: false, ssh_enabled_timeout: 0, ssh_auto_mode: true, console_idle_timeout: 0 }
const FAST_XAPI = { stopMs: 50, initMs: 150, restartAgentDelayMs: 100 }


describe('SSH through XAPI (harness + lab)', function () {
  this.timeout(240_000)
  let fleet: PluginLab
  let lab: Lab
  let harness: Harness
  let pool: LabPool
  let hardened: LabHost
  let oldHost: LabHost

  before(async function () {
    fleet = await startPluginLab({
      xapiTimings: FAST_XAPI,
      pools: [{ hosts: [{}, { ssh: HARDENED_SSH }, {}] }, { release: '8.2', hosts: 1 }],
    })
    ;({ lab, harness } = fleet)
    pool = lab.pools[0]
    hardened = pool.hosts[1]
    oldHost = lab.pools[1].hosts[0]
  })

  after(async function () {
    await fleet?.stop()
  })

  afterEach(async function () {
    await configure({})
    await lab.controls.startSsh(oldHost.uuid)
    await withSshByHand(hardened, () => onHost(hardened, `rm -f ${MANAGED}`))
    for (const host of [pool.hosts[0], pool.hosts[2]]) {
      await onHost(host, `rm -f ${MANAGED}`)
    }
  })

  function configure(sshThroughXapi: Record<string, unknown>): Promise<unknown> {
    const { username, password } = lab.hosts[0].ssh
    const configuration = { ssh: { authentication: 'password', username, password }, timeouts: { command: 10, connect: 4 }, sshThroughXapi }
    return harness.call('plugin.configure', { id: PLUGIN_ID, configuration })
  }

  const call = (method: string, params: Record<string, unknown> = {}) => harness.call<any>(`xapiConfig.${method}`, params)

  const callError = (method: string, params: Record<string, unknown>) => callErrorOf(harness, method, params)
  const onHost = (host: LabHost, command: string) => onLabHost(lab, host, command)

  /** Starts the host's sshd by hand (XAPI's fields do not change, as on a real host), runs `fn`, stops it again. */
  async function withSshByHand<T>(host: LabHost, fn: () => Promise<T>): Promise<T> {
    await lab.controls.startSsh(host.uuid)
    try {
      return await fn()
    } finally {
      await lab.controls.stopSsh(host.uuid)
    }
  }

  const fileOn = (host: LabHost) => onHost(host, `cat ${MANAGED} 2>/dev/null || echo ABSENT`)
  const sshJournal = async () =>
    (await readFile(join(harness.dataDir, PLUGIN_ID, 'ssh-journal.jsonl'), 'utf8').catch(() => '')).split('\n').filter(Boolean).map(line => JSON.parse(line))

  it('starts with the second host hardened: SSH refused, XAPI says disabled with auto mode on', async () => {
    assert.equal(await lab.controls.sshListening(hardened.uuid), false)
    assert.deepEqual(await hostSshFields(lab, pool, hardened.uuid), HARDENED_FIELDS)
  })

  it('with the setting off, apply is refused naming the host and the setting, and nothing is written', async () => {
    const error = await callError('apply', { pool: pool.uuid, settings: { pending_task_timeout: 172800 } })
    assert.equal(error.code, 25, `incorrectState, got ${error.code}: ${error.message}`)
    const text = JSON.stringify(error.data)
    assert.match(text, new RegExp(hardened.name_label))
    assert.ok(text.includes(SETTING), `the refusal names the setting: ${text}`)
    assert.match(text, /ssh_enabled|SSH disabled/)
    for (const host of [pool.hosts[0], pool.hosts[2]]) {
      assert.equal((await fileOn(host)).trim(), 'ABSENT', `nothing written on ${host.name_label}`)
    }
    assert.equal(await withSshByHand(hardened, () => fileOn(hardened)).then(text => text.trim()), 'ABSENT')
    assert.equal(await lab.controls.sshListening(hardened.uuid), false)
    assert.deepEqual(await hostSshFields(lab, pool, hardened.uuid), HARDENED_FIELDS)
  })

  it('with the setting on, apply enables SSH through XAPI, writes every host, and leaves SSH as it was', async () => {
    await configure({ enableWhenDisabled: true })
    const result = await call('apply', { pool: pool.uuid, settings: { pending_task_timeout: 172800 } })
    assert.equal(result.outcome, 'applied')
    assert.deepEqual(
      result.sshOpened.map((row: any) => [row.host.label, row.restored]),
      [[hardened.name_label, true]],
      'the result says which host was opened and that it was put back'
    )
    for (const host of [pool.hosts[0], pool.hosts[2]]) {
      assert.match(await fileOn(host), /pending_task_timeout = 172800/)
    }
    assert.equal(await lab.controls.sshListening(hardened.uuid), false, 'a TCP connect to port 22 is refused again')
    assert.deepEqual(await hostSshFields(lab, pool, hardened.uuid), HARDENED_FIELDS, 'disabled, timeout and auto mode as before')
    assert.match(await withSshByHand(hardened, () => fileOn(hardened)), /pending_task_timeout = 172800/, 'the hardened host was written')
    const records = (await sshJournal()).filter(entry => entry.host.id === hardened.uuid).slice(-2)
    assert.deepEqual(records.map(entry => entry.event), ['opened', 'closed'])
    assert.equal(records[0].why, 'xapiConfig.apply')
    assert.ok(records[0].by, 'who opened it is recorded')
    assert.deepEqual([records[0].before.enabled, records[0].before.autoMode, records[0].timeoutSeconds], [false, true, 600])
  })

  it('audit shows each host SSH state, counts SSH open without a timeout and on pools that should be closed; an 8.2 host must be enabled by hand', async () => {
    await configure({ closedPools: [pool.uuid] })
    const audit = await call('audit', {})
    const ours = audit.pools.find((item: any) => item.pool.id === pool.uuid)
    const byLabel = Object.fromEntries(ours.ssh.map((row: any) => [row.host.label, row]))
    assert.deepEqual(
      [byLabel[hardened.name_label].enabled, byLabel[hardened.name_label].autoMode, byLabel[hardened.name_label].enabledTimeout, byLabel[hardened.name_label].consoleIdleTimeout],
      [false, true, 0, 0]
    )
    for (const host of [pool.hosts[0], pool.hosts[2]]) {
      assert.deepEqual([byLabel[host.name_label].enabled, byLabel[host.name_label].openWithoutTimeout, byLabel[host.name_label].shouldBeClosed], [true, true, true])
    }
    assert.deepEqual([ours.summary.sshOpenWithoutTimeout, ours.summary.sshShouldBeClosed], [2, 2])
    assert.equal(audit.summary.sshOpenWithoutTimeout, 2)
    const hardenedRow = ours.hosts.find((row: any) => row.host.id === hardened.uuid)
    assert.equal(hardenedRow.ok, false)
    assert.ok(hardenedRow.error.message.includes(SETTING), hardenedRow.error.message)
    const old = audit.pools.find((item: any) => item.pool.id === lab.pools[1].uuid)
    assert.match(old.ssh[0].note, /SSH must be enabled by hand/)
    assert.equal(old.ssh[0].enabled, undefined)
  })

  it('an 8.2 host whose SSH is stopped gets the clear message: SSH must be enabled by hand', async () => {
    await configure({ enableWhenDisabled: true })
    await lab.controls.stopSsh(oldHost.uuid)
    const error = await callError('getHost', { host: oldHost.uuid })
    assert.match(error.message + JSON.stringify(error.data ?? {}), /1\.249\.41 cannot enable SSH.*SSH must be enabled by hand/)
  })

  it('a toolstack restart over an SSH opened for it: SSH is closed again, auto mode and timeout as before', async () => {
    await configure({ enableWhenDisabled: true })
    const result = await call('restartToolstack', { hosts: [hardened.uuid], mode: 'toolstack' })
    assert.equal(result.ok, true, JSON.stringify(result))
    assert.equal(result.hosts[0].ssh.action, 'held-open')
    assert.deepEqual(result.sshOpened.map((row: any) => row.restored), [true])
    assert.equal(await lab.controls.sshListening(hardened.uuid), false)
    assert.deepEqual(await hostSshFields(lab, pool, hardened.uuid), HARDENED_FIELDS)
  })

  it('an agent restart during which SSH came up (as auto mode does while XAPI is down): the plugin closes it again', async () => {
    // The monitor starts sshd while XAPI is down; starting it by hand stands for that pass (XAPI's fields
    // do not change until XAPI starts again and reads the service's state).
    await lab.controls.startSsh(hardened.uuid)
    const result = await call('restartToolstack', { hosts: [hardened.uuid], mode: 'agent' })
    assert.equal(result.ok, true, JSON.stringify(result))
    assert.deepEqual([result.hosts[0].ssh.action, result.hosts[0].ssh.before.enabled], ['put-back', false])
    assert.equal(await lab.controls.sshListening(hardened.uuid), false)
    assert.deepEqual(await hostSshFields(lab, pool, hardened.uuid), HARDENED_FIELDS)
    const last = (await sshJournal()).at(-1)
    assert.deepEqual([last.event, last.host.id, last.why], ['closed-after-restart', hardened.uuid, 'xapiConfig.restartToolstack'])
  })

  // Last: it stops the master's XAPI, and XO takes a while to show the pool again.
  it('an XO cut from XAPI right after the enable: reported, listed by audit, and XAPI closes SSH itself at the timeout', async () => {
    await configure({ enableWhenDisabled: true })
    // The audit's operation lasts while the 8.2 host's port 22 accepts TCP but never speaks SSH (connect
    // timeout): the master's XAPI is stopped in that time, after the hardened host was opened.
    await lab.controls.stopSsh(oldHost.uuid)
    const sockets = new Set<Socket>()
    const silent = createServer(socket => sockets.add(socket))
    await new Promise<void>(resolve => silent.listen(22, oldHost.address, resolve))
    const master = pool.hosts[0]
    try {
      const cutter = (async () => {
        while (!(await sshJournal()).some(entry => entry.event === 'opened' && entry.why === 'xapiConfig.audit')) {
          await new Promise(resolve => setTimeout(resolve, 10))
        }
        await lab.controls.xapi.stopXapi(master.uuid)
      })()
      const result = await call('audit', {})
      await cutter
      assert.deepEqual(result.sshOpened.map((row: any) => [row.host.id, row.restored]), [[hardened.uuid, false]], 'the result says SSH was not put back')
      assert.ok(result.sshOpened[0].error, 'and why')
    } finally {
      sockets.forEach(socket => socket.destroy())
      await new Promise(resolve => silent.close(resolve))
    }
    assert.equal(await lab.controls.sshListening(hardened.uuid), true, 'SSH stays open until XAPI closes it')
    const failures = JSON.parse(await readFile(join(harness.dataDir, PLUGIN_ID, 'ssh-restore-failures.json'), 'utf8'))
    assert.deepEqual(failures.map((failure: any) => failure.host.id), [hardened.uuid], 'kept in the data directory')
    assert.equal((await sshJournal()).at(-1).event, 'close-failed')

    await lab.controls.xapi.startXapi(master.uuid)
    await lab.controls.xapi.initialised(master.uuid)
    await lab.controls.xapi.clock.advance(600_000 + 1_000)
    assert.equal(await lab.controls.sshListening(hardened.uuid), false, "XAPI's own timeout closed SSH")
    const fields = await hostSshFields(lab, pool, hardened.uuid)
    assert.deepEqual([fields.ssh_enabled, fields.ssh_auto_mode], [false, true], 'disabled, auto mode back on (XAPI restores it)')
    assert.equal(fields.ssh_enabled_timeout, 600, "what stays: the plugin's timeout")

    await configure({})
    const audit = await call('audit', { pools: [lab.pools[1].uuid] })
    assert.deepEqual(audit.sshNotPutBack.map((failure: any) => failure.host.id), [hardened.uuid], 'audit lists the host until it is fixed')
    assert.equal(audit.summary.sshNotPutBack, 1)

    await setTimeoutByHand(hardened, 0) // the admin puts the timeout back: the host leaves the list
    await eventually(async () => {
      const fixed = await call('audit', { pools: [lab.pools[1].uuid] })
      assert.deepEqual(fixed.sshNotPutBack, [])
    }, 'the audit no longer lists the fixed host', 90_000)
    const failuresAfter = JSON.parse(await readFile(join(harness.dataDir, PLUGIN_ID, 'ssh-restore-failures.json'), 'utf8'))
    assert.deepEqual(failuresAfter, [], 'and it left the data directory')
  })

  async function setTimeoutByHand(host: LabHost, seconds: number): Promise<void> {
    const xapi = new XoXapi({ url: pool.xapi.url, auth: { user: pool.xapi.username, password: pool.xapi.password }, allowUnauthorized: true, watchEvents: false })
    await xapi.connect()
    try {
      await xapi.call('host.set_ssh_enabled_timeout', lab.controls.xapi.hostRef(host.uuid), seconds)
    } finally {
      await xapi.disconnect()
    }
  }
})
