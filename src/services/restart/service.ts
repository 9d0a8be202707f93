/**
 * `services.restart`: safe toolstack restarts. The API (src/api/restart.ts) and the drop-in service
 * (the `restart: true` option of apply, removeFile, revert, setHsts and setTaskTimeout) both go through
 * this surface, which stays stable:
 *
 *   preflight(scope: RestartScope, options?: { mode?, masterFirst? }): Promise<Preflight>
 *     Reads, changes nothing: what would be lost, what forbids the restart, the order.
 *
 *   restart(scope: RestartScope, options?: RestartOptions, context?: RestartContext): Promise<RestartReport>
 *     scope:   { pool } or { hosts } (hosts of one pool)
 *     options: { mode?: 'toolstack' | 'agent', bypassTaskCheck?, masterFirst?, timeout? (s per host) }
 *     context: { user?, reason? } — who asks and what for (e.g. 'apply of change 42'); shown in the XO task
 *     Resolves with every host's outcome and duration once all are back. Throws xo-common errors:
 *       incorrectState       another restart of the pool is running, or a blocker (HA on, a host whose files
 *                            would stop XAPI, an unreachable host); data.preflight when there is one
 *       forbiddenOperation   something would be lost and bypassTaskCheck is not set; data.preflight lists it
 *       operationFailed      a host failed or did not come back in time: the roll stopped there;
 *                            data.report says which hosts restarted, which did not, and how to roll back
 *
 * The restart runs as an XO task (type `xo:xapi-config:restart`) with one step per host.
 */
import { logger } from '../../log'
import { describeOperation, PoolLocks } from '../pool-lock'
import { getPool, resolveScope, type HostTarget, type PoolTarget } from '../../xo/targets'
import { createTask, currentXoTaskId, runStep } from '../../xo/step'
import { credentialsOf, masterSession } from '../../xo/credentials'
import { DirectXapiSession, type XapiCaller, type XapiCredentials } from '../../xapi/session'
import type { Settings } from '../../settings/settings'
import type { HostAccess } from '../../ssh'
import type { Xapi, XoApp, XoTaskHandle } from '../../xo/types'
import { userName } from '../../xo/users'
import { incorrectState } from '../../xo/errors'
import type { LastKnownHosts } from '../../xo/last-known'
import { diagnose } from './diagnosis'
import { gatherFacts, OWN_TASK_TYPE_PREFIX, type FactSources } from './facts'
import { refusalReason, restartGate, type RestartGate } from './gate'
import { AgentRestarter, defaultMode, ToolstackRestarter, type RestartHostAccess } from './modes'
import { buildPreflight, describeRisks, restartOrder, type PreflightChoices } from './preflight'
import { refuseBlockers, refuseRisks, reportFailure, throwDetailed } from './refusals'
import { rollingRestart, type AgentWatch, type HostRestarter } from './rolling'
import { sshRestartAccess } from './ssh-access'
import { currentOperation } from '../../ssh/operation'
import type { XapiSshDoor } from '../xapi-ssh/door'
import { sshRestartCheck } from '../xapi-ssh/restart-check'
import type { Diagnosis, Preflight, RestartContext, RestartMode, RestartOptions, RestartReport, RestartScope } from './types'
import { agentStateReader, waitForXoObjects } from './waiter'

export interface RestartServiceDeps {
  xo: XoApp
  settings: Settings
  access: HostAccess
  /** How often a restarting host is polled; shorter in tests. */
  pollMs?: number
  /** The per-pool lock shared with the change gate. */
  locks?: PoolLocks
  /** The last known hosts: a pool XO has lost (its master down) can still be restarted over SSH. */
  lastKnown?: LastKnownHosts
  /** Records the hosts XO shows now in `lastKnown`; called before each restart. */
  rememberHosts?: () => Promise<void>
  /** The door to hosts' SSH: each host's SSH is checked after its restart and put back when the restart opened it. */
  sshDoor?: XapiSshDoor
}

