// An operation: one API call, or one run of the scheduled audit. A host whose SSH was opened for it (see
// ./door.ts) stays open while the operation runs, across its phases (plan, write, restart, verify), and
// is closed again when the operation ends, whatever the outcome. Without an operation around it, each
// `withHost` is its own.
import { AsyncLocalStorage } from 'node:async_hooks'

const storage = new AsyncLocalStorage<Operation>()

/** What the end of an operation did about a host that had been opened for it. */
export interface ClosingReport {
  host: { id: string; label: string }
  /** SSH was put back as it was. */
  restored: boolean
  error?: string
}

/** Who runs the operation and what for: recorded with anything opened for it. */
export interface OperationContext {
  by?: string
  why?: string
}

export class Operation {
  readonly context: OperationContext
  readonly #held = new WeakSet<object>()
  readonly #endings: Array<() => Promise<ClosingReport | undefined>> = []
  /** What the ends of parts run as operations of their own (./operation.ts `inPartOperation`) did. */
  readonly #partReports: ClosingReport[] = []

  constructor(context: OperationContext = {}) {
    this.context = context
  }

  /** Holds `thing` (what a host access opened on a host) until the end; false when it is held already. */
  hold(thing: object, onEnd: () => Promise<ClosingReport | undefined>): boolean {
    if (this.#held.has(thing)) {
      return false
    }
    this.#held.add(thing)
    this.#endings.push(onEnd)
    return true
  }

  /** Lets go of every host, closing what was opened for this operation; never throws. */
  async end(): Promise<ClosingReport[]> {
    const reports = await Promise.all(this.#endings.splice(0).map(end => end().catch(() => undefined)))
    return [...this.#partReports.splice(0), ...reports.filter((report): report is ClosingReport => report !== undefined)]
  }

  /** Keeps what a part's own end did, so that this operation's end reports it too. */
  addPartReports(reports: readonly ClosingReport[]): void {
    this.#partReports.push(...reports)
  }
}

export function currentOperation(): Operation | undefined {
  return storage.getStore()
}

/**
 * Runs `fn` as one operation (or as part of the operation already running); `onClosed` hears what its
 * end did to the hosts opened for it, before the result is returned.
 */
export async function inOperation<T>(
  fn: () => Promise<T>,
  { onClosed, ...context }: OperationContext & { onClosed?: (reports: ClosingReport[], result: T | undefined) => void } = {}
): Promise<T> {
  if (storage.getStore() !== undefined) {
    return fn()
  }
  const operation = new Operation(context)
  let result: T | undefined
  try {
    result = await storage.run(operation, fn)
    return result
  } finally {
    const reports = await operation.end()
    if (reports.length !== 0) {
      onClosed?.(reports, result)
    }
  }
}

/**
 * Runs `fn` as an operation of its own even inside another (a rollout's pool): what is opened for it is
 * put back when `fn` settles, not when the whole call ends; the enclosing operation still reports it.
 */
export async function inPartOperation<T>(fn: () => Promise<T>): Promise<T> {
  const enclosing = storage.getStore()
  const part = new Operation(enclosing?.context)
  try {
    return await storage.run(part, fn)
  } finally {
    enclosing?.addPartReports(await part.end())
  }
}
