// One host's SSH as XAPI manages it (xen-api xapi_host.ml enable_ssh … set_ssh_auto_mode): the
// host's sshd, XAPI's one-shot "Disable SSH" job on the lab clock (in XAPI's memory: lost when XAPI
// stops, re-scheduled when it starts) and the xapi-ssh-monitor service, which runs apart from XAPI
// while auto mode is on. See docs/xapi-simulator.md "SSH".
import type { HostSshState, SoftwareVersion, SshService, XapiState } from '../../contract'
import { XapiError } from '../api/errors'
import type { LabClock, LabTimer } from '../clock'
import type { PoolDatabase } from '../db/database'
import { EPOCH, parseXapiDateTime, xapiDateTime } from '../db/records'
import { hasSshFeature } from './features'
import { MAX_SSH_ENABLED_TIMEOUT } from './fields'
import { RememberedSshService } from './remembered-sshd'

/** xapi-ssh-monitor checks XAPI's health once a minute. */
export const SSH_MONITOR_PERIOD_MS = 60_000

export interface HostSshContext {
  host: { uuid: string; softwareVersion: SoftwareVersion; sshd?: SshService; ssh?: HostSshState }
  hostRef: string
  db: PoolDatabase
  clock: LabClock
  xapiState(): XapiState
}

/** What `systemctl is-active` would say of the host's SSH services, and XAPI's pending job. */
export interface SshServicesState {
  sshd: boolean
  monitor: boolean
  /** When XAPI's "Disable SSH" job runs, in lab ms; undefined when none is queued. */
  disableJobDueMs?: number
}

const invalidValue = (field: string, value: number) => new XapiError('INVALID_VALUE', [field, String(value)])
const wholeSeconds = (ms: number) => Math.floor(ms / 1000)

export class HostSsh {
  readonly sshd: SshService
  private disableJob: { timer: LabTimer; dueMs: number } | undefined
  private monitor: LabTimer | undefined
  private queue: Promise<unknown> = Promise.resolve()

  constructor(private readonly context: HostSshContext) {
    this.sshd = context.host.sshd ?? new RememberedSshService(context.host.ssh?.enabled ?? true)
  }

  get managed(): boolean {
    return hasSshFeature(this.context.host.softwareVersion, 'timeouts')
  }

  services(): SshServicesState {
    const state: SshServicesState = { sshd: this.sshd.isActive(), monitor: this.monitor !== undefined }
    return this.disableJob === undefined ? state : { ...state, disableJobDueMs: this.disableJob.dueMs }
  }

  /** Before the host's XAPI first starts: a host whose SSH starts disabled has its sshd stopped. */
  async prepare(): Promise<void> {
    if (this.managed && this.context.host.ssh?.enabled === false) await this.sshd.stop()
  }

  // host.enable_ssh and the other calls, as XAPI runs them.

  enable(): Promise<void> {
    return this.serial(async () => {
      const autoModeBefore = this.field('ssh_auto_mode', false)
      this.setAutoMode(false)
      await this.startSshd()
      const timeout = this.field('ssh_enabled_timeout', 0)
      if (timeout === 0) {
        this.cancelDisableJob()
        this.setFields({ ssh_expiry: EPOCH })
      } else {
        this.expireIn(timeout, autoModeBefore)
      }
      this.setFields({ ssh_enabled: true })
    })
  }

  disable(): Promise<void> {
    return this.serial(() => this.disableNow())
  }

  setEnabledTimeout(seconds: number): Promise<void> {
    if (seconds < 0 || seconds > MAX_SSH_ENABLED_TIMEOUT) throw invalidValue('ssh_enabled_timeout', seconds)
    return this.serial(async () => {
      this.setFields({ ssh_enabled_timeout: seconds })
      if (!this.field('ssh_enabled', false)) return
      if (seconds === 0) {
        this.cancelDisableJob()
        this.setFields({ ssh_expiry: EPOCH })
      } else {
        this.expireIn(seconds, false)
      }
    })
  }

  setConsoleIdleTimeout(seconds: number): void {
    if (seconds < 0) throw invalidValue('console_timeout', seconds)
    this.setFields({ console_idle_timeout: seconds })
  }

  /** true: the monitor runs (one pass at once); false: it stops, sshd is left as it is. */
  setAutoMode(on: boolean): void {
    this.setFields({ ssh_auto_mode: on })
    if (on) this.startMonitor()
    else this.stopMonitor()
  }

  // XAPI's own start and stop.

