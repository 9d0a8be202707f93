// Replays XAPI's `read_config_file` on a ConfTree: /etc/xapi.conf, then every drop-in in byte
// order, each known `key = value` applied at once. The trace it records feeds both the effective
// configuration and the linter.
import { canonicalKey, catalogEntry, keysSharingVariable, type CatalogEntry } from './catalog'
import { displayValue } from './display'
import { compareStrings } from './ocaml'
import { parseFile, type Assignment } from './parser'
import { decodeContent, readableContent, type ConfEntry, type ConfTree } from './tree'
import { applyValue, initialState, type KeyState } from './values'
import { isKnownToVersion, parseVersion } from './version'

export type Outcome = 'starts' | 'exit1' | 'exit2'

/** One `key = value` line of one file. */
export interface SourceAssignment {
  readonly key: string
  readonly value: string
  readonly file: string
  readonly line: number
}

export interface EffectiveValue {
  readonly key: string
  /** as XAPI prints it after parsing */
  readonly value: string
  /** as an admin writes it, with a readable duration for seconds: `86400 (24 h)` */
  readonly display: string
  /** the assignment that last set the value */
  readonly file: string
  readonly line: number
  /** every assignment of the setting (aliases included), in read order */
  readonly assignments: readonly SourceAssignment[]
  /** earlier assignments whose value a later one replaced */
  readonly shadowed: readonly SourceAssignment[]
}

export type ReadEvent =
  /** `newerEntry`: a catalog key that the host's XAPI version does not read yet */
  | { readonly type: 'unknown-key'; readonly file: string; readonly assignment: Assignment; readonly newerEntry?: CatalogEntry }
  | {
      readonly type: 'applied'
      readonly file: string
      readonly assignment: Assignment
      readonly entry: CatalogEntry
      /** what the setting holds afterwards, as XAPI prints it */
      readonly value: string
      readonly note?: string
    }
  | { readonly type: 'ignored'; readonly file: string; readonly assignment: Assignment; readonly entry: CatalogEntry; readonly note: string }
  | FatalEvent
  | { readonly type: 'skipped'; readonly file: string; readonly reason: string }

/** What stops XAPI: a value its parser rejects, or an entry it cannot read. */
export interface FatalEvent {
  readonly type: 'fatal'
  readonly file: string
  readonly exit: 1 | 2
  /** what XAPI prints on stderr (the journal) */
  readonly stderr: string
  readonly assignment?: Assignment
  readonly entry?: CatalogEntry
  readonly cause: 'value' | 'directory' | 'unreadable' | 'missing-target'
}

/** A file XAPI opens, in read order. */
export interface ReadSource {
  readonly entry: ConfEntry
  readonly role: 'main' | 'drop-in'
  readonly text?: string
}

export interface Simulation {
  readonly outcome: Outcome
  /** the error that stops XAPI first */
  readonly firstFatal?: FatalEvent
  readonly sources: readonly ReadSource[]
  readonly events: readonly ReadEvent[]
  /** by key, for every key some file assigns */
  readonly values: ReadonlyMap<string, EffectiveValue>
}

/** File names and keys in the order XAPI sorts them (OCaml's `compare`: byte order). */
export const compareNames = compareStrings

/** Entries XAPI opens, in order: /etc/xapi.conf when it exists, then the sorted drop-ins. */
export function readOrder(tree: ConfTree): ReadSource[] {
  const sources: ReadSource[] = []
  if (tree.main !== null) sources.push(withText(tree.main, 'main'))
  if (tree.dirState === 'directory') {
    const sorted = [...tree.dropIns].sort((a, b) => compareNames(a.name, b.name))
    sources.push(...sorted.map(entry => withText(entry, 'drop-in')))
  }
  return sources
}

function withText(entry: ConfEntry, role: ReadSource['role']): ReadSource {
  const content = readableContent(entry)
  return content === undefined ? { entry, role } : { entry, role, text: decodeContent(content) }
}

const SYS_ERROR = (detail: string) => `Fatal error: exception Sys_error("${detail}")`

function openFailure(source: ReadSource): ReadEvent | undefined {
  const { entry, role } = source
  const file = entry.path
  const kind = entry.kind === 'symlink' ? entry.resolved : entry.kind
  // a file whose bytes the reader could not get counts as unreadable
  const target = kind === 'file' && source.text === undefined ? 'unreadable' : kind
  switch (target) {
    case 'directory':
      return { type: 'fatal', file, exit: 2, stderr: SYS_ERROR('Is a directory'), cause: 'directory' }
    case 'unreadable':
      return { type: 'fatal', file, exit: 2, stderr: SYS_ERROR(`${file}: Permission denied`), cause: 'unreadable' }
    case 'missing':
      // Sys.file_exists follows the link: a dangling /etc/xapi.conf is simply not read
      return role === 'main'
        ? { type: 'skipped', file, reason: `${file} is a symlink to a missing target (${entry.target}); XAPI does not read it` }
        : { type: 'fatal', file, exit: 2, stderr: SYS_ERROR(`${file}: No such file or directory`), cause: 'missing-target' }
    default:
      return undefined
  }
}

