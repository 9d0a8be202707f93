// Issue 11, item 3: a master broken during a roll (a bad drop-in written right after the restart gate let
// it through) makes XO lose the pool. The advice printed by the failed restart must then work: each of its
// xo-cli commands is run through the harness as xo-cli would send it, and the lab's XAPI comes back. The
// reads and repairs say that they used the last known address. Run `npm run build` first.
import assert from 'node:assert/strict'
import { parse } from 'shell-quote'
import type { Harness } from '../harness'
import type { Lab, LabHost, LabPool } from '../lab'
import { runOverOpenSsh } from '../lab/openssh'
import { agentStartTimes, restartedSince } from '../support/lab-xapi'
import { startPluginLab, type PluginLab } from '../support/plugin-lab'
import { parseXoCliParams } from '../support/xo-cli'

const BAD_DROP_IN = '/etc/xapi.conf.d/zz-broken.conf'
const RESTART_TASK_TYPE = 'xo:xapi-config:restart'
const LAST_KNOWN = /used last known address/

describe('faults: recovery when XO has lost the pool (harness + lab)', function () {
  this.timeout(180_000)
  let fleet: PluginLab
  let lab: Lab
  let harness: Harness
  let pool: LabPool
  let master: LabHost

  before(async function () {
    // XAPI reads its files at start, 1.5 s after it stopped: time for the bad file to land first.
    fleet = await startPluginLab({ pools: 1, hostsPerPool: 3, secondOctet: 89, xapiTimings: { stopMs: 1500 } })
    ;({ lab, harness } = fleet)
    pool = lab.pools[0]
    master = pool.hosts.find(host => host.isMaster)!
  })

  after(async function () {
    await fleet?.stop()
  })

  async function ssh(host: LabHost, command: string): Promise<string> {
    const result = await runOverOpenSsh(host, lab.knownHostsPath, command)
    assert.equal(result.code, 0, result.stderr)
    return result.stdout
  }

  it('runs the advice of a failed master restart while XO does not show the pool, and XAPI is back', async function () {
    const onUpdate = (log: any) => {
      const masterStep = log.tasks?.find((step: any) => String(step.properties?.name).endsWith('(master)'))
      if (log.properties.type === RESTART_TASK_TYPE && masterStep?.infos?.some((info: any) => info.message.startsWith('restart gate passed'))) {
        harness.xo.tasks.off('update', onUpdate)
        void ssh(master, `printf 'hsts_max_age = 1y\\n' > ${BAD_DROP_IN}`)
      }
    }
    harness.xo.tasks.on('update', onUpdate)
    const error = await harness.call('xapiConfig.restartToolstack', { pool: pool.uuid, timeout: 10 }).then(
      () => assert.fail('the master restart should fail'),
      (failure: Error & { data: any }) => failure
    )
    const failed = error.data.report.hosts.find((row: any) => row.outcome === 'failed')
    assert.equal(failed?.host.id, master.uuid, error.message)
    assert.equal(lab.controls.xapi.state(master.uuid), 'down', "the lab's master XAPI did not start")
    await waitFor(() => harness.getObjects({ id: pool.uuid }).length === 0, 'XO to drop the pool')

    const read = await harness.call('xapiConfig.getHost', { host: master.uuid })
    assert.match(read.host.note, LAST_KNOWN)
    assert.notEqual(read.outcome, 'starts')

    const commands = adviceCommands(failed.diagnosis.advice.join(' '))
    assert.deepEqual(commands.map(command => command.method), ['xapiConfig.removeFile', 'xapiConfig.restartToolstack'], failed.diagnosis.advice.join(' '))
    const before = await ssh(master, 'ls -A /etc/xapi.conf.d')
    const removed = await harness.call(commands[0].method, commands[0].params)
    assert.equal(removed.outcome, 'applied', JSON.stringify(removed))
    assert.match(removed.hosts[0].host.note, LAST_KNOWN)
    assert.equal(await ssh(master, 'ls -A /etc/xapi.conf.d'), before.replace('zz-broken.conf\n', ''), 'only the bad file went')

    // The master's XAPI is down, so the lab cannot be asked now: the failed roll's own figures are the baseline.
    const startTimes = Object.fromEntries(
      error.data.report.hosts.map((row: any) => [row.host.id, row.agentStartTime.after ?? row.agentStartTime.before])
    )
    const restarted = await harness.call(commands[1].method, commands[1].params)
    assert.equal(restarted.ok, true, JSON.stringify(restarted))
    assert.match(restarted.hosts[0].host.note, LAST_KNOWN)
    assert.equal(lab.controls.xapi.state(master.uuid), 'up')
    assert.deepEqual(restartedSince(startTimes, await agentStartTimes(lab, pool)), [master.uuid])
    await harness.waitForObject({ id: pool.uuid }, 30_000)
  })

  it("reverts a change on a pool XO has lost, over SSH with the hosts' last known addresses", async function () {
    const applied = await harness.call('xapiConfig.apply', { pool: pool.uuid, file: 'zz-timeouts.conf', settings: { pending_task_timeout: '90000' } })
    assert.equal(applied.outcome, 'applied', JSON.stringify(applied))
    await lab.controls.xapi.stopXapi(master.uuid) // the master's XAPI is down; its files are fine
    await waitFor(() => harness.getObjects({ id: pool.uuid }).length === 0, 'XO to drop the pool')

    const reverted = await harness.call('xapiConfig.revert', { changeId: applied.changeId })
    assert.equal(reverted.outcome, 'applied', JSON.stringify(reverted))
    assert.deepEqual(
      reverted.hosts.map((row: any) => [row.host.id, LAST_KNOWN.test(row.host.note)]).sort(),
      pool.hosts.map(host => [host.uuid, true]).sort()
    )
    for (const host of pool.hosts) {
      assert.equal(await ssh(host, 'ls -A /etc/xapi.conf.d | grep -c zz-timeouts.conf || true'), '0\n', `${host.name_label}: the file is gone`)
    }

    const restarted = await harness.call('xapiConfig.restartToolstack', { hosts: [master.uuid], mode: 'toolstack' })
    assert.equal(restarted.ok, true)
    assert.equal(lab.controls.xapi.state(master.uuid), 'up')
    await harness.waitForObject({ id: pool.uuid }, 30_000)
  })

  it("refuses mode 'agent' on a pool XO does not show: only SSH can reach it", async function () {
    await lab.controls.xapi.stopXapi(master.uuid)
    await waitFor(() => harness.getObjects({ id: pool.uuid }).length === 0, 'XO to drop the pool')
    try {
      await assert.rejects(harness.call('xapiConfig.restartToolstack', { hosts: [master.uuid], mode: 'agent' }), {
        code: 25,
        message: /XO does not show pool .*mode 'toolstack'/,
      })
      assert.equal(lab.controls.xapi.state(master.uuid), 'down', 'nothing was restarted')
    } finally {
      await harness.call('xapiConfig.restartToolstack', { hosts: [master.uuid], mode: 'toolstack' })
      await harness.waitForObject({ id: pool.uuid }, 30_000)
    }
  })
})

interface AdviceCommand {
  method: string
  params: Record<string, unknown>
}

/** The `xo-cli …` commands quoted in backticks in the advice, with their params as xo-cli would send them. */
function adviceCommands(advice: string): AdviceCommand[] {
  return [...advice.matchAll(/`(xo-cli [^`]+)`/g)]
    .map(match => parse(match[1]).filter((word): word is string => typeof word === 'string'))
    .filter(([, method]) => !/changeId/.test(method))
    .filter(words => !words.some(word => word.includes('…')))
    .map(([, method, ...args]) => ({ method, params: parseXoCliParams(args) }))
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`)
    }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}
