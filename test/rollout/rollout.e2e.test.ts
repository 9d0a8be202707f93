// Fleet rollouts end to end: the built plugin loaded by the XO harness, against a 3-pool lab (real sshd
// per host, the XAPI simulator). Each test checks the hosts' files as root over SSH (sha256, mtime) and
// the lab's own view of each host's agent start time. Run `npm run build` first.
import assert from 'node:assert/strict'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Harness } from '../harness'
import type { Lab, LabHost, LabPool } from '../lab'
import { callError as callErrorOf, onHost as onLabHost, type XoErrorLike } from '../support/lab-calls'
import { agentStartTimes, restartedSince } from '../support/lab-xapi'
import { PLUGIN_ID, startPluginLab, type PluginLab } from '../support/plugin-lab'

const MANAGED = '/etc/xapi.conf.d/zz-xo-xapi-config.conf'
const ROLLOUT_TASK_TYPE = 'xo:xapi-config:rollout'

describe('rollout: one change over a fleet, canary first (harness + lab)', function () {
  this.timeout(240_000)
  let fleet: PluginLab
  let lab: Lab
  let harness: Harness
  /** By name: the lab names pools in order. Pool sizes 3, 2, 3: the smallest is the second. */
  let pools: LabPool[]
  let nextValue = 100_000

  before(async function () {
    fleet = await startPluginLab({ pools: [{ hosts: 3 }, { hosts: 2 }, { hosts: 3 }], xapiTimings: { stopMs: 300 } }) // any free octets: two runs of this file can share the machine
    ;({ lab, harness } = fleet)
    pools = [...lab.pools].sort((a, b) => a.name_label.localeCompare(b.name_label, 'en', { numeric: true }))
  })

  after(async function () {
    await fleet?.stop()
  })

  const call = (params: Record<string, unknown>): Promise<any> => harness.call('xapiConfig.rollout', params)
  /** A value no host holds yet: each test changes every pool. */
  const freshTimeout = () => ({ setTaskTimeout: { pendingSeconds: ++nextValue } })

  const callError = (method: string, params: Record<string, unknown>) => callErrorOf(harness, method, params)
  const onHost = (host: LabHost, command: string) => onLabHost(lab, host, command)

  /** Per host of the pool: the managed file's sha256 and mtime (nanoseconds), or `absent`. */
  function fileState(pool: LabPool): Promise<string[]> {
    const command = `if [ -e ${MANAGED} ]; then printf '%s %s' "$(sha256sum < ${MANAGED})" "$(stat -c %Y.%y ${MANAGED})"; else echo absent; fi`
    return Promise.all(pool.hosts.map(host => onHost(host, command)))
  }

  const journalSizes = async () =>
    Promise.all(['dropins-journal.jsonl', 'rollouts-journal.jsonl'].map(async name => (await stat(join(harness.dataDir, PLUGIN_ID, name)).catch(() => ({ size: 0 }))).size))

  async function pendingExport(pool: LabPool): Promise<string> {
    const member = pool.hosts.find(host => !host.isMaster)!
    return lab.controls.xapi.createTask(pool.uuid, { name_label: '[XO] VM export', hostUuid: member.uuid, progress: 0.3 })
  }

  async function rolloutTaskLog(rolloutId: string): Promise<any> {
    for await (const log of harness.xo.tasks.list()) {
      if (log.properties.type === ROLLOUT_TASK_TYPE && log.properties.rolloutId === rolloutId) {
        return log
      }
    }
    throw new Error(`no XO task for rollout ${rolloutId}`)
  }

  /** Per host of a pool step's write (the change gate's task): [host id, step status, outcome], by host id. */
  function hostWriteSteps(poolStep: any): Array<[string, string, unknown]> {
    const writes = poolStep.tasks.filter((task: any) => /^xo:xapi-config:(apply|remove|reapply)$/.test(task.properties.type))
    assert.ok(writes.length > 0, `the pool's write is a subtask of ${poolStep.properties.name}`)
    return writes
      .flatMap((write: any) => write.tasks.map((host: any) => [host.properties.objectId, host.status, host.result]))
      .sort((a: any[], b: any[]) => a[0].localeCompare(b[0]))
  }

  const sortedIds = (pool: LabPool) => pool.hosts.map(host => host.uuid).sort()

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + 60_000
    while (Date.now() < deadline) {
      const found = await probe()
      if (found !== undefined) {
        return found
      }
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    throw new Error(`timed out waiting for ${what}`)
  }

  async function historyRollout(id: string): Promise<any> {
    const entries: any[] = await harness.call('xapiConfig.history', { limit: 50 })
    return entries.find(entry => entry.kind === 'rollout' && entry.id === id)
  }

  it('preview: the order (smallest pool as canary), each pool\'s hosts, risks and blockers, and touches nothing', async function () {
    const exportRef = await pendingExport(pools[2])
    try {
      const files = await Promise.all(pools.map(fileState))
      const journals = await journalSizes()
      const agents = await Promise.all(pools.map(pool => agentStartTimes(lab, pool)))

      const preview = await call({ change: freshTimeout(), preview: true })

      assert.equal(preview.canary, pools[1].uuid, 'the smallest pool (2 hosts) goes first')
      assert.deepEqual(
        preview.waves.map((wave: any[]) => wave.map(pool => pool.id)),
        [[pools[1].uuid], [pools[0].uuid], [pools[2].uuid]]
      )
      const byPool = new Map(preview.pools.map((row: any) => [row.pool.id, row]))
      const canary: any = byPool.get(pools[1].uuid)
      assert.equal(canary.would, 'write and restart')
      assert.deepEqual(canary.hosts.map((row: any) => row.host.id).sort(), pools[1].hosts.map(host => host.uuid).sort())
      assert.match(canary.hosts[0].after, new RegExp(`pending_task_timeout = ${nextValue}`))
      const third: any = byPool.get(pools[2].uuid)
      assert.equal(third.would, 'refuse')
      assert.ok(third.risks.some((risk: string) => risk.includes('[XO] VM export')), JSON.stringify(third.risks))

      assert.deepEqual(await Promise.all(pools.map(fileState)), files, 'no file written or touched')
      assert.deepEqual(await journalSizes(), journals, 'nothing journaled')
      for (const [index, pool] of pools.entries()) {
        assert.deepEqual(restartedSince(agents[index], await agentStartTimes(lab, pool)), [], 'no host restarted')
      }
    } finally {
      lab.controls.xapi.finishTask(pools[2].uuid, exportRef)
    }
  })

  it('rolls a change over 3 pools, canary first then waves, restarting each, as one XO task with a subtask per pool and host', async function () {
    const agents = await Promise.all(pools.map(pool => agentStartTimes(lab, pool)))
    const change = freshTimeout()

    const result = await call({ change, poolsAtOnce: 2 })

    assert.equal(result.status, 'done', JSON.stringify(result.pools))
    assert.deepEqual(result.pools.map((row: any) => [row.pool.id, row.wave, row.state]), [
      [pools[1].uuid, 0, 'restarted'],
      [pools[0].uuid, 1, 'restarted'],
      [pools[2].uuid, 1, 'restarted'],
    ])
    assert.deepEqual(result.summary.restarted.sort(), pools.map(pool => pool.uuid).sort())
    assert.deepEqual(result.summary.notReached, [])
    for (const [index, pool] of pools.entries()) {
      for (const host of pool.hosts) {
        assert.match(await onHost(host, `cat ${MANAGED}`), new RegExp(`pending_task_timeout = ${change.setTaskTimeout.pendingSeconds}`))
      }
      assert.deepEqual(restartedSince(agents[index], await agentStartTimes(lab, pool)).sort(), pool.hosts.map(host => host.uuid).sort())
    }

    const log = await rolloutTaskLog(result.rolloutId)
    assert.equal(log.status, 'success')
    const poolSteps = log.tasks.map((task: any) => task.properties.name)
    assert.match(poolSteps[0], new RegExp(`^Pool ${pools[1].name_label} \\(canary\\)`))
    assert.equal(poolSteps.length, 3)
    const canaryStep = log.tasks[0]
    const restartStep = canaryStep.tasks.find((task: any) => task.properties.type === 'xo:xapi-config:restart')
    assert.ok(restartStep, 'the restart is a subtask of the pool')
    assert.deepEqual(hostWriteSteps(canaryStep), sortedIds(pools[1]).map(id => [id, 'success', 'written']), 'a write step per host')
    assert.deepEqual(
      restartStep.tasks.filter((task: any) => /^Restart /.test(task.properties.name)).map((task: any) => task.properties.objectId).sort(),
      pools[1].hosts.map(host => host.uuid).sort()
    )
  })

  it('stops at a pool whose restart would cut an export (nothing written there, the next pool untouched); resume goes on without rewriting the first', async function () {
    const second = pools[1]
    const exportRef = await pendingExport(second)
    const change = freshTimeout()
    let rolloutId: string
    const firstAgents = await agentStartTimes(lab, pools[0])
    try {
      const untouched = await Promise.all([second, pools[2]].map(fileState))

      const stopped = await call({ change, canary: pools[0].uuid })

      rolloutId = stopped.rolloutId
      assert.equal(stopped.status, 'stopped')
      assert.deepEqual(stopped.pools.map((row: any) => [row.pool.id, row.state]), [
        [pools[0].uuid, 'restarted'],
        [second.uuid, 'refused'],
        [pools[2].uuid, 'not-reached'],
      ])
      assert.match(stopped.pools[1].reason, /VM export/)
      assert.deepEqual(stopped.summary.refused, [second.uuid])
      assert.deepEqual(stopped.summary.notReached, [pools[2].uuid])
      assert.deepEqual(await Promise.all([second, pools[2]].map(fileState)), untouched, 'pools 2 and 3: not a byte written')
      const log = await rolloutTaskLog(rolloutId)
      assert.equal(log.status, 'failure')
    } finally {
      lab.controls.xapi.finishTask(second.uuid, exportRef)
    }
    const firstFiles = await fileState(pools[0])
    const afterFirst = await agentStartTimes(lab, pools[0])
    assert.deepEqual(restartedSince(firstAgents, afterFirst).length, pools[0].hosts.length)

    const resumed = await call({ resume: rolloutId })

    assert.equal(resumed.status, 'done', JSON.stringify(resumed.pools))
    assert.deepEqual(resumed.pools.map((row: any) => row.state), ['restarted', 'restarted', 'restarted'])
    assert.deepEqual(resumed.summary.written.sort(), [second.uuid, pools[2].uuid].sort(), 'pool 1 not written again')
    assert.deepEqual(await fileState(pools[0]), firstFiles, 'pool 1: same bytes, same mtime')
    assert.deepEqual(restartedSince(afterFirst, await agentStartTimes(lab, pools[0])), [], 'pool 1 not restarted again')
    const entry = await historyRollout(rolloutId)
    assert.equal(entry.status, 'done')
    assert.equal(entry.resumedAt.length, 1)
  })

  it('with maxFailedPools, goes on past a refused pool and says the rollout is partial', async function () {
    const exportRef = await pendingExport(pools[1])
    try {
      const untouched = await fileState(pools[1])
      const result = await call({ change: freshTimeout(), canary: pools[2].uuid, maxFailedPools: 1 })
      assert.equal(result.status, 'partial', JSON.stringify(result.pools))
      assert.deepEqual(result.pools.map((row: any) => [row.pool.id, row.state]), [
        [pools[2].uuid, 'restarted'],
        [pools[0].uuid, 'restarted'],
        [pools[1].uuid, 'refused'],
      ])
      assert.deepEqual(await fileState(pools[1]), untouched)
    } finally {
      lab.controls.xapi.finishTask(pools[1].uuid, exportRef)
    }
  })

  it('with a restart window that is not now, writes every pool and defers every restart, resumable later', async function () {
    const agents = await Promise.all(pools.map(pool => agentStartTimes(lab, pool)))
    const change = freshTimeout()

    const result = await call({ change, restart: 'window', window: windowAround(new Date(), 180, 240), poolsAtOnce: 3 })

    assert.equal(result.status, 'waiting')
    assert.deepEqual(result.pools.map((row: any) => row.state), ['restart-pending', 'restart-pending', 'restart-pending'])
    assert.match(result.pools[0].reason, /outside the restart window/)
    assert.deepEqual(result.summary.deferred.length, 3)
    for (const [index, pool] of pools.entries()) {
      assert.match(await onHost(pool.hosts[0], `cat ${MANAGED}`), new RegExp(`pending_task_timeout = ${change.setTaskTimeout.pendingSeconds}`))
      assert.deepEqual(restartedSince(agents[index], await agentStartTimes(lab, pool)), [], 'no restart outside the window')
    }
    const untouched = await Promise.all([pools[1], pools[2]].map(fileState))
    await onHost(pools[0].hosts[1], `sed -i 's/^pending_task_timeout = .*/pending_task_timeout = 3600/' ${MANAGED}`)

    const again = await call({ resume: result.rolloutId })

    assert.equal(again.status, 'waiting', 'still outside the window: still pending')
    assert.deepEqual(again.summary.written, [pools[0].uuid], 'only the pool whose file was changed by hand is written again')
    assert.equal(again.pools.find((row: any) => row.pool.id === pools[0].uuid).replanned, true)
    assert.match(await onHost(pools[0].hosts[1], `cat ${MANAGED}`), new RegExp(`pending_task_timeout = ${change.setTaskTimeout.pendingSeconds}`))
    assert.deepEqual(await Promise.all([pools[1], pools[2]].map(fileState)), untouched, 'the other pools: not a byte written')
  })

  it('with a restart window that is now, restarts', async function () {
    const result = await call({ change: freshTimeout(), restart: 'window', window: windowAround(new Date(), -60, 60), canary: pools[1].uuid, poolsAtOnce: 2 })
    assert.equal(result.status, 'done', JSON.stringify(result.pools))
    assert.deepEqual(result.summary.restarted.length, 3)
  })

  it('refuses another call on a pool under rollout, naming the rollout; survives an unload mid-rollout and resumes from what each pool reached', async function () {
    const change = freshTimeout()
    const running = call({ change, canary: pools[1].uuid }).catch(error => error)
    const rolloutId = await waitFor('the rollout in history', async () => {
      const entries: any[] = await harness.call('xapiConfig.history', { limit: 5 })
      return entries.find(entry => entry.kind === 'rollout' && entry.status === 'running')?.id
    })

    const refused = await callError('apply', { pool: pools[2].uuid, settings: { pending_task_timeout: 4242 } })
    assert.equal(refused.code, 25, refused.message) // incorrectState
    assert.ok(refused.message.includes(`rollout ${rolloutId}`), refused.message)

    await waitFor('the canary restarted', async () => ((await historyRollout(rolloutId))?.pools[0].state === 'restarted' ? true : undefined))
    const canaryFiles = await fileState(pools[1])
    await fleet.reloadPlugin()
    await running

    const interrupted = await historyRollout(rolloutId)
    assert.equal(interrupted.status, 'interrupted')
    assert.equal(interrupted.pools[0].state, 'restarted')
    assert.equal(interrupted.pools[2].state, 'not-reached')

    const resumed = await call({ resume: rolloutId })
    assert.equal(resumed.status, 'done', JSON.stringify(resumed.pools))
    assert.ok(!resumed.summary.written.includes(pools[1].uuid), 'the canary is not written again')
    assert.deepEqual(await fileState(pools[1]), canaryFiles)
    for (const pool of pools) {
      assert.match(await onHost(pool.hosts[0], `cat ${MANAGED}`), new RegExp(`pending_task_timeout = ${change.setTaskTimeout.pendingSeconds}`))
    }
  })

  it('converges to the desired state on the pools its entries target, and only there', async function () {
    const { username, password } = lab.hosts[0].ssh
    const desiredFile = 'zz-xo-desired-rollout.conf'
    await harness.call('plugin.configure', {
      id: PLUGIN_ID,
      configuration: {
        ssh: { authentication: 'password', username, password },
        desired: [{ pools: [pools[0].uuid, pools[2].uuid], file: desiredFile, settings: 'completed_task_timeout = 7200\n' }],
      },
    })
    try {
      const outside = await callError('rollout', { change: { desired: true }, pools: [pools[1].uuid] })
      assert.equal(outside.code, 10, outside.message)
      assert.match(outside.message, /no desired drop-in/)

      const result = await call({ change: { desired: true }, restart: 'no' })

      assert.equal(result.status, 'done', JSON.stringify(result.pools))
      assert.deepEqual(result.pools.map((row: any) => row.pool.id).sort(), [pools[0].uuid, pools[2].uuid].sort())
      assert.deepEqual(result.summary.changed.sort(), [pools[0].uuid, pools[2].uuid].sort())
      for (const pool of [pools[0], pools[2]]) {
        for (const host of pool.hosts) {
          assert.match(await onHost(host, `cat /etc/xapi.conf.d/${desiredFile}`), /^completed_task_timeout = 7200$/m)
        }
      }
      assert.equal(await onHost(pools[1].hosts[0], `ls /etc/xapi.conf.d/${desiredFile} 2>/dev/null || true`), '')
      const log = await rolloutTaskLog(result.rolloutId)
      for (const poolStep of log.tasks) {
        const pool = pools.find(candidate => candidate.uuid === poolStep.properties.objectId)!
        assert.deepEqual(hostWriteSteps(poolStep), sortedIds(pool).map(id => [id, 'success', 'written']), 'restart: no still has a write step per host')
        assert.ok(!poolStep.tasks.some((task: any) => task.properties.type === 'xo:xapi-config:restart'), 'and no restart')
      }
      const again = await call({ change: { desired: true }, restart: 'no' })
      assert.deepEqual(again.summary.skipped.length, 2, 'already compliant: skipped, not written again')
    } finally {
      for (const host of lab.hosts) {
        await onHost(host, `rm -f /etc/xapi.conf.d/${desiredFile}`)
      }
    }
  })

  it('writes a pool\'s desired files all or nothing: a second file failing on one host puts the first back', async function () {
    const { username, password } = lab.hosts[0].ssh
    const files = ['zz-xo-desired-first.conf', 'zz-xo-desired-second.conf']
    const pool = pools[0]
    const full = pool.hosts.find(host => !host.isMaster)!
    await harness.call('plugin.configure', {
      id: PLUGIN_ID,
      configuration: {
        ssh: { authentication: 'password', username, password },
        desired: [
          { pools: [pool.uuid], file: files[0], settings: 'completed_task_timeout = 7300\n' },
          { pools: [pool.uuid], file: files[1], settings: 'pending_task_timeout = 90100\n' },
        ],
      },
    })
    const listing = () => Promise.all(pool.hosts.map(host => onHost(host, `ls /etc/xapi.conf.d/${files.join(' /etc/xapi.conf.d/')} 2>/dev/null || true`)))
    try {
      // the host's /etc gets one free page: the first file takes it, the second finds the disk full
      await onHost(full, 'head -c 4096 /dev/zero > /etc/rollout-ballast')
      await lab.controls.fillDisk(full.uuid)
      await onHost(full, 'rm -f /etc/rollout-ballast')

      const result = await call({ change: { desired: true }, pools: [pool.uuid], restart: 'no' })

      assert.equal(result.status, 'stopped', JSON.stringify(result.pools))
      const [row] = result.pools
      assert.equal(row.state, 'failed')
      assert.match(row.reason, new RegExp(`^${files[1]} was not changed: rolled-back`))
      assert.match(row.reason, /earlier files of this rollout were put back/)
      assert.deepEqual(await listing(), pool.hosts.map(() => ''), 'neither file on any host')
      const history: any[] = await harness.call('xapiConfig.history', { limit: 10 })
      const firstWrite = history.find(entry => entry.kind === 'reapply' && entry.file === files[0])
      assert.equal(firstWrite.outcome, 'applied', 'the first file was written everywhere')
      const putBack = history.find(entry => entry.kind === 'revert' && entry.revertOf === firstWrite.id)
      assert.equal(putBack?.outcome, 'applied', 'then reverted through the change gate')
    } finally {
      await lab.controls.freeDisk(full.uuid)
      for (const host of pool.hosts) {
        await onHost(host, `rm -f /etc/rollout-ballast /etc/xapi.conf.d/${files.join(' /etc/xapi.conf.d/')}`)
      }
    }
  })

  it('bad input is refused with a clear error and changes nothing', async function () {
    const journals = await journalSizes()
    const cases: Array<[Record<string, unknown>, number, RegExp]> = [
      [{ change: { setTaskTimeout: { pendingSeconds: 1 }, removeFile: { file: 'a.conf' } } }, 10, /change/],
      [{ change: freshTimeout(), restart: 'window' }, 10, /window/],
      [{ change: freshTimeout(), restart: 'window', window: { start: '01:00', end: '02:00', timeZone: 'Mars/Olympus' } }, 10, /time zone/],
      [{ change: freshTimeout(), pools: [pools[0].uuid, pools[0].uuid] }, 10, /twice/],
      [{ change: freshTimeout(), canary: 'not-a-pool' }, 10, /canary/],
      [{ change: freshTimeout(), pools: ['00000000-0000-0000-0000-000000000000'] }, 1, /./],
      [{ resume: 'no-such-rollout' }, 1, /./],
      [{ change: { apply: { settings: { no_such_key: 1 } } } }, 10, /no_such_key/],
      [{ change: { ['k'.repeat(100_000)]: {} } }, 10, /is not one of apply/],
      [{ change: freshTimeout(), restart: 'window', window: { start: '01:00', end: '02:00', timeZone: 'UTC', ['w'.repeat(100_000)]: 1 } }, 10, /window/],
      [{ change: { apply: { settings: { pending_task_timeout: 1 }, ['c'.repeat(100_000)]: 1 } } }, 10, /is not one of settings/],
    ]
    for (const [params, code, message] of cases) {
      const error = await callError('rollout', params)
      assert.equal(error.code, code, `${JSON.stringify(params)}: ${error.message}`)
      assert.match(error.message + JSON.stringify(error.data ?? ''), message)
      assert.ok(JSON.stringify({ message: error.message, data: error.data }).length < 4096, 'the error does not echo the input')
    }
    assert.deepEqual(await journalSizes(), journals)
  })
})

/** A daily window from `fromMinutes` to `toMinutes` around `now`, in UTC. */
function windowAround(now: Date, fromMinutes: number, toMinutes: number): { start: string; end: string; timeZone: string } {
  const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000).toISOString().slice(11, 16)
  return { start: at(fromMinutes), end: at(toMinutes), timeZone: 'UTC' }
}