export const RESTART_TASK_TYPE = `${OWN_TASK_TYPE_PREFIX}restart`

const DEFAULT_POLL_MS = 1_000
/** xo-server shows a pool again at its next event batch: about a second when its client is well, up to 60 s when not. */
const XO_OBJECTS_WAIT_MS = 3_000
/** Each call of the wait: a restarting host that accepts the connection but does not answer must not hold the poll. */
const AGENT_CALL_TIMEOUT_MS = 5_000

export class RestartService {
  readonly #xo: XoApp
  readonly #settings: Settings
  readonly #access: RestartHostAccess
  readonly #pollMs: number
  readonly #locks: PoolLocks
  readonly #lastKnown?: LastKnownHosts
  readonly #rememberHosts: () => Promise<void>
  readonly #sshDoor?: XapiSshDoor

  constructor({ xo, settings, access, pollMs = DEFAULT_POLL_MS, locks = new PoolLocks(), lastKnown, rememberHosts = async () => {}, sshDoor }: RestartServiceDeps) {
    this.#sshDoor = sshDoor
    this.#xo = xo
    this.#locks = locks
    this.#settings = settings
    this.#access = sshRestartAccess(access, settings)
    this.#pollMs = pollMs
    this.#lastKnown = lastKnown
    this.#rememberHosts = rememberHosts
  }

  async preflight(scope: RestartScope, options: Pick<RestartOptions, 'mode' | 'masterFirst'> = {}): Promise<Preflight> {
    return this.#preflight(resolveScope(this.#xo, scope, this.#lastKnown), options, { seeLock: true, callerTaskId: currentXoTaskId() })
  }

