// The journal of drop-in changes: one JSON object per line in `<dataDir>/dropins-journal.jsonl`.
//
// A change is recorded twice under the same id: once before any host is written (outcome `pending`)
// and once when it is over. Reading keeps the last record of each id, so a change whose process died
// in between shows up as `interrupted`, with the contents every host had before it started.
//
// Each record is appended with a single write followed by fsync. A crash can at worst leave a torn last
// line: readers skip lines that do not parse, and the next append starts on a fresh line, so earlier
// entries are never damaged.
import { open, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { HostRef } from '../fleet'

export const JOURNAL_FILE = 'dropins-journal.jsonl'

export type ChangeKind = 'apply' | 'remove' | 'revert' | 'reapply'

/** `pending` is only ever on disk while a change runs; readers see `interrupted` if it never finished. */
export type ChangeOutcome = 'pending' | 'interrupted' | 'applied' | 'unchanged' | 'rolled-back' | 'rollback-incomplete'

/** What happened to one host's file. */
export type HostFileOutcome =
  | 'written' // the file now holds `after`
  | 'removed' // the file is gone (`after` is `null`)
  | 'unchanged' // it already held `after`; not touched
  | 'not-written' // the change stopped before this host, or its write failed and left the file as it was
  | 'rolled-back' // it was written, then restored to `before`
  | 'rollback-failed' // it was written and could not be restored: it may hold `after`

export interface HostFileRecord {
  host: HostRef
  /** Absolute path on the host, e.g. `/etc/xapi.conf.d/zz-xo-xapi-config.conf`. */
  path: string
  /** The file's contents before the change, `null` when it did not exist. */
  before: string | null
  /** The contents the change writes, `null` when it removes the file. */
  after: string | null
  outcome?: HostFileOutcome
  error?: { code?: number | string; message: string }
}

export interface JournalEntry {
  id: string
  kind: ChangeKind
  /** ISO 8601 time the change started. */
  at: string
  finishedAt?: string
  user: { id: string; name?: string } | null
  targets: { poolId: string; poolLabel: string; hostIds: string[] }
  /** File name in /etc/xapi.conf.d. */
  file: string
  /** The request as the caller made it (settings asked for, force…), for the record. */
  request?: Record<string, unknown>
  /** For a revert: the change it undoes. */
  revertOf?: string
  outcome: ChangeOutcome
  hosts: HostFileRecord[]
}

export class ChangeJournal {
  readonly path: string
  #appending: Promise<void> = Promise.resolve()
  readonly #running = new Set<string>()

  constructor(dataDir: string) {
    this.path = join(dataDir, JOURNAL_FILE)
  }

  /** Records a change before its first write. */
  begin(entry: JournalEntry): Promise<void> {
    this.#running.add(entry.id)
    return this.#append({ ...entry, outcome: 'pending' })
  }

  /** Records the hosts done so far while the change runs (a crash then shows which hosts hold the new file). */
  progress(entry: JournalEntry): Promise<void> {
    return this.#append({ ...entry, outcome: 'pending' })
  }

  /** Records how a change ended (replaces the `pending` record when read). */
  async finish(entry: JournalEntry): Promise<void> {
    try {
      await this.#append({ ...entry, finishedAt: entry.finishedAt ?? new Date().toISOString() })
    } finally {
      this.#running.delete(entry.id)
    }
  }

  /** Every change, oldest first. */
  async entries(): Promise<JournalEntry[]> {
    const byId = new Map<string, JournalEntry>()
    for (const entry of parseLines(await this.#readText())) {
      byId.delete(entry.id) // keep the order of the last record
      byId.set(entry.id, entry)
    }
    return [...byId.values()].map(entry =>
      entry.outcome === 'pending' && !this.#running.has(entry.id) ? { ...entry, outcome: 'interrupted' } : entry
    )
  }

  /** The newest `limit` changes, newest first. */
  async history(limit: number): Promise<JournalEntry[]> {
    return (await this.entries()).reverse().slice(0, limit)
  }

  async get(id: string): Promise<JournalEntry | undefined> {
    return (await this.entries()).find(entry => entry.id === id)
  }

  #append(entry: JournalEntry): Promise<void> {
    const line = JSON.stringify(entry) + '\n'
    const appended = this.#appending.then(() => appendLine(this.path, line))
    this.#appending = appended.catch(() => {})
    return appended
  }

  async #readText(): Promise<string> {
    try {
      return await readFile(this.path, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return ''
      }
      throw error
    }
  }
}

async function appendLine(path: string, line: string): Promise<void> {
  const file = await open(path, 'a+', 0o600)
  try {
    const { size } = await file.stat()
    const tornTail = size > 0 && !(await endsWithNewline(file, size))
    await file.write(tornTail ? '\n' + line : line)
    await file.sync()
  } finally {
    await file.close()
  }
}

async function endsWithNewline(file: import('node:fs/promises').FileHandle, size: number): Promise<boolean> {
  const last = Buffer.alloc(1)
  await file.read(last, 0, 1, size - 1)
  return last[0] === 0x0a
}

function parseLines(text: string): JournalEntry[] {
  const entries: JournalEntry[] = []
  for (const line of text.split('\n')) {
    const entry = parseLine(line)
    if (entry !== undefined) {
      entries.push(entry)
    }
  }
  return entries
}

function parseLine(line: string): JournalEntry | undefined {
  if (line.trim() === '') {
    return undefined
  }
  try {
    const value = JSON.parse(line)
    return typeof value?.id === 'string' && Array.isArray(value.hosts) ? (value as JournalEntry) : undefined
  } catch {
    return undefined // a line torn by a crash
  }
}
