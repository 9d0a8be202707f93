// The wait after a master restart does not depend on xo-server's connection to the pool: the stand-in
// xo-server here behaves like xo-server 5.207 after a master restart (every call through its pool client
// fails for 60 s, and the pool's objects stay hidden as long), and the restart still completes as soon as
// the master's XAPI answers, with a `timeout` of 10 s. Run `npm run build` first.
import assert from 'node:assert/strict'
import type { LabHost, LabPool } from '../lab'
import { agentStartTimes, restartedSince } from '../support/lab-xapi'
import { startPluginLab, type PluginLab } from '../support/plugin-lab'

const XO_BLACKOUT_MS = 60_000

describe('restart: the wait talks to the restarted host, not through XO (harness + lab)', function () {
  this.timeout(120_000)
  let fleet: PluginLab
  let pool: LabPool
  let master: LabHost

  before(async function () {
    fleet = await startPluginLab({ pools: 1, hostsPerPool: 2, secondOctet: 87 }, {}, {
      eventPollDelay: XO_BLACKOUT_MS,
      refuseCallsAfterMasterRestartMs: XO_BLACKOUT_MS,
    })
    pool = fleet.lab.pools[0]
    master = pool.hosts.find(host => host.isMaster)!
  })

  after(async function () {
    await fleet?.stop()
  })

  afterEach(async function () {
    // A fresh pool client, without the blackout the last master restart started.
    const serverId = fleet.harness.serverIds[0]
    await fleet.harness.disconnectPool(serverId)
    await fleet.harness.connectPool(serverId)
  })

  for (const mode of ['agent', 'toolstack']) {
    it(`reports a master restart (${mode} mode) done while XO's pool connection still refuses every call`, async function () {
      const xoClient = fleet.harness.xo.getXapi(pool.uuid)
      const before = await agentStartTimes(fleet.lab, pool)
      const started = Date.now()

      const report = await fleet.harness.call('xapiConfig.restartToolstack', { hosts: [master.uuid], mode, timeout: 10 })
      const elapsed = Date.now() - started

      assert.equal(report.ok, true, JSON.stringify(report))
      assert.deepEqual(report.hosts.map((row: { outcome: string }) => row.outcome), ['restarted'])
      assert.deepEqual(restartedSince(before, await agentStartTimes(fleet.lab, pool)), [master.uuid], 'the lab saw the master, and only it, restart')
      assert.ok(elapsed < XO_BLACKOUT_MS / 2, `the restart waited for XO's connection: ${elapsed} ms`)
      await assert.rejects(xoClient.call('pool.get_all_records'), /waiting to reconnect/, "XO's pool connection was refusing calls all along")
      assert.match(report.warnings?.join(' ') ?? '', /XO does not show pool .* again yet.*the restart itself is done/)
      assert.doesNotMatch(JSON.stringify(report), /strictly unequal|AssertionError/)
    })
  }

  it("with masterFirst, checks and restarts the members after the master while XO's pool connection still refuses every call", async function () {
    const before = await agentStartTimes(fleet.lab, pool)
    const report = await fleet.harness.call('xapiConfig.restartToolstack', { pool: pool.uuid, masterFirst: true, timeout: 10 })

    assert.equal(report.ok, true, JSON.stringify(report))
    assert.deepEqual(
      report.hosts.map((row: { host: { id: string }; outcome: string }) => [row.host.id, row.outcome]),
      [master.uuid, ...pool.hosts.filter(host => !host.isMaster).map(host => host.uuid)].map(id => [id, 'restarted'])
    )
    assert.deepEqual(restartedSince(before, await agentStartTimes(fleet.lab, pool)).sort(), pool.hosts.map(host => host.uuid).sort())
  })
})