  async restart(scope: RestartScope, options: RestartOptions = {}, context: RestartContext = {}): Promise<RestartReport> {
    const callerTaskId = currentXoTaskId()
    await this.#rememberHosts()
    const target = resolveScope(this.#xo, scope, this.#lastKnown)
    const reason = context.reason ?? 'restart requested'
    const release = this.#locks.acquire(target.id, { kind: 'restart', by: userName(context.user), startedAt: Date.now(), reason })
    try {
      const preflight = await this.#preflight(target, options, { seeLock: false, callerTaskId })
      if (refusalReason(preflight, options.bypassTaskCheck === true) !== undefined) {
        return preflight.canRestart ? refuseRisks(preflight) : refuseBlockers(preflight)
      }
      return await this.#runTask(target, preflight, options, { ...context, callerTaskId })
    } finally {
      release()
    }
  }

  /** The whole scope at once, through xo-server's pool connection: what `preflightRestart` shows, and the check at the start of a restart. */
  async #preflight(target: PoolTarget, options: Pick<RestartOptions, 'mode' | 'masterFirst'>, how: { seeLock: boolean; callerTaskId?: string }): Promise<Preflight> {
    const choices = this.#choices(options, target)
    const facts = await this.#withPoolXapi(target, xapi => {
      const sources = { ...this.#factSources(how.callerTaskId, target), xapi, cache: target.lastKnown === true ? undefined : this.#cachedXapi(target.id) }
      return gatherFacts(sources, { pool: getPool(this.#xo, target.id, this.#lastKnown), hosts: target.hosts }, choices.mode)
    })
    const holder = how.seeLock ? this.#locks.holder(target.id) : undefined
    return buildPreflight({ ...facts, runningRestart: holder === undefined ? undefined : describeOperation(holder) }, choices)
  }

  #choices(options: Pick<RestartOptions, 'mode' | 'masterFirst'>, target: PoolTarget): PreflightChoices {
    const { mode, reason } = this.#mode(options.mode)
    if (target.lastKnown === true && mode !== 'toolstack') {
      const actual = `XO does not show pool ${target.label} now (its master may be down): XAPI cannot be asked to restart its hosts`
      const expected = "mode 'toolstack' (over SSH, with SSH access configured)"
      throwDetailed(() => incorrectState({ object: target.id, property: 'mode', actual, expected }), `${actual}; use ${expected}`, {})
    }
    return { mode, modeReason: reason, masterFirst: options.masterFirst }
  }

  #factSources(callerTaskId: string | undefined, target: PoolTarget): Omit<FactSources, 'xapi'> {
    const { concurrency, timeouts } = this.#settings
    const xapiMayBeDown = target.lastKnown === true
    return { xo: this.#xo, access: this.#access, concurrency, callTimeoutMs: timeouts.command * 1000, callerTaskId, xapiMayBeDown }
  }

  /** xo-server's pool connection, or, for a pool XO does not show now, the plugin's own session with its master. */
  async #withPoolXapi<T>(target: PoolTarget, fn: (xapi: XapiCaller) => Promise<T>): Promise<T> {
    if (target.lastKnown !== true) {
      return fn(this.#xo.getXapi(target.id))
    }
    const session = await this.#masterSession(target)
    try {
      return await fn(session)
    } finally {
      await session.close()
    }
  }

  #masterSession(pool: PoolTarget): Promise<DirectXapiSession> {
    return masterSession(this.#xo, pool, this.#settings.timeouts.command * 1000, this.#lastKnown)
  }

  /**
   * The gate asked before each host. It reads XAPI through the plugin's own session with the master, so
   * that it still works right after a master restart (masterFirst), when xo-server's connection waits.
   */
  #gate(pool: PoolTarget, options: RestartOptions, callerTaskId: string | undefined, session: DirectXapiSession): RestartGate {
    return restartGate({
      sources: () => ({ ...this.#factSources(callerTaskId, pool), xapi: session, cache: pool.lastKnown === true ? undefined : this.#cachedXapi(pool.id) }),
      pool,
      choices: this.#choices(options, pool),
      bypassTaskCheck: options.bypassTaskCheck === true,
    })
  }

  /** xo-server's client of the pool, or undefined while XO hides the pool (after a master restart). */
  #cachedXapi(poolId: string): Xapi | undefined {
    try {
      return this.#xo.getXapi(poolId)
    } catch {
      return undefined
    }
  }

  #mode(requested: RestartMode | undefined): { mode: RestartMode; reason: string } {
    return requested === undefined ? defaultMode(this.#access) : { mode: requested, reason: 'asked by the caller' }
  }

  async #runTask(target: PoolTarget, preflight: Preflight, options: RestartOptions, context: RestartContext & { callerTaskId?: string }): Promise<RestartReport> {
    const task = createTask(this.#xo, {
      name: `Restart the toolstack of ${target.label}`,
      objectId: target.id,
      type: RESTART_TASK_TYPE,
      mode: preflight.mode,
      reason: context.reason,
    })
    return task.run(async () => {
      const bypassed = preflight.needsBypass ? logBypass(task, preflight, context) : undefined
      const report = await this.#roll(target, { ...options, mode: preflight.mode }, context.callerTaskId, task)
      const result = { ...report, bypassed }
      return result.ok ? result : reportFailure(result)
    })
  }

  async #roll(target: PoolTarget, options: RestartOptions & { mode: RestartMode }, callerTaskId: string | undefined, task: XoTaskHandle): Promise<RestartReport> {
    const { mode } = options
    const wholePool = getPool(this.#xo, target.id, this.#lastKnown)
    const credentials = await credentialsOf(this.#xo, wholePool, this.#lastKnown)
    const session = await this.#masterSession(wholePool)
    const hosts = restartOrder(target.hosts, options.masterFirst === true)
    const startedAt = Date.now()
    let done = 0
    const rows = await rollingRestart(hosts, {
      gate: this.#gate(wholePool, options, callerTaskId, session),
      restarter: this.#restarter(mode, target),
      watchAgent: host => watchAgentDirectly(host, credentials),
      diagnose: host => this.#diagnose(host),
      step: async (host, fn) => {
        const row = await runStep({ name: `Restart ${host.label}${host.isMaster ? ' (master)' : ''}`, objectId: host.id }, fn)
        task.set('progress', Math.round((++done / hosts.length) * 100))
        return row
      },
      timeoutMs: (options.timeout ?? this.#settings.timeouts.restart) * 1000,
      pollMs: this.#pollMs,
      ssh: this.#sshDoor === undefined ? undefined : sshRestartCheck(this.#sshDoor, session, this.#settings.timeouts.command * 1000, { ...currentOperation()?.context }),
    }).finally(() => session.close())
    const masterRestarted = rows.some(row => row.host.isMaster && row.outcome === 'restarted')
    const visible = !masterRestarted || (await this.#waitForPoolObjects(target))
    return {
      pool: { id: target.id, label: target.label },
      mode,
      ok: rows.every(row => row.outcome === 'restarted'),
      durationMs: Date.now() - startedAt,
      hosts: rows,
      warnings: visible
        ? undefined
        : [
            `XO does not show pool ${target.label} again yet: it will once its own connection to the master is back ` +
              "(xo-server waits up to its event poll delay, 60 s by default); the restart itself is done",
          ],
    }
  }

  /**
   * XO hides a pool's objects after its master restarted. A short, bounded wait (a step of its own) lets
   * the next call find them in the usual case; when XO takes longer, the report says so and the restart
   * still succeeded.
   */
  #waitForPoolObjects(target: PoolTarget): Promise<boolean> {
    const ids = [target.id, ...target.hosts.map(host => host.id)]
    return runStep({ name: `Wait for XO to show ${target.label} again`, objectId: target.id }, () =>
      waitForXoObjects(this.#xo, ids, Date.now() + XO_OBJECTS_WAIT_MS, Math.min(this.#pollMs, 250))
    )
  }

  #restarter(mode: RestartMode, target: PoolTarget): HostRestarter {
    return mode === 'toolstack' ? new ToolstackRestarter(this.#access) : new AgentRestarter(this.#xo.getXapi(target.id))
  }

  async #diagnose(host: HostTarget): Promise<Diagnosis> {
    const unavailable = this.#access.unavailableReason()
    if (unavailable !== undefined) {
      return diagnose(host, undefined, unavailable)
    }
    try {
      return diagnose(host, await this.#access.predictStartup(host))
    } catch (error) {
      return diagnose(host, undefined, error instanceof Error ? error.message : String(error))
    }
  }
}

/** The host's agent state through the plugin's own session with that host, closed when the host is done. */
function watchAgentDirectly(host: HostTarget, credentials: XapiCredentials): AgentWatch {
  const session = new DirectXapiSession(host.address, credentials, AGENT_CALL_TIMEOUT_MS)
  return { read: agentStateReader(session, host.xapiRef), close: () => session.close() }
}

/** Records who went on although something would be lost, and what: in xo-server's log and in the XO task. */
function logBypass(task: XoTaskHandle, preflight: Preflight, context: RestartContext): NonNullable<RestartReport['bypassed']> {
  const bypassed = {
    by: userName(context.user),
    tasks: preflight.tasksAtRisk.filter(risk => risk.blocking).length,
    jobs: preflight.jobs.filter(job => job.concernsPool).length,
    vmTransfers: preflight.vmTransfers.length,
    xoTasks: preflight.xoTasks.length,
  }
  const message = `toolstack restart of pool ${preflight.pool.label}: task check bypassed by ${bypassed.by ?? 'an unknown user'}`
  logger.warn(message, { poolId: preflight.pool.id, userId: context.user?.id, reason: context.reason, risks: describeRisks(preflight) })
  task.warning(message, {
    ...bypassed,
    tasksAtRisk: preflight.tasksAtRisk,
    vmTransfers: preflight.vmTransfers,
    jobs: preflight.jobs,
    xoTasks: preflight.xoTasks,
  })
  return bypassed
}
