// One pool of a rollout, as a step of the rollout's XO task: planned again (a resumed rollout re-checks
// every pool), refused before any write when the change gate or the restart check would refuse it,
// written through the single-pool method (the change gate), then restarted through the restart service,
// whose gate is asked before each host. A pool whose files already hold the result is not written again.
// Each pool is an SSH operation of its own (src/ssh/operation.ts).
import { inPartOperation } from '../../ssh/operation'
import { describeError } from '../../xo/errors'
import { runStep } from '../../xo/step'
import type { XoUser } from '../../xo/types'
import { wasChanged } from '../change-gate/write'
import type { ChangeResult } from '../dropins'
import type { HostRef } from '../fleet'
import { refusalReason } from '../restart/gate'
import type { RestartService } from '../restart/service'
import type { FileChange } from './forms'
import { planPool, restartConcerns } from './pool-plan'
import type { PoolProgress, PoolState, RestartChoice } from './types'

export interface PoolRun {
  progress: PoolProgress
  changes: FileChange[]
  restart: RestartChoice
  user?: XoUser
  rolloutId: string
  /** Set when this call wrote the pool's files. */
  wroteNow?: boolean
}

export interface PoolStepDeps {
  restarter: Pick<RestartService, 'preflight' | 'restart'>
  /** Whether a restart may start now (always with `now`, inside the window with `window`). */
  startsNow(): boolean
  /** Throws when the rollout must stop (the plugin unloads). */
  stillRunning(): void
  /** Journals the rollout (each pool's step is on disk before it starts and once it is done). */
  record(): Promise<void>
  /** Puts back what a change of this rollout wrote (the change gate's revert, without restart). */
  revert(changeId: string, user?: XoUser): Promise<ChangeResult>
}

const FINAL_WITHOUT_RESTART: readonly PoolState[] = ['skipped', 'changed', 'restarted']

export async function runPool(run: PoolRun, deps: PoolStepDeps): Promise<void> {
  const { progress } = run
  const role = progress.wave === 0 ? 'canary' : `wave ${progress.wave}`
  await runStep({ name: `Pool ${progress.pool.label} (${role})`, objectId: progress.pool.id }, async () => {
    // a host's SSH opened through XAPI for this pool is put back when the pool is done, not at the end of the rollout
    await inPartOperation(() => stepPool(run, deps))
    if (progress.state === 'failed' || progress.state === 'refused') {
      throw new Error(`${progress.state}: ${progress.reason}`)
    }
    return { state: progress.state, reason: progress.reason }
  }).catch(error => {
    if (progress.state !== 'failed' && progress.state !== 'refused') {
      throw error
    }
  })
}

async function stepPool(run: PoolRun, deps: PoolStepDeps): Promise<void> {
  const { progress } = run
  const planned = await planPool(run.changes)
  deps.stillRunning()
  const done = FINAL_WITHOUT_RESTART.includes(progress.state)
  if (progress.inProgress !== undefined && progress.written === undefined && planned.refusal === undefined) {
    // interrupted while writing: which hosts changed is not known, so all of them count as written
    const hosts = planned.plans.flatMap(plan => plan.hosts.map(row => row.host.id))
    progress.written = { changeIds: [], hosts: [...new Set(hosts)], at: new Date().toISOString() }
  }
  delete progress.inProgress
  if (planned.refusal !== undefined) {
    return settle(progress, 'refused', planned.refusal)
  }
  if (planned.changing.length === 0) {
    if (done) {
      return // already there, and its files still hold the result: not written again
    }
    if (progress.written === undefined || run.restart === 'no') {
      return settle(progress, 'skipped', 'every host already holds the result')
    }
  } else if (progress.written !== undefined) {
    progress.replanned = true // its files changed since this rollout wrote them
  }
  const toRestart = mergeHosts(progress.written?.hosts ?? [], planned.changing)
  const startsNow = run.restart !== 'no' && deps.startsNow()
  if (startsNow) {
    const refusal = await restartRefusal(deps, toRestart)
    if (refusal !== undefined) {
      return settle(progress, 'refused', `the restart would be refused, so nothing was written: ${refusal}`)
    }
  }
  if (planned.changing.length !== 0) {
    deps.stillRunning()
    await mark(progress, 'writing', deps)
    const failure = await writePool(run, toRestart, deps)
    delete progress.inProgress
    if (failure !== undefined) {
      return settle(progress, 'failed', failure)
    }
  }
  if (run.restart === 'no') {
    return settle(progress, 'changed')
  }
  if (!startsNow) {
    return settle(progress, 'restart-pending', 'restart pending: outside the restart window (resume the rollout inside it)')
  }
  deps.stillRunning()
  await mark(progress, 'restarting', deps)
  await restartPool(run, deps, toRestart)
  delete progress.inProgress
}

async function mark(progress: PoolProgress, step: 'writing' | 'restarting', deps: PoolStepDeps): Promise<void> {
  progress.inProgress = step
  await deps.record()
}

async function restartRefusal(deps: PoolStepDeps, hostIds: readonly string[]): Promise<string | undefined> {
  try {
    const preflight = await deps.restarter.preflight({ hosts: [...hostIds] })
    return refusalReason(preflight, false)
  } catch (error) {
    return describeError(error).message
  }
}

/**
 * Writes each file change through its method; returns why the pool failed, if it did. A pool's files are
 * all or nothing: when one fails, the files this call already wrote are put back through the change gate.
 */
