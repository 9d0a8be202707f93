// The startup linter: predicts what XAPI does with a host's configuration files (start, exit 1,
// exit 2) and lists every problem, including those XAPI itself keeps silent about.
import type { CatalogEntry } from './catalog-types'
import { compareNames, simulate, versionOptions, type EffectiveValue, type FatalEvent as Fatal, type Outcome, type ReadEvent, type ReadSource, type Simulation } from './effective'
import { carriageReturnLines } from './parser'
import { suggestKey } from './suggest'
import type { ConfTree } from './tree'

export type Severity = 'error' | 'warning' | 'info'

export interface Problem {
  readonly severity: Severity
  readonly code: string
  readonly file: string | null
  readonly line: number | null
  readonly key: string | null
  readonly message: string
}

export interface LintOptions {
  /** the host's XAPI version (`host.software_version.xapi_build`, e.g. 26.1.3) */
  readonly xapiVersion?: string
}

export interface LintReport {
  readonly outcome: Outcome
  readonly effective: Readonly<Record<string, { readonly value: string; readonly file: string; readonly line: number }>>
  readonly problems: readonly Problem[]
}

type Applied = Extract<ReadEvent, { type: 'applied' }>

const problem = (severity: Severity, code: string, file: string | null, line: number | null, key: string | null, message: string): Problem => ({
  severity,
  code,
  file,
  line,
  key,
  message,
})

const at = (file: string, line?: number) => (line === undefined ? file : `${file} line ${line}`)
const show = (value: string) => JSON.stringify(value)

