// A step of the XO task that is running now: a subtask in XO's task log, as `@vates/task` makes one with
// `Task.run({ properties }, fn)`. That library is not installable here, so this speaks its protocol: the
// current task sits in the AsyncLocalStorage at `global['@vates/task@0']`, and a subtask sends its events
// (`start` with `parentId`, `info`, `property`, `end`) through its parent's `_onProgress`, exactly what
// another copy of the library does (reference xo-plugin-conventions.md §3.1). Outside a task, a step is
// just a call of `fn`.
import { AsyncLocalStorage } from 'node:async_hooks'
import { randomBytes } from 'node:crypto'
import { followAbort } from '../util/abort'
import type { XoApp, XoTaskHandle } from './types'

type ProgressEvent = { id: string; timestamp: number; type: string; [field: string]: unknown }

/** What `@vates/task` reads on the current task (public fields, shared between copies of the library). */
interface TaskLike {
  id: string
  _onProgress(event: ProgressEvent): void
  _abortController: AbortController
}

const STORAGE_SLOT = '@vates/task@0'

function currentTaskStorage(): AsyncLocalStorage<TaskLike> | undefined {
  return (globalThis as unknown as Record<string, AsyncLocalStorage<TaskLike> | undefined>)[STORAGE_SLOT]
}

class Step implements TaskLike {
  readonly id = Date.now().toString(36).padStart(9, '0') + '-' + randomBytes(6).toString('hex')
  readonly _abortController = new AbortController()
  readonly _onProgress: (event: ProgressEvent) => void
  /** Stops following the parent's abort signal: a long task has many steps, each must let go when it ends. */
  readonly detach: () => void

  constructor(parent: TaskLike) {
    this._onProgress = event => parent._onProgress(event)
    this.detach = followAbort(parent._abortController.signal, reason => this._abortController.abort(reason))
  }

  emit(type: string, fields: Record<string, unknown>): void {
    this._onProgress({ ...fields, type, id: this.id, timestamp: Date.now() })
  }

  // The methods `Task.info`, `Task.warning` and `Task.set` call on the current task.
  info(message: string, data?: unknown): void {
    this.emit('info', { message, data })
  }

  warning(message: string, data?: unknown): void {
    this.emit('warning', { message, data })
  }

  set(name: string, value: unknown): void {
    this.emit('property', { name, value })
  }
}

/** The id of the XO task (or step) the calling code runs in, if any. */
export function currentXoTaskId(): string | undefined {
  return currentTaskStorage()?.getStore()?.id
}

/** Adds an info line to the running XO task or step (what `Task.info` does); nothing outside a task. */
export function stepInfo(message: string, data?: unknown): void {
  const current = currentTaskStorage()?.getStore()
  current?._onProgress({ type: 'info', id: current.id, timestamp: Date.now(), message, data })
}

/** Adds a warning to the running XO task or step (what `Task.warning` does); nothing outside a task. */
export function stepWarning(message: string, data?: unknown): void {
  const current = currentTaskStorage()?.getStore()
  current?._onProgress({ type: 'warning', id: current.id, timestamp: Date.now(), message, data })
}

type StepProperties = { name: string; [key: string]: unknown }

/** Runs `fn` as a subtask named by `properties.name` of the current XO task; its result or error ends the step. */
export async function runStep<T>(properties: StepProperties, fn: () => Promise<T>): Promise<T> {
  const storage = currentTaskStorage()
  const parent = storage?.getStore()
  if (storage === undefined || parent === undefined) {
    return fn()
  }
  return runAs(storage, new Step(parent), properties, parent.id, fn)
}

/** Work whose XO tasks are subtasks of the current task (a rollout's pools) rather than tasks of their own. */
const nesting = new AsyncLocalStorage<true>()

export function nestingTasks<T>(fn: () => Promise<T>): Promise<T> {
  return nesting.run(true, fn)
}

/** `xo.tasks.create`, or a subtask of the current task inside `nestingTasks`: one XO task for a whole rollout. */
export function createTask(xo: XoApp, properties: StepProperties): XoTaskHandle {
  const storage = currentTaskStorage()
  const parent = storage?.getStore()
  if (nesting.getStore() !== true || storage === undefined || parent === undefined) {
    return xo.tasks.create(properties)
  }
  const step = new Step(parent)
  return {
    id: step.id,
    run: fn => runAs(storage, step, properties, parent.id, fn),
    set: (name, value) => step.set(name, value),
    info: (message, data) => step.info(message, data),
    warning: (message, data) => step.warning(message, data),
  }
}

async function runAs<T>(storage: AsyncLocalStorage<TaskLike>, step: Step, properties: StepProperties, parentId: string, fn: () => Promise<T>): Promise<T> {
  step.emit('start', { properties, parentId })
  try {
    const result = await storage.run(step, fn)
    step.emit('end', { status: 'success', result })
    return result
  } catch (error) {
    step.emit('end', { status: 'failure', result: serializable(error) })
    throw error
  } finally {
    step.detach()
  }
}

/** Error fields are not enumerable: copy the useful ones so that the task log keeps them. */
function serializable(error: unknown): unknown {
  if (!(error instanceof Error)) {
    return error
  }
  const { code, data } = error as Error & { code?: unknown; data?: unknown }
  return { name: error.name, message: error.message, code, data, stack: error.stack }
}
