// The plugin core end to end: the built plugin loaded by the XO harness as xo-server loads it, against
// a 2-pool lab (real sshd per host, the XAPI simulator). Run `npm run build` first.
import assert from 'node:assert/strict'
import type { Harness } from '../harness'
import type { Lab, LabHost } from '../lab'
import { runOverOpenSsh } from '../lab/openssh'
import { PLUGIN_ID, startPluginLab, type PluginLab } from '../support/plugin-lab'

const VENDOR_DROP_INS = ['ssh-auto-mode.conf', 'tracing.conf', 'xcpng-ntp.conf']

type XoErrorLike = Error & { code: number; data: any }

describe('plugin core (harness + lab)', function () {
  this.timeout(120_000)
  let fleet: PluginLab
  let lab: Lab
  let harness: Harness

  const call = (method: string, params: Record<string, unknown> = {}) => harness.call(`xapiConfig.${method}`, params)
  const onHost = async (host: LabHost, command: string) => {
    const result = await runOverOpenSsh(host, lab.knownHostsPath, command)
    assert.equal(result.code, 0, `${command} on ${host.address}: ${result.stderr}`)
  }
  const reloadPlugin = () => fleet.reloadPlugin()
  const rowOf = (report: any, host: LabHost) =>
    report.pools.flatMap((pool: any) => pool.hosts).find((row: any) => row.host.id === host.uuid)

  before(async function () {
    fleet = await startPluginLab({ pools: 2, hostsPerPool: 2, secondOctet: 91 })
    ;({ lab, harness } = fleet)
  })

  after(async function () {
    await fleet?.stop()
  })

  it('registers every method admin-only, with a description and a params schema', async function () {
    const methods = (await harness.call('system.getMethodsInfo', {})) as Record<string, any>
    const ours = Object.entries(methods).filter(([name]) => name.startsWith('xapiConfig.'))
    assert.ok(ours.length >= 10, `only ${ours.length} methods`)
    for (const [name, info] of ours) {
      assert.equal(info.permission, 'admin', name)
      assert.ok(typeof info.description === 'string' && info.description.length > 20, name)
      assert.equal(typeof info.params, 'object', name)
    }
  })

  it('refuses a non-admin, a missing param and an extra param with XO errors', async function () {
    const host = lab.hosts[0].uuid
    await assert.rejects(harness.call('xapiConfig.getHost', { host }, { user: harness.user }), { code: 2 })
    await assert.rejects(call('getHost'), (error: XoErrorLike) => error.code === 10)
    await assert.rejects(call('getHost', { host, extra: 1 }), (error: XoErrorLike) => error.code === 10)
    await assert.rejects(call('getHost', { host: 'no-such-host' }), (error: XoErrorLike) => error.code === 1)
  })

  it('unload removes every method and REST route, load brings them back', async function () {
    const routesOk = async () => (await harness.rest('GET', '/rest/v0/plugins/xapi-config/keys')).status
    await harness.call('plugin.unload', { id: PLUGIN_ID })
    try {
      const methods = (await harness.call('system.getMethodsInfo', {})) as Record<string, unknown>
      assert.deepEqual(Object.keys(methods).filter(name => name.startsWith('xapiConfig.')), [])
      assert.equal(await routesOk(), 404)
    } finally {
      await harness.call('plugin.load', { id: PLUGIN_ID })
    }
    assert.equal(await routesOk(), 200)
    assert.ok(Array.isArray(await call('keys')))
  })

  it('lists the catalog, filtered by class', async function () {
    const managed = (await call('keys', { class: 'managed' })) as any[]
    const keys = managed.map(entry => entry.key)
    for (const key of ['pending_task_timeout', 'completed_task_timeout', 'hsts_max_age']) {
      assert.ok(keys.includes(key), key)
    }
    assert.ok(managed.every(entry => entry.class === 'managed'))
  })

  it("shows a host's files, effective values with their source, and the startup prediction", async function () {
    const host = lab.hosts[1]
    await onHost(host, "printf 'pending_task_timeout = 7200\\n' > /etc/xapi.conf.d/50-mine.conf")
    try {
      const view = await call('getHost', { host: host.uuid })
      assert.equal(view.outcome, 'starts')
      const names = view.files.map((file: any) => file.path)
      assert.ok(names.includes('/etc/xapi.conf'))
      assert.ok(names.includes('/etc/xapi.conf.d/50-mine.conf'))
      const timeout = view.effective.pending_task_timeout
      assert.equal(timeout.value, '7200.')
      assert.equal(timeout.display, '7200 (2 h)')
      assert.equal(timeout.file, '/etc/xapi.conf.d/50-mine.conf')
      assert.equal(timeout.line, 1)
    } finally {
      await onHost(host, 'rm -f /etc/xapi.conf.d/50-mine.conf')
    }
  })

  it('audits the fleet: vendor drop-ins, then the drift one host introduces, and an SSH-down host as a row', async function () {
    const before = await call('audit')
    assert.equal(before.summary.hosts, lab.hosts.length)
    for (const host of lab.hosts) {
      const row = rowOf(before, host)
      assert.equal(row.ok, true, JSON.stringify(row.error))
      assert.equal(row.outcome, 'starts')
      assert.deepEqual(
        row.files.map((file: any) => `${file.name}:${file.owner}`),
        VENDOR_DROP_INS.map(name => `${name}:vendor`)
      )
      assert.equal(row.values['ssh-auto-mode'], 'false', 'the vendor drop-in sets ssh-auto-mode')
    }
    assert.deepEqual(before.pools.map((pool: any) => pool.drift), [[], []])

    const [drifted, other] = lab.pools[0].hosts
    await onHost(drifted, "printf 'pending_task_timeout = 172800\\n' > /etc/xapi.conf.d/task-timeout.conf")
    const downHost = lab.pools[1].hosts[1]
    await lab.controls.stopSsh(downHost.uuid)
    await reloadPlugin() // its SSH connections would outlive sshd's listener, as on a real host
    try {
      const after = await call('audit')
      const pool = after.pools.find((entry: any) => entry.pool.id === lab.pools[0].uuid)
      assert.deepEqual(
        pool.drift.map((entry: any) => entry.key),
        ['pending_task_timeout']
      )
      const values = Object.fromEntries(pool.drift[0].values.map((entry: any) => [entry.hostId, [entry.value, entry.display]]))
      assert.deepEqual(values[drifted.uuid], ['172800.', '172800 (48 h)'])
      assert.deepEqual(values[other.uuid], ['86400.', '86400 (24 h)'])

      const down = rowOf(after, downHost)
      assert.equal(down.ok, false)
      assert.match(down.error.message, /refused|unreachable|connect/i)
      assert.equal(after.summary.unreachable, 1)
      assert.ok(lab.pools[1].hosts.filter(host => host !== downHost).every(host => rowOf(after, host).ok))
    } finally {
      await lab.controls.startSsh(downHost.uuid)
      await onHost(drifted, 'rm -f /etc/xapi.conf.d/task-timeout.conf')
    }
  })

  it('reports a pool XO cannot reach instead of skipping it', async function () {
    const [, serverId] = harness.serverIds
    await harness.disconnectPool(serverId)
    try {
      const audit = await call('audit')
      assert.deepEqual(audit.pools.map((pool: any) => pool.pool.id), [lab.pools[0].uuid])
      assert.equal(audit.unconnected.length, 1)
      assert.equal(audit.unconnected[0].address, lab.pools[1].xapi.url)
      assert.notEqual(audit.unconnected[0].status, 'connected')
    } finally {
      await harness.connectPool(serverId)
    }
  })

  it('refuses a host whose SSH key changed, showing both fingerprints, and reads nothing from it', async function () {
    const host = lab.pools[1].hosts[0]
    await call('getHost', { host: host.uuid }) // pins the current key
    const pinned = host.ssh.hostKeyFingerprint
    const presented = await lab.controls.changeHostKey(host.uuid)
    await reloadPlugin() // an established connection was verified when it opened
    const error = await call('getHost', { host: host.uuid }).then(
      () => assert.fail('a changed host key was accepted'),
      (error: Error) => error
    )
    assert.match(error.message, new RegExp(escape(pinned)))
    assert.match(error.message, new RegExp(escape(presented)))

    const forgotten = await call('forgetHostKey', { host: host.uuid })
    assert.equal(forgotten.forgotten, true)
    const view = await call('getHost', { host: host.uuid })
    assert.equal(view.outcome, 'starts')
  })

  it("installs the plugin's generated key with the password once, then works with the key alone", async function () {
    const pool = lab.pools[0]
    const { username, password } = lab.hosts[0].ssh
    const configure = (ssh: Record<string, unknown>) =>
      harness.call('plugin.configure', { id: PLUGIN_ID, configuration: { ssh: { username, ...ssh } } })
    try {
      await configure({ authentication: 'generated-key', password })
      const publicKey: string = await call('getPublicKey')
      assert.match(publicKey, /^ssh-ed25519 \S+ xo-server-xapi-config$/)
      const rows = await call('installPublicKey', { pool: pool.uuid })
      assert.deepEqual(rows.map((row: any) => row.outcome), pool.hosts.map(() => 'installed'))
      const again = await call('installPublicKey', { pool: pool.uuid })
      assert.deepEqual(again.map((row: any) => row.outcome), pool.hosts.map(() => 'already-present'))

      await configure({ authentication: 'generated-key' }) // no password any more
      for (const host of pool.hosts) {
        assert.equal((await call('getHost', { host: host.uuid })).outcome, 'starts')
      }
    } finally {
      await configure({ authentication: 'password', password })
      for (const host of pool.hosts) {
        await onHost(host, "sed -i '/xo-server-xapi-config$/d' /root/.ssh/authorized_keys")
      }
    }
  })

  it('tests a host end to end from the settings page, failing with the reason', async function () {
    const test = (host: LabHost) => harness.call('plugin.test', { id: PLUGIN_ID, data: { host: host.uuid } })
    const host = lab.hosts[0]
    await test(host)
    await onHost(host, "printf 'hsts_max_age = 1y\\n' > /etc/xapi.conf.d/broken.conf")
    try {
      await assert.rejects(test(host), /would not start.*hsts_max_age.*broken\.conf|broken\.conf.*hsts_max_age/)
    } finally {
      await onHost(host, 'rm -f /etc/xapi.conf.d/broken.conf')
    }
  })
})

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}
