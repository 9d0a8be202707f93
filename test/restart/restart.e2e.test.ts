// Toolstack restarts end to end: the built plugin loaded by the XO harness, against a 3-host lab pool
// (real sshd per host, the XAPI simulator). Run `npm run build` first.
import assert from 'node:assert/strict'
import type { Harness } from '../harness'
import type { Lab, LabHost, LabPool } from '../lab'
import { runOverOpenSsh } from '../lab/openssh'
import { startPluginLab, type PluginLab } from '../support/plugin-lab'

const BAD_DROP_IN = '/etc/xapi.conf.d/bad.conf'
/** Seconds each host may take to come back in these tests (the lab restarts in about a second). */
const TIMEOUT = 8

type XoErrorLike = Error & { code: number; data: any }

describe('restart: toolstack restarts through XO (harness + lab)', function () {
  this.timeout(120_000)
  let fleet: PluginLab
  let lab: Lab
  let harness: Harness
  let pool: LabPool
  let master: LabHost
  let members: LabHost[]

  before(async function () {
    fleet = await startPluginLab({ pools: 1, hostsPerPool: 3, secondOctet: 86, xapiTimings: { stopMs: 1500 } })
    ;({ lab, harness } = fleet)
    pool = lab.pools[0]
    master = pool.hosts.find(host => host.isMaster)!
    members = pool.hosts.filter(host => !host.isMaster).sort((a, b) => a.name_label.localeCompare(b.name_label))
  })

  after(async function () {
    await fleet?.stop()
  })

  afterEach(async function () {
    lab.controls.xapi.setHaEnabled(pool.uuid, false)
    for (const host of pool.hosts) {
      await runOverOpenSsh(host, lab.knownHostsPath, `rm -f ${BAD_DROP_IN}`)
      if (lab.controls.xapi.state(host.uuid) !== 'up') {
        await lab.controls.xapi.startXapi(host.uuid)
      }
    }
    await waitFor(() => pool.hosts.every(host => hostRecord(host).enabled === true), 'every host enabled again')
    for (const { uuid } of [pool, ...pool.hosts]) {
      await harness.waitForObject({ id: uuid })
    }
  })

  function call(method: string, params: Record<string, unknown>): Promise<any> {
    return harness.call(`xapiConfig.${method}`, params)
  }

  // The pool's xen-api client, kept from the start: after a master restart XO hides the pool's objects
  // until its next event batch, as xo-server does, so `xo.getXapi(pool)` fails for a moment.
  let client: ReturnType<Harness['xo']['getXapi']>
  function xapi() {
    return (client ??= harness.xo.getXapi(pool.uuid))
  }

  function hostRecord(host: LabHost) {
    return xapi().getObjectByRef(lab.controls.xapi.hostRef(host.uuid))
  }

  async function pendingTaskRefs(): Promise<string[]> {
    const tasks: Record<string, { status: string }> = await xapi().call('task.get_all_records')
    return Object.keys(tasks).filter(ref => tasks[ref].status === 'pending')
  }

  async function writeBadDropIn(host: LabHost): Promise<void> {
    const written = await runOverOpenSsh(host, lab.knownHostsPath, `printf 'hsts_max_age = 1y\\n' > ${BAD_DROP_IN}`)
    assert.equal(written.code, 0, written.stderr)
  }

  it('refuses a pool restart over a pending VM export on a member, naming the task, its host and its progress', async function () {
    const member = members[1]
    const taskRef = await lab.controls.xapi.createTask(pool.uuid, { name_label: '[XO] VM export', hostUuid: member.uuid, progress: 0.42 })

    const preflight = await call('preflightRestart', { pool: pool.uuid })
    const risk = preflight.tasksAtRisk.find((task: { ref: string }) => task.ref === taskRef)
    assert.deepEqual([risk.kind, risk.host.id, risk.progress], ['export', member.uuid, 0.42])
    assert.equal(preflight.needsBypass, true)

    const error = await rejectionOf(call('restartToolstack', { pool: pool.uuid, timeout: TIMEOUT }))
    assert.equal(error.code, 5, error.message) // forbiddenOperation: xo-web offers to bypass
    assert.match(error.message, new RegExp(`"\\[XO\\] VM export" \\(export\\) on ${member.name_label}, 42% done`))
    assert.equal(error.data.operation, 'restart toolstack')
    assert.equal(error.data.preflight.tasksAtRisk[0].ref, taskRef)
    assert.ok((await pendingTaskRefs()).includes(taskRef), 'the refusal touched nothing')
  })

  it("refuses while XO jobs or XO tasks work on the pool, and lists jobs of other pools without refusing", async function () {
    const jobs = harness.xo.jobs
    const elsewhere = jobs.defineJob({ type: 'metadataBackup', name: 'other pools', pools: { id: 'another-pool' } })
    const mirror = jobs.defineJob({ type: 'mirrorBackup', name: 'offsite copy' })
    const metadata = jobs.defineJob({ type: 'metadataBackup', name: 'nightly metadata', pools: { id: pool.uuid } })
    for (const id of [elsewhere, mirror]) jobs.startJob(id)
    try {
      const quiet = await call('preflightRestart', { hosts: [members[0].uuid] })
      assert.deepEqual(
        quiet.jobs.map((job: { name: string; concernsPool: boolean }) => [job.name, job.concernsPool]),
        [
          ['other pools', false],
          ['offsite copy', false],
        ]
      )
      assert.equal(quiet.needsBypass, false)

      jobs.startJob(metadata)
      const error = await rejectionOf(call('restartToolstack', { hosts: [members[0].uuid], timeout: TIMEOUT }))
      assert.equal(error.code, 5, error.message)
      assert.match(error.message, /XO metadataBackup job "nightly metadata" is running \(backs up the metadata of this pool\)/)
    } finally {
      for (const id of [elsewhere, mirror, metadata]) if (id in harness.xo.runningJobs) jobs.finishJob(id)
    }

    const xoTask = harness.xo.tasks.create({ name: 'rolling pool update', objectId: pool.uuid, type: 'pool.rolling_update' })
    let finish!: () => void
    const running = xoTask.run(() => new Promise<void>(resolve => (finish = resolve)))
    try {
      const error = await rejectionOf(call('restartToolstack', { hosts: [members[0].uuid], timeout: TIMEOUT }))
      assert.equal(error.code, 5, error.message)
      assert.match(error.message, /XO task "rolling pool update" is pending \(it works on this pool\)/)
    } finally {
      finish()
      await running
    }
  })

  it('with bypassTaskCheck, restarts members first and the master last, and the task is gone', async function () {
    const taskRef = (await pendingTaskRefs())[0] ?? (await lab.controls.xapi.createTask(pool.uuid, { name_label: '[XO] VM export', hostUuid: members[0].uuid }))
    const before = pool.hosts.map(host => Number(hostRecord(host).other_config.agent_start_time))

    const report = await call('restartToolstack', { pool: pool.uuid, bypassTaskCheck: true, timeout: TIMEOUT })

    assert.equal(report.ok, true)
    assert.equal(report.mode, 'toolstack') // SSH is configured
    assert.deepEqual(
      report.hosts.map((row: { host: { id: string } }) => row.host.id),
      [...members.map(host => host.uuid), master.uuid]
    )
    for (const row of report.hosts) {
      assert.equal(row.outcome, 'restarted')
      assert.ok(row.durationMs > 0 && row.durationMs < TIMEOUT * 1000, `${row.host.label}: ${row.durationMs} ms`)
      assert.ok(row.agentStartTime.after > row.agentStartTime.before)
    }
    assert.deepEqual(report.bypassed, { by: harness.admin.email, tasks: 1, jobs: 0, vmTransfers: 0, xoTasks: 0 })
    assert.equal(report.warnings, undefined)
    assert.equal(harness.getObjects({ id: pool.uuid }).length, 1, 'XO shows the pool again once the restart returns')
    assert.ok(!(await pendingTaskRefs()).includes(taskRef), 'the export task was destroyed by the restart')
    pool.hosts.forEach((host, index) => assert.ok(Number(hostRecord(host).other_config.agent_start_time) >= before[index]))

    const [log] = await collect(harness.xo.tasks.list({ filter: (log: any) => log.properties.type === 'xo:xapi-config:restart' }))
    assert.equal(log.status, 'success')
    assert.deepEqual(
      log.tasks!.map((step: any) => [step.properties.name, step.status]),
      [
        ...members.map(host => [`Restart ${host.name_label}`, 'success']),
        [`Restart ${master.name_label} (master)`, 'success'],
        [`Wait for XO to show ${pool.name_label} again`, 'success'],
      ]
    )
    assert.match(log.warnings![0].message, /task check bypassed by/)
  })

  it("restarts one member through XAPI alone in agent mode, and takes XO's bypassBackupCheck for bypassTaskCheck", async function () {
    await lab.controls.xapi.createTask(pool.uuid, { name_label: 'Async.VM.migrate_send', hostUuid: members[0].uuid })
    const report = await call('restartToolstack', { hosts: [members[0].uuid], mode: 'agent', bypassBackupCheck: true, timeout: TIMEOUT })
    assert.equal(report.mode, 'agent')
    assert.deepEqual(report.hosts.map((row: { outcome: string }) => row.outcome), ['restarted'])
    assert.equal(report.bypassed.tasks, 1)
  })

  it('refuses while HA is enabled, even with bypassTaskCheck', async function () {
    lab.controls.xapi.setHaEnabled(pool.uuid, true)
    await waitFor(() => xapi().pool.ha_enabled === true, 'the pool record shows HA')
    const error = await rejectionOf(call('restartToolstack', { pool: pool.uuid, bypassTaskCheck: true, timeout: TIMEOUT }))
    assert.equal(error.code, 25, error.message) // incorrectState: no bypass
    assert.match(error.message, /HA is enabled on pool/)
    assert.deepEqual(error.data.actual, ['haEnabled'])
  })

  it('refuses when a member would not start with its files, naming the file and the key', async function () {
    await writeBadDropIn(members[0])
    const error = await rejectionOf(call('restartToolstack', { pool: pool.uuid, bypassTaskCheck: true, timeout: TIMEOUT }))
    assert.equal(error.code, 25, error.message)
    assert.match(error.message, new RegExp(`${members[0].name_label}: XAPI would not start`))
    assert.match(error.message, /\/etc\/xapi\.conf\.d\/bad\.conf line 1, key hsts_max_age/)
    assert.equal(lab.controls.xapi.state(members[0].uuid), 'up', 'nothing was restarted')
  })

  for (const mode of ['toolstack', 'agent']) {
    it(`stops the roll at a host whose XAPI does not come back (${mode} mode), and says what to do`, async function () {
      const [first, second] = members
      // The second member's file turns bad right after the restart gate let it through: XAPI reads its
      // files at its next start, which the lab delays (stopMs) long enough for the write to land first.
      const onUpdate = (log: any) => {
        const gatePassed = log.tasks?.[1]?.infos?.some((info: { message: string }) => info.message.startsWith('restart gate passed'))
        if (log.properties.type === 'xo:xapi-config:restart' && gatePassed) {
          harness.xo.tasks.off('update', onUpdate)
          void writeBadDropIn(second)
        }
      }
      harness.xo.tasks.on('update', onUpdate)
      const started = Date.now()
      const error = await rejectionOf(call('restartToolstack', { pool: pool.uuid, mode, timeout: TIMEOUT }))
      const elapsed = Date.now() - started

      assert.equal(error.code, 21, error.message) // operationFailed
      assert.ok(elapsed < (2 * TIMEOUT + 5) * 1000, `took ${elapsed} ms`)
      const { report } = error.data
      assert.deepEqual(
        report.hosts.map((row: { host: { id: string }; outcome: string }) => [row.host.id, row.outcome]),
        [
          [first.uuid, 'restarted'],
          [second.uuid, 'failed'],
          [master.uuid, 'notAttempted'],
        ]
      )
      const failed = report.hosts[1]
      // xe-toolstack-restart reports the failed unit at once; through XAPI only the deadline tells.
      assert.match(failed.error.message, mode === 'toolstack' ? /xe-toolstack-restart exited with 1/ : /did not come back/)
      assert.ok(mode === 'toolstack' || failed.durationMs >= TIMEOUT * 1000, `${failed.durationMs} ms`)
      assert.equal(failed.diagnosis.prediction.starts, false)
      assert.match(failed.diagnosis.advice.join(' '), /bad\.conf line 1, key hsts_max_age/)
      assert.match(failed.diagnosis.advice.join(' '), /xapiConfig\.removeFile/)
      assert.match(error.message, new RegExp(`stopped at ${second.name_label}.*Restarted: ${first.name_label} \\(.*Not restarted: ${master.name_label}`))
      assert.equal(lab.controls.xapi.state(master.uuid), 'up', 'the master was left alone')
    })
  }

  it('refuses a second restart of the pool while the first runs', async function () {
    const results = await Promise.allSettled([
      call('restartToolstack', { hosts: [members[0].uuid], timeout: TIMEOUT }),
      call('restartToolstack', { pool: pool.uuid, timeout: TIMEOUT }),
    ])
    assert.equal(results[0].status, 'fulfilled')
    assert.equal(results[1].status, 'rejected')
    const error = (results[1] as PromiseRejectedResult).reason as XoErrorLike
    assert.equal(error.code, 25, error.message)
    assert.match(error.message, /a toolstack restart .* has been running since/)
  })
})

/** The error `promise` rejects with; fails when it resolves. */
function rejectionOf(promise: Promise<unknown>): Promise<XoErrorLike> {
  return promise.then(
    value => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`)
    },
    (error: XoErrorLike) => error
  )
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`)
    }
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = []
  for await (const item of items) {
    all.push(item)
  }
  return all
}
