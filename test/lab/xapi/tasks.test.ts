// The master's task GC on the lab clock: pending_task_timeout counts from creation, a task is
// only destroyed once its progress stalled over a whole GC period, completed tasks go after
// completed_task_timeout.
import * as assert from 'node:assert/strict'

import type { SimPool } from '../contract'
import { callAsRoot, eventually, LabFixture } from './fixtures'
import { startXapiSim, type XapiSim } from './index'

const HOUR_MS = 3600_000

describe('lab XAPI simulator: task GC', function () {
  this.timeout(60_000)
  let fixture: LabFixture
  let pool: SimPool
  let sim: XapiSim | undefined

  const masterAddress = () => pool.hosts[0]!.address
  const taskRefs = async () => ((await callAsRoot(masterAddress(), 'task.get_all')) as string[]).sort()

  before(() => {
    fixture = new LabFixture()
  })
  after(() => fixture.cleanUp())

  beforeEach(() => {
    pool = fixture.pool(233, 2)
  })
  afterEach(() => sim?.close())

  it('destroys a stuck pending task after pending_task_timeout, and keeps one whose progress moves', async () => {
    fixture.etcFile(pool.hosts[0]!, 'xapi.conf.d/tasks.conf', 'pending_task_timeout = 3600 # one lab hour\n')
    sim = await startXapiSim({ pools: [pool], clockSpeed: 1000 })
    const createdAt = sim.clock.now()
    const stuck = await sim.createTask(pool.uuid, { name_label: '[XO] VM export', progress: 0.3, mode: 'stuck' })
    const moving = await sim.createTask(pool.uuid, { name_label: 'Exporting content of VDI disk through NBD', mode: 'moving' })

    await eventually(async () => assert.ok(!(await taskRefs()).includes(stuck)), 'the stuck task destroyed', 30_000)
    const labSecondsAlive = (sim.clock.now() - createdAt) / 1000
    assert.ok(labSecondsAlive >= 3600, `destroyed after ${labSecondsAlive} lab seconds`)
    assert.ok(labSecondsAlive < 3600 + 1800, `destroyed only after ${labSecondsAlive} lab seconds`)
    assert.deepEqual(await taskRefs(), [moving])
    assert.ok(((await callAsRoot(masterAddress(), 'task.get_progress', moving)) as number) > 0)
  })

  it('catches up when lab time jumps: stuck and long-finished tasks go, moving ones stay', async () => {
    sim = await startXapiSim({ pools: [pool] })
    const stuck = await sim.createTask(pool.uuid, { name_label: 'Async.VM.migrate_send', hostUuid: pool.hosts[1]!.uuid })
    const moving = await sim.createTask(pool.uuid, { name_label: '[XO] VM import', mode: 'moving' })
    const finished = await sim.createTask(pool.uuid, { name_label: 'VM.export' })
    sim.finishTask(pool.uuid, finished)

    sim.clock.advance(HOUR_MS / 2)
    assert.deepEqual(await taskRefs(), [stuck, moving, finished].sort(), 'nothing is old after half an hour')
    sim.clock.advance(HOUR_MS)
    assert.deepEqual(await taskRefs(), [stuck, moving].sort(), 'completed_task_timeout (65 min) passed')
    sim.clock.advance(24 * HOUR_MS)
    assert.deepEqual(await taskRefs(), [moving], 'pending_task_timeout (24 h) passed')
  })

  it('lets a client own its task: task.create on the master, destroy of a pending task waits for its end', async () => {
    sim = await startXapiSim({ pools: [pool] })
    const ref = (await callAsRoot(masterAddress(), 'task.create', 'untitled task', 'by a client')) as string
    const record = (await callAsRoot(masterAddress(), 'task.get_record', ref)) as Record<string, unknown>
    assert.equal(record.resident_on, sim.hostRef(pool.hosts[0]!.uuid))
    assert.equal(record.finished, '19700101T00:00:00Z')

    await callAsRoot(masterAddress(), 'task.destroy', ref)
    assert.deepEqual(await taskRefs(), [ref], 'a pending task is only marked')
    await callAsRoot(masterAddress(), 'task.set_status', ref, 'success')
    sim.clock.advance(30_000)
    assert.deepEqual(await taskRefs(), [], 'the next GC pass removes it')
  })

  it('drops every task of the pool when the master restarts', async () => {
    sim = await startXapiSim({ pools: [pool], timings: { stopMs: 50, initMs: 100 } })
    await sim.createTask(pool.uuid, { name_label: 'VM.export', hostUuid: pool.hosts[1]!.uuid, mode: 'moving' })
    await sim.createTask(pool.uuid, { name_label: 'VM.import' })
    assert.equal((await taskRefs()).length, 2)
    await sim.restartHost(pool.hosts[0]!.uuid)
    assert.deepEqual(await taskRefs(), [])
  })
})
