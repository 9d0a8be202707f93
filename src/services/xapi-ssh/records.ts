// What the plugin did to hosts' SSH, kept in its data directory: every opening and closing in
// `ssh-journal.jsonl` (one JSON line each, fsynced), and the hosts whose SSH could not be put back in
// `ssh-restore-failures.json`, which `audit` lists until the host is back as it was.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { logger } from '../../log'
import { writeAtomically } from '../../util/files'
import { appendLine } from '../../util/jsonl'
import type { SshState } from './state'

export const SSH_JOURNAL_FILE = 'ssh-journal.jsonl'
export const SSH_FAILURES_FILE = 'ssh-restore-failures.json'
/** More failed hosts than this is not a fleet the plugin manages; the oldest are dropped. */
const MAX_FAILURES = 10_000

export interface SshHostRef {
  id: string
  label: string
  poolId: string
}

export type SshEvent = 'opened' | 'closed' | 'close-failed' | 'closed-after-restart' | 'close-after-restart-failed'

export interface SshJournalEntry {
  at: string
  event: SshEvent
  host: SshHostRef
  /** Who ran the operation, and what it was. */
  by?: string
  why?: string
  before?: SshState
  after?: SshState
  /** The timeout the plugin set before enabling SSH. */
  timeoutSeconds?: number
  error?: string
}

/** A host whose SSH the plugin opened (or found opened by a restart) and could not put back. */
export interface FailedClose {
  host: SshHostRef
  xapiRef: string
  /** What the host should show again. */
  expected: SshState
  error: string
  at: string
  by?: string
  why?: string
}

export class SshRecords {
  readonly #journalPath: string
  readonly #failuresPath: string
  #failures: Map<string, FailedClose>
  /** Writes of the failures file, one at a time. */
  #writing: Promise<void> = Promise.resolve()

  private constructor(dataDir: string, failures: Map<string, FailedClose>) {
    this.#journalPath = join(dataDir, SSH_JOURNAL_FILE)
    this.#failuresPath = join(dataDir, SSH_FAILURES_FILE)
    this.#failures = failures
  }

  static async open(dataDir: string): Promise<SshRecords> {
    return new SshRecords(dataDir, await readFailures(join(dataDir, SSH_FAILURES_FILE)))
  }

  /** Appends to the journal; a journal that cannot be written is logged, never fails the operation. */
  async journal(entry: Omit<SshJournalEntry, 'at'>): Promise<void> {
    try {
      await appendLine(this.#journalPath, JSON.stringify({ at: new Date().toISOString(), ...entry }) + '\n')
    } catch (error) {
      logger.error('could not write the SSH journal', { error, entry })
    }
  }

  failures(): FailedClose[] {
    return [...this.#failures.values()]
  }

  addFailure(failure: FailedClose): Promise<void> {
    this.#failures.delete(failure.host.id)
    this.#failures.set(failure.host.id, failure)
    for (const hostId of this.#failures.keys()) {
      if (this.#failures.size <= MAX_FAILURES) break
      this.#failures.delete(hostId)
    }
    return this.#save()
  }

  removeFailure(hostId: string): Promise<void> {
    return this.#failures.delete(hostId) ? this.#save() : Promise.resolve()
  }

  #save(): Promise<void> {
    const text = JSON.stringify([...this.#failures.values()], null, 2) + '\n'
    this.#writing = this.#writing
      .then(() => writeAtomically(this.#failuresPath, text))
      .catch(error => logger.error('could not write the list of hosts whose SSH was not put back', { error }))
    return this.#writing
  }
}

async function readFailures(path: string): Promise<Map<string, FailedClose>> {
  try {
    const list = JSON.parse(await readFile(path, 'utf8')) as unknown
    const valid = Array.isArray(list) ? list.filter(isFailedClose).slice(-MAX_FAILURES) : []
    return new Map(valid.map(failure => [failure.host.id, failure]))
  } catch {
    return new Map()
  }
}

function isFailedClose(value: unknown): value is FailedClose {
  const failure = value as FailedClose
  return typeof failure?.host?.id === 'string' && typeof failure.xapiRef === 'string' && typeof failure.expected?.enabled === 'boolean'
}
