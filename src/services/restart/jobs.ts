// Which pools a running XO job works on, from the job's own selection patterns (xo-server's
// value-matcher syntax: a value, `{ __or }`, `{ __and }`, `{ __not }`). XO's backupGuard only looks at
// VM backup jobs; here every job type is listed, and a job whose reach cannot be told counts as
// touching the pool, as backupGuard does for smart-mode jobs without a pool filter.
import type { XoJob } from '../../xo/types'
import type { RunningJob } from './types'

type Pattern = unknown

/** The pool of an XO object (VM, SR, host, pool), or undefined when XO does not know the id. */
export type PoolOf = (objectId: string) => string | undefined

interface Reach {
  pools?: string[]
  concernsPool: boolean
  why: string
}

export function describeRunningJob(job: XoJob & { runId: string }, poolId: string, poolOf: PoolOf): RunningJob {
  const reach = reachOf(job, poolId, poolOf)
  return { id: job.id, name: job.name, type: job.type ?? 'unknown', runId: job.runId, ...reach }
}

function reachOf(job: XoJob, poolId: string, poolOf: PoolOf): Reach {
  switch (job.type) {
    case 'backup':
      return backupReach(job, poolId, poolOf)
    case 'metadataBackup':
      return listedReach(idsOf(job.pools).map(id => poolOf(id) ?? id), poolId, 'backs up the metadata of')
    case 'mirrorBackup':
      return { pools: [], concernsPool: false, why: 'copies backups between remotes; it does not talk to XAPI' }
    default:
      return { concernsPool: false, why: `a job of type ${job.type ?? 'unknown'}; what it calls is not inspected` }
  }
}

function backupReach(job: XoJob, poolId: string, poolOf: PoolOf): Reach {
  const targetPools = idsOf(job.srs).flatMap(id => poolOf(id) ?? [])
  const vmIds = idsOf(job.vms)
  if (vmIds.length > 0 || job.vms === undefined) {
    const pools = vmIds.flatMap(id => poolOf(id) ?? []).concat(targetPools)
    return listedReach(pools, poolId, 'backs up or replicates VMs of')
  }
  const poolPattern = job.vms.$pool
  const matches = poolPattern === undefined ? undefined : matchesPattern(poolPattern, poolId)
  if (matches === false) {
    return listedReach(targetPools, poolId, 'replicates VMs to')
  }
  const why =
    matches === true
      ? 'smart-mode backup whose pool filter selects this pool'
      : 'smart-mode backup without a pool filter it can be judged by: it may back up VMs of this pool'
  return { pools: matches === true ? unique([poolId, ...targetPools]) : undefined, concernsPool: true, why }
}

function listedReach(pools: string[], poolId: string, verb: string): Reach {
  const distinct = unique(pools)
  const concernsPool = distinct.includes(poolId)
  return { pools: distinct, concernsPool, why: concernsPool ? `${verb} this pool` : `${verb} other pools only` }
}

/** The ids a simple pattern lists: `{ id: 'x' }` or `{ id: { __or: ['x', 'y'] } }`. */
export function idsOf(selection: Record<string, unknown> | undefined): string[] {
  const id = selection?.id
  if (typeof id === 'string') {
    return [id]
  }
  const alternatives = (id as { __or?: unknown } | undefined)?.__or
  return Array.isArray(alternatives) ? alternatives.filter((value): value is string => typeof value === 'string') : []
}

/** Whether a value-matcher pattern matches `value`; undefined when the pattern uses something else. */
export function matchesPattern(pattern: Pattern, value: string): boolean | undefined {
  if (typeof pattern === 'string') {
    return pattern === value
  }
  if (pattern === null || typeof pattern !== 'object' || Array.isArray(pattern)) {
    return undefined
  }
  const { __or, __and, __not } = pattern as { __or?: Pattern[]; __and?: Pattern[]; __not?: Pattern }
  if (Array.isArray(__or)) {
    return combine(__or.map(p => matchesPattern(p, value)), 'some')
  }
  if (Array.isArray(__and)) {
    return combine(__and.map(p => matchesPattern(p, value)), 'every')
  }
  if (__not !== undefined) {
    const inner = matchesPattern(__not, value)
    return inner === undefined ? undefined : !inner
  }
  return undefined
}

/** Three-valued: one `true` decides an `__or`, one `false` an `__and`; otherwise an unknown stays unknown. */
function combine(results: Array<boolean | undefined>, mode: 'some' | 'every'): boolean | undefined {
  const decisive = mode === 'some'
  if (results.includes(decisive)) {
    return decisive
  }
  return results.includes(undefined) ? undefined : !decisive
}

function unique(values: string[]): string[] {
  return [...new Set(values)]
}
