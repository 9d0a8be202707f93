import assert from 'node:assert/strict'
import { gatherFacts } from '../../src/services/restart/facts'
import type { RestartHostAccess } from '../../src/services/restart/modes'
import type { XoApp, XoJob, XoTaskLog } from '../../src/xo/types'
import { getPool, type HostTarget } from '../../src/xo/targets'

// A two-host pool as XO and its xen-api client show it: host-1 (master) and host-2, a VM on host-2.
const objects: Record<string, any> = {
  pool: { id: 'pool', type: 'pool', name_label: 'pool-1', master: 'host-1', $pool: 'pool' },
  'host-1': { id: 'host-1', type: 'host', name_label: 'host-1', address: '127.0.0.1', enabled: true, $pool: 'pool', _xapiRef: 'OpaqueRef:h1' },
  'host-2': { id: 'host-2', type: 'host', name_label: 'host-2', address: '127.0.0.2', enabled: true, $pool: 'pool', _xapiRef: 'OpaqueRef:h2' },
  'vm-1': { id: 'vm-1', type: 'VM', $pool: 'pool' },
  'vm-elsewhere': { id: 'vm-elsewhere', type: 'VM', $pool: 'other-pool' },
}

interface FakeOptions {
  jobs?: XoJob[]
  runningJobs?: Record<string, string>
  xoTasks?: XoTaskLog[]
  liveHost2?: boolean
  /** XAPI never answers task.get_all_records (a master that hangs). */
  hangingTasks?: boolean
  /** What XAPI answers now; XO's cached pool record always says false. */
  haEnabled?: boolean
}

function fakeXo({ jobs = [], runningJobs = {}, xoTasks = [], liveHost2 = true, hangingTasks = false, haEnabled = false }: FakeOptions = {}): XoApp {
  const records: Record<string, any> = {
    'OpaqueRef:h1': { $type: 'host', software_version: { xapi_build: '26.1.3' }, $metrics: { live: true } },
    'OpaqueRef:h2': { $type: 'host', software_version: { xapi_build: '26.1.3' }, $metrics: { live: liveHost2 } },
    'OpaqueRef:vm1': { $type: 'VM', uuid: 'vm-1', name_label: 'vm-1', resident_on: 'OpaqueRef:h2', current_operations: { 'OpaqueRef:t1': 'export' } },
    'OpaqueRef:vm2': { $type: 'VM', uuid: 'vm-2', name_label: 'idle', resident_on: 'OpaqueRef:h2', current_operations: {} },
  }
  const xapi = {
    objects: { all: records },
    getObjectByRef: (ref: string) => records[ref],
    call: async (method: string) => {
      if (method === 'pool.get_all_records') {
        return { 'OpaqueRef:pool': { ha_enabled: haEnabled } }
      }
      assert.equal(method, 'task.get_all_records')
      if (hangingTasks) {
        return new Promise(() => {})
      }
      return { 'OpaqueRef:t1': { uuid: 't1', name_label: 'VM.export', status: 'pending', progress: 0.5, resident_on: 'OpaqueRef:h2' } }
    },
  }
  return {
    getObject: (id: string) => objects[id] ?? assert.fail(`no object ${id}`),
    getObjects: ({ filter }: { filter: Record<string, unknown> }) =>
      Object.fromEntries(Object.entries(objects).filter(([, object]) => Object.entries(filter).every(([key, value]) => object[key] === value))),
    getXapi: () => xapi,
    getXapiObject: (object: { type: string; _xapiRef?: string }) => (object.type === 'pool' ? { ha_enabled: false } : records[object._xapiRef!]),
    getAllJobs: async () => jobs,
    runningJobs,
    tasks: {
      create: () => assert.fail('no task is created by a preflight'),
      list: async function* ({ filter }: { filter: (log: XoTaskLog) => boolean }) {
        yield* xoTasks.filter(filter)
      },
    },
  } as unknown as XoApp
}

function access(predict: (host: HostTarget) => Promise<any>, unavailable?: string): RestartHostAccess {
  return { unavailableReason: () => unavailable, run: async () => assert.fail('nothing runs in a preflight'), predictStartup: predict }
}

const starts = async () => ({ starts: true, problems: [] })

async function factsFor(
  xo: XoApp,
  hostAccess: RestartHostAccess,
  mode: 'toolstack' | 'agent' = 'toolstack',
  callTimeoutMs = 5_000,
  callerTaskId?: string
) {
  const xapi = xo.getXapi('pool')
  const pool = getPool(xo, 'pool')
  return gatherFacts({ xo, access: hostAccess, concurrency: 4, callTimeoutMs, xapi, cache: xapi, callerTaskId }, { pool, hosts: pool.hosts }, mode)
}

