// The plugin in a real xo-server (opt-in: `XO_SERVER_DIR=<monorepo> npm run test:xo-server`, see
// docs/real-xo-server.md): Redis and xo-server started on loopback for this run, a 2 × 3 lab added with
// `server.add`, this checkout's built plugin loaded from the lookup path, every method driven through
// the real xo-cli (printed output and exit code) and the REST API, effects checked on the lab's hosts.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { createHarness } from '../harness'
import { startLab, type Lab, type LabHost, type LabPool } from '../lab'
import { runOverOpenSsh } from '../lab/openssh'
import { capture } from '../lab/hosts/run'
import { agentStartTimes, hostSshFields, restartedSince } from '../support/lab-xapi'
import { XoXapi } from '../harness/xapi'
import { tmpdir } from 'node:os'
import { ADMIN, RealXo } from './real-xo'
import { readPluginForm } from './xo-web'

const PLUGIN_DIR = join(__dirname, '..', '..')
const PLUGIN_ID = 'xapi-config'
const MANAGED = '/etc/xapi.conf.d/zz-xo-xapi-config.conf'
const REST = '/rest/v0/plugins/xapi-config'
const RESTART_TIMEOUT_S = 120
/** A from-source Xen Orchestra checkout with xo-web built: the settings form is checked in headless Chromium. */
const XO_WEB_DIR = process.env.XO_WEB_DIR