// Names of editor backups, package-manager leftovers and disabled files.
const BACKUP_NAME = /(~|\.(rpmnew|rpmsave|rpmorig|bak|backup|orig|old|swp|swo|tmp|save|disabled|dpkg-[a-z]+))$|^[.#]/i

// What int_of_string and float_of_string failures mean (XAPI logs only the function name).
const CONVERSION_FAILURES: Readonly<Record<string, { code: string; expectation: string }>> = {
  int_of_string: { code: 'invalid-int', expectation: 'is not an integer (XAPI logs only "int_of_string")' },
  float_of_string: { code: 'invalid-float', expectation: 'is not a number (XAPI logs only "float_of_string")' },
}

function fatalCode(event: Fatal): string {
  if (event.cause !== 'value') {
    return { directory: 'entry-is-directory', unreadable: 'entry-unreadable', 'missing-target': 'dangling-symlink' }[event.cause]
  }
  return CONVERSION_FAILURES[event.stderr]?.code ?? (event.entry?.type === 'bool' ? 'invalid-bool' : 'invalid-value')
}

function valueFailure(event: Fatal, entry: CatalogEntry, value: string): string {
  const expectation =
    CONVERSION_FAILURES[event.stderr]?.expectation ??
    (entry.type === 'bool'
      ? 'is not exactly true or false'
      : entry.values !== undefined
        ? `is not one of ${entry.values.join(', ')}`
        : 'is not "<seconds>,<seconds>"')
  const carriageReturn = value.includes('\r') ? ' (it ends with a carriage return: CRLF line endings)' : ''
  return `${entry.key} = ${show(value)} ${expectation}${carriageReturn}`
}

function fatalSubject(event: Fatal): string {
  const { assignment, entry } = event
  if (assignment !== undefined && entry !== undefined) return valueFailure(event, entry, assignment.value)
  if (event.cause === 'directory') return `${event.file} is a directory`
  return event.cause === 'missing-target' ? `${event.file} is a symlink to a missing file` : `${event.file} cannot be read`
}

function fatalProblem(event: Fatal, first: Fatal | undefined, configDir: string): Problem {
  const consequence =
    event === first || first === undefined
      ? `XAPI exits with status ${event.exit}`
      : `this would also stop XAPI (status ${event.exit}), which already stops at ${at(first.file, first.assignment?.line)}`
  const advice = event.cause === 'directory' && event.file.startsWith(`${configDir}/`) ? ` Move it out of ${configDir}.` : ''
  const { assignment } = event
  return problem('error', fatalCode(event), event.file, assignment?.line ?? null, assignment?.key ?? null, `${fatalSubject(event)}: ${consequence}.${advice}`)
}

function unknownKeyProblem(event: Extract<ReadEvent, { type: 'unknown-key' }>, version: string | undefined): Problem {
  const { file, assignment, newerEntry } = event
  if (newerEntry !== undefined) {
    return problem(
      'warning',
      'unknown-to-version',
      file,
      assignment.line,
      assignment.key,
      `${assignment.key} is read by XAPI ${newerEntry.since} and later; XAPI ${version} ignores it.`
    )
  }
  const suggestion = suggestKey(assignment.key)
  const hint = suggestion === undefined ? '' : ` Did you mean ${suggestion}?`
  return problem('warning', 'unknown-key', file, assignment.line, assignment.key, `XAPI ignores ${assignment.key} without a word: it is not one of its keys.${hint}`)
}

// A printed OCaml float or int as a number (`inf`, `-inf`, `nan` included).
function numberOf(printed: string): number {
  return ({ inf: Infinity, '-inf': -Infinity } as Record<string, number>)[printed] ?? Number(printed)
}

function dangerProblem(event: Applied): Problem | undefined {
  const { entry, value, file, assignment } = event
  const danger = (message: string) => problem('warning', 'dangerous-value', file, assignment.line, entry.key, message)
  const number = numberOf(value)
  if (entry.key === 'pending_task_timeout' && number <= 0) {
    return danger(`pending_task_timeout = ${value}: the master destroys every pending task whose progress did not move at its next GC pass (every 30 s).`)
  }
  if (Number.isNaN(number) && (entry.type === 'float' || entry.type === 'duration')) {
    return danger(`${entry.key} = ${value}: XAPI accepts it, but every comparison with nan is false, so what this key times never times out.`)
  }
  if (number === Infinity) return danger(`${entry.key} = inf: XAPI accepts it, and what this key times never times out.`)
  if (entry.key === 'hsts_max_age' && number === 0) {
    return danger('hsts_max_age = 0 sends "max-age=0", which tells browsers to forget the host\'s HSTS policy; remove the key to send no header.')
  }
  if (entry.minimum !== undefined && number < entry.minimum) {
    return danger(`${entry.key} = ${value} is below ${entry.minimum}, the smallest value Xen Orchestra writes.`)
  }
  return undefined
}

function appliedProblems(event: Applied, source: ReadSource | undefined): Problem[] {
  const { entry, file, assignment } = event
  const line = assignment.line
  const warn = (code: string, message: string) => problem('warning', code, file, line, entry.key, message)
  const problems: Problem[] = []
  const danger = dangerProblem(event)
  if (danger !== undefined) problems.push(danger)
  if (event.note !== undefined) problems.push(warn('partly-ignored-value', `${entry.key}: ${event.note}.`))
  if (assignment.prefix.trim() !== '') {
    problems.push(warn('text-before-key', `XAPI reads this line as ${entry.key} = ${show(assignment.value)} and skips ${show(assignment.prefix.trim())} before it.`))
  }
  if (entry.key === 'config' || (entry.key === 'config-dir' && source?.role === 'drop-in')) {
    problems.push(warn('no-effect', `${entry.key} has no effect here: XAPI has already chosen which ${entry.key === 'config' ? 'file' : 'directory'} it reads.`))
  }
  const quote = assignment.value[0]
  if ((quote === '"' || quote === "'") && (assignment.value.length === 1 || assignment.value.at(-1) !== quote)) {
    const cause = assignment.hadComment ? ": '#' starts a comment even inside quotes" : ''
    problems.push(warn('unbalanced-quote', `${entry.key} keeps the quote in its value ${show(assignment.value)}${cause}.`))
  }
  if (entry.resource?.essential === true) {
    problems.push(problem('info', 'resource-path', file, line, entry.key, `XAPI checks at startup that ${show(event.value)} is accessible and exits with status 1 when it is not (not checked here).`))
  }
  return problems
}

function eventProblems(event: ReadEvent, context: LintContext): Problem[] {
  switch (event.type) {
    case 'fatal':
      return [fatalProblem(event, context.simulation.firstFatal, context.tree.configDir)]
    case 'unknown-key':
      return [unknownKeyProblem(event, context.version)]
    case 'ignored':
      return [problem('warning', 'ignored-value', event.file, event.assignment.line, event.entry.key, `${event.entry.key}: ${event.note}.`)]
    case 'skipped':
      return [problem('warning', 'dangling-main', event.file, null, null, `${event.reason}.`)]
    case 'applied':
      return appliedProblems(event, context.sourceByFile.get(event.file))
  }
}

function sourceProblems(source: ReadSource, configDir: string): Problem[] {
  const problems: Problem[] = []
  const file = source.entry.path
  const crLines = source.text === undefined ? [] : carriageReturnLines(source.text)
  if (crLines.length > 0) {
    problems.push(
      problem(
        'warning',
        'carriage-return',
        file,
        crLines[0],
        null,
        `${crLines.length} line(s) hold a carriage return (CRLF line endings): XAPI keeps it in values, so numbers and booleans stop XAPI and strings gain a trailing \\r.`
      )
    )
  }
  if (source.role === 'drop-in' && BACKUP_NAME.test(source.entry.name)) {
    problems.push(problem('warning', 'backup-name', file, null, null, `${source.entry.name} looks like a backup or disabled file, but XAPI reads every entry of ${configDir}, whatever its name.`))
  }
  return problems
}

function directoryProblems(tree: ConfTree): Problem[] {
  const { configDir, dirState } = tree
  const problems: Problem[] = []
  if (tree.main === null) {
    problems.push(problem('info', 'no-main-config', null, null, null, '/etc/xapi.conf does not exist: XAPI starts from its built-in defaults.'))
  }
  if (dirState === 'missing') problems.push(problem('info', 'config-dir-missing', configDir, null, null, `${configDir} does not exist: XAPI reads no drop-in.`))
  if (dirState === 'not-a-directory' || dirState === 'unreadable') {
    const what = dirState === 'unreadable' ? 'cannot be listed' : 'is not a directory'
    problems.push(problem('warning', `config-dir-${dirState}`, configDir, null, null, `${configDir} ${what}: XAPI reads no drop-in.`))
  }
  return problems
}

function shadowProblems(values: Iterable<EffectiveValue>): Problem[] {
  const problems: Problem[] = []
  const seen = new Set<EffectiveValue['assignments'][number]>()
  for (const value of values) {
    const winner = value.assignments.at(-1)
    for (const shadowed of value.shadowed) {
      if (winner === undefined || seen.has(shadowed)) continue
      seen.add(shadowed)
      const where = winner.file === shadowed.file ? `line ${winner.line}` : at(winner.file, winner.line)
      const severity = winner.file === shadowed.file ? 'info' : 'warning'
      problems.push(
        problem(severity, 'shadowed', shadowed.file, shadowed.line, shadowed.key, `${shadowed.key} = ${show(shadowed.value)} has no effect: ${where} sets ${winner.key} = ${show(winner.value)}.`)
      )
    }
  }
  return problems
}

interface LintContext {
  readonly tree: ConfTree
  readonly simulation: Simulation
  readonly version: string | undefined
  readonly sourceByFile: ReadonlyMap<string, ReadSource>
}

function byReadOrder(sources: readonly ReadSource[]): (a: Problem, b: Problem) => number {
  const rank = new Map(sources.map((source, index) => [source.entry.path, index]))
  const fileRank = (problem: Problem) => (problem.file === null ? -1 : rank.get(problem.file) ?? -1)
  return (a, b) => fileRank(a) - fileRank(b) || (a.line ?? 0) - (b.line ?? 0)
}

/** Predicts XAPI's outcome on the tree and lists every problem, in read order. */
export function lintTree(tree: ConfTree, options: LintOptions = {}): LintReport {
  const simulation = simulate(tree, versionOptions(options.xapiVersion))
  const context: LintContext = {
    tree,
    simulation,
    version: options.xapiVersion,
    sourceByFile: new Map(simulation.sources.map(source => [source.entry.path, source])),
  }
  const problems = [
    ...directoryProblems(tree),
    ...simulation.sources.flatMap(source => sourceProblems(source, tree.configDir)),
    ...simulation.events.flatMap(event => eventProblems(event, context)),
    ...shadowProblems(simulation.values.values()),
  ].sort(byReadOrder(simulation.sources))
  const effective = [...simulation.values.values()]
    .sort((a, b) => compareNames(a.key, b.key))
    .map(({ key, value, file, line }) => [key, { value, file, line }] as const)
  return { outcome: simulation.outcome, effective: Object.fromEntries(effective), problems }
}
