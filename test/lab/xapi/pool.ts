// One simulated pool: the database its master's XAPI holds (records, sessions, tasks), the XAPI
// of each of its hosts, and what the master does when a host's XAPI stops and starts
// (reference §5.4–5.6: tasks dropped, `enabled` and `agent_start_time` updated).
import { randomUUID } from 'node:crypto'

import type { ProgressMode, SimPool, SoftwareVersion, TaskSpec, VmOperationSpec } from '../contract'
import { HostAgent, type AgentTimings } from './agent'
import { XapiError, handleInvalid, sessionInvalid } from './api/errors'
import type { LabClock, LabTimer } from './clock'
import { PoolDatabase } from './db/database'
import {
  apiVersion,
  hostMetricsRecord,
  hostRecord,
  poolRecord,
  taskRecord,
  unixTimeString,
  xapiDateTime,
} from './db/records'
import { vmRecord } from './db/vm-record'
import { GC_PERIOD_MS, TaskCollector } from './tasks'

export const CLASSES = ['pool', 'host', 'host_metrics', 'task', 'VM', 'SR'] as const

// A 'moving' task's progress grows by this much at every GC period: it never stalls for ~1M periods.
const MOVING_STEP = 1e-6
const BOOTED_BEFORE_LAB_MS = 86_400_000

export class SimulatedPool {
  readonly db = new PoolDatabase(CLASSES)
  readonly ref = newRef()
  readonly agents: HostAgent[]
  private readonly hostRefs = new Map<string, string>()
  private readonly sessions = new Map<string, string>()
  /** Tasks the lab created to stand for a running operation (an export, a migration…), by progress mode. */
  private readonly operations = new Map<string, ProgressMode>()
  /** VM whose `current_operations` holds each task's operation. */
  private readonly vmOfTask = new Map<string, string>()
  private readonly collector = new TaskCollector(this.db, ref => this.destroyTask(ref))
  private gcTimer: LabTimer | undefined

  constructor(
    readonly spec: SimPool,
    readonly clock: LabClock,
    timings: AgentTimings
  ) {
    if (spec.hosts.length === 0) throw new Error(`pool ${spec.uuid} has no host`)
    const bootTime = unixTimeString(clock.now() - BOOTED_BEFORE_LAB_MS)
    for (const host of spec.hosts) {
      const ref = newRef()
      const metricsRef = newRef()
      this.hostRefs.set(host.uuid, ref)
      this.db.insert('host_metrics', metricsRef, hostMetricsRecord(randomUUID(), clock.now()))
      this.db.insert('host', ref, hostRecord(host, { metricsRef, enabled: false, agentStartTime: bootTime, bootTime }))
    }
    this.db.insert('pool', this.ref, poolRecord(spec, this.hostRef(spec.hosts[0]!.uuid)))
    this.agents = spec.hosts.map(host => new HostAgent(host, this, timings))
  }

  get master(): HostAgent {
    return this.agents[0]!
  }

  isMaster(agent: HostAgent): boolean {
    return agent === this.master
  }

  get masterAddress(): string {
    return this.master.host.address
  }

  hostRef(hostUuid: string): string {
    const ref = this.hostRefs.get(hostUuid)
    if (ref === undefined) throw new Error(`no host ${hostUuid} in pool ${this.spec.uuid}`)
    return ref
  }

  agent(hostUuid: string): HostAgent | undefined {
    return this.agents.find(agent => agent.host.uuid === hostUuid)
  }

  agentByRef(hostRef: string): HostAgent {
    const agent = this.agents.find(candidate => this.hostRef(candidate.host.uuid) === hostRef)
    if (agent === undefined) throw handleInvalid('host', hostRef)
    return agent
  }

  // Sessions live in the master's memory only.

  login(username: string, password: string): string {
    const { credentials } = this.spec
    if (username !== credentials.username || password !== credentials.password) {
      throw new XapiError('SESSION_AUTHENTICATION_FAILED', [username, 'Authentication failure'])
    }
    const ref = newRef()
    this.sessions.set(ref, username)
    return ref
  }

  logout(sessionRef: string): void {
    this.sessions.delete(sessionRef)
  }

  assertSession(sessionRef: unknown): void {
    if (typeof sessionRef !== 'string' || !this.sessions.has(sessionRef)) throw sessionInvalid(String(sessionRef))
  }

  // Lifecycle of the hosts' XAPI, as seen from the pool database.

  onXapiStopping(agent: HostAgent): void {
    this.setHostFields(agent, { enabled: false })
    if (!this.isMaster(agent)) return
    // Tasks and sessions are PersistNothing: the master's restart loses them all.
    this.gcTimer?.cancel()
    this.gcTimer = undefined
    this.sessions.clear()
    for (const ref of this.db.records('task').keys()) this.destroyTask(ref)
  }

  onXapiStarted(agent: HostAgent): void {
    const previous = Number(this.hostField(agent, 'other_config').agent_start_time)
    // A lab restart can take less than a second: the start time must still grow, as XO waits for that.
    const startTime = Math.max(Math.floor(this.clock.now() / 1000), Math.floor(previous) + 1)
    this.setHostFields(agent, {
      enabled: false,
      other_config: { ...this.hostField(agent, 'other_config'), agent_start_time: unixTimeString(startTime * 1000) },
    })
    if (this.isMaster(agent)) {
      this.gcTimer = this.clock.every(GC_PERIOD_MS, () => this.collectTasks())
    } else {
      // Pool.hello: the master cancels the pending tasks the member was running.
      const hostRef = this.hostRef(agent.host.uuid)
      for (const [ref, task] of this.db.records('task')) {
        if (task.resident_on === hostRef && (task.status === 'pending' || task.status === 'cancelling')) this.destroyTask(ref)
      }
    }
  }

