// A pool's database, as the master's XAPI holds it: tables of records keyed by OpaqueRef, a
// generation counter bumped by every write, and what event.from needs to report changes
// (XAPI's Db_cache_types stats `created`/`modified`/`deleted`, xapi_event.ml `collect_events`).

export type XapiRecord = Readonly<Record<string, unknown>>

interface Row {
  record: XapiRecord
  created: number
  modified: number
}

interface DeletedRow {
  cls: string
  ref: string
  created: number
  deleted: number
}

export type Subscription = { kind: 'all' } | { kind: 'class'; cls: string } | { kind: 'object'; cls: string; ref: string }

export interface XapiEvent {
  id: string
  timestamp: string
  class: string
  operation: 'add' | 'mod' | 'del'
  ref: string
  snapshot?: XapiRecord
}

export interface Changes {
  events: XapiEvent[]
  /** The newest generation among the subscribed objects' changes, or `since` if none. */
  last: number
}

// Deleted rows are kept so that event.from can report them; older ones are forgotten.
const DELETED_ROWS_KEPT = 10_000

export class PoolDatabase {
  private generation = 0
  private readonly tables = new Map<string, Map<string, Row>>()
  private deletedRows: DeletedRow[] = []
  private readonly waiters = new Set<() => void>()

  constructor(classes: readonly string[]) {
    for (const cls of classes) this.tables.set(cls, new Map())
  }

  get currentGeneration(): number {
    return this.generation
  }

  classes(): string[] {
    return [...this.tables.keys()]
  }

  /** The canonical class name (`VM`, `host_metrics`) for any case of it. */
  canonicalClass(name: string): string | undefined {
    const lower = name.toLowerCase()
    return this.classes().find(cls => cls.toLowerCase() === lower)
  }

  records(cls: string): Map<string, XapiRecord> {
    return new Map([...this.table(cls)].map(([ref, row]) => [ref, row.record]))
  }

  get(cls: string, ref: string): XapiRecord | undefined {
    return this.tables.get(cls)?.get(ref)?.record
  }

  classOfRef(ref: string): string | undefined {
    return this.classes().find(cls => this.table(cls).has(ref))
  }

  insert(cls: string, ref: string, record: XapiRecord): void {
    const generation = this.nextGeneration()
    this.table(cls).set(ref, { record, created: generation, modified: generation })
    this.wakeWaiters()
  }

  update(cls: string, ref: string, changes: Record<string, unknown>): XapiRecord {
    return this.replace(cls, ref, { ...this.row(cls, ref).record, ...changes })
  }

  /** A new record for an existing object (fields may appear or disappear). */
  replace(cls: string, ref: string, record: XapiRecord): XapiRecord {
    const row = this.row(cls, ref)
    row.record = record
    row.modified = this.nextGeneration()
    this.wakeWaiters()
    return row.record
  }

  /** A modification without a change, as event.inject makes. Returns the generation it used. */
  touch(cls: string, ref: string): number {
    const row = this.row(cls, ref)
    row.modified = this.nextGeneration()
    this.wakeWaiters()
    return row.modified
  }

  remove(cls: string, ref: string): void {
    const row = this.row(cls, ref)
    this.table(cls).delete(ref)
    this.deletedRows.push({ cls, ref, created: row.created, deleted: this.nextGeneration() })
    if (this.deletedRows.length > DELETED_ROWS_KEPT) this.deletedRows = this.deletedRows.slice(-DELETED_ROWS_KEPT / 2)
    this.wakeWaiters()
  }

  /** Row counts of every table, by lower-case class name (event.from's `valid_ref_counts`). */
  counts(): Record<string, number> {
    return Object.fromEntries(this.classes().map(cls => [cls.toLowerCase(), this.table(cls).size]))
  }

  /**
   * Changes after generation `since` of the subscribed objects: objects created since are `add`,
   * others `mod`; deleted objects that existed at `since` are `del`, without a snapshot.
   */
  changesSince(since: number, subscriptions: readonly Subscription[]): Changes {
    let last = since
    const adds: Array<[number, XapiEvent]> = []
    const mods: Array<[number, XapiEvent]> = []
    const dels: Array<[number, XapiEvent]> = []
    for (const [cls, table] of this.tables) {
      for (const [ref, row] of table) {
        if (row.modified <= since || !matches(subscriptions, cls, ref)) continue
        last = Math.max(last, row.modified)
        const created = row.created > since
        const generation = created ? row.created : row.modified
        const event = eventOf(cls, ref, created ? 'add' : 'mod', generation, row.record)
        ;(created ? adds : mods).push([generation, event])
      }
    }
    for (const deleted of this.deletedRows) {
      if (deleted.deleted <= since || !matches(subscriptions, deleted.cls, deleted.ref)) continue
      last = Math.max(last, deleted.deleted)
      if (deleted.created <= since) dels.push([deleted.deleted, eventOf(deleted.cls, deleted.ref, 'del', deleted.deleted)])
    }
    const inOrder = (list: Array<[number, XapiEvent]>) => list.sort((a, b) => a[0] - b[0]).map(([, event]) => event)
    return { events: [...inOrder(adds), ...inOrder(mods), ...inOrder(dels)], last }
  }

  /** Resolves once the database changes after `generation`, after `timeoutMs`, or on abort. */
  waitForChange(generation: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.generation > generation || signal?.aborted) return Promise.resolve()
    return new Promise(resolve => {
      const done = () => {
        clearTimeout(timer)
        this.waiters.delete(done)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, Math.max(0, timeoutMs))
      this.waiters.add(done)
      signal?.addEventListener('abort', done)
    })
  }

  /** Releases every waiting event.from. */
  close(): void {
    for (const wake of [...this.waiters]) wake()
  }

  private nextGeneration(): number {
    return ++this.generation
  }

  private wakeWaiters(): void {
    for (const wake of [...this.waiters]) wake()
  }

  private table(cls: string): Map<string, Row> {
    const table = this.tables.get(cls)
    if (table === undefined) throw new Error(`no table ${cls}`)
    return table
  }

  private row(cls: string, ref: string): Row {
    const row = this.table(cls).get(ref)
    if (row === undefined) throw new Error(`no ${cls} ${ref}`)
    return row
  }
}

function matches(subscriptions: readonly Subscription[], cls: string, ref: string): boolean {
  const lower = cls.toLowerCase()
  return subscriptions.some(
    subscription =>
      subscription.kind === 'all' ||
      (subscription.cls === lower && (subscription.kind === 'class' || subscription.ref === ref))
  )
}

function eventOf(cls: string, ref: string, operation: XapiEvent['operation'], generation: number, snapshot?: XapiRecord): XapiEvent {
  const event: XapiEvent = { id: String(generation), timestamp: '0.0', class: cls.toLowerCase(), operation, ref }
  return snapshot === undefined ? event : { ...event, snapshot }
}

/** event.from's class list: `*`, a class name (any case) or `class/ref`. */
export function parseSubscriptions(classes: readonly string[]): Subscription[] {
  return classes.map(entry => {
    if (entry === '*') return { kind: 'all' }
    const slash = entry.indexOf('/')
    return slash === -1
      ? { kind: 'class', cls: entry.toLowerCase() }
      : { kind: 'object', cls: entry.slice(0, slash).toLowerCase(), ref: entry.slice(slash + 1) }
  })
}
