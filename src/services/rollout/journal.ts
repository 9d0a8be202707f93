// The journal of rollouts: one JSON object per line in `<dataDir>/rollouts-journal.jsonl`: the whole
// record when a rollout starts, resumes and ends, and one short line per pool step in between (a rollout
// of n pools writes O(n) bytes per step, not O(n²) in all). Reading folds the pool lines into their
// rollout, so the last state of each pool is what it reached. A rollout left `running` by a process that
// died reads as `interrupted`; `rollout resume=<id>` goes on.
import { join } from 'node:path'
import { appendLine, readJsonLines } from '../../util/jsonl'
import type { PoolProgress, RolloutRecord } from './types'

export const ROLLOUT_JOURNAL_FILE = 'rollouts-journal.jsonl'
/** Rollouts kept when the file is read; a journal of a rollout per minute for years stays small. */
const KEPT_ROLLOUTS = 1000

export class RolloutJournal {
  readonly path: string
  readonly #running = new Set<string>()
  #appending: Promise<void> = Promise.resolve()
  #closed = false

  constructor(dataDir: string) {
    this.path = join(dataDir, ROLLOUT_JOURNAL_FILE)
  }

  /** Records the rollout's state; `running` keeps it listed as running by this process. */
  record(record: RolloutRecord): Promise<void> {
    if (record.status === 'running') {
      this.#running.add(record.id)
    } else {
      this.#running.delete(record.id)
    }
    return this.#append(record)
  }

  /** Records one pool's state within a running rollout. */
  recordPool(rolloutId: string, progress: PoolProgress): Promise<void> {
    const line: PoolLine = { kind: 'rollout-pool', id: rolloutId, progress }
    return this.#append(line)
  }

  #append(value: RolloutRecord | PoolLine): Promise<void> {
    const line = JSON.stringify(value) + '\n'
    const done = this.#appending.then(() => (this.#closed ? undefined : appendLine(this.path, line)))
    this.#appending = done.catch(() => {})
    return done
  }

  /** Stops recording: the plugin unloads, and what it leaves on disk is what a stopped xo-server would. */
  close(): void {
    this.#closed = true
  }

  isRunning(id: string): boolean {
    return this.#running.has(id)
  }

  /** Every rollout, oldest first, as last recorded. */
  async rollouts(): Promise<RolloutRecord[]> {
    const byId = new Map<string, RolloutRecord>()
    for (const line of await readJsonLines(this.path, isJournalLine)) {
      if (line.kind === 'rollout') {
        byId.delete(line.id)
        byId.set(line.id, line)
      } else {
        foldPool(byId.get(line.id), line.progress)
      }
    }
    return [...byId.values()]
      .slice(-KEPT_ROLLOUTS)
      .map(record => (record.status === 'running' && !this.#running.has(record.id) ? { ...record, status: 'interrupted' } : record))
  }

  async get(id: string): Promise<RolloutRecord | undefined> {
    return (await this.rollouts()).find(record => record.id === id)
  }
}

interface PoolLine {
  kind: 'rollout-pool'
  id: string
  progress: PoolProgress
}

function foldPool(record: RolloutRecord | undefined, progress: PoolProgress): void {
  const index = record?.pools.findIndex(known => known.pool.id === progress.pool?.id) ?? -1
  if (index !== -1) {
    record!.pools[index] = progress
  }
}

function isJournalLine(value: any): value is RolloutRecord | PoolLine {
  if (typeof value?.id !== 'string') {
    return false
  }
  return (value.kind === 'rollout' && Array.isArray(value.pools)) || (value.kind === 'rollout-pool' && typeof value.progress === 'object')
}