  onInitComplete(agent: HostAgent): void {
    this.setHostFields(agent, { enabled: true })
  }

  // Tasks.

  /** A task standing for an operation in progress, as the lab's scenario control creates them. */
  createOperationTask(spec: TaskSpec): string {
    const ref = this.createTask(spec.name_label, '', this.hostRef(spec.hostUuid ?? this.master.host.uuid), spec.progress ?? 0)
    this.operations.set(ref, spec.mode ?? 'stuck')
    return ref
  }

  /** An operation on a VM: a task, and the VM's current_operations entry while the task lasts. */
  createVmOperation(spec: VmOperationSpec): { vmRef: string; taskRef: string } {
    const hostUuid = spec.hostUuid ?? this.master.host.uuid
    const taskName = spec.taskName ?? `VM.${spec.operation}`
    const taskRef = this.createOperationTask({ name_label: taskName, hostUuid, mode: spec.mode })
    const vmRef = this.vmNamed(spec.vmName, this.hostRef(hostUuid))
    const operations = this.db.get('VM', vmRef)!.current_operations as Record<string, string>
    this.db.update('VM', vmRef, { current_operations: { ...operations, [taskRef]: spec.operation } })
    this.vmOfTask.set(taskRef, vmRef)
    return { vmRef, taskRef }
  }

  /** task.create: a client's own task, resident on the host that received the call (the master). */
  createClientTask(nameLabel: string, nameDescription: string): string {
    return this.createTask(nameLabel, nameDescription, this.hostRef(this.master.host.uuid), 0)
  }

  /** task.cancel: a lab operation stops at once; a client's task is only marked for its owner to see. */
  cancelTask(ref: string): void {
    if (this.operations.has(ref)) this.completeTask(ref, 'cancelled', ['TASK_CANCELLED', ref])
    else this.db.update('task', ref, { current_operations: { [newRef()]: 'cancel' } })
  }

  destroyTask(ref: string): void {
    this.endVmOperation(ref)
    this.operations.delete(ref)
    this.db.remove('task', ref)
  }

  /** A task's operation ends: status, progress 1 and `finished` as TaskHelper sets them. */
  completeTask(ref: string, status: 'success' | 'failure' | 'cancelled', errorInfo: string[] = []): void {
    this.endVmOperation(ref)
    this.operations.delete(ref)
    this.db.update('task', ref, {
      status,
      progress: 1,
      finished: xapiDateTime(this.clock.now()),
      allowed_operations: [],
      current_operations: {},
      error_info: errorInfo,
    })
  }

  /** One period of the master's GC thread: moving operations progress, then the task GC runs. */
  collectTasks(): string[] {
    for (const [ref, mode] of this.operations) {
      if (mode !== 'moving') continue
      const progress = this.db.get('task', ref)!.progress as number
      this.db.update('task', ref, { progress: Math.min(progress + MOVING_STEP, 1 - MOVING_STEP) })
    }
    const destroyed = this.collector.pass(this.clock.now(), this.master.taskTimeouts())
    for (const ref of destroyed) this.operations.delete(ref)
    return destroyed
  }

  // Scenario controls.

  setHaEnabled(enabled: boolean): void {
    this.db.update('pool', this.ref, { ha_enabled: enabled })
  }

  setSoftwareVersion(agent: HostAgent, softwareVersion: SoftwareVersion): void {
    agent.host.softwareVersion = { ...softwareVersion }
    this.setHostFields(agent, { software_version: { ...softwareVersion }, ...apiVersion(softwareVersion) })
  }

  private vmNamed(nameLabel: string, residentOn: string): string {
    for (const [ref, vm] of this.db.records('VM')) if (vm.name_label === nameLabel) return ref
    const ref = newRef()
    this.db.insert('VM', ref, vmRecord(randomUUID(), nameLabel, residentOn))
    return ref
  }

  private endVmOperation(taskRef: string): void {
    const vmRef = this.vmOfTask.get(taskRef)
    if (vmRef === undefined) return
    this.vmOfTask.delete(taskRef)
    const { [taskRef]: _ended, ...others } = this.db.get('VM', vmRef)!.current_operations as Record<string, string>
    this.db.update('VM', vmRef, { current_operations: others })
  }

  private createTask(nameLabel: string, nameDescription: string, residentOn: string, progress: number): string {
    const ref = newRef()
    const task = { uuid: randomUUID(), name_label: nameLabel, name_description: nameDescription, residentOn, progress }
    this.db.insert('task', ref, taskRecord({ ...task, createdMs: this.clock.now() }))
    return ref
  }

  close(): void {
    this.gcTimer?.cancel()
    this.db.close()
  }

  private hostField(agent: HostAgent, field: string): Record<string, string> {
    return this.db.get('host', this.hostRef(agent.host.uuid))![field] as Record<string, string>
  }

  private setHostFields(agent: HostAgent, changes: Record<string, unknown>): void {
    this.db.update('host', this.hostRef(agent.host.uuid), changes)
  }
}

export const newRef = () => `OpaqueRef:${randomUUID()}`
