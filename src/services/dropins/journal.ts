// The journal of drop-in changes: one JSON object per line in `<dataDir>/dropins-journal.jsonl`.
//
// A change is recorded under the same id before any host is written (outcome `pending`), again as each
// host's write completes, and once when it is over. Reading keeps the last record of each id, so a
// change whose process died in between shows up as `interrupted`, saying which hosts were written.
//
// Records hold digests, sizes and short previews of the files, not the files: the file versions are
// kept byte for byte in the backups (./backups.ts), stored before the record that refers to them, so a
// big file does not grow the journal and `history` stays small; `get` gives them back for `revert`.
//
// Records are group-committed: those made while the previous batch is being written (or in the same
// turn of the event loop) are appended together with a single write followed by one fsync, and each
// caller's promise resolves once its record is on disk. A newer record of a change replaces its older
// one still waiting (readers keep only the last anyway). A crash can at worst leave a torn last line:
// readers skip lines that do not parse, and the next append starts on a fresh line, so earlier entries
// are never damaged.
import { setImmediate as nextTurn } from 'node:timers/promises'
import { join } from 'node:path'
import { appendLine, readJsonLines } from '../../util/jsonl'
import { incorrectState } from '../../xo/errors'
import type { UserRecord } from '../../xo/users'
import type { HostRef } from '../fleet'
import { BackupStore, type ContentRef } from './backups'

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
  | 'unknown' // the change was interrupted while this host was being written: it may hold either (see audit)

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

/** A host's record as the journal keeps it: the file versions by reference. */
export interface StoredHostRecord extends Omit<HostFileRecord, 'before' | 'after'> {
  before: ContentRef | null
  after: ContentRef | null
}

/** A change as the journal keeps it and `history` lists it. */
export interface StoredEntry extends Omit<JournalEntry, 'hosts'> {
  hosts: StoredHostRecord[]
}

/** The backups of the newest changes are kept; older ones go once there are more than MAX_BACKUPS versions. */
export const KEPT_CHANGES = 500
export const MAX_BACKUPS = 1000

export interface JournalEntry {
  id: string
  kind: ChangeKind
  /** ISO 8601 time the change started. */
  at: string
  finishedAt?: string
  user: UserRecord
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
  readonly backups: BackupStore
  #appending: Promise<void> = Promise.resolve()
  readonly #running = new Set<string>()
  /** Records waiting for the next batch, by change id. */
  readonly #waiting = new Map<string, JournalEntry>()
  /** The batch that records made now join. */
  #nextBatch: Promise<void> | undefined

  constructor(dataDir: string) {
    this.path = join(dataDir, JOURNAL_FILE)
    this.backups = new BackupStore(dataDir)
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

  /** Records how a change ended (replaces the `pending` record when read), then bounds the backups. */
  async finish(entry: JournalEntry): Promise<void> {
    try {
      await this.#append({ ...entry, finishedAt: entry.finishedAt ?? new Date().toISOString() })
    } finally {
      this.#running.delete(entry.id)
    }
    await this.#serialized(() => this.#pruneBackups())
  }

  /** Every change, oldest first, as kept (file versions by reference). */
  async entries(): Promise<StoredEntry[]> {
    const byId = new Map<string, StoredEntry>()
    for (const entry of await readJsonLines(this.path, isStoredEntry)) {
      byId.delete(entry.id) // keep the order of the last record
      byId.set(entry.id, entry)
    }
    return [...byId.values()].map(entry => (entry.outcome === 'pending' && !this.#running.has(entry.id) ? interrupted(entry) : entry))
  }

  /** The newest `limit` changes, newest first. */
  async history(limit: number): Promise<StoredEntry[]> {
    return (await this.entries()).reverse().slice(0, limit)
  }

  /** A change with every file version byte for byte; incorrectState when its backups are no longer kept. */
  async get(id: string): Promise<JournalEntry | undefined> {
    const stored = (await this.entries()).find(entry => entry.id === id)
    if (stored === undefined) {
      return undefined
    }
    const hosts = await Promise.all(
      stored.hosts.map(async record => ({ ...record, before: await this.#content(stored, record.before), after: await this.#content(stored, record.after) }))
    )
    return { ...stored, hosts }
  }

  async #content(entry: StoredEntry, ref: ContentRef | null): Promise<string | null> {
    if (ref === null) {
      return null
    }
    const content = await this.backups.get(ref.sha256)
    return (
      content ??
      incorrectState({
        object: entry.id,
        property: 'backups',
        actual: `the copy of a file version (sha256 ${ref.sha256}) is no longer kept`,
        expected: `one of the ${KEPT_CHANGES} newest changes, whose file versions are kept`,
      })
    )
  }

  /** Resolves once the record is on disk, in the next batch (see the header). */
  #append(entry: JournalEntry): Promise<void> {
    this.#waiting.delete(entry.id) // keeps the file in the order of each change's last record
    this.#waiting.set(entry.id, entry)
    return (this.#nextBatch ??= this.#serialized(() => this.#writeBatch()))
  }

  /** Stores the file versions of the waiting records, then appends the records that refer to them, with one fsync. */
  async #writeBatch(): Promise<void> {
    await nextTurn() // the records made in this turn of the event loop join too
    this.#nextBatch = undefined
    const batch = [...this.#waiting.values()]
    this.#waiting.clear()
    const lines: string[] = []
    for (const entry of batch) {
      const hosts: StoredHostRecord[] = []
      for (const record of entry.hosts) {
        const before = record.before === null ? null : await this.backups.put(record.before)
        const after = record.after === null ? null : await this.backups.put(record.after)
        hosts.push({ ...record, before, after })
      }
      lines.push(JSON.stringify({ ...entry, hosts }) + '\n')
    }
    await appendLine(this.path, lines.join(''))
  }

  async #pruneBackups(): Promise<void> {
    if ((await this.backups.count()) <= MAX_BACKUPS) {
      return
    }
    const entries = await this.entries()
    const kept = [...entries.slice(-KEPT_CHANGES), ...entries.filter(entry => this.#running.has(entry.id))]
    const referenced = new Set(kept.flatMap(entry => entry.hosts.flatMap(record => [record.before?.sha256, record.after?.sha256])))
    await this.backups.prune(referenced as Set<string>)
  }

  #serialized(work: () => Promise<void>): Promise<void> {
    const done = this.#appending.then(work)
    this.#appending = done.catch(() => {})
    return done
  }
}

/** A change whose process died: each host says whether its write completed; one without an outcome was being written. */
function interrupted(entry: StoredEntry): StoredEntry {
  return { ...entry, outcome: 'interrupted', hosts: entry.hosts.map(record => ({ ...record, outcome: record.outcome ?? 'unknown' })) }
}

function isStoredEntry(value: any): value is StoredEntry {
  return typeof value?.id === 'string' && Array.isArray(value.hosts)
}
