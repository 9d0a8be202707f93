// Reads what the preflight and the restart gate judge: whether HA is on and the pool's live tasks (both
// fresh from XAPI, so that a change made a moment ago is seen), VM operations, XO's running jobs and
// pending tasks, and each host's state: live in XAPI, and what its files predict (over SSH).
import { mapBounded } from '../../util/bounded'
import { TimeoutError, withTimeout } from '../../util/timeout'
import type { XapiCaller } from '../../xapi/session'
import type { HostTarget, PoolTarget } from '../../xo/targets'
import type { Xapi, XapiRecord, XoApp, XoJob, XoTaskLog } from '../../xo/types'
import { describeRunningJob, type PoolOf } from './jobs'
import type { RestartHostAccess } from './modes'
import type { HostCheck, PreflightFacts, VmRecord, XapiTaskRecord } from './preflight'
import type { RestartMode, RunningJob, XoTaskAtRisk } from './types'

/** XO tasks of this plugin (the drop-in write that asked for the restart, the restart itself) are not at risk. */
export const OWN_TASK_TYPE_PREFIX = 'xo:xapi-config:'

export interface FactSources {
  xo: XoApp
  access: RestartHostAccess
  concurrency: number
  /** Bound of each XAPI call (the settings' "each remote step"): a master that does not answer must not hang the preflight. */
  callTimeoutMs: number
  /** Where HA and tasks are read at call time: xo-server's pool connection, or the plugin's own session. */
  xapi: XapiCaller
  /** xo-server's client of the pool, for its cache (VM operations, host liveness); undefined while XO hides the pool. */
  cache?: Xapi
  /**
   * The XO task the restart was asked from (a REST action's task), read when the call came in: the
   * caller itself, not something the restart would cut.
   */
  callerTaskId?: string
  /**
   * XO does not show the pool (its master's XAPI is probably down): HA and tasks that cannot be read are
   * reported in `warnings` instead of failing, since a pool API that is down runs no task.
   */
  xapiMayBeDown?: boolean
}

/** `pool`: the whole pool (tasks are named by host from it); `hosts`: the hosts about to restart. */
export interface FactScope {
  pool: PoolTarget
  hosts: HostTarget[]
}

export async function gatherFacts(sources: FactSources, { pool, hosts }: FactScope, mode: RestartMode): Promise<Omit<PreflightFacts, 'runningRestart'>> {
  const { xo, access, concurrency, callTimeoutMs, xapi, cache } = sources
  const poolOf = poolLookup(xo)
  const warnings: string[] = []
  const unlessDown = <T>(read: Promise<T>, whenDown: T, what: string) => (sources.xapiMayBeDown === true ? orWhenDown(read, whenDown, what, warnings) : read)
  const [haEnabled, xapiTasks, jobs, xoTasks, hostChecks] = await Promise.all([
    unlessDown(readHaEnabled(xapi, callTimeoutMs), false, 'HA'),
    unlessDown(readXapiTasks(xapi, callTimeoutMs), [], 'tasks'),
    readRunningJobs(xo, pool.id, poolOf),
    readXoTasks(xo, pool.id, poolOf, sources.callerTaskId),
    checkHosts(hosts, { cache, access, concurrency, mode, warnings }),
  ])
  const vms = cache === undefined ? [] : readVmOperations(cache)
  return { pool: { ...pool, haEnabled }, hosts, xapiTasks, vms, jobs, xoTasks, hostChecks, warnings, now: Date.now() }
}

async function orWhenDown<T>(read: Promise<T>, whenDown: T, what: string, warnings: string[]): Promise<T> {
  try {
    return await read
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    warnings.push(`The pool's ${what} could not be read from XAPI (${message}): XO does not show the pool, its master's XAPI is probably down`)
    return whenDown
  }
}

/** `pool.ha_enabled` as XAPI has it now (XO's copy may lag behind a change just made). */
async function readHaEnabled(xapi: XapiCaller, timeoutMs: number): Promise<boolean> {
  const pools = await withTimeout(
    xapi.call<Record<string, { ha_enabled?: boolean }>>('pool.get_all_records'),
    timeoutMs,
    () => new TimeoutError("reading the pool's HA state", timeoutMs)
  )
  return Object.values(pools).some(record => record.ha_enabled === true)
}

function poolLookup(xo: XoApp): PoolOf {
  return id => {
    try {
      const object = xo.getObject(id)
      return object.type === 'pool' ? object.id : object.$pool
    } catch {
      return undefined
    }
  }
}