async function writePool(run: PoolRun, toRestart: string[], deps: PoolStepDeps): Promise<string | undefined> {
  const changeIds: string[] = []
  for (const change of run.changes) {
    const failure = await writeFile(change, run.user, changeIds, toRestart)
    if (failure !== undefined) {
      return `${failure}${await putBack(changeIds, run.user, deps)}`
    }
  }
  run.progress.written = { changeIds: [...(run.progress.written?.changeIds ?? []), ...changeIds], hosts: toRestart, at: new Date().toISOString() }
  run.wroteNow = true
  return undefined
}

/** One file's change; adds its journal id and changed hosts, or returns why it failed. */
async function writeFile(change: FileChange, user: XoUser | undefined, changeIds: string[], toRestart: string[]): Promise<string | undefined> {
  let result: ChangeResult
  try {
    result = await change.write(user)
  } catch (error) {
    return `${change.file}: ${describeError(error).message}`
  }
  if (result.outcome !== 'applied' && result.outcome !== 'unchanged') {
    return `${change.file} was not changed: ${result.outcome} (change ${result.changeId}; see each host in history)`
  }
  if (result.changeId !== null) {
    changeIds.push(result.changeId)
  }
  toRestart.push(...result.hosts.filter(wasChanged).map(row => row.host.id).filter(id => !toRestart.includes(id)))
  return undefined
}

/** Reverts the changes already written, last first; says what became of them, for the pool's reason. */
async function putBack(changeIds: readonly string[], user: XoUser | undefined, deps: PoolStepDeps): Promise<string> {
  if (changeIds.length === 0) {
    return ''
  }
  const notPutBack: string[] = []
  for (const changeId of [...changeIds].reverse()) {
    try {
      const result = await deps.revert(changeId, user)
      if (result.outcome !== 'applied' && result.outcome !== 'unchanged') {
        notPutBack.push(`change ${changeId}: revert ${result.outcome} (revert ${result.changeId})`)
      }
    } catch (error) {
      notPutBack.push(`change ${changeId}: ${describeError(error).message}`)
    }
  }
  if (notPutBack.length === 0) {
    return `; the pool's earlier files of this rollout were put back (changes ${changeIds.join(', ')} reverted)`
  }
  return `; NOT put back, revert them with xapiConfig.revert: ${notPutBack.join(' | ')}`
}

async function restartPool(run: PoolRun, deps: PoolStepDeps, hostIds: string[]): Promise<void> {
  try {
    await deps.restarter.restart({ hosts: hostIds }, {}, { user: run.user, reason: `rollout ${run.rolloutId}` })
    run.progress.restartedAt = new Date().toISOString()
    settle(run.progress, 'restarted')
  } catch (error) {
    settle(run.progress, 'failed', `its files are written; the restart failed: ${describeError(error).message}`)
  }
}

function settle(progress: PoolProgress, state: PoolState, reason?: string): void {
  progress.state = state
  if (reason === undefined) {
    delete progress.reason
  } else {
    progress.reason = reason
  }
}

function mergeHosts(written: readonly string[], changing: readonly HostRef[]): string[] {
  return [...new Set([...written, ...changing.map(host => host.id)])]
}

export interface PoolPreview {
  pool: { id: string; label: string }
  wave: number
  /** What the rollout would do: `skip` (nothing to do), `refuse`, `write`, `write and restart`, `write; restart waits for the window`. */
  would: string
  /** The hosts whose file would change, with the file before and after and the diff. */
  hosts: Array<{ host: HostRef; file: string; before: string | null; after: string | null; diff: string }>
  /** What a restart would cut (the restart would be refused for them: the pool is refused before any write). */
  risks: string[]
  /** What refuses the pool whatever: unreachable host, a file that stops XAPI, the HSTS trust rule, HA. */
  blockers: string[]
}

export async function previewPool(request: {
  pool: { id: string; label: string }
  wave: number
  changes: FileChange[]
  restart: RestartChoice
  startsNow: boolean
  restarter: Pick<RestartService, 'preflight'>
}): Promise<PoolPreview> {
  const { pool, wave, restart, startsNow } = request
  const planned = await planPool(request.changes)
  const hosts = planned.plans.flatMap(plan =>
    plan.hosts.flatMap(row => (row.ok && row.changed ? [{ host: row.host, file: plan.file, before: row.before, after: row.after, diff: row.diff }] : []))
  )
  const concerns = { risks: [] as string[], blockers: planned.refusal === undefined ? [] : [planned.refusal] }
  if (restart !== 'no' && planned.changing.length !== 0) {
    try {
      const found = restartConcerns(await request.restarter.preflight({ hosts: planned.changing.map(host => host.id) }))
      concerns.risks.push(...found.risks)
      concerns.blockers.push(...found.blockers)
    } catch (error) {
      concerns.blockers.push(`the restart check failed: ${describeError(error).message}`)
    }
  }
  return { pool, wave, would: wouldDo(planned.changing.length !== 0, concerns, restart, startsNow), hosts, ...concerns }
}

function wouldDo(changes: boolean, { risks, blockers }: { risks: string[]; blockers: string[] }, restart: RestartChoice, startsNow: boolean): string {
  if (blockers.length !== 0 || (startsNow && risks.length !== 0)) {
    return 'refuse'
  }
  if (!changes) {
    return 'skip'
  }
  return restart === 'no' ? 'write' : startsNow ? 'write and restart' : 'write; restart waits for the window'
}
