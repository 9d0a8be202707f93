// Reads what the preflight judges: the pool's live XAPI tasks and VM operations (fresh from XAPI for
// tasks, so that a task created a moment ago is seen), XO's running jobs and pending tasks, and each
// host's state: live in XAPI, and what its files predict (over SSH).
import { mapBounded } from '../../util/bounded'
import { TimeoutError, withTimeout } from '../../util/timeout'
import { getPool, type HostTarget, type PoolTarget } from '../../xo/targets'
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
}

export async function gatherFacts(
  { xo, access, concurrency, callTimeoutMs }: FactSources,
  scope: PoolTarget,
  mode: RestartMode
): Promise<Omit<PreflightFacts, 'runningRestart'>> {
  const pool = getPool(xo, scope.id)
  const xapi = xo.getXapi(pool.id)
  const poolOf = poolLookup(xo)
  const warnings: string[] = []
  const [xapiTasks, jobs, xoTasks, hostChecks] = await Promise.all([
    readXapiTasks(xapi, callTimeoutMs),
    readRunningJobs(xo, pool.id, poolOf),
    readXoTasks(xo, pool.id, poolOf),
    checkHosts(scope.hosts, { xapi, access, concurrency, mode, warnings }),
  ])
  return { pool, hosts: scope.hosts, xapiTasks, vms: readVmOperations(xapi), jobs, xoTasks, hostChecks, warnings, now: Date.now() }
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

async function readXapiTasks(xapi: Xapi, timeoutMs: number): Promise<XapiTaskRecord[]> {
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

async function readXoTasks(xo: XoApp, poolId: string, poolOf: PoolOf): Promise<XoTaskAtRisk[]> {
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

interface HostCheckContext {
  xapi: Xapi
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
  const record = context.xapi.getObjectByRef(host.xapiRef, undefined) as XapiRecord | undefined
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
