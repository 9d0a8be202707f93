// The task side of the master's DB GC (xapi db_gc_util.ml `timeout_tasks`, run every 30 s):
// completed tasks die `completed_task_timeout` after they finished; a pending task older than
// `pending_task_timeout` (counted from its creation) is put on probation and dies at the next
// pass if its progress did not grow meanwhile. Past 200 young tasks, the oldest completed go too.
import type { PoolDatabase, XapiRecord } from './db/database'
import { parseXapiDateTime } from './db/records'

export const GC_PERIOD_MS = 30_000
const MAX_TASKS = 200
const COMPLETED = new Set(['success', 'failure', 'cancelled'])

export interface TaskTimeouts {
  /** Seconds. */
  pendingTaskTimeout: number
  completedTaskTimeout: number
}

type Task = [ref: string, record: XapiRecord]

const isCompleted = ([, task]: Task) => COMPLETED.has(task.status as string)
const seconds = (datetime: unknown) => parseXapiDateTime(datetime as string) / 1000

export class TaskCollector {
  /** Progress of the old pending tasks seen at the previous pass, by task uuid. */
  private probation = new Map<string, number>()

  constructor(
    private readonly db: PoolDatabase,
    private readonly destroy: (taskRef: string) => void
  ) {}

  /** One GC pass at lab time `nowMs`; returns the refs it destroyed. */
  pass(nowMs: number, timeouts: TaskTimeouts): string[] {
    const tasks: Task[] = [...this.db.records('task')]
    const completed = tasks.filter(isCompleted)
    const pending = tasks.filter(task => !isCompleted(task))
    // Tasks destroyed by a client while they were running go as soon as they complete.
    const [destroyable, gcable] = partition(completed, ([, task]) =>
      Object.values(task.current_operations as Record<string, string>).includes('destroy')
    )
    const now = nowMs / 1000
    const [completedOld, completedYoung] = partition(gcable, ([, task]) => seconds(task.finished) < now - timeouts.completedTaskTimeout)
    const [pendingOld, pendingYoung] = partition(pending, ([, task]) => seconds(task.created) < now - timeouts.pendingTaskTimeout)
    const [oldRunning, oldHung] = partition(pendingOld, ([, task]) => {
      const before = this.probation.get(task.uuid as string)
      return before === undefined || (task.progress as number) - before > Number.MIN_VALUE
    })
    this.probation = new Map(pendingOld.map(([, task]) => [task.uuid as string, task.progress as number]))
    const unlucky = overflow([...oldRunning, ...pendingYoung, ...completedYoung])
    const doomed = [...destroyable, ...oldHung, ...completedOld, ...unlucky].map(([ref]) => ref)
    for (const ref of doomed) this.destroy(ref)
    return doomed
  }
}

// Beyond MAX_TASKS young tasks, keep only the most recently finished completed ones (XAPI's limit is
// MAX_TASKS minus the number of completed tasks, as its code computes it).
function overflow(young: Task[]): Task[] {
  if (young.length <= MAX_TASKS) return []
  const completed = young.filter(isCompleted)
  const limit = Math.max(0, MAX_TASKS - completed.length)
  const newestFirst = [...completed].sort(([, a], [, b]) => seconds(b.finished) - seconds(a.finished))
  return newestFirst.slice(limit)
}

function partition<T>(items: T[], predicate: (item: T) => boolean): [T[], T[]] {
  const yes: T[] = []
  const no: T[] = []
  for (const item of items) (predicate(item) ? yes : no).push(item)
  return [yes, no]
}