export interface SimulationOptions {
  /** the host's XAPI version: keys it does not read yet are unknown to it */
  readonly xapiVersion?: readonly number[]
}

interface HistoryItem {
  readonly assignment: SourceAssignment
  shadowed: boolean
}

class Replay {
  readonly events: ReadEvent[] = []
  /** by setting (aliases share one): what XAPI holds, and every assignment that set it */
  private readonly states = new Map<string, KeyState>()
  private readonly history = new Map<string, HistoryItem[]>()

  constructor(private readonly options: SimulationOptions) {}

  readFile(file: string, text: string): void {
    for (const assignment of parseFile(text)) this.readLine(file, assignment)
  }

  private readLine(file: string, assignment: Assignment): void {
    const entry = catalogEntry(assignment.key)
    if (entry === undefined) {
      this.events.push({ type: 'unknown-key', file, assignment })
      return
    }
    const { xapiVersion } = this.options
    if (xapiVersion !== undefined && !isKnownToVersion(entry, xapiVersion)) {
      this.events.push({ type: 'unknown-key', file, assignment, newerEntry: entry })
      return
    }
    const variable = canonicalKey(entry)
    const applied = applyValue(entry, this.states.get(variable) ?? initialState(entry), assignment.value)
    if (applied.outcome === 'fatal') {
      const { exit, stderr } = applied
      this.events.push({ type: 'fatal', file, exit, stderr, assignment, entry, cause: 'value' })
      return
    }
    if (applied.outcome === 'ignored') {
      this.events.push({ type: 'ignored', file, assignment, entry, note: applied.note })
      return
    }
    const value = applied.state.printed
    this.events.push({ type: 'applied', file, assignment, entry, value, ...(applied.note === undefined ? {} : { note: applied.note }) })
    this.record(entry, variable, { key: assignment.key, value: assignment.value, file, line: assignment.line }, applied.state)
  }

  private record(entry: CatalogEntry, variable: string, assignment: SourceAssignment, state: KeyState): void {
    const history = this.history.get(variable) ?? []
    if (entry.accumulation === 'last' || entry.accumulation === 'replace') {
      for (const earlier of history) earlier.shadowed = true
    }
    history.push({ assignment, shadowed: false })
    this.history.set(variable, history)
    this.states.set(variable, state)
  }

  values(): Map<string, EffectiveValue> {
    const values = new Map<string, EffectiveValue>()
    for (const [variable, state] of this.states) {
      const history = this.history.get(variable) as HistoryItem[]
      const last = history[history.length - 1].assignment
      for (const key of keysSharingVariable(variable)) {
        values.set(key, {
          key,
          value: state.printed,
          display: displayValue(key, state.printed),
          file: last.file,
          line: last.line,
          assignments: history.map(item => item.assignment),
          shadowed: history.filter(item => item.shadowed).map(item => item.assignment),
        })
      }
    }
    return values
  }
}

/**
 * Replays XAPI reading the tree. After the first fatal error XAPI stops; the replay goes on so
 * that every problem is found, and the values are those XAPI would hold without the failing
 * lines and entries.
 */
export function simulate(tree: ConfTree, options: SimulationOptions = {}): Simulation {
  const replay = new Replay(options)
  const sources = readOrder(tree)
  for (const source of sources) {
    const failure = openFailure(source)
    if (failure !== undefined) replay.events.push(failure)
    else replay.readFile(source.entry.path, source.text ?? '')
  }
  const firstFatal = replay.events.find((event): event is FatalEvent => event.type === 'fatal')
  const outcome: Outcome = firstFatal === undefined ? 'starts' : firstFatal.exit === 1 ? 'exit1' : 'exit2'
  return { outcome, ...(firstFatal === undefined ? {} : { firstFatal }), sources, events: replay.events, values: replay.values() }
}

export interface EffectiveConfig {
  readonly outcome: Outcome
  /** by key, for every key some file sets; other keys hold their catalog default */
  readonly values: Readonly<Record<string, EffectiveValue>>
}

/** Simulation options for a host running this XAPI version (e.g. 26.1.3); throws on a malformed one. */
export function versionOptions(xapiVersion: string | undefined): SimulationOptions {
  if (xapiVersion === undefined) return {}
  const parsed = parseVersion(xapiVersion)
  if (parsed === undefined) throw new TypeError(`not an XAPI version: ${xapiVersion}`)
  return { xapiVersion: parsed }
}

/** The configuration XAPI runs with on this tree (on a host of the given XAPI version, if any). */
export function effectiveConfig(tree: ConfTree, options: { readonly xapiVersion?: string } = {}): EffectiveConfig {
  const { outcome, values } = simulate(tree, versionOptions(options.xapiVersion))
  const sorted = [...values.values()].sort((a, b) => compareNames(a.key, b.key))
  return { outcome, values: Object.fromEntries(sorted.map(value => [value.key, value])) }
}
