// One host's XAPI process, as systemd runs it: reads its configuration at every start (and
// stays down when that fails, as systemd gives up after its retries), listens on 443/80,
// completes its initialisation a little later (the init-complete cookie, host.enabled) and
// drops every connection when it stops.
import * as fs from 'node:fs'
import * as path from 'node:path'

import type { RestartOutcome, SimHost, XapiState } from '../contract'
import { dispatch } from './api/methods'
import { readXapiConfig } from './conf/read-config'
import { settingsOf, type XapiSettings } from './conf/settings'
import { HostFrontend } from './http/frontend'
import type { SimulatedPool } from './pool'
import { HostSsh } from './ssh/host-ssh'
import type { TaskTimeouts } from './tasks'

export interface AgentTimings {
  /** Real ms between the old XAPI's stop and the new one's start. */
  stopMs: number
  /** Real ms from "listening" to "init complete". */
  initMs: number
  /** host.restart_agent runs xe-toolstack-restart this many real ms after answering (1 s in XAPI). */
  restartAgentDelayMs: number
}

export const DEFAULT_TIMINGS: AgentTimings = { stopMs: 200, initMs: 700, restartAgentDelayMs: 1000 }

/** The cookie xapi-init removes at every stop and start. */
const INIT_COMPLETE_COOKIE = '/var/run/xapi_init_complete.cookie'

export class RestartInProgressError extends Error {
  constructor(hostUuid: string) {
    super(`a toolstack restart of host ${hostUuid} is already running`)
  }
}

export class HostAgent {
  private currentState: XapiState = 'down'
  private failure: { exitCode: 1 | 2; stderr: string } | undefined
  /** Why the last start could not bind 443/80, if it could not. */
  bindError: Error | undefined
  private settings: XapiSettings | undefined
  private transition: Promise<unknown> | undefined
  private initTimer: NodeJS.Timeout | undefined
  private initialisation: { done: Promise<void>; settle(): void } | undefined
  private readonly pendingRestarts = new Set<NodeJS.Timeout>()
  private readonly frontend: HostFrontend
  /** The host's SSH as this XAPI manages it, with the monitor service beside it. */
  readonly ssh: HostSsh
  slowMs = 0

  constructor(
    readonly host: SimHost,
    private readonly pool: SimulatedPool,
    private readonly timings: AgentTimings
  ) {
    this.frontend = new HostFrontend({
      address: host.address,
      tls: host.tls,
      wwwDir: host.wwwDir,
      settings: () => this.runningSettings(),
      slowMs: () => this.slowMs,
      dispatch: (method, params, signal) => dispatch({ pool, agent: this, signal }, method, params),
    })
    this.ssh = new HostSsh({ host, hostRef: this.hostRef, db: pool.db, clock: pool.clock, xapiState: () => this.state })
  }

  get hostRef(): string {
    return this.pool.hostRef(this.host.uuid)
  }

  get state(): XapiState {
    return this.currentState
  }

  get running(): boolean {
    return this.currentState !== 'down'
  }

  /** What `systemctl status` would tell: the state, and why XAPI last failed to start. */
  status(): RestartOutcome {
    return this.running || this.failure === undefined ? { state: this.currentState } : { state: 'down', ...this.failure }
  }

  taskTimeouts(): TaskTimeouts {
    const { pendingTaskTimeout, completedTaskTimeout } = this.runningSettings()
    return { pendingTaskTimeout, completedTaskTimeout }
  }

  /** systemctl start xapi. */
  start(): Promise<RestartOutcome> {
    return this.exclusive(() => this.startXapi())
  }

  /** systemctl stop xapi. */
  stop(): Promise<void> {
    return this.exclusive(() => this.stopXapi())
  }

  /**
   * xe-toolstack-restart: stop, start, and answer once XAPI runs again (before its
   * initialisation completes) or failed to start. Refused while another restart runs.
   */
  restart(): Promise<RestartOutcome> {
    if (this.transition !== undefined) return Promise.reject(new RestartInProgressError(this.host.uuid))
    return this.exclusive(async () => {
      await this.stopXapi()
      await new Promise(resolve => setTimeout(resolve, this.timings.stopMs))
      return this.startXapi()
    })
  }

