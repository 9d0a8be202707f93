// The journal of rollouts: one JSON object per line in `<dataDir>/rollouts-journal.jsonl`, the whole
// record again at each pool's step, so that the last line of an id says what each pool reached. A
// rollout left `running` by a process that died reads as `interrupted`; `rollout resume=<id>` goes on.
import { join } from 'node:path'
import { appendLine, parseJsonLines, readTextOrEmpty } from '../../util/jsonl'
import type { RolloutRecord } from './types'

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
    const line = JSON.stringify(record) + '\n'
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
    for (const record of parseJsonLines(await readTextOrEmpty(this.path), isRolloutRecord)) {
      byId.delete(record.id)
      byId.set(record.id, record)
    }
    return [...byId.values()]
      .slice(-KEPT_ROLLOUTS)
      .map(record => (record.status === 'running' && !this.#running.has(record.id) ? { ...record, status: 'interrupted' } : record))
  }

  async get(id: string): Promise<RolloutRecord | undefined> {
    return (await this.rollouts()).find(record => record.id === id)
  }
}

function isRolloutRecord(value: any): value is RolloutRecord {
  return value?.kind === 'rollout' && typeof value.id === 'string' && Array.isArray(value.pools)
}
