// Drop-in management end to end: the built plugin loaded by the XO harness, against a 3-host lab pool
// (real sshd per host, the XAPI simulator). Run `npm run build` first.
import assert from 'node:assert/strict'
import type { Harness } from '../harness'
import type { Lab, LabHost, LabPool } from '../lab'
import { runOverOpenSsh } from '../lab/openssh'
import { captureCronJobs } from '../support/cron'
import { PLUGIN_ID, startPluginLab, type PluginLab } from '../support/plugin-lab'

const CONF_DIR = '/etc/xapi.conf.d'
const MANAGED = `${CONF_DIR}/zz-xo-xapi-config.conf`
const DAY_MS = 86_400_000

type XoErrorLike = Error & { code: number; data: any }

describe('drop-ins: plan, apply, revert, desired state (harness + lab)', function () {
  this.timeout(180_000)
  let fleet: PluginLab
  let lab: Lab
  let harness: Harness
  let pool: LabPool
  let cronJobs: Array<() => unknown>
  let restoreCron: () => void

  before(async function () {
    ;({ jobs: cronJobs, restore: restoreCron } = captureCronJobs())
    fleet = await startPluginLab({ pools: 1, hostsPerPool: 3, secondOctet: 94 })
    ;({ lab, harness } = fleet)
    pool = lab.pools[0]
  })

  after(async function () {
    await fleet?.stop()
    restoreCron?.()
  })

  afterEach(async function () {
    for (const host of pool.hosts) {
      await lab.controls.startSsh(host.uuid)
      await lab.controls.freeDisk(host.uuid)
      await onHost(host, `rm -f ${MANAGED}`)
    }
  })

  function configuration(extra: Record<string, unknown> = {}) {
    const { username, password } = pool.hosts[0].ssh
    return { ssh: { authentication: 'password', username, password }, ...extra }
  }

  const call = (method: string, params: Record<string, unknown> = {}) => harness.call(`xapiConfig.${method}`, params)

  async function callError(method: string, params: Record<string, unknown>): Promise<XoErrorLike> {
    try {
      await call(method, params)
    } catch (error) {
      return error as XoErrorLike
    }
    throw new Error(`xapiConfig.${method} did not fail`)
  }

  async function onHost(host: LabHost, command: string): Promise<string> {
    const result = await runOverOpenSsh(host, lab.knownHostsPath, command)
    assert.equal(result.code, 0, `${command} on ${host.address}: ${result.stderr}`)
    return result.stdout
  }

  /** Every entry of the host's /etc/xapi.conf.d with the SHA-256 of its bytes. */
  function confDirDigest(host: LabHost): Promise<string> {
    return onHost(host, `cd ${CONF_DIR} && for f in $(ls -A); do printf '%s %s\\n' "$f" "$(sha256sum < "$f")"; done`)
  }

  const snapshot = () => Promise.all(pool.hosts.map(confDirDigest))
  const managedFiles = () => Promise.all(pool.hosts.map(host => onHost(host, `cat ${MANAGED} 2>/dev/null || true`)))

  it('sets pending_task_timeout = 172800 on every host, leaves vendor drop-ins alone, and the restarted XAPI uses it', async function () {
    const vendorBefore = (await snapshot()).map(dropManaged)
    const plan = await call('plan', { pool: pool.uuid, settings: { pending_task_timeout: 172800 } })
    assert.equal(plan.applicable, true)
    assert.deepEqual(await managedFiles(), ['', '', ''], 'plan writes nothing')

    const result = await call('apply', { pool: pool.uuid, settings: { pending_task_timeout: 172800 }, restart: true })
    assert.equal(result.outcome, 'applied')
    assert.match(result.changeId, /^[0-9a-f-]{36}$/)
    assert.equal(result.restart.ok, true, JSON.stringify(result.restart))
    const files = await managedFiles()
    assert.equal(new Set(files).size, 1, 'the same file on every host')
    assert.match(files[0], /^# Managed by Xen Orchestra/)
    assert.match(files[0], /^pending_task_timeout = 172800$/m)
    assert.deepEqual((await snapshot()).map(dropManaged), vendorBefore, 'vendor drop-ins untouched')

    // The lab's XAPI, restarted, runs its task GC with 172800 s: a stuck task outlives the 24 h default.
    const clock = lab.controls.xapi.clock
    const stuck = await lab.controls.xapi.createTask(pool.uuid, { name_label: '[XO] VM export', mode: 'stuck' })
    clock.advance(DAY_MS + 3_600_000)
    assert.ok(await taskExists(stuck), 'alive after 25 h: the 24 h default no longer applies')
    clock.advance(DAY_MS)
    assert.equal(await taskExists(stuck), false, 'destroyed after 49 h: pending_task_timeout is 48 h')
  })

  it('changes no host while one host is unreachable over SSH, and names it', async function () {
    const before = await snapshot()
    const down = pool.hosts[2]
    await lab.controls.stopSsh(down.uuid)
    await reconfigure(configuration()) // a reload closes the plugin's open SSH connections: the next one is refused
    const error = await callError('apply', { pool: pool.uuid, settings: { pending_task_timeout: 172800 } })
    assert.equal(error.code, 25, error.message) // incorrectState
    const unreachable = error.data.actual.map((row: any) => row.host.id)
    assert.deepEqual(unreachable, [down.uuid])
    await lab.controls.startSsh(down.uuid)
    assert.deepEqual(await snapshot(), before)
  })

  it('rolls the written hosts back when one host has a full conf filesystem', async function () {
    await call('setTaskTimeout', { pool: pool.uuid, pendingSeconds: 90000 })
    const before = await snapshot()
    const full = pool.hosts[1]
    await lab.controls.fillDisk(full.uuid)
    const result = await call('apply', { pool: pool.uuid, settings: { pending_task_timeout: 172800 } })
    await lab.controls.freeDisk(full.uuid)
    assert.equal(result.outcome, 'rolled-back')
    const byHost = Object.fromEntries(result.hosts.map((row: any) => [row.host.id, row]))
    assert.equal(byHost[full.uuid].outcome, 'not-written')
    assert.match(byHost[full.uuid].error.message, /no space/i)
    for (const host of pool.hosts.filter(host => host !== full)) {
      assert.equal(byHost[host.uuid].outcome, 'rolled-back', host.name_label)
    }
    assert.deepEqual(await snapshot(), before, 'every host holds its previous contents')
    const [entry] = await call('history', { limit: 1 })
    assert.equal(entry.outcome, 'rolled-back')
    const [task] = await tasksOfType('xo:xapi-config:apply')
    assert.equal(task.status, 'failure', 'the XO task list shows the change failed')
    const steps = Object.fromEntries((task.tasks ?? []).map((step: any) => [step.properties.objectId, step]))
    assert.deepEqual(Object.keys(steps).sort(), pool.hosts.map(host => host.uuid).sort(), 'a step per host')
    assert.equal(steps[full.uuid].status, 'failure')
    assert.match(steps[full.uuid].result.message, /no space/i)
    for (const host of pool.hosts.filter(host => host !== full)) {
      assert.deepEqual([steps[host.uuid].status, steps[host.uuid].result], ['success', 'written'], host.name_label)
    }
  })

  describe('refuses invalid input with invalidParameters and writes nothing', function () {
    const cases: Array<[string, Record<string, unknown>]> = [
      ['an unknown key', { settings: { pending_task_timout: '172800' } }],
      ['a unit', { settings: { pending_task_timeout: '48h' } }],
      ['an exponent for an int key', { settings: { hsts_max_age: '1e5' } }],
      ['a #', { settings: { pending_task_timeout: '172800 #' } }],
      ['a CR', { settings: { pending_task_timeout: '172800\r' } }],
      ['a LF', { settings: { pending_task_timeout: '172800\nhsts_max_age = 1' } }],
      ['a NUL', { settings: { pending_task_timeout: '172800\0' } }],
      ['a file name with /', { file: 'sub/zz.conf', settings: { pending_task_timeout: '172800' } }],
      ['a file name with ..', { file: '..conf', settings: { pending_task_timeout: '172800' } }],
      ['a forbidden key', { settings: { writeinitcomplete: '/tmp/x' } }],
    ]
    for (const [what, params] of cases) {
      it(what, async function () {
        const before = await snapshot()
        const error = await callError('apply', { pool: pool.uuid, ...params })
        assert.equal(error.code, 10, error.message)
        assert.deepEqual(await snapshot(), before)
      })
    }
  })

  it('reverts every host byte for byte', async function () {
    await onHost(pool.hosts[0], `printf '# Managed by Xen Orchestra (xo-server-xapi-config): changes made by hand are overwritten.\\n# caf\\351\\npending_task_timeout = 7200 \\t# tab\\n' > ${MANAGED}`)
    const before = await snapshot()
    const { changeId } = await call('apply', { pool: pool.uuid, settings: { pending_task_timeout: 172800, completed_task_timeout: 7200 } })
    assert.notDeepEqual(await snapshot(), before)
    const reverted = await call('revert', { changeId })
    assert.equal(reverted.outcome, 'applied')
    assert.deepEqual(await snapshot(), before)
    const [entry] = await call('history', { limit: 1 })
    assert.deepEqual([entry.kind, entry.revertOf], ['revert', changeId])
  })

  it('the scheduled audit reports a managed file wiped by an ISO upgrade, and writes it back when reapply is on', async function () {
    const desired = [{ settings: 'pending_task_timeout = 172800\n' }]
    const audit = { notify: ['ops@example.org'], reapply: false, skipHsts: true }
    await reconfigure(configuration({ desired, audit }))
    await latestJob()()
    assert.equal(harness.email.sent.length, 1, 'nothing written yet: every host reported')
    await call('apply', { pool: pool.uuid, settings: { pending_task_timeout: 172800 } })
    const mails = harness.email.sent.length
    await latestJob()()
    assert.equal(harness.email.sent.length, mails, 'no mail when every host complies')

    const upgraded = pool.hosts[1]
    await onHost(upgraded, `rm ${MANAGED}`)
    await latestJob()()
    const mail = harness.email.sent.at(-1)!
    assert.deepEqual(mail.to, ['ops@example.org'])
    assert.match(mail.markdown!, new RegExp(`\\*\\*${upgraded.name_label}\\*\\* \\(${pool.name_label}\\): zz-xo-xapi-config\\.conf: missing`))
    assert.equal((await managedFiles())[1], '', 'reapply is off: nothing written')

    await reconfigure(configuration({ desired, audit: { ...audit, reapply: true } }))
    await latestJob()()
    const files = await managedFiles()
    assert.equal(new Set(files).size, 1, 'written back, the same as on the other hosts')
    assert.match(files[1], /^pending_task_timeout = 172800$/m)
    const [entry] = await call('history', { limit: 1 })
    assert.deepEqual([entry.kind, entry.targets.hostIds], ['reapply', [upgraded.uuid]])
  })

  async function reconfigure(settings: unknown): Promise<void> {
    await harness.call('plugin.configure', { id: PLUGIN_ID, configuration: settings })
  }

  function latestJob(): () => Promise<unknown> {
    assert.ok(cronJobs.length > 0, 'the plugin started its audit schedule')
    const job = cronJobs.at(-1)!
    return async () => job()
  }

  /** XO tasks of this type, newest first. */
  async function tasksOfType(type: string) {
    const tasks = []
    for await (const task of harness.xo.tasks.list!({ filter: task => task.properties.type === type })) {
      tasks.push(task)
    }
    return tasks.sort((a, b) => b.start - a.start)
  }

  async function taskExists(ref: string): Promise<boolean> {
    const refs: string[] = await harness.xo.getXapi(pool.uuid).call('task.get_all')
    return refs.includes(ref)
  }
})

function dropManaged(digest: string): string {
  return digest
    .split('\n')
    .filter(line => !line.startsWith('zz-xo-xapi-config.conf '))
    .join('\n')
}