describe('restart: reading the facts of a preflight', () => {
  it("reads XAPI tasks fresh, VM operations from the cache and each host's files", async () => {
    const facts = await factsFor(fakeXo(), access(starts))
    assert.deepEqual(facts.hosts.map(host => host.id), ['host-1', 'host-2'])
    assert.deepEqual(facts.xapiTasks.map(task => [task.ref, task.name_label]), [['OpaqueRef:t1', 'VM.export']])
    assert.deepEqual(facts.vms, [{ id: 'vm-1', label: 'vm-1', residentOn: 'OpaqueRef:h2', currentOperations: { 'OpaqueRef:t1': 'export' } }])
    assert.deepEqual([...facts.hostChecks.values()], [
      { reachable: true, prediction: { starts: true, problems: [] } },
      { reachable: true, prediction: { starts: true, problems: [] } },
    ])
  })

  it('keeps running jobs only, with their reach, whether XO gives the run id on the job or in runningJobs', async () => {
    const jobs: XoJob[] = [
      { id: 'a', type: 'backup', name: 'on this pool', vms: { id: 'vm-1' }, runId: 'r1' },
      { id: 'b', type: 'backup', name: 'elsewhere', vms: { id: 'vm-elsewhere' } },
      { id: 'c', type: 'backup', name: 'idle', vms: { id: 'vm-1' } },
    ]
    const facts = await factsFor(fakeXo({ jobs, runningJobs: { b: 'r2' } }), access(starts))
    assert.deepEqual(facts.jobs.map(job => [job.name, job.runId, job.concernsPool]), [
      ['on this pool', 'r1', true],
      ['elsewhere', 'r2', false],
    ])
  })

  it('keeps the pending XO tasks on the pool or its objects, never its own', async () => {
    const log = (id: string, status: XoTaskLog['status'], objectId: string, type = 'other'): XoTaskLog => ({
      id,
      status,
      start: 0,
      properties: { name: id, objectId, type },
    })
    const xoTasks = [
      log('on pool', 'pending', 'pool'),
      log('on vm', 'pending', 'vm-1'),
      log('finished', 'success', 'pool'),
      log('elsewhere', 'pending', 'vm-elsewhere'),
      log('apply', 'pending', 'pool', 'xo:xapi-config:apply'),
    ]
    const facts = await factsFor(fakeXo({ xoTasks }), access(starts))
    assert.deepEqual(facts.xoTasks.map(task => [task.name, task.why]), [
      ['on pool', 'it works on this pool'],
      ['on vm', 'it works on an object of this pool'],
    ])
  })

  it("reads HA from XAPI at call time, not from XO's cached pool record", async () => {
    assert.equal((await factsFor(fakeXo({ haEnabled: true }), access(starts))).pool.haEnabled, true)
    assert.equal((await factsFor(fakeXo({ haEnabled: false }), access(starts))).pool.haEnabled, false)
  })

  it("does not count the caller's own XO task, or the task it runs under, as a task at risk", async () => {
    const rest: XoTaskLog = {
      id: 'rest-action',
      status: 'pending',
      start: 0,
      properties: { name: 'REST API: xapi-config: restartToolstack', objectId: 'pool', type: 'xo:rest-api:action' },
      tasks: [{ id: 'inner-step', status: 'pending', start: 0, properties: { name: 'a step' } }],
    }
    const other: XoTaskLog = { id: 'other', status: 'pending', start: 0, properties: { name: 'rolling pool update', objectId: 'pool' } }
    const names = async (callerTaskId?: string) =>
      (await factsFor(fakeXo({ xoTasks: [rest, other] }), access(starts), 'toolstack', 5_000, callerTaskId)).xoTasks.map(task => task.name)
    assert.deepEqual(await names('rest-action'), ['rolling pool update'])
    assert.deepEqual(await names('inner-step'), ['rolling pool update'])
    assert.deepEqual(await names(undefined), ['REST API: xapi-config: restartToolstack', 'rolling pool update'])
  })

  it('a master that does not answer fails the preflight at the call timeout instead of hanging it', async () => {
    const started = Date.now()
    await assert.rejects(factsFor(fakeXo({ hangingTasks: true }), access(starts), 'toolstack', 50), {
      name: 'TimeoutError',
      message: /reading the pool's XAPI tasks timed out/,
    })
    assert.ok(Date.now() - started < 2_000)
  })

  it('a host XAPI reports offline is unreachable', async () => {
    const facts = await factsFor(fakeXo({ liveHost2: false }), access(starts))
    assert.deepEqual(facts.hostChecks.get('host-2'), { reachable: false, error: 'XAPI reports it offline (host_metrics.live is false)' })
  })

  it('a host SSH cannot reach blocks toolstack mode, and is only a warning in agent mode', async () => {
    const refused = access(async host => {
      if (host.id === 'host-2') throw new Error('connect ECONNREFUSED 127.0.0.2:22')
      return starts()
    })
    const toolstack = await factsFor(fakeXo(), refused, 'toolstack')
    assert.equal(toolstack.hostChecks.get('host-2')?.reachable, false)
    assert.match((toolstack.hostChecks.get('host-2') as { error: string }).error, /over SSH: connect ECONNREFUSED.*mode 'agent'/)
    const agent = await factsFor(fakeXo(), refused, 'agent')
    assert.deepEqual(agent.hostChecks.get('host-2'), { reachable: true })
    assert.match(agent.warnings.join(), /host-2's files were not checked: connect ECONNREFUSED/)
  })

  it('without SSH access, checks no file and says so', async () => {
    const facts = await factsFor(fakeXo(), access(() => assert.fail('no SSH'), 'SSH access is not configured'), 'agent')
    assert.deepEqual([...facts.hostChecks.values()], [{ reachable: true }, { reachable: true }])
    assert.match(facts.warnings[0], /files were not checked \(SSH access is not configured\)/)
  })

  it("without SSH access, mode 'toolstack' finds every host unreachable instead of failing at the first restart", async () => {
    const facts = await factsFor(fakeXo(), access(() => assert.fail('no SSH'), 'SSH access is not configured'), 'toolstack')
    assert.deepEqual([...facts.hostChecks.values()].map(check => check.reachable), [false, false])
    assert.match((facts.hostChecks.get('host-1') as { error: string }).error, /over SSH: SSH access is not configured.*mode 'agent'/)
  })
})
