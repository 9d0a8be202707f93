// Issue 11, items 2, 3 and 6: the restart gate runs before every host of a roll, not once at the start.
// Each test changes something mid-roll (HA, a host's files, a task) and checks with the lab's own XAPI
// view which hosts restarted, and over SSH that the plugin wrote nothing. Then REST restarts: the
// route's own XO task is not a risk. Run `npm run build` first.
import assert from 'node:assert/strict'
import type { Harness } from '../harness'
import type { Lab, LabHost, LabPool } from '../lab'
import { runOverOpenSsh } from '../lab/openssh'
import { agentStartTimes, restartedSince } from '../support/lab-xapi'
import { startPluginLab, type PluginLab } from '../support/plugin-lab'

const BAD_DROP_IN = '/etc/xapi.conf.d/zz-bad.conf'
const TIMEOUT = 10
const RESTART_TASK_TYPE = 'xo:xapi-config:restart'

type XoErrorLike = Error & { code: number; data: any }

describe('faults: the restart gate before every host (harness + lab)', function () {
  this.timeout(180_000)
  let fleet: PluginLab
  let lab: Lab
  let harness: Harness
  let pool: LabPool
  let master: LabHost
  let members: LabHost[]

  before(async function () {
    fleet = await startPluginLab({ pools: 1, hostsPerPool: 3, secondOctet: 88 })
    ;({ lab, harness } = fleet)
    pool = lab.pools[0]
    master = pool.hosts.find(host => host.isMaster)!
    members = pool.hosts.filter(host => !host.isMaster).sort((a, b) => a.name_label.localeCompare(b.name_label, 'en', { numeric: true }))
  })

  after(async function () {
    await fleet?.stop()
  })

  afterEach(async function () {
    lab.controls.xapi.setHaEnabled(pool.uuid, false)
    for (const host of pool.hosts) {
      await ssh(host, `rm -f ${BAD_DROP_IN}`)
      if (lab.controls.xapi.state(host.uuid) !== 'up') {
        await lab.controls.xapi.startXapi(host.uuid)
      }
    }
    for (const { uuid } of [pool, ...pool.hosts]) {
      await harness.waitForObject({ id: uuid }, 30_000)
    }
  })

  async function ssh(host: LabHost, command: string): Promise<string> {
    const result = await runOverOpenSsh(host, lab.knownHostsPath, command)
    assert.equal(result.code, 0, result.stderr)
    return result.stdout
  }

  /** Runs `action` once the roll's first host step has started (so after the start-of-roll checks). */
  function whenFirstHostStarts(action: () => unknown): void {
    whenRoll((log: any) => log.tasks?.length === 1, action)
  }

  /** Runs `action` once the roll's first host has restarted, before the gate of the second. */
  function whenFirstHostRestarted(action: () => unknown): void {
    whenRoll((log: any) => log.tasks?.[0]?.status === 'success', action)
  }

  function whenRoll(condition: (log: any) => boolean, action: () => unknown): void {
    const onUpdate = (log: any) => {
      if (log.properties.type === RESTART_TASK_TYPE && condition(log)) {
        harness.xo.tasks.off('update', onUpdate)
        void action()
      }
    }
    harness.xo.tasks.on('update', onUpdate)
  }

  function outcomes(report: any): Array<[string, string]> {
    return report.hosts.map((row: { host: { id: string }; outcome: string }) => [row.host.id, row.outcome])
  }

  it('stops before the next host when HA is turned on during the roll, listing the hosts already restarted', async function () {
    const before = await agentStartTimes(lab, pool)
    whenFirstHostRestarted(() => lab.controls.xapi.setHaEnabled(pool.uuid, true))

    const error = await rejectionOf(harness.call('xapiConfig.restartToolstack', { pool: pool.uuid, bypassTaskCheck: true, timeout: TIMEOUT }))

    assert.equal(error.code, 21, error.message) // operationFailed: the roll stopped
    assert.deepEqual(outcomes(error.data.report), [
      [members[0].uuid, 'restarted'],
      [members[1].uuid, 'refused'],
      [master.uuid, 'notAttempted'],
    ])
    assert.match(error.message, new RegExp(`stopped before ${members[1].name_label}: HA is enabled`))
    assert.match(error.message, new RegExp(`Restarted: ${members[0].name_label} \\(`))
    assert.deepEqual(restartedSince(before, await agentStartTimes(lab, pool)), [members[0].uuid], 'the lab saw only the first member restart')
  })

  it("reads HA from XAPI at call time, not from XO's cached pool record", async function () {
    const before = await agentStartTimes(lab, pool)
    // Same tick: XO's cache cannot have seen the change yet.
    lab.controls.xapi.setHaEnabled(pool.uuid, true)
    const error = await rejectionOf(harness.call('xapiConfig.restartToolstack', { pool: pool.uuid, bypassTaskCheck: true, timeout: TIMEOUT }))

    assert.equal(error.code, 25, error.message) // incorrectState: nothing was restarted
    assert.match(error.message, /HA is enabled on pool/)
    assert.deepEqual(restartedSince(before, await agentStartTimes(lab, pool)), [])
  })

  it("stops before the master when its files turn bad during the roll, and writes nothing on it", async function () {
    const before = await agentStartTimes(lab, pool)
    const listing = await ssh(master, 'ls -A /etc/xapi.conf.d')
    let written: Promise<string> | undefined
    whenFirstHostStarts(() => (written = ssh(master, `printf 'hsts_max_age = 1y\\n' > ${BAD_DROP_IN} && sha256sum ${BAD_DROP_IN}`)))

    const error = await rejectionOf(harness.call('xapiConfig.restartToolstack', { pool: pool.uuid, timeout: TIMEOUT }))

    assert.equal(error.code, 21, error.message)
    assert.deepEqual(outcomes(error.data.report), [
      [members[0].uuid, 'restarted'],
      [members[1].uuid, 'restarted'],
      [master.uuid, 'refused'],
    ])
    assert.match(error.message, new RegExp(`stopped before ${master.name_label}: ${master.name_label}: XAPI would not start`))
    assert.match(error.message, /zz-bad\.conf line 1, key hsts_max_age/)
    assert.deepEqual(restartedSince(before, await agentStartTimes(lab, pool)).sort(), members.map(host => host.uuid).sort())
    assert.equal(lab.controls.xapi.state(master.uuid), 'up', "the master's XAPI was left running")
    assert.equal(await ssh(master, `sha256sum ${BAD_DROP_IN}`), await written, 'the file is as it was written')
    assert.equal(await ssh(master, `ls -A /etc/xapi.conf.d | grep -vx zz-bad.conf`), listing, 'nothing else appeared in /etc/xapi.conf.d')
  })

  it('stops before a member when a task that it would cut appears during the roll (no bypass)', async function () {
    const before = await agentStartTimes(lab, pool)
    let taskRef: string | undefined
    whenFirstHostStarts(async () => (taskRef = await lab.controls.xapi.createTask(pool.uuid, { name_label: '[XO] VM export', hostUuid: members[1].uuid, progress: 0.3 })))

    const error = await rejectionOf(harness.call('xapiConfig.restartToolstack', { pool: pool.uuid, timeout: TIMEOUT }))

    assert.equal(error.code, 21, error.message)
    assert.deepEqual(outcomes(error.data.report), [
      [members[0].uuid, 'restarted'],
      [members[1].uuid, 'refused'],
      [master.uuid, 'notAttempted'],
    ])
    assert.match(error.message, new RegExp(`stopped before ${members[1].name_label}: .*"\\[XO\\] VM export" \\(export\\) on ${members[1].name_label}, 30% done`))
    assert.deepEqual(restartedSince(before, await agentStartTimes(lab, pool)), [members[0].uuid])
    lab.controls.xapi.finishTask(pool.uuid, taskRef!)
  })

  describe('REST restarts (item 6)', function () {
    const ACL_USER = { id: 'operator', email: 'operator@example.net', permission: 'none' as const, privileges: [] as string[] }

    before(function () {
      ACL_USER.privileges = [`host:restart-toolstack:${members[0].uuid}`]
      harness.xo.users.add(ACL_USER as never, { password: 'operator' })
    })

    it("restarts a pool through its route: the route's own XO task is not a risk", async function () {
      const before = await agentStartTimes(lab, pool)
      const response = await harness.rest('POST', `/rest/v0/plugins/xapi-config/pools/${pool.uuid}/actions/restart_toolstack?sync=true`, {
        body: { timeout: TIMEOUT },
      })
      assert.equal(response.status, 200, JSON.stringify(response.body))
      assert.equal(response.body.ok, true)
      assert.deepEqual(restartedSince(before, await agentStartTimes(lab, pool)).sort(), pool.hosts.map(host => host.uuid).sort())
    })

    it('lets a user with only the restart-toolstack ACL on a host restart it, and refuses it with the risks when something is at risk', async function () {
      const [member] = members
      let before = await agentStartTimes(lab, pool)
      const path = `/rest/v0/plugins/xapi-config/hosts/${member.uuid}/actions/restart_toolstack?sync=true`
      const done = await harness.rest('POST', path, { user: ACL_USER as never, body: { timeout: TIMEOUT } })
      assert.equal(done.status, 200, JSON.stringify(done.body))
      assert.deepEqual(restartedSince(before, await agentStartTimes(lab, pool)), [member.uuid])

      const taskRef = await lab.controls.xapi.createTask(pool.uuid, { name_label: '[XO] VM export', hostUuid: member.uuid, progress: 0.5 })
      try {
        before = await agentStartTimes(lab, pool)
        const refused = await harness.rest('POST', path, { user: ACL_USER as never, body: { timeout: TIMEOUT } })
        assert.equal(refused.status, 403, JSON.stringify(refused.body))
        assert.match(JSON.stringify(refused.body), /\[XO\] VM export/)
        assert.doesNotMatch(JSON.stringify(refused.body), /REST API: xapi-config/)
        assert.deepEqual(restartedSince(before, await agentStartTimes(lab, pool)), [])

        const other = await harness.rest('POST', `/rest/v0/plugins/xapi-config/hosts/${members[1].uuid}/actions/restart_toolstack?sync=true`, {
          user: ACL_USER as never,
          body: { timeout: TIMEOUT },
        })
        assert.equal(other.status, 403, 'no ACL on the other member')
      } finally {
        lab.controls.xapi.finishTask(pool.uuid, taskRef)
      }
    })

    it('restarts the written hosts after a REST apply with restart: true', async function () {
      const before = await agentStartTimes(lab, pool)
      const response = await harness.rest('POST', `/rest/v0/plugins/xapi-config/pools/${pool.uuid}/actions/apply?sync=true`, {
        body: { settings: { pending_task_timeout: String(86400 + Math.floor(Math.random() * 1000)) }, restart: true },
      })
      assert.equal(response.status, 200, JSON.stringify(response.body))
      assert.equal(response.body.restart?.ok, true, JSON.stringify(response.body.restart))
      assert.deepEqual(restartedSince(before, await agentStartTimes(lab, pool)).sort(), pool.hosts.map(host => host.uuid).sort())
    })
  })
})

/** The error `promise` rejects with; fails when it resolves. */
function rejectionOf(promise: Promise<unknown>): Promise<XoErrorLike> {
  return promise.then(
    value => {
      throw new Error(`expected a failure, got ${JSON.stringify(value).slice(0, 2000)}`)
    },
    (error: XoErrorLike) => error
  )
}
