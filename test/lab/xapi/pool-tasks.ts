// The tasks of a pool, held in its master's memory: the lab's operations in progress (a task,
// with a VM's `current_operations` entry for VM operations), clients' own tasks, their end, and
// the master's periodic GC.
import { randomUUID } from 'node:crypto'

import type { ProgressMode, TaskSpec, VmOperationSpec } from '../contract'
import type { LabClock } from './clock'
import type { PoolDatabase } from './db/database'
import { newRef, taskRecord, xapiDateTime } from './db/records'
import { vmRecord } from './db/vm-record'
import { TaskCollector, type TaskTimeouts } from './tasks'

// A 'moving' task's progress grows by this much at every GC period: it never stalls for ~1M periods.
const MOVING_STEP = 1e-6
const UNFINISHED = new Set(['pending', 'cancelling'])

export type FinishedStatus = 'success' | 'failure' | 'cancelled'

export class PoolTasks {
  /** Tasks the lab created to stand for a running operation (an export, a migration…), by progress mode. */
  private readonly operations = new Map<string, ProgressMode>()
  /** The VM whose `current_operations` holds each VM operation's task. */
  private readonly vmOfTask = new Map<string, string>()
  private readonly collector: TaskCollector

  constructor(
    private readonly db: PoolDatabase,
    private readonly clock: LabClock
  ) {
    this.collector = new TaskCollector(db, ref => this.destroy(ref))
  }

  /** An operation in progress, resident on `residentOn`; ended by cancel, completion or destruction. */
  createOperation(spec: TaskSpec, residentOn: string): string {
    const ref = this.insert(spec.name_label, '', residentOn, spec.progress ?? 0)
    this.operations.set(ref, spec.mode ?? 'stuck')
    return ref
  }

  /** An operation on a VM running on `residentOn`: its task, and the VM's current_operations entry while the task lasts. */
  createVmOperation(spec: VmOperationSpec, residentOn: string): { vmRef: string; taskRef: string } {
    const taskName = spec.taskName ?? `VM.${spec.operation}`
    const taskRef = this.createOperation({ name_label: taskName, mode: spec.mode }, residentOn)
    const vmRef = this.vmNamed(spec.vmName, residentOn)
    const operations = this.db.get('VM', vmRef)!.current_operations as Record<string, string>
    this.db.update('VM', vmRef, { current_operations: { ...operations, [taskRef]: spec.operation } })
    this.vmOfTask.set(taskRef, vmRef)
    return { vmRef, taskRef }
  }

  /** task.create: a client's own task, resident on the host that received the call. */
  createClientTask(nameLabel: string, nameDescription: string, residentOn: string): string {
    return this.insert(nameLabel, nameDescription, residentOn, 0)
  }

  /** task.cancel: a lab operation stops at once; a client's task is only marked for its owner to see. */
  cancel(ref: string): void {
    if (this.operations.has(ref)) this.complete(ref, 'cancelled', ['TASK_CANCELLED', ref])
    else this.db.update('task', ref, { current_operations: { [newRef()]: 'cancel' } })
  }

  /** The operation ends: status, progress 1 and `finished`, as TaskHelper sets them. */
  complete(ref: string, status: FinishedStatus, errorInfo: string[] = []): void {
    this.forget(ref)
    this.db.update('task', ref, {
      status,
      progress: 1,
      finished: xapiDateTime(this.clock.now()),
      allowed_operations: [],
      current_operations: {},
      error_info: errorInfo,
    })
  }

  /** task.destroy: a completed task goes now; an unfinished one is marked, the GC removes it once complete. */
  destroyWhenComplete(ref: string): void {
    const task = this.db.get('task', ref)!
    if (!UNFINISHED.has(task.status as string)) return this.destroy(ref)
    this.db.update('task', ref, { current_operations: { ...(task.current_operations as object), task: 'destroy' } })
  }

  destroy(ref: string): void {
    this.forget(ref)
    this.db.remove('task', ref)
  }

  /** The master's restart: tasks are PersistNothing, none survives. */
  dropAll(): void {
    for (const ref of this.db.records('task').keys()) this.destroy(ref)
  }

  /** A member's Pool.hello: the master cancels the unfinished tasks resident on it. */
  dropUnfinishedOn(hostRef: string): void {
    for (const [ref, task] of this.db.records('task')) {
      if (task.resident_on === hostRef && UNFINISHED.has(task.status as string)) this.destroy(ref)
    }
  }

  /** One period of the master's GC thread: moving operations progress, then the task GC runs. */
  gcPeriod(timeouts: TaskTimeouts): string[] {
    for (const [ref, mode] of this.operations) {
      const task = this.db.get('task', ref)!
      if (mode !== 'moving' || !UNFINISHED.has(task.status as string)) continue
      const progress = task.progress as number
      this.db.update('task', ref, { progress: Math.min(progress + MOVING_STEP, 1 - MOVING_STEP) })
    }
    return this.collector.pass(this.clock.now(), timeouts)
  }

  private insert(nameLabel: string, nameDescription: string, residentOn: string, progress: number): string {
    const ref = newRef()
    const task = { uuid: randomUUID(), name_label: nameLabel, name_description: nameDescription, residentOn, progress }
    this.db.insert('task', ref, taskRecord({ ...task, createdMs: this.clock.now() }))
    return ref
  }

  private vmNamed(nameLabel: string, residentOn: string): string {
    for (const [ref, vm] of this.db.records('VM')) if (vm.name_label === nameLabel) return ref
    const ref = newRef()
    this.db.insert('VM', ref, vmRecord(randomUUID(), nameLabel, residentOn))
    return ref
  }

  // The operation is over: its VM no longer shows it (Cancel_tasks clears such entries too).
  private forget(taskRef: string): void {
    this.operations.delete(taskRef)
    const vmRef = this.vmOfTask.get(taskRef)
    if (vmRef === undefined) return
    this.vmOfTask.delete(taskRef)
    const { [taskRef]: _ended, ...others } = this.db.get('VM', vmRef)!.current_operations as Record<string, string>
    this.db.update('VM', vmRef, { current_operations: others })
  }
}