  /** host.restart_agent: the restart runs a moment after the call answered; a clash is silent. */
  scheduleRestart(): void {
    const timer = setTimeout(() => {
      this.pendingRestarts.delete(timer)
      // A restart already running makes xe-toolstack-restart exit at its lock: nothing to report.
      this.restart().catch((error: unknown) => {
        if (!(error instanceof RestartInProgressError)) throw error
      })
    }, this.timings.restartAgentDelayMs)
    this.pendingRestarts.add(timer)
  }

  async close(): Promise<void> {
    for (const timer of this.pendingRestarts) clearTimeout(timer)
    await this.transition?.catch(() => undefined)
    await this.stopXapi()
    this.ssh.close()
  }

  private runningSettings(): XapiSettings {
    if (this.settings === undefined) throw new Error(`XAPI of host ${this.host.uuid} is not running`)
    return this.settings
  }

  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = (this.transition ?? Promise.resolve()).catch(() => undefined).then(operation)
    const tracked = run.finally(() => {
      if (this.transition === tracked) this.transition = undefined
    })
    this.transition = tracked
    return run
  }

  private async startXapi(): Promise<RestartOutcome> {
    if (this.running) return { state: 'up' }
    this.removeCookie(INIT_COMPLETE_COOKIE)
    const xapiVersion = this.host.softwareVersion.xapi_build.split('.').map(Number)
    const outcome = readXapiConfig({ etcDir: this.host.etcDir, xapiVersion })
    if (!outcome.started) {
      this.failure = { exitCode: outcome.exitCode, stderr: outcome.stderr }
      return this.status()
    }
    this.failure = undefined
    this.settings = settingsOf(outcome.values)
    try {
      await this.frontend.listen()
    } catch (error) {
      // XAPI cannot bind its ports (another process holds the address): it exits.
      this.settings = undefined
      this.bindError = error as Error
      this.failure = { exitCode: 1, stderr: `${this.bindError.message}\n` }
      return this.status()
    }
    this.bindError = undefined
    this.currentState = 'starting'
    this.pool.onXapiStarted(this)
    const sshSynced = this.ssh.onXapiStarted().catch(() => undefined)
    let settle = () => {}
    const done = new Promise<void>(resolve => (settle = resolve))
    const initialisation = { done, settle }
    this.initialisation = initialisation
    this.initTimer = setTimeout(() => {
      void sshSynced.then(() => {
        // Unless XAPI stopped meanwhile.
        if (this.initialisation === initialisation && this.running) this.completeInit()
      })
    }, this.timings.initMs)
    return { state: 'up' }
  }

  /** Resolves when the running XAPI completed its initialisation, or stopped before that. */
  initialised(): Promise<void> {
    return this.initialisation?.done ?? Promise.resolve()
  }

  private completeInit(): void {
    this.currentState = 'up'
    this.pool.onInitComplete(this)
    const cookie = this.localRunPath(this.runningSettings().initCompleteCookie)
    if (cookie !== undefined) fs.writeFileSync(cookie, '')
    this.initialisation?.settle()
  }

  private async stopXapi(): Promise<void> {
    if (!this.running) return
    clearTimeout(this.initTimer)
    this.initialisation?.settle()
    this.removeCookie(INIT_COMPLETE_COOKIE)
    this.ssh.onXapiStopping()
    this.pool.onXapiStopping(this)
    this.currentState = 'down'
    this.settings = undefined
    await this.frontend.close()
  }

  private removeCookie(hostPath: string): void {
    const local = this.localRunPath(hostPath)
    if (local !== undefined) fs.rmSync(local, { force: true })
  }

  /** The host's /var/run (also reached as /run) is its runDir; other paths are not simulated. */
  private localRunPath(hostPath: string): string | undefined {
    const prefix = ['/var/run/', '/run/'].find(candidate => hostPath.startsWith(candidate))
    return prefix === undefined ? undefined : path.join(this.host.runDir, hostPath.slice(prefix.length))
  }
}