async function readXapiTasks(xapi: XapiCaller, timeoutMs: number): Promise<XapiTaskRecord[]> {
  const records = await withTimeout(
    xapi.call<Record<string, XapiTaskRecord>>('task.get_all_records'),
    timeoutMs,
    () => new TimeoutError("reading the pool's XAPI tasks", timeoutMs)
  )
  return Object.entries(records).map(([ref, record]) => ({ ...record, ref }))
}

/** VMs with something in `current_operations`, from the client's object cache. */
function readVmOperations(xapi: Xapi): VmRecord[] {
  return Object.values(xapi.objects.all)
    .filter((record: XapiRecord) => record.$type === 'VM' && Object.keys(record.current_operations ?? {}).length > 0)
    .map(record => ({
      id: record.uuid,
      label: record.name_label,
      residentOn: record.resident_on,
      currentOperations: record.current_operations,
    }))
}

async function readRunningJobs(xo: XoApp, poolId: string, poolOf: PoolOf): Promise<RunningJob[]> {
  const runIds = xo.runningJobs ?? {}
  const jobs: XoJob[] = await xo.getAllJobs()
  return jobs.flatMap(job => {
    const runId = job.runId ?? runIds[job.id]
    return runId === undefined ? [] : [describeRunningJob({ ...job, runId }, poolId, poolOf)]
  })
}

async function readXoTasks(xo: XoApp, poolId: string, poolOf: PoolOf, callerTaskId: string | undefined): Promise<XoTaskAtRisk[]> {
  const tasks: XoTaskAtRisk[] = []
  if (xo.tasks.list === undefined) {
    return tasks
  }
  const concerns = (log: XoTaskLog) => {
    const { objectId, type } = log.properties
    return (
      log.status === 'pending' &&
      objectId !== undefined &&
      !String(type ?? '').startsWith(OWN_TASK_TYPE_PREFIX) &&
      (callerTaskId === undefined || !containsTask(log, callerTaskId)) &&
      (objectId === poolId || poolOf(objectId) === poolId)
    )
  }
  for await (const log of xo.tasks.list({ filter: concerns })) {
    const { name, type, objectId } = log.properties
    tasks.push({
      id: log.id,
      name,
      type,
      objectId,
      startedAt: new Date(log.start).toISOString(),
      why: objectId === poolId ? 'it works on this pool' : 'it works on an object of this pool',
    })
  }
  return tasks
}

/** Whether `log` is the caller's task or one of its ancestors (the caller may run in a step of it). */
function containsTask(log: XoTaskLog, id: string): boolean {
  return log.id === id || (log.tasks ?? []).some(child => containsTask(child, id))
}

interface HostCheckContext {
  cache?: Xapi
  access: RestartHostAccess
  concurrency: number
  mode: RestartMode
  warnings: string[]
}

async function checkHosts(hosts: HostTarget[], context: HostCheckContext): Promise<Map<string, HostCheck>> {
  const unavailable = context.access.unavailableReason()
  if (unavailable !== undefined) {
    context.warnings.push(`The hosts' files were not checked (${unavailable}): a host with a bad drop-in would stay down.`)
  }
  const checks = await mapBounded(hosts, context.concurrency, async host => [host.id, await checkHost(host, context, unavailable)] as const)
  return new Map(checks)
}

async function checkHost(host: HostTarget, context: HostCheckContext, sshUnavailable: string | undefined): Promise<HostCheck> {
  const record = context.cache?.getObjectByRef(host.xapiRef, undefined) as XapiRecord | undefined
  if (record?.$metrics?.live === false) {
    return { reachable: false, error: 'XAPI reports it offline (host_metrics.live is false)' }
  }
  if (sshUnavailable !== undefined) {
    return context.mode === 'toolstack' ? unreachableOverSsh(sshUnavailable) : { reachable: true }
  }
  try {
    return { reachable: true, prediction: await context.access.predictStartup(host) }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    if (context.mode === 'toolstack') {
      return unreachableOverSsh(message)
    }
    context.warnings.push(`${host.label}'s files were not checked: ${message}`)
    return { reachable: true }
  }
}

/** Mode 'toolstack' restarts over SSH: a host SSH cannot reach cannot be restarted that way. */
function unreachableOverSsh(reason: string): HostCheck {
  return { reachable: false, error: `over SSH: ${reason} (mode 'agent' restarts through XAPI without SSH)` }
}
