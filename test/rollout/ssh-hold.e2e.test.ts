// A rollout over a hardened host (issue 16's SSH through XAPI): the host's SSH is opened for its pool's
// step and put back when that pool is done, before the next pool starts, not at the end of the rollout
// (which can outlast XAPI's SSH timeout). States are read through the lab's own XAPI client and real TCP
// connects to port 22. Run `npm run build` first.
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Harness } from '../harness'
import { HARDENED_SSH, type Lab, type LabHost, type LabPool } from '../lab'
import { onHost as onLabHost } from '../support/lab-calls'
import { hostSshFields } from '../support/lab-xapi'
import { PLUGIN_ID, startPluginLab, type PluginLab } from '../support/plugin-lab'

const MANAGED = '/etc/xapi.conf.d/zz-xo-xapi-config.conf'
const HARDENED_FIELDS = { ssh_enabled: false, ssh_enabled_timeout: 0, ssh_auto_mode: true, console_idle_timeout: 0 }
const FAST_XAPI = { stopMs: 50, initMs: 150, restartAgentDelayMs: 100 }

describe('rollout over a hardened host: SSH held per pool (harness + lab)', function () {
  this.timeout(240_000)
  let fleet: PluginLab
  let lab: Lab
  let harness: Harness
  let pools: LabPool[]
  let hardened: LabHost

  before(async function () {
    fleet = await startPluginLab({ xapiTimings: FAST_XAPI, pools: [{ hosts: 1 }, { hosts: [{}, { ssh: HARDENED_SSH }] }, { hosts: 1 }] })
    ;({ lab, harness } = fleet)
    pools = [...lab.pools].sort((a, b) => a.name_label.localeCompare(b.name_label, 'en', { numeric: true }))
    hardened = pools[1].hosts[1]
    const { username, password } = lab.hosts[0].ssh
    await harness.call('plugin.configure', {
      id: PLUGIN_ID,
      configuration: { ssh: { authentication: 'password', username, password }, timeouts: { command: 10, connect: 4 }, sshThroughXapi: { enableWhenDisabled: true } },
    })
  })

  after(async function () {
    await fleet?.stop()
  })

  const sshJournal = async () =>
    (await readFile(join(harness.dataDir, PLUGIN_ID, 'ssh-journal.jsonl'), 'utf8').catch(() => '')).split('\n').filter(Boolean).map(line => JSON.parse(line))

  async function rolloutTaskLog(rolloutId: string): Promise<any> {
    for await (const log of harness.xo.tasks.list()) {
      if (log.properties.type === 'xo:xapi-config:rollout' && log.properties.rolloutId === rolloutId) {
        return log
      }
    }
    throw new Error(`no XO task for rollout ${rolloutId}`)
  }

  it('opens the hardened host for its pool only: put back as it was before the third pool starts', async function () {
    const result = await harness.call<any>('xapiConfig.rollout', { change: { setTaskTimeout: { pendingSeconds: 90_200 } }, canary: pools[0].uuid })

    assert.equal(result.status, 'done', JSON.stringify(result.pools))
    assert.deepEqual(result.pools.map((row: any) => [row.pool.id, row.state]), pools.map(pool => [pool.uuid, 'restarted']))
    assert.deepEqual(await hostSshFields(lab, pools[1], hardened.uuid), HARDENED_FIELDS, 'disabled, timeout and auto mode as before')
    assert.equal(await lab.controls.sshListening(hardened.uuid), false, 'a TCP connect to port 22 is refused again')
    assert.deepEqual(
      result.sshOpened.map((row: any) => [row.host.id, row.restored]),
      [[hardened.uuid, true]],
      'the rollout result still says the host was opened and put back'
    )

    const records = (await sshJournal()).filter(entry => entry.host.id === hardened.uuid)
    assert.deepEqual(records.map(entry => entry.event), ['opened', 'closed'])
    assert.equal(records[0].why, 'xapiConfig.rollout')
    const [second, third] = (await rolloutTaskLog(result.rolloutId)).tasks.slice(1)
    assert.equal(second.properties.objectId, pools[1].uuid)
    assert.equal(third.properties.objectId, pools[2].uuid)
    const [opened, closed] = records.map(entry => Date.parse(entry.at))
    assert.ok(second.start <= opened && closed <= second.end, 'opened and put back within the second pool\'s step')
    assert.ok(closed <= third.start, 'put back before the third pool started')

    await lab.controls.startSsh(hardened.uuid) // by hand, XAPI's fields unchanged, to read the file
    try {
      assert.match(await onLabHost(lab, hardened, `cat ${MANAGED}`), /pending_task_timeout = 90200/, 'the hardened host was written')
    } finally {
      await lab.controls.stopSsh(hardened.uuid)
    }
  })
})
