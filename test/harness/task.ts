// A task with the semantics and the progress-event protocol of `@vates/task` (not installable from this
// registry): a task created with `onProgress` is a root task; one created without it inside a running
// task becomes a subtask of that task and shares its events and abort signal. The current task lives in
// the AsyncLocalStorage at `global['@vates/task@0']`, the slot `@vates/task` itself uses, so a plugin's
// own copy of the library sees the harness' tasks as its parents, as it does in xo-server.
import { AsyncLocalStorage } from 'node:async_hooks'

export type TaskStatus = 'pending' | 'success' | 'failure'

export type TaskEvent = { id: string; timestamp: number } & (
  | { type: 'start'; properties?: Record<string, unknown>; parentId?: string }
  | { type: 'end'; status: 'success' | 'failure'; result: unknown }
  | { type: 'info' | 'warning'; message: string; data: unknown }
  | { type: 'property'; name: string; value: unknown }
  | { type: 'abortionRequested'; reason: unknown }
)

export type OnProgress = (event: TaskEvent) => void

type EventBody = TaskEvent extends infer E ? (E extends TaskEvent ? Omit<E, 'id' | 'timestamp'> : never) : never

const STORAGE_SLOT = '@vates/task@0'
const globalSlots = globalThis as unknown as Record<string, AsyncLocalStorage<Task> | undefined>
const currentTaskStorage: AsyncLocalStorage<Task> = (globalSlots[STORAGE_SLOT] ??= new AsyncLocalStorage<Task>())

const ignoreProgress: OnProgress = () => {}

/** Error fields are non-enumerable: copy them so that task logs keep them once serialized. */
export function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error
  const { code, errors } = error as Error & { code?: unknown; errors?: unknown }
  return {
    ...error,
    cause: error.cause,
    code,
    errors: Array.isArray(errors) ? errors.map(serializeError) : errors,
    message: error.message,
    name: error.name,
    stack: error.stack,
  }
}

function toLoggable(result: unknown): unknown {
  const isPlainError = result instanceof Error && typeof (result as { toJSON?: unknown }).toJSON !== 'function'
  return isPlainError ? serializeError(result) : result
}

function newTaskId(): string {
  // Sortable by creation time, then a random part for tasks created in the same millisecond.
  return Date.now().toString(36).padStart(9, '0') + '-' + Math.random().toString(36).slice(2)
}

export class Task {
  /** The running task of the current async context, if any. */
  static get current(): Task | undefined {
    return currentTaskStorage.getStore()
  }

  static get abortSignal(): AbortSignal | undefined {
    return Task.current?._abortController.signal
  }

  static info(message: string, data?: unknown): void {
    Task.current?.info(message, data)
  }

  static warning(message: string, data?: unknown): void {
    Task.current?.warning(message, data)
  }

  static set(name: string, value: unknown): void {
    Task.current?.set(name, value)
  }

  static run<T>(options: { properties?: Record<string, unknown> } | undefined, fn: () => T | Promise<T>): Promise<T> {
    return new Task(options).run(fn)
  }

  // Public under these names because other copies of @vates/task read them on their parent task.
  readonly _abortController = new AbortController()
  _onProgress: OnProgress

  readonly id = newTaskId()
  #status: TaskStatus = 'pending'
  #running = false
  #startEvent: EventBody | undefined

  constructor({ properties, onProgress }: { properties?: Record<string, unknown>; onProgress?: OnProgress } = {}) {
    const start: EventBody = { type: 'start', properties }
    const parent = onProgress === undefined ? Task.current : undefined
    if (parent !== undefined) {
      start.parentId = parent.id
      const parentSignal = parent._abortController.signal
      parentSignal.addEventListener('abort', () => this._abortController.abort(parentSignal.reason))
    }
    this._onProgress = onProgress ?? parent?._onProgress ?? ignoreProgress
    this.#startEvent = start
    this._abortController.signal.addEventListener('abort', () => this.#onAbortRequested())
  }

  get status(): TaskStatus {
    return this.#status
  }

  abort(reason?: unknown): void {
    this._abortController.abort(reason)
  }

  async run<T>(fn: () => T | Promise<T>): Promise<T> {
    const result = await this.runInside(fn)
    if (this.#status === 'pending') this.#end('success', result)
    return result
  }

  async runInside<T>(fn: () => T | Promise<T>): Promise<T> {
    this.#assertPending()
    if (this.#running) throw new Error('task is already running')
    this.#running = true
    this.#startOnce()
    try {
      const result = await currentTaskStorage.run(this, fn)
      this.#running = false
      return result
    } catch (error) {
      this.#running = false
      this.#end('failure', error)
      throw error
    }
  }

  start(): void {
    const start = this.#startEvent
    if (start === undefined) throw new Error('task has already started')
    this.#startEvent = undefined
    this.#emit(start)
  }

  set(name: string, value: unknown): void {
    this.#assertPending()
    this.#emit({ type: 'property', name, value })
  }

  info(message: string, data?: unknown): void {
    this.#emit({ type: 'info', message, data })
  }

  warning(message: string, data?: unknown): void {
    this.#assertPending()
    this.#emit({ type: 'warning', message, data })
  }

  success(result?: unknown): void {
    this.#end('success', result)
  }

  failure(error: unknown): void {
    this.#end('failure', error)
  }

  #onAbortRequested(): void {
    if (this.#status !== 'pending') return
    this.#startOnce()
    this.#emit({ type: 'abortionRequested', reason: this._abortController.signal.reason })
    if (!this.#running) this.#end('failure', this._abortController.signal.reason)
  }

  #startOnce(): void {
    if (this.#startEvent !== undefined) this.start()
  }

  #assertPending(): void {
    if (this.#status !== 'pending') throw new Error('task has already ended')
  }

  #end(status: 'success' | 'failure', result: unknown): void {
    this.#assertPending()
    if (this.#running) throw new Error('cannot end a task while it runs')
    this.#emit({ type: 'end', status, result: toLoggable(result) })
    this.#status = status
    this._onProgress = () => {
      throw new Error('task has already ended')
    }
  }

  #emit(body: EventBody): void {
    if (this.#startEvent !== undefined) throw new Error('task has not started yet')
    this._onProgress({ ...body, id: this.id, timestamp: Date.now() } as TaskEvent)
  }
}
