// `xo.tasks` as xo-server's Tasks mixin exposes it: `create()` makes a root task whose events are folded
// into a task log (properties, infos, warnings, subtasks, status, result), kept and listable; logs of
// tasks created with `clearLogOnSuccess` vanish when they succeed. Logs live in memory, in id order
// (ids sort by creation time, as LevelDB keys do in xo-server).
import { EventEmitter } from 'node:events'
import iteratee from 'lodash/iteratee'

import { noSuchObject } from './errors'
import { Task, type TaskEvent } from './task'

export interface TaskLog {
  id: string
  properties: Record<string, unknown>
  start: number
  status: 'pending' | 'success' | 'failure' | 'interrupted'
  end?: number
  result?: unknown
  infos?: Array<{ message: string; data: unknown }>
  warnings?: Array<{ message: string; data: unknown }>
  tasks?: TaskLog[]
  abortionRequestedAt?: number
  updatedAt?: number
}

export interface TaskCreation {
  name: string
  objectId?: string
  userId?: string
  type?: string
  [property: string]: unknown
}

type TaskFilter = ((log: TaskLog) => boolean) | Record<string, unknown>

export class XoTasks extends EventEmitter {
  readonly #logs = new Map<string, TaskLog>()
  /** Logs of tasks that are still running, root and subtasks, by task id. */
  readonly #liveLogs = new Map<string, { log: TaskLog; root: TaskLog }>()
  readonly #rootTasks = new Map<string, Task>()
  readonly #clearOnSuccess = new Set<string>()
  readonly #getCurrentUserId: () => string | undefined

  constructor(getCurrentUserId: () => string | undefined) {
    super()
    this.#getCurrentUserId = getCurrentUserId
  }

  create(
    { name, objectId, userId = this.#getCurrentUserId(), type, ...props }: TaskCreation,
    { clearLogOnSuccess = false }: { clearLogOnSuccess?: boolean } = {}
  ): Task {
    const properties = { ...props, name, objectId, userId, type }
    const task = new Task({ properties, onProgress: event => this.#onProgress(event) })
    this.#rootTasks.set(task.id, task)
    if (clearLogOnSuccess) this.#clearOnSuccess.add(task.id)
    return task
  }

  async get(id: string): Promise<TaskLog> {
    const log = this.#logs.get(id)
    if (log === undefined) throw noSuchObject(id, 'task')
    return log
  }

  async *list({ filter, limit = Infinity }: { filter?: TaskFilter; limit?: number } = {}): AsyncGenerator<TaskLog> {
    const predicate = filter === undefined ? () => true : typeof filter === 'function' ? filter : iteratee(filter)
    let remaining = limit
    for (const log of [...this.#logs.values()]) {
      if (remaining < 1) return
      if (predicate(log)) {
        --remaining
        yield log
      }
    }
  }

  async abort(id: string, reason?: unknown): Promise<void> {
    const task = this.#rootTasks.get(id)
    if (task === undefined) throw noSuchObject(id, 'task')
    task.abort(reason)
  }

  /** Calls `cb` with the log at each change of a live task, or once with a finished task's log. */
  async watch(id: string, cb: (log: TaskLog) => void): Promise<() => void> {
    if (this.#rootTasks.has(id)) {
      this.on(id, cb)
      return () => this.off(id, cb)
    }
    const log = await this.get(id)
    setImmediate(cb, log)
    return () => {}
  }

  async deleteLog(id: string): Promise<void> {
    const log = this.#logs.get(id)
    if (log !== undefined) {
      this.#logs.delete(id)
      this.emit('remove', log)
    }
  }

  async clearLogs(): Promise<void> {
    for (const id of [...this.#logs.keys()]) await this.deleteLog(id)
  }

  #onProgress(event: TaskEvent): void {
    const entry = event.type === 'start' ? this.#startLog(event) : this.#liveLogs.get(event.id)
    if (entry === undefined) throw new Error(`event ${event.type} for unknown task ${event.id}`)
    const { log, root } = entry
    applyEvent(log, event)
    if (event.type === 'end') this.#liveLogs.delete(event.id)
    this.#publish(root)
  }

  #startLog(event: Extract<TaskEvent, { type: 'start' }>): { log: TaskLog; root: TaskLog } {
    const log: TaskLog = { id: event.id, properties: { ...event.properties }, start: event.timestamp, status: 'pending' }
    const parent = event.parentId === undefined ? undefined : this.#liveLogs.get(event.parentId)
    if (event.parentId !== undefined && parent === undefined) throw new Error(`unknown parent task ${event.parentId}`)
    if (parent !== undefined) (parent.log.tasks ??= []).push(log)
    const entry = { log, root: parent?.root ?? log }
    this.#liveLogs.set(event.id, entry)
    return entry
  }

  #publish(root: TaskLog): void {
    if (root.status !== 'pending') {
      this.#rootTasks.delete(root.id)
      if (this.#clearOnSuccess.delete(root.id) && root.status === 'success') {
        void this.deleteLog(root.id)
        return
      }
    }
    root.updatedAt = Date.now()
    this.#logs.set(root.id, root)
    this.emit(root.id, root)
    this.emit('update', root)
  }
}

function applyEvent(log: TaskLog, event: TaskEvent): void {
  switch (event.type) {
    case 'info':
    case 'warning':
      ;(log[event.type === 'info' ? 'infos' : 'warnings'] ??= []).push({ message: event.message, data: event.data })
      break
    case 'property':
      log.properties[event.name] = event.value
      break
    case 'end':
      log.end = event.timestamp
      log.result = event.result
      log.status = event.status
      break
    case 'abortionRequested':
      log.abortionRequestedAt = event.timestamp
      break
  }
}
