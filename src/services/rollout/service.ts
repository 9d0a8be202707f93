// `services.rollout`: one change over many pools, a canary first, then waves of `poolsAtOnce` pools, each
// pool planned, written all or nothing through the change gate and restarted through the restart service
// (its gate asked before each host), exactly as the single-pool methods do. The rollout reserves its
// pools (src/services/pool-lock.ts): any other call on them is refused naming it. It stops at the first
// pool that fails or is refused (the canary always; later pools after `maxFailedPools`), and journals
// what each pool reached, so that `resume` goes on after a stop, a window, or xo-server's restart.
//
//   preview(params): the whole plan, per pool (hosts changing, risks, blockers, wave); writes nothing.
//   run(params, context): RolloutResult        resume(id, context): RolloutResult
import { randomUUID } from 'node:crypto'
import { mapBounded } from '../../util/bounded'
import { incorrectState, invalidParameters, noSuchObject, paramError } from '../../xo/errors'
import { createTask, nestingTasks } from '../../xo/step'
import { getPool, getPools } from '../../xo/targets'
import type { XoApp } from '../../xo/types'
import { userName, userRecord } from '../../xo/users'
import type { DropInService } from '../dropins'
import type { HstsService } from '../hsts/service'
import type { PoolLocks } from '../pool-lock'
import type { RestartService } from '../restart/service'
import { changeForm, type ChangeForm } from './forms'
import { RolloutJournal } from './journal'
import { rolloutOrder, type RolloutOrder } from './order'
import { previewPool, runPool, type PoolRun, type PoolPreview } from './pool-step'
import type { PoolProgress, RestartChoice, RolloutContext, RolloutParams, RolloutRecord, RolloutStatus } from './types'
import { checkWindow, describeWindow, isInsideWindow, type RestartWindow } from './window'

export const ROLLOUT_TASK_TYPE = 'xo:xapi-config:rollout'
export const DEFAULT_POOLS_AT_ONCE = 1

export interface RolloutServiceDeps {
  xo: XoApp
  dataDir: string
  concurrency: number
  dropIns: DropInService
  hsts: HstsService
  restart: RestartService
  locks: PoolLocks
  /** The clock the restart window is read with; tests move it. */
  now?: () => Date
}

export interface RolloutSummary {
  /** Pools whose files this call wrote. */
  written: string[]
  changed: string[]
  restarted: string[]
  skipped: string[]
  deferred: string[]
  refused: string[]
  failed: string[]
  notReached: string[]
}

export interface RolloutResult {
  rolloutId: string
  status: RolloutStatus
  change: string
  restart: RestartChoice
  window?: string
  canary: string
  pools: PoolProgress[]
  summary: RolloutSummary
}

export interface RolloutPreview {
  preview: true
  change: string
  restart: RestartChoice
  window?: string
  /** With `restart: window`: whether restarts could start now. */
  insideWindowNow?: boolean
  canary: string
  waves: Array<Array<{ id: string; label: string }>>
  pools: PoolPreview[]
}

interface Prepared {
  form: ChangeForm
  order: RolloutOrder
  restart: RestartChoice
  window?: RestartWindow
  poolsAtOnce: number
  maxFailedPools: number
}

export class RolloutService {
  readonly #deps: RolloutServiceDeps
  readonly #journal: RolloutJournal
  #closed = false

  constructor(deps: RolloutServiceDeps) {
    this.#deps = deps
    this.#journal = new RolloutJournal(deps.dataDir)
  }

