// Writes one file on several hosts, all or nothing: when a host fails, every host already written gets
// its previous contents back (or loses the file if it had none), and each host's row says what happened.
// Only the change gate (./gate.ts) calls it, after every rule of the gate passed.
import { mapBounded } from '../../util/bounded'
import { describeError } from '../../xo/errors'
import type { HostTarget } from '../../xo/targets'
import { hostRef } from '../fleet'
import type { HostFiles } from '../dropins/host-files'
import type { ChangeOutcome, HostFileRecord } from '../dropins/journal'

export interface PlannedWrite {
  host: HostTarget
  path: string
  /** What the file holds now (`null`: absent). The write refuses a host whose file changed since. */
  before: string | null
  /** What it must hold (`null`: removed). */
  after: string | null
}

export interface WriteOptions {
  limit: number
  /**
   * Called after each host's write settles, with how many are done out of how many to write, and every
   * host's row so far. The next host does not wait for it (its journal record is group-committed); the
   * write resolves only once every call's promise has.
   */
  onProgress?(done: number, total: number, hosts: readonly HostFileRecord[]): Promise<void> | void
  /**
   * Runs one host's part (`fn` resolves with the host's outcome, rejects when the host failed), e.g. as a
   * step of the XO task; by default, just runs it.
   */
  eachHost?(write: PlannedWrite, fn: () => Promise<string>): Promise<string>
}

export interface WriteResult {
  outcome: ChangeOutcome
  hosts: HostFileRecord[]
}

export class ConcurrentChangeError extends Error {
  constructor(path: string) {
    super(`${path} changed on the host since it was read; nothing was written there`)
    this.name = 'ConcurrentChangeError'
  }
}

export async function writeAllOrNothing(files: HostFiles, writes: readonly PlannedWrite[], options: WriteOptions): Promise<WriteResult> {
  const records = new Map<PlannedWrite, HostFileRecord>(writes.map(write => [write, toRecord(write)]))
  const eachHost = options.eachHost ?? ((_write, fn) => fn())
  const pending = writes.filter(write => write.before !== write.after)
  const unchanged = writes.filter(write => write.before === write.after)
  for (const write of unchanged) {
    records.get(write)!.outcome = 'unchanged'
  }
  await mapBounded(unchanged, options.limit, write => eachHost(write, async () => 'unchanged'))
  if (pending.length === 0) {
    return { outcome: 'unchanged', hosts: [...records.values()] }
  }

  let failed = false
  let done = 0
  let journalError: unknown
  const progress: Array<Promise<void>> = []
  await mapBounded(pending, options.limit, async write => {
    const record = records.get(write)!
    await eachHost(write, () => writeHost(files, write, record, failed)).catch(() => {})
    failed ||= record.error !== undefined
    // A change that cannot be journaled stops and rolls back, then throws what the journal said.
    const recorded = Promise.resolve(options.onProgress?.(++done, pending.length, [...records.values()]))
    progress.push(
      recorded.catch((error: unknown) => {
        failed = true
        journalError ??= error
      })
    )
  })
  await Promise.all(progress)
  if (!failed) {
    return { outcome: 'applied', hosts: [...records.values()] }
  }
  await mapBounded(pending, options.limit, write => rollBack(files, write, records.get(write)!))
  if (journalError !== undefined) {
    throw journalError
  }
  const complete = [...records.values()].every(record => record.outcome !== 'rollback-failed')
  return { outcome: complete ? 'rolled-back' : 'rollback-incomplete', hosts: [...records.values()] }
}

/** One host's write, recorded in its row; rejects when the host failed. Not tried once another host failed. */
async function writeHost(files: HostFiles, write: PlannedWrite, record: HostFileRecord, anotherFailed: boolean): Promise<string> {
  if (anotherFailed) {
    record.outcome = 'not-written'
    return 'not-written: another host failed first'
  }
  try {
    await writeIfUnchanged(files, write)
    record.outcome = write.after === null ? 'removed' : 'written'
    return record.outcome
  } catch (error) {
    record.outcome = 'not-written'
    record.error = summarize(error)
    throw error
  }
}

/** The host checks, right before the file is replaced, that it still holds what the plan read. */
async function writeIfUnchanged(files: HostFiles, { host, path, before, after }: PlannedWrite): Promise<void> {
  if (!(await files.replaceIfUnchanged(host, path, before, after))) {
    throw new ConcurrentChangeError(path)
  }
}

/**
 * Restores a written host. A host whose write failed is checked too: an atomic write that timed out
 * may still have landed, and then it is restored like the others.
 */
async function rollBack(files: HostFiles, { host, path, before, after }: PlannedWrite, record: HostFileRecord): Promise<void> {
  const attempted = wasChanged(record) || record.error !== undefined
  if (!attempted) {
    return
  }
  try {
    if (record.outcome === 'not-written' && (await files.readFile(host, path)) !== after) {
      return
    }
    await putFile(files, host, path, before)
    record.outcome = 'rolled-back'
  } catch (error) {
    if (wasChanged(record)) {
      record.outcome = 'rollback-failed'
      record.error = summarize(error)
    }
  }
}

/** The host's file was written or removed as planned. */
export function wasChanged(record: HostFileRecord): boolean {
  return record.outcome === 'written' || record.outcome === 'removed'
}

function toRecord({ host, path, before, after }: PlannedWrite): HostFileRecord {
  return { host: hostRef(host), path, before, after }
}

function summarize(error: unknown): { code?: number | string; message: string } {
  const { code, message } = describeError(error)
  return code === undefined ? { message } : { code, message }
}

/** Makes the file hold `content`, or removes it when `content` is `null`. */
function putFile(files: HostFiles, host: HostTarget, path: string, content: string | null): Promise<void> {
  return content === null ? files.removeFile(host, path) : files.writeFile(host, path, content)
}