describe('a real xo-server (XO_SERVER_DIR)', function () {
  this.timeout(15 * 60_000)
  let xo: RealXo
  let lab: Lab
  let pool: LabPool
  let other: LabPool

  before(async function () {
    const monorepo = process.env.XO_SERVER_DIR!
    lab = await startLab({ pools: 2, hostsPerPool: 3 })
    ;[pool, other] = lab.pools
    const webDist = XO_WEB_DIR === undefined || XO_WEB_DIR === '' ? undefined : join(XO_WEB_DIR, 'packages/xo-web/dist')
    xo = await RealXo.start(monorepo, PLUGIN_DIR, { webDist })
    console.log(`    xo-server at ${xo.url} (folder ${xo.dir}), lab ${lab.id}: 2 pools × 3 hosts`)
    if (webDist === undefined) {
      console.log('    (xo-web\'s settings form is not checked: XO_WEB_DIR is not set)')
    }
  })

  let failed = false
  afterEach(function () {
    failed ||= this.currentTest?.state === 'failed'
  })

  after(async function () {
    if (failed && xo !== undefined) {
      console.log(`    xo-server's log, last lines:\n${(await xo.logTail(40)).replace(/^/gm, '      ')}`)
    }
    await xo?.stop()
    await lab?.stop()
  })

  async function onHost(host: LabHost, command: string): Promise<string> {
    const result = await runOverOpenSsh(host, lab.knownHostsPath, command)
    assert.equal(result.code, 0, `${command} on ${host.address}: ${result.stderr}`)
    return result.stdout
  }

  const managedFiles = (target: LabPool) => Promise.all(target.hosts.map(host => onHost(host, `cat ${MANAGED} 2>/dev/null || true`)))

  /** The xo-cli error of a call that must fail: its exit code is 1 and it prints the plugin's message, never a TypeError. */
  async function cliError(args: string[], profile?: string): Promise<string> {
    const result = await xo.cli(args, profile)
    assert.equal(result.code, 1, `${args.join(' ')} exited with ${result.code}: ${result.stdout}${result.stderr}`)
    assert.doesNotMatch(result.stderr, /TypeError/)
    return result.stderr
  }

  async function waitFor<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
    const started = Date.now()
    for (;;) {
      const value = await read()
      if (value !== undefined) {
        return value
      }
      if (Date.now() - started > timeoutMs) {
        throw new Error(`${what}: not within ${timeoutMs / 1000} s`)
      }
      await new Promise(resolve => setTimeout(resolve, 1000))
    }
  }

  async function xoHosts(): Promise<any[]> {
    return Object.values(await xo.call<Record<string, any>>('xo.getAllObjects', { filter: { type: 'host' } }))
  }

  it('registers the plugin from its lookup path with the methods and params the harness registers', async function () {
    const plugins = await xo.call<any[]>('plugin.get')
    const plugin = plugins.find(({ id }) => id === PLUGIN_ID)
    assert.ok(plugin, `plugin ${PLUGIN_ID} in ${plugins.map(({ id }) => id).join(', ')}`)
    assert.equal(plugin.loaded, true, 'autoloaded with {}')

    const info = await xo.call<Record<string, any>>('system.getMethodsInfo')
    const real = Object.fromEntries(Object.entries(info).filter(([name]) => name.startsWith('xapiConfig.')))
    const harness = await createHarness()
    try {
      await harness.loadPlugin(PLUGIN_DIR, {}, { name: PLUGIN_ID })
      const expected = await harness.call<Record<string, any>>('system.getMethodsInfo')
      const names = Object.keys(expected).filter(name => name.startsWith('xapiConfig.'))
      assert.deepEqual(Object.keys(real).sort(), names.sort())
      for (const name of names) {
        assert.deepEqual(real[name].params, expected[name].params, name)
        assert.equal(real[name].permission, 'admin', name)
      }
    } finally {
      await harness.stop()
    }
    const listed = await xo.cli(['list-commands', 'xapiConfig.*'])
    assert.equal(listed.code, 0, listed.stderr)
    for (const name of Object.keys(real)) {
      assert.match(listed.stdout, new RegExp(`^${name.replace('.', '\\.')}( |$)`, 'm'))
    }
  })

  it('adds the lab pools with server.add and shows their hosts', async function () {
    for (const target of lab.pools) {
      const { address } = target.hosts.find(host => host.uuid === target.master)!
      const { username, password } = target.xapi
      await xo.call('server.add', { host: address, username, password, allowUnauthorized: true, label: target.name_label })
    }
    await waitFor('both pools connected', async () => {
      const servers = await xo.call<any[]>('server.getAll')
      return servers.length === 2 && servers.every(server => server.status === 'connected') ? servers : undefined
    })
    const hosts = await waitFor('the 6 hosts in XO', async () => ((await xoHosts()).length === 6 ? xoHosts() : undefined))
    assert.deepEqual(hosts.map(host => host.uuid).sort(), lab.hosts.map(host => host.uuid).sort())
  })

  it('is configured with plugin.configure (SSH password), and xo-cli prints a bad desired drop-in', async function () {
    const { username, password } = pool.hosts[0].ssh
    const stderr = await cliError([
      'plugin.configure',
      `id=${PLUGIN_ID}`,
      `configuration=json:${JSON.stringify({ desired: [{ settings: 'pending_task_timeout = 48h' }] })}`,
    ])
    assert.match(stderr, /property @\.\/desired\/0\/settings: desired\[0\]: line 1: .*plain decimal number/)
    await xo.call('plugin.configure', { id: PLUGIN_ID, configuration: { ssh: { authentication: 'password', username, password } } })
    const [plugin] = (await xo.call<any[]>('plugin.get')).filter(({ id }) => id === PLUGIN_ID)
    assert.equal(plugin.configuration.ssh.authentication, 'password')
  })

  it('xo-cli prints the plugin\'s own parameter errors and xo-server\'s, with exit code 1', async function () {
    const cases: Array<[string[], RegExp]> = [
      [['xapiConfig.apply', `pool=${pool.uuid}`, 'settings=json:{"pending_task_timeout":"48h"}'], /property @\.\/settings\/pending_task_timeout: .*plain decimal number/],
      [['xapiConfig.plan', `pool=${pool.uuid}`, 'settings=json:{"pending_task_timout":"172800"}'], /property @\.\/settings\/pending_task_timout: .*did you mean pending_task_timeout/],
      [['xapiConfig.removeFile', `pool=${pool.uuid}`, 'file=../etc/passwd'], /property @\.\/file: a plain file name/],
      [['xapiConfig.setTaskTimeout', `pool=${pool.uuid}`, 'pendingSeconds=172800'], /property @\.\/pendingSeconds: must be integer/],
      [['xapiConfig.history', 'limit=5'], /property @\.\/limit: must be integer/],
    ]
    for (const [args, printed] of cases) {
      assert.match(await cliError(args), printed, args.join(' '))
    }
    assert.deepEqual(await managedFiles(pool), ['', '', ''], 'nothing written')
  })

  it('keys, getHost, audit: reads through xo-cli', async function () {
    const keys = await xo.call<any[]>('xapiConfig.keys', { class: 'managed' })
    assert.ok(keys.some(key => key.key === 'pending_task_timeout'))
    const host = await xo.call('xapiConfig.getHost', { host: pool.hosts[1].uuid })
    assert.equal(host.host.id, pool.hosts[1].uuid)
    assert.ok(host.files !== undefined || host.effective !== undefined, JSON.stringify(host).slice(0, 300))
    const audit = await xo.call('xapiConfig.audit')
    const audited = JSON.stringify(audit)
    for (const labHost of lab.hosts) {
      assert.ok(audited.includes(labHost.uuid), `audit covers ${labHost.name_label}`)
    }
  })

  it('plan, apply, history, revert, setTaskTimeout, removeFile: real files on the hosts', async function () {
    const settings = { pending_task_timeout: 172800 }
    const plan = await xo.call('xapiConfig.plan', { pool: pool.uuid, settings })
    assert.equal(plan.applicable, true)
    assert.deepEqual(await managedFiles(pool), ['', '', ''], 'plan writes nothing')

    const applied = await xo.call('xapiConfig.apply', { pool: pool.uuid, settings })
    assert.equal(applied.outcome, 'applied')
    for (const content of await managedFiles(pool)) {
      assert.match(content, /^pending_task_timeout = 172800$/m)
    }
    assert.deepEqual(await managedFiles(other), ['', '', ''], 'the other pool is untouched')

    const history = await xo.call<any[]>('xapiConfig.history', { limit: 5 })
    assert.equal(history[0].id, applied.changeId)
    const reverted = await xo.call('xapiConfig.revert', { changeId: applied.changeId })
    assert.equal(reverted.outcome, 'applied')
    assert.deepEqual(await managedFiles(pool), ['', '', ''])

    const timeout = await xo.call('xapiConfig.setTaskTimeout', { pool: pool.uuid, pendingSeconds: 172800, completedSeconds: 7200 })
    assert.equal(timeout.outcome ?? timeout.change?.outcome, 'applied', JSON.stringify(timeout).slice(0, 300))
    for (const content of await managedFiles(pool)) {
      assert.match(content, /^pending_task_timeout = 172800$/m)
      assert.match(content, /^completed_task_timeout = 7200$/m)
    }

    const removed = await xo.call('xapiConfig.removeFile', { pool: pool.uuid, file: 'zz-xo-xapi-config.conf' })
    assert.deepEqual(
      removed.hosts.map((row: any) => row.outcome),
      ['removed', 'removed', 'removed'],
    )
    assert.deepEqual(await managedFiles(pool), ['', '', ''])
  })

  it('getPublicKey, installPublicKey, forgetHostKey', async function () {
    const publicKey = await xo.call<string>('xapiConfig.getPublicKey')
    assert.match(publicKey, /^ssh-ed25519 /)
    await xo.call('xapiConfig.installPublicKey', { pool: other.uuid })
    for (const host of other.hosts) {
      assert.ok((await onHost(host, 'cat ~/.ssh/authorized_keys')).includes(publicKey.trim().split(' ')[1]), host.name_label)
    }
    await xo.call('xapiConfig.forgetHostKey', { host: other.hosts[0].uuid })
  })

  it('preflightRestart and restartToolstack: members first, the master last, timed', async function () {
    const preflight = await xo.call('xapiConfig.preflightRestart', { pool: pool.uuid })
    assert.ok(JSON.stringify(preflight).includes(pool.master))
    const before = await agentStartTimes(lab, pool)
    const started = Date.now()
    const report = await xo.call('xapiConfig.restartToolstack', { pool: pool.uuid, timeout: RESTART_TIMEOUT_S })
    const wallMs = Date.now() - started
    assert.equal(report.ok, true, JSON.stringify(report).slice(0, 500))
    const order = report.hosts.map((row: any) => row.host.id)
    assert.equal(order.at(-1), pool.master, 'the master last')
    assert.deepEqual(restartedSince(before, await agentStartTimes(lab, pool)).sort(), pool.hosts.map(host => host.uuid).sort())
    const master = report.hosts.at(-1)
    console.log(
      `    restartToolstack (${report.mode}) of ${pool.name_label}: ${(wallMs / 1000).toFixed(1)} s in all; ` +
        report.hosts.map((row: any) => `${row.host.label} ${(row.durationMs / 1000).toFixed(1)} s`).join(', ') +
        `; master restart ${(master.durationMs / 1000).toFixed(1)} s` +
        (report.warnings === undefined ? '' : `; warnings: ${report.warnings.join(' | ')}`),
    )
    await xoShowsAgain(pool)
  })

  /** After a master's restart, xo-server hides the pool until its own connection is back (up to its event poll delay, 60 s). */
  async function xoShowsAgain(target: LabPool): Promise<void> {
    const started = Date.now()
    await waitFor(`XO shows ${target.name_label}'s hosts again`, async () => {
      const hosts = (await xoHosts()).filter(host => host.$pool === target.uuid)
      return hosts.length === 3 ? hosts : undefined
    })
    console.log(`    XO showed ${target.name_label} again ${((Date.now() - started) / 1000).toFixed(1)} s after the call returned`)
  }

  it('checkHsts and setHsts: the header the hosts send, checked with curl', async function () {
    const check = await xo.call('xapiConfig.checkHsts', { pools: [other.uuid] })
    assert.ok(JSON.stringify(check).includes(other.hosts[0].uuid))
    const httpsOnly = await xo.call<any>('xapiConfig.checkHsts', { pools: [other.uuid], readFiles: false })
    assert.deepEqual(
      httpsOnly.pools[0].hosts.map((row: any) => row.configured?.reason?.includes('readFiles: false')),
      [true, true, true],
      JSON.stringify(httpsOnly).slice(0, 800)
    )
    const refused = await cliError(['xapiConfig.checkHsts', 'readFiles=false', 'waitForFiles=true'])
    assert.match(refused, /readFiles/)
    const set = await xo.call('xapiConfig.setHsts', { pool: other.uuid, maxAge: 31536000, allowUntrustedCertificate: true, restart: true })
    assert.equal(set.hstsMaxAge, 31536000, JSON.stringify(set).slice(0, 500))
    assert.deepEqual(set.after.hosts.map((row: any) => row.configuredMatches), [true, true, true], JSON.stringify(set.after).slice(0, 800))
    for (const host of other.hosts) {
      const headers = await curlHeaders(host)
      assert.match(headers, /^strict-transport-security: max-age=31536000/im, host.name_label)
    }
    await xoShowsAgain(other)
    const removed = await xo.call('xapiConfig.setHsts', { pool: other.uuid, maxAge: null, restart: true })
    assert.equal(removed.hstsMaxAge, null)
    for (const host of other.hosts) {
      assert.doesNotMatch(await curlHeaders(host), /^strict-transport-security:/im, host.name_label)
    }
    await xoShowsAgain(other)
  })

  async function curlHeaders(host: LabHost): Promise<string> {
    const url = `https://${host.address}:${host.https.port}/`
    const result = await capture('curl', ['-sk', '-o', '/dev/null', '-D', '-', '--max-time', '10', url])
    assert.equal(result.code, 0, `curl ${url}: ${result.stderr}`)
    return result.stdout
  }

  it('REST: reads, a 202 action followed with ?wait=true, the routes in swagger.json, 401 without a token', async function () {
    const keys = await xo.rest('GET', `${REST}/keys`)
    assert.equal(keys.status, 200)
    assert.ok(Array.isArray(keys.body) && keys.body.length > 0)

    const action = await xo.rest('POST', `${REST}/pools/${pool.uuid}/actions/apply`, { body: { settings: { pending_task_timeout: 172800 } } })
    assert.equal(action.status, 202, JSON.stringify(action.body))
    const location = action.headers.get('location')!
    assert.match(location, /^\/rest\/v0\/tasks\//)
    const refused = await xo.rest('GET', `${location}?wait=result`)
    assert.ok(refused.status >= 400 && refused.status < 500, `wait=result: ${refused.status}`)
    const task = await xo.rest('GET', `${location}?wait=true`)
    assert.equal(task.body.status, 'success', JSON.stringify(task.body).slice(0, 500))
    for (const content of await managedFiles(pool)) {
      assert.match(content, /^pending_task_timeout = 172800$/m)
    }
    await xo.call('xapiConfig.removeFile', { pool: pool.uuid, file: 'zz-xo-xapi-config.conf' })

    const swagger = await xo.rest('GET', '/rest/v0/docs/swagger.json')
    assert.equal(swagger.status, 200)
    const paths = Object.keys(swagger.body.paths ?? {}).filter(path => path.includes('/plugins/xapi-config/'))
    assert.ok(paths.length >= 10, paths.join(', '))

    assert.equal((await xo.rest('GET', `${REST}/keys`, { profile: null })).status, 401)
  })

  it('rollout: an xo-cli preview writes nothing; a REST rollout over both pools, canary first, is one XO task with a subtask per pool', async function () {
    const change = { setTaskTimeout: { pendingSeconds: 172800 } }
    const pools = [pool.uuid, other.uuid]
    const preview = await xo.call('xapiConfig.rollout', { change, pools, canary: other.uuid, preview: true })
    assert.deepEqual(preview.waves.flat().map((entry: any) => entry.id), [other.uuid, pool.uuid], JSON.stringify(preview.waves))
    assert.deepEqual([...(await managedFiles(pool)), ...(await managedFiles(other))], ['', '', '', '', '', ''], 'a preview writes nothing')

    const before = { ...(await agentStartTimes(lab, pool)), ...(await agentStartTimes(lab, other)) }
    const started = Date.now()
    const action = await xo.rest('POST', `${REST}/actions/rollout`, { body: { change, pools, canary: other.uuid, restart: 'now' } })
    assert.equal(action.status, 202, JSON.stringify(action.body))
    const task = await xo.rest('GET', `${action.headers.get('location')!}?wait=true`)
    const wallMs = Date.now() - started
    assert.equal(task.body.status, 'success', JSON.stringify(task.body).slice(0, 800))
    const result = task.body.result
    assert.equal(result.status, 'done', JSON.stringify(result).slice(0, 800))
    assert.deepEqual(result.pools.map((row: any) => [row.pool.id, row.state]), [[other.uuid, 'restarted'], [pool.uuid, 'restarted']])
    for (const content of [...(await managedFiles(pool)), ...(await managedFiles(other))]) {
      assert.match(content, /^pending_task_timeout = 172800$/m)
    }
    const after = { ...(await agentStartTimes(lab, pool)), ...(await agentStartTimes(lab, other)) }
    assert.equal(restartedSince(before, after).length, 6, 'every host of both pools restarted')

    const [rolloutTask] = task.body.tasks ?? []
    assert.equal(rolloutTask?.properties?.type, 'xo:xapi-config:rollout', JSON.stringify(task.body).slice(0, 800))
    const subtasks: any[] = rolloutTask.tasks ?? []
    const names = subtasks.map(subtask => String(subtask.properties?.name))
    assert.equal(subtasks.length, 2, names.join(' | '))
    assert.match(names[0], new RegExp(other.name_label))
    assert.match(names[1], new RegExp(pool.name_label))
    for (const subtask of subtasks) {
      assert.equal(subtask.status, 'success', JSON.stringify(subtask).slice(0, 500))
      assert.ok((subtask.tasks ?? []).length >= 2, `a write and a restart under ${subtask.properties?.name}`)
    }
    console.log(`    rollout over 2 pools with restarts: ${(wallMs / 1000).toFixed(1)} s; XO task "${task.body.properties?.name}": ${describeTaskTree(task.body)}`)
    await xoShowsAgain(other)
    await xoShowsAgain(pool)

    const cleanup = await xo.call('xapiConfig.rollout', { change: { removeFile: { file: 'zz-xo-xapi-config.conf' } }, pools, restart: 'no' })
    assert.equal(cleanup.status, 'done', JSON.stringify(cleanup).slice(0, 500))
    assert.deepEqual([...(await managedFiles(pool)), ...(await managedFiles(other))], ['', '', '', '', '', ''])
  })

  function describeTaskTree(task: any): string {
    const children: any[] = task.tasks ?? []
    return children.length === 0 ? '' : `[${children.map(child => `${child.properties?.name} ${describeTaskTree(child)}`.trim()).join('; ')}]`
  }

  it('SSH through XAPI: a member with SSH disabled is refused naming the setting, then opened for an apply and closed again as it was', async function () {
    const member = pool.hosts.find(host => host.uuid !== pool.master)!
    const fields = () => hostSshFields(lab, pool, member.uuid)
    await onPoolXapi(pool, async (xapi, ref) => {
      await xapi.call('host.set_ssh_auto_mode', ref(member.uuid), true)
      await xapi.call('host.disable_ssh', ref(member.uuid))
    })
    const hardened = await fields()
    assert.deepEqual([hardened.ssh_enabled, hardened.ssh_auto_mode], [false, true])
    assert.equal(await lab.controls.sshListening(member.uuid), false)
    const settings = { pending_task_timeout: 172800 }
    const { username, password } = pool.hosts[0].ssh
    const configure = (sshThroughXapi: Record<string, unknown>) =>
      xo.call('plugin.configure', { id: PLUGIN_ID, configuration: { ssh: { authentication: 'password', username, password }, sshThroughXapi } })
    try {
      // Configuring reloads the plugin, which closes its kept connections (sshd's stop leaves open sessions open).
      await configure({ enableWhenDisabled: false })
      const refused = await cliError(['xapiConfig.apply', `pool=${pool.uuid}`, `settings=json:${JSON.stringify(settings)}`])
      assert.ok(refused.includes(member.name_label) && /SSH/.test(refused), refused)
      assert.deepEqual(await managedFiles(other), ['', '', ''])

      await configure({ enableWhenDisabled: true })
      const applied = await xo.call('xapiConfig.apply', { pool: pool.uuid, settings })
      assert.equal(applied.outcome, 'applied', JSON.stringify(applied).slice(0, 500))
      assert.deepEqual(applied.sshOpened.map((row: any) => [row.host.id, row.restored]), [[member.uuid, true]])
      assert.equal(await lab.controls.sshListening(member.uuid), false, 'port 22 refused again')
      assert.deepEqual(await fields(), hardened, 'disabled, timeout and auto mode as before')
      const audit = await xo.call('xapiConfig.audit', { pools: [pool.uuid] })
      const row = audit.pools[0].ssh.find((item: any) => item.host.id === member.uuid)
      assert.deepEqual([row.enabled, row.autoMode], [false, true], JSON.stringify(row))
    } finally {
      await onPoolXapi(pool, async (xapi, ref) => {
        await xapi.call('host.enable_ssh', ref(member.uuid))
        await xapi.call('host.set_ssh_auto_mode', ref(member.uuid), false)
      })
    }
    for (const content of await managedFiles(pool)) {
      assert.match(content, /^pending_task_timeout = 172800$/m)
    }
    await xo.call('xapiConfig.removeFile', { pool: pool.uuid, file: 'zz-xo-xapi-config.conf' })
  })

  /** Calls on the pool's XAPI through a client of the test's own, as an admin would with xe. */
  async function onPoolXapi(target: LabPool, fn: (xapi: XoXapi, ref: (hostUuid: string) => string) => Promise<void>): Promise<void> {
    const xapi = new XoXapi({ url: target.xapi.url, auth: { user: target.xapi.username, password: target.xapi.password }, allowUnauthorized: true, watchEvents: false })
    await xapi.connect()
    try {
      await fn(xapi, hostUuid => lab.controls.xapi.hostRef(hostUuid))
    } finally {
      await xapi.disconnect()
    }
  }

  it('refuses a non-admin user: xo-cli and REST', async function () {
    const user = { email: 'operator@example.org', password: 'operator-password' }
    await xo.call('user.create', { email: user.email, password: user.password, permission: 'none' })
    const registered = await xo.cli(['register', xo.url, user.email, user.password], 'operator')
    assert.equal(registered.code, 0, registered.stderr)
    assert.match(await cliError(['xapiConfig.audit'], 'operator'), /not enough permissions|unauthorized/i)
    assert.match(await cliError(['xapiConfig.apply', `pool=${pool.uuid}`, 'settings=json:{"pending_task_timeout":1}'], 'operator'), /not enough permissions|unauthorized/i)
    assert.equal((await xo.rest('GET', `${REST}/audit`, { profile: 'operator' })).status, 403)
    assert.deepEqual(await managedFiles(pool), ['', '', ''])
  })

  if (XO_WEB_DIR !== undefined && XO_WEB_DIR !== '') {
    it('xo-web\'s settings form shows each audit switch as the plugin reads it (an unset one off), screenshot saved', async function () {
      const { username, password } = pool.hosts[0].ssh
      await xo.call('plugin.configure', { id: PLUGIN_ID, configuration: { ssh: { authentication: 'password', username, password }, audit: { reapply: true } } })
      const [plugin] = (await xo.call<any[]>('plugin.get')).filter(({ id }) => id === PLUGIN_ID)
      const stored = plugin.configuration.audit
      const switches = Object.values<any>(plugin.configurationSchema.properties.audit.properties).filter(schema => schema.type === 'boolean')
      assert.ok(switches.length >= 3)
      const screenshot = join(tmpdir(), 'xo-server-xapi-config-settings.png')
      const toggles = await readPluginForm(xo.url, ADMIN, PLUGIN_ID, screenshot)
      console.log(`    settings form: ${JSON.stringify(toggles)}; screenshot ${screenshot}`)
      for (const [key, schema] of Object.entries<any>(plugin.configurationSchema.properties.audit.properties)) {
        if (schema.type === 'boolean') {
          // The plugin reads an unset switch as false (src/settings/settings.ts); the form must show the same.
          assert.equal(toggles[schema.title], stored[key] ?? false, `${schema.title} (audit.${key})`)
        }
      }
    })
  }

  it('autoloads with its stored configuration after an xo-server restart', async function () {
    await xo.stopServer()
    await xo.startServer()
    const [plugin] = (await xo.call<any[]>('plugin.get')).filter(({ id }) => id === PLUGIN_ID)
    assert.equal(plugin.loaded, true)
    assert.equal(plugin.configuration.ssh.authentication, 'password')
    await waitFor('the 6 hosts in XO again', async () => ((await xoHosts()).length === 6 ? true : undefined))
    const applied = await xo.call('xapiConfig.apply', { pool: other.uuid, settings: { pending_task_timeout: 3600 } })
    assert.equal(applied.outcome, 'applied')
    for (const content of await managedFiles(other)) {
      assert.match(content, /^pending_task_timeout = 3600$/m)
    }
  })
})