  /** The rollouts of the journal, newest first (`history` lists them with the changes). */
  async history(limit: number): Promise<RolloutRecord[]> {
    return (await this.#journal.rollouts()).reverse().slice(0, limit)
  }

  /** The plugin unloads: running rollouts stop before their next step and stay `running` on disk (read as `interrupted`). */
  close(): void {
    this.#closed = true
    this.#journal.close()
  }

  async preview(params: RolloutParams): Promise<RolloutPreview> {
    const prepared = this.#prepare(params)
    const { order, restart, window } = prepared
    const startsNow = this.#restartStartsNow(prepared)
    const waves = order.waves.map((wave, index) => wave.map(poolId => ({ poolId, wave: index })))
    const pools = await mapBounded(waves.flat(), this.#deps.concurrency, ({ poolId, wave }) =>
      previewPool({ pool: labelled(this.#deps.xo, poolId), wave, changes: prepared.form.changesOf(poolId), restart, startsNow, restarter: this.#deps.restart })
    )
    return {
      preview: true,
      change: prepared.form.name,
      restart,
      ...(window === undefined ? {} : { window: describeWindow(window), insideWindowNow: startsNow }),
      canary: order.canary,
      waves: order.waves.map(wave => wave.map(id => labelled(this.#deps.xo, id))),
      pools,
    }
  }

  async run(params: RolloutParams, context: RolloutContext): Promise<RolloutResult> {
    if (params.resume !== undefined) {
      return this.resume(params, context)
    }
    const prepared = this.#prepare(params)
    const { order, form } = prepared
    const { preview: _preview, resume: _resume, ...request } = params
    const record: RolloutRecord = {
      id: randomUUID(),
      kind: 'rollout',
      at: new Date().toISOString(),
      user: userRecord(context.user),
      request: structuredClone(request),
      change: form.name,
      status: 'running',
      canary: order.canary,
      pools: order.waves.flatMap((wave, index) => wave.map(id => ({ pool: labelled(this.#deps.xo, id), wave: index, state: 'not-reached' as const }))),
    }
    return this.#drive(record, prepared, context)
  }

  /** Goes on with a stopped, partial, waiting or interrupted rollout, checking every pool again first. */
  async resume({ resume, ...others }: RolloutParams, context: RolloutContext): Promise<RolloutResult> {
    const extra = Object.keys(others).filter(key => others[key as keyof typeof others] !== undefined)
    if (extra.length !== 0) {
      invalidParameters(`resume takes no other param: the rollout goes on as it was asked (${extra.join(', ')})`, [paramError(extra[0], 'not with resume')])
    }
    const record = await this.#journal.get(resume!)
    if (record === undefined) {
      return noSuchObject(resume!, 'rollout')
    }
    if (record.status === 'done' || this.#journal.isRunning(record.id)) {
      incorrectState({ object: record.id, property: 'status', actual: this.#journal.isRunning(record.id) ? 'running' : record.status, expected: 'stopped, partial, waiting or interrupted' })
    }
    const prepared = this.#prepare(record.request, record.pools.map(progress => progress.pool.id))
    const resumed: RolloutRecord = { ...record, status: 'running', finishedAt: undefined, resumedAt: [...(record.resumedAt ?? []), new Date().toISOString()] }
    return this.#drive(resumed, { ...prepared, order: orderOf(record) }, context)
  }

  /** Every check of the input, before any pool is touched: invalidParameters, noSuchObject. */
  #prepare(params: Omit<RolloutParams, 'preview' | 'resume'>, journaledPools?: string[]): Prepared {
    const change = params.change ?? invalidParameters('give `change` (or `resume`)', [paramError('change', 'required unless resume')])
    const form = changeForm(change, { dropIns: this.#deps.dropIns, hsts: this.#deps.hsts, connectedPools: () => getPools(this.#deps.xo).map(pool => pool.id) })
    form.check()
    const restart = params.restart ?? 'now'
    const window = checkRestartWindow(restart, params.window)
    const poolIds = journaledPools ?? uniquePools(params.pools ?? form.defaultPools())
    const sizes = poolIds.map(id => {
      const pool = getPool(this.#deps.xo, id)
      form.checkPool(id)
      return { id, label: pool.label, hostCount: pool.hosts.length }
    })
    const poolsAtOnce = params.poolsAtOnce ?? DEFAULT_POOLS_AT_ONCE
    const order = rolloutOrder(sizes, { canary: params.canary, poolsAtOnce })
    return { form, order, restart, window, poolsAtOnce, maxFailedPools: params.maxFailedPools ?? 0 }
  }

  #restartStartsNow({ restart, window }: Pick<Prepared, 'restart' | 'window'>): boolean {
    return restart === 'now' || (restart === 'window' && isInsideWindow(window!, (this.#deps.now ?? (() => new Date()))()))
  }

  /** Reserves the pools, runs the waves as one XO task, journals each pool's step; always returns the result. */
  async #drive(record: RolloutRecord, prepared: Prepared, context: RolloutContext): Promise<RolloutResult> {
    const { locks, xo } = this.#deps
    const poolIds = record.pools.map(progress => progress.pool.id)
    const reason = `rollout ${record.id} (${record.change} over ${poolIds.length} pools)`
    const releases = locks.reserve(poolIds, record.id, { kind: 'rollout', by: userName(context.user), startedAt: Date.now(), reason })
    const written = new Set<string>()
    try {
      await this.#journal.record(record)
      const task = createTask(xo, { name: `XAPI configuration rollout: ${record.change} over ${poolIds.length} pools`, type: ROLLOUT_TASK_TYPE, rolloutId: record.id })
      await task
        .run(() =>
          nestingTasks(() =>
            locks.asRollout(record.id, async () => {
              record.status = await this.#waves(record, prepared, context, { written, releases, progress: done => task.set('progress', Math.round((done / poolIds.length) * 100)) })
              if (record.status === 'stopped') {
                throw new Error(`the rollout stopped: ${stopReason(record)}`)
              }
              return resultOf(record, prepared, written)
            })
          )
        )
        .catch(error => {
          if (!isStopped(record)) {
            throw error
          }
        })
      record.finishedAt = new Date().toISOString()
      await this.#journal.record(record)
      return resultOf(record, prepared, written)
    } finally {
      for (const release of releases.values()) {
        release()
      }
    }
  }

  async #waves(
    record: RolloutRecord,
    prepared: Prepared,
    context: RolloutContext,
    how: { written: Set<string>; releases: Map<string, () => void>; progress(done: number): void }
  ): Promise<RolloutStatus> {
    let failures = 0
    let done = 0
    for (const [index, wave] of prepared.order.waves.entries()) {
      const pools = record.pools.filter(progress => wave.includes(progress.pool.id))
      await mapBounded(pools, prepared.poolsAtOnce, async progress => {
        this.#refuseIfClosed()
        const run: PoolRun = { progress, changes: prepared.form.changesOf(progress.pool.id), restart: prepared.restart, user: context.user, rolloutId: record.id }
        await runPool(run, {
          restarter: this.#deps.restart,
          startsNow: () => this.#restartStartsNow(prepared),
          stillRunning: () => this.#refuseIfClosed(),
          record: () => this.#journal.recordPool(record.id, progress),
          revert: (changeId, user) => this.#deps.dropIns.revert({ changeId, restart: false }, { user }),
        })
        if (progress.written !== undefined && run.wroteNow === true) {
          how.written.add(progress.pool.id)
        }
        how.releases.get(progress.pool.id)?.()
        how.progress(++done)
        await this.#journal.recordPool(record.id, progress)
      })
      failures += pools.filter(progress => progress.state === 'failed' || progress.state === 'refused').length
      if (failures > (index === 0 ? 0 : prepared.maxFailedPools)) {
        return 'stopped'
      }
    }
    if (failures !== 0) {
      return 'partial'
    }
    return record.pools.some(progress => progress.state === 'restart-pending') ? 'waiting' : 'done'
  }

  /** After unload, a rollout does nothing more: what it leaves journaled is what xo-server's death would. */
  #refuseIfClosed(): void {
    if (this.#closed) {
      throw new Error('the plugin was unloaded during the rollout: resume it with xapiConfig.rollout resume=<id>')
    }
  }
}

function checkRestartWindow(restart: RestartChoice, window: RestartWindow | undefined): RestartWindow | undefined {
  if ((restart === 'window') !== (window !== undefined)) {
    invalidParameters('`window` goes with `restart: window`, and only with it', [paramError('window', 'required with restart=window, refused otherwise')])
  }
  return window === undefined ? undefined : checkWindow(window)
}

function uniquePools(ids: readonly string[]): string[] {
  if (new Set(ids).size !== ids.length) {
    invalidParameters('a pool is listed twice', [paramError('pools', 'duplicate pool')])
  }
  if (ids.length === 0) {
    invalidParameters('the rollout has no pool: XO shows none, or the desired state targets none', [paramError('pools', 'no pool')])
  }
  return [...ids]
}

/** A resumed rollout keeps the order it was journaled with. */
function orderOf(record: RolloutRecord): RolloutOrder {
  const waves: string[][] = []
  for (const { pool, wave } of record.pools) {
    ;(waves[wave] ??= []).push(pool.id)
  }
  return { canary: record.canary, waves: waves.filter(wave => wave !== undefined) }
}

function labelled(xo: XoApp, poolId: string): { id: string; label: string } {
  return { id: poolId, label: getPool(xo, poolId).label }
}

function resultOf(record: RolloutRecord, prepared: Prepared, written: Set<string>): RolloutResult {
  const having = (...states: PoolProgress['state'][]) => record.pools.filter(progress => states.includes(progress.state)).map(progress => progress.pool.id)
  return {
    rolloutId: record.id,
    status: record.status,
    change: record.change,
    restart: prepared.restart,
    ...(prepared.window === undefined ? {} : { window: describeWindow(prepared.window) }),
    canary: record.canary,
    pools: record.pools,
    summary: {
      written: [...written],
      changed: having('changed'),
      restarted: having('restarted'),
      skipped: having('skipped'),
      deferred: having('restart-pending'),
      refused: having('refused'),
      failed: having('failed'),
      notReached: having('not-reached'),
    },
  }
}

function isStopped(record: RolloutRecord): boolean {
  return record.status === 'stopped'
}

function stopReason(record: RolloutRecord): string {
  return record.pools
    .filter(progress => progress.state === 'failed' || progress.state === 'refused')
    .map(progress => `${progress.pool.label} ${progress.state}: ${progress.reason}`)
    .join('; ')
}