  /** dbsync's sync_ssh_status, then the periodic scheduler's: the disable job is re-scheduled, or runs now if it is overdue. */
  onXapiStarted(): Promise<void> {
    if (!this.managed) return Promise.resolve()
    return this.serial(async () => {
      this.setFields({ ssh_enabled: this.sshd.isActive() })
      if (this.field('ssh_auto_mode', false) && this.monitor === undefined) this.setAutoMode(true)
      if (this.field('ssh_enabled_timeout', 0) <= 0) return
      const remaining = wholeSeconds(parseXapiDateTime(this.field('ssh_expiry', EPOCH))) - wholeSeconds(this.context.clock.now())
      if (remaining > 0) {
        this.scheduleDisableJob(remaining, true)
      } else if (this.sshd.isActive()) {
        await this.disableNow()
        this.setAutoMode(true)
      }
    })
  }

  /** The job lives in XAPI's memory. */
  onXapiStopping(): void {
    this.cancelDisableJob()
  }

  close(): void {
    this.cancelDisableJob()
    this.stopMonitor()
  }

  private async disableNow(): Promise<void> {
    this.cancelDisableJob()
    await this.disableSshd()
    this.setFields({ ssh_expiry: xapiDateTime(this.context.clock.now()) })
  }

  /** disable_ssh_internal: stops sshd and records it; the expiry is left alone. */
  private async disableSshd(): Promise<void> {
    try {
      await this.sshd.stop()
    } catch {
      throw new XapiError('INTERNAL_ERROR', [`Failed to disable SSH access, host: ${this.context.hostRef}`])
    }
    this.setFields({ ssh_enabled: false })
  }

  private async startSshd(): Promise<void> {
    try {
      await this.sshd.start()
    } catch {
      throw new XapiError('INTERNAL_ERROR', [`Failed to enable SSH access, host: ${this.context.hostRef}`])
    }
  }

  private expireIn(seconds: number, restoreAutoMode: boolean): void {
    this.setFields({ ssh_expiry: xapiDateTime(this.context.clock.now() + seconds * 1000) })
    this.scheduleDisableJob(seconds, restoreAutoMode)
  }

  private scheduleDisableJob(seconds: number, restoreAutoMode: boolean): void {
    this.cancelDisableJob()
    const dueMs = this.context.clock.now() + seconds * 1000
    const timer = this.context.clock.at(dueMs, () =>
      this.serial(async () => {
        this.disableJob = undefined
        await this.disableSshd()
        if (restoreAutoMode) this.setAutoMode(true)
      })
    )
    this.disableJob = { timer, dueMs }
  }

  private cancelDisableJob(): void {
    this.disableJob?.timer.cancel()
    this.disableJob = undefined
  }

  // xapi-ssh-monitor

  private startMonitor(): void {
    if (this.monitor !== undefined || !hasSshFeature(this.context.host.softwareVersion, 'autoMode')) return
    this.monitor = this.context.clock.every(SSH_MONITOR_PERIOD_MS, () => this.monitorPass())
    this.context.clock.track(this.monitorPass())
  }

  private stopMonitor(): void {
    this.monitor?.cancel()
    this.monitor = undefined
  }

  /** XAPI healthy and sshd running: host.disable_ssh. XAPI down and sshd stopped: start sshd (the DB is out of reach). */
  private monitorPass(): Promise<void> {
    return this.serial(async () => {
      if (this.monitor === undefined) return
      const state = this.context.xapiState()
      if (state === 'up' && this.sshd.isActive()) await this.disableNow()
      else if (state === 'down' && !this.sshd.isActive()) await this.sshd.start()
    })
  }

  // The host record

  private field<T>(name: string, fallback: T): T {
    const record = this.context.db.get('host', this.context.hostRef)
    return record !== undefined && name in record ? (record[name] as T) : fallback
  }

  /** Writes the fields this host's XAPI version has. */
  private setFields(changes: Record<string, unknown>): void {
    const record = this.context.db.get('host', this.context.hostRef)
    const present = Object.entries(changes).filter(([name, value]) => record !== undefined && name in record && record[name] !== value)
    if (present.length > 0) this.context.db.update('host', this.context.hostRef, Object.fromEntries(present))
  }

  /** One operation at a time: sshd cannot start and stop at once. */
  private serial(operation: () => Promise<void>): Promise<void> {
    const run = this.queue.catch(() => undefined).then(operation)
    this.queue = run
    return run
  }
}
