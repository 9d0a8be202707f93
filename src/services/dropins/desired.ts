// The desired drop-ins of the settings (`desired: [{ pools, file, settings, expert }]`): parsed and
// validated when the plugin is configured, checked against every host (a file missing after an ISO
// upgrade, a file changed by hand, a value another file overrides), and written back on request.
import { MAX_LINE_BYTES, parseFile, parseLine, quoteShort, renderManagedFile, validateChange, type ConfTree } from '../../conf'
import type { DesiredDropInSetting } from '../../settings/settings'
import { describeError, invalidParameters, paramError, type ParamError } from '../../xo/errors'
import { getPool, type HostTarget, type PoolTarget } from '../../xo/targets'
import type { XoUser } from '../../xo/types'
import { mapHosts, type HostRow } from '../fleet'
import type { ChangeGate, ChangeResult } from '../change-gate/gate'
import type { XoApp } from '../../xo/types'
import { dropInPath, type ReadTree } from './host-files'
import { HSTS_KEY } from '../hsts/verdict'
import { writableNameProblem } from './names'
import { effectiveOf, lintOf } from './lint'
import { summarize, type ChangePlan, type PlanDeps, type Planned } from './plan'
import { contentOf, previewChange } from './preview'

export interface DesiredDropIn {
  /** Position in the settings' `desired` list, for messages. */
  index: number
  /** Pool ids; empty means every connected pool. */
  pools: string[]
  file: string
  settings: Record<string, string>
  expert: boolean
  /** Lets this entry's positive hsts_max_age through the change gate's HSTS lockout rule. */
  allowUntrustedCertificate: boolean
  /** The managed file the plugin writes for it. */
  content: string
}

export type ComplianceStatus = 'compliant' | 'missing' | 'changed' | 'overridden'

export interface KeyDifference {
  key: string
  desired: string | null
  /** What the file holds (`changed`) or what XAPI takes (`overridden`); `null` when absent. */
  actual: string | null
  /** For `overridden`: the file XAPI takes the value from (`null`: its built-in default). */
  from?: string | null
}

export type HostCompliance = HostRow<{ status: ComplianceStatus; differences: KeyDifference[] }>

export interface PoolCompliance {
  pool: { id: string; label: string }
  file: string
  desiredIndex: number
  /** Set when the pool cannot be listed (not connected, unknown); then `hosts` is empty. */
  error?: { message: string }
  hosts: HostCompliance[]
}

export interface ReapplyOutcome {
  pool: { id: string; label: string }
  file: string
  hosts: string[]
  result?: ChangeResult
  error?: { code?: number | string; message: string; data?: unknown }
}

/** Parses the settings' desired drop-ins; invalidParameters lists every problem of every entry. */
export function parseDesired(entries: readonly DesiredDropInSetting[]): DesiredDropIn[] {
  const problems: ParamError[] = []
  const parsed = entries.map((entry, index) =>
    parseEntry(entry, index, (field, message, params) => problems.push(paramError(`desired.${index}.${field}`, `desired[${index}]: ${message}`, { params }))),
  )
  problems.push(...overlaps(parsed).map(message => paramError('desired', message)))
  if (problems.length !== 0) {
    invalidParameters(`desired drop-ins: ${problems.map(problem => problem.message).join('; ')}`, problems)
  }
  return parsed
}

type ProblemReport = (field: 'file' | 'settings', message: string, params?: Record<string, unknown>) => void

function parseEntry(entry: DesiredDropInSetting, index: number, report: ProblemReport): DesiredDropIn {
  const fileProblem = writableNameProblem(entry.file)
  if (fileProblem !== undefined) {
    report('file', `file ${fileProblem}`)
  }
  const settings: Record<string, string> = {}
  let assignments = 0
  // A form's textarea may send CRLF: the lines are the admin's, not a file XAPI reads.
  entry.settings.split(/\r?\n/).forEach((text, lineIndex) => {
    const line = lineIndex + 1
    if (text.length > MAX_LINE_BYTES) {
      report('settings', `line ${line} is ${text.length} characters long: the limit of a line is ${MAX_LINE_BYTES}`, { line })
      return
    }
    if (text.trim() === '' || text.trimStart().startsWith('#')) {
      return
    }
    const assignment = parseLine(text)
    if (assignment === undefined || assignment.prefix.trim() !== '') {
      report('settings', `line ${line}: ${quoteShort(text)} is not a \`key = value\` line`, { line })
      return
    }
    assignments++
    const { key, value } = assignment
    const problem = Object.hasOwn(settings, key) ? `\`${key}\` is set twice` : validateChange({ [key]: value }, { expert: entry.expert }).issues[0]?.message
    if (problem === undefined) {
      settings[key] = value
    } else {
      report('settings', `line ${line}: ${problem}`, { line, key })
    }
  })
  if (assignments === 0) {
    report('settings', 'no `key = value` line')
  }
  const allowUntrustedCertificate = entry.allowUntrustedCertificate === true
  if (!allowUntrustedCertificate && turnsHstsOn(settings)) {
    report('settings', `${HSTS_KEY.key} = ${settings[HSTS_KEY.key]}: ${UNTRUSTED_SETTING}`, { key: HSTS_KEY.key })
  }
  const content = Object.keys(settings).length === 0 ? '' : renderManagedFile(settings)
  return { index, pools: entry.pools, file: entry.file, settings, expert: entry.expert, allowUntrustedCertificate, content }
}

const UNTRUSTED_SETTING =
  'HSTS locks browsers out of hosts whose certificate they do not trust, and the scheduled re-apply writes it without asking: ' +
  'turn on "Allow HSTS with untrusted certificates" for this entry to accept that risk'

function turnsHstsOn(settings: Record<string, string>): boolean {
  return Object.hasOwn(settings, HSTS_KEY.key) && Number.parseFloat(settings[HSTS_KEY.key]) > 0
}

/** Two entries must not describe the same file of the same pool. */
function overlaps(entries: DesiredDropIn[]): string[] {
  const problems: string[] = []
  entries.forEach((a, i) => {
    for (const b of entries.slice(i + 1)) {
      const samePools = a.pools.length === 0 || b.pools.length === 0 || a.pools.some(pool => b.pools.includes(pool))
      if (a.file === b.file && samePools) {
        problems.push(`desired[${a.index}] and desired[${b.index}] both describe ${a.file} for the same pool`)
      }
    }
  })
  return problems
}

export interface DesiredDeps extends PlanDeps {
  xo: XoApp
  entries: readonly DesiredDropIn[]
  /** Writes back through the change gate, like every other change. */
  gate: ChangeGate
}

export class DesiredState {
  readonly #deps: DesiredDeps

  constructor(deps: DesiredDeps) {
    this.#deps = deps
  }

  get entries(): readonly DesiredDropIn[] {
    return this.#deps.entries
  }

  /** How every host of the concerned pools (or of `poolIds` only) compares with the desired drop-ins. */
  async check(poolIds?: readonly string[], readTree: ReadTree = host => this.#deps.files.readTree(host)): Promise<PoolCompliance[]> {
    const results: PoolCompliance[] = []
    for (const entry of this.#deps.entries) {
      for (const target of this.#poolsOf(entry, poolIds)) {
        results.push(isPoolTarget(target) ? await this.#checkPool(entry, target, readTree) : target)
      }
    }
    return results
  }

  /** Writes the desired file on the hosts where it is missing or changed, pool by pool (no restart). */
  async reapply(compliance: readonly PoolCompliance[], user?: XoUser): Promise<ReapplyOutcome[]> {
    const outcomes: ReapplyOutcome[] = []
    for (const item of compliance) {
      const hosts = item.hosts.filter(row => row.ok && (row.status === 'missing' || row.status === 'changed')).map(row => row.host.id)
      if (hosts.length !== 0) {
        outcomes.push(await this.#reapplyPool(item, hosts, user))
      }
    }
    return outcomes
  }

  #poolsOf(entry: DesiredDropIn, only?: readonly string[]): Array<PoolTarget | PoolCompliance> {
    // Ids only: a pool that cannot be resolved becomes its own row below instead of failing every pool.
    const ids = entry.pools.length === 0 ? Object.keys(this.#deps.xo.getObjects({ filter: { type: 'pool' } })) : entry.pools
    return ids
      .filter(id => only === undefined || only.includes(id))
      .map(id => {
        try {
          return getPool(this.#deps.xo, id)
        } catch (error) {
          return { pool: { id, label: id }, file: entry.file, desiredIndex: entry.index, error: { message: describeError(error).message }, hosts: [] }
        }
      })
  }

  async #checkPool(entry: DesiredDropIn, pool: PoolTarget, readTree: ReadTree): Promise<PoolCompliance> {
    const hosts = await mapHosts(pool.hosts, this.#deps.concurrency, async host => compliance(entry, host, await readTree(host)))
    return { pool: { id: pool.id, label: pool.label }, file: entry.file, desiredIndex: entry.index, hosts }
  }

  async #reapplyPool(item: PoolCompliance, hostIds: string[], user?: XoUser): Promise<ReapplyOutcome> {
    const entry = this.#deps.entries[item.desiredIndex]
    const outcome: ReapplyOutcome = { pool: item.pool, file: item.file, hosts: hostIds }
    try {
      outcome.result = await this.#writeBack(entry, item.pool.id, hostIds, user)
    } catch (error) {
      outcome.error = describeError(error)
    }
    return outcome
  }

  /** The entries that describe a file of this pool. */
  entriesFor(poolId: string): DesiredDropIn[] {
    return this.#deps.entries.filter(entry => entry.pools.length === 0 || entry.pools.includes(poolId))
  }

  /** The pools the entries target (every connected pool for an entry without pools). */
  targetedPools(): string[] {
    const every = () => Object.keys(this.#deps.xo.getObjects({ filter: { type: 'pool' } }))
    return [...new Set(this.#deps.entries.flatMap(entry => (entry.pools.length === 0 ? every() : entry.pools)))]
  }

  /** What writing the entry's file on every host of the pool would do, with the change gate's rules. Writes nothing. */
  async planPool(entry: DesiredDropIn, poolId: string): Promise<ChangePlan> {
    const { allowUntrustedCertificate } = entry
    return (await this.#deps.gate.review(await this.#planned(entry, poolId), { allowUntrustedCertificate })).plan
  }

  /** Writes the entry's file on every host of the pool where it differs, through the change gate (no restart). */
  writePool(entry: DesiredDropIn, poolId: string, user?: XoUser): Promise<ChangeResult> {
    return this.#writeBack(entry, poolId, undefined, user)
  }

  #writeBack(entry: DesiredDropIn, poolId: string, hostIds: string[] | undefined, user?: XoUser): Promise<ChangeResult> {
    const plan = () => this.#planned(entry, poolId, hostIds)
    const { allowUntrustedCertificate } = entry
    return this.#deps.gate.change({ kind: 'reapply', poolId, plan, user, request: { desired: entry.index }, allowUntrustedCertificate })
  }

  async #planned(entry: DesiredDropIn, poolId: string, hostIds?: string[]): Promise<Planned> {
    const whole = getPool(this.#deps.xo, poolId)
    const pool = hostIds === undefined ? whole : { ...whole, hosts: whole.hosts.filter(host => hostIds.includes(host.id)) }
    const rows = await previewChange(this.#deps.files, {
      hosts: pool.hosts,
      file: entry.file,
      keys: Object.keys(entry.settings),
      limit: this.#deps.concurrency,
      target: () => ({ after: entry.content }),
    })
    return { plan: summarize(pool, entry.file, entry.settings, rows), pool }
  }
}

/** A pool that could not be checked, or a host that is unreachable or not compliant. */
export function poolNeedsAttention(item: PoolCompliance): boolean {
  return item.error !== undefined || item.hosts.some(row => !row.ok || row.status !== 'compliant')
}

function isPoolTarget(target: PoolTarget | PoolCompliance): target is PoolTarget {
  return !('error' in target)
}

/** How one host's tree compares with a desired drop-in. */
export function compliance(entry: DesiredDropIn, host: HostTarget, tree: ConfTree): { status: ComplianceStatus; differences: KeyDifference[] } {
  const content = contentOf(tree, entry.file)
  if (content === null) {
    return { status: 'missing', differences: Object.entries(entry.settings).map(([key, desired]) => ({ key, desired, actual: null })) }
  }
  const changed = fileDifferences(entry.settings, content)
  if (changed.length !== 0) {
    return { status: 'changed', differences: changed }
  }
  const path = dropInPath(entry.file)
  const effective = effectiveOf(lintOf(tree, host.xapiVersion), Object.keys(entry.settings))
  const overridden = Object.entries(effective)
    .filter(([, value]) => value.file !== path)
    .map(([key, value]) => ({ key, desired: entry.settings[key], actual: value.value, from: value.file }))
  return overridden.length === 0 ? { status: 'compliant', differences: [] } : { status: 'overridden', differences: overridden }
}

function fileDifferences(desired: Record<string, string>, content: string): KeyDifference[] {
  const actual = new Map(parseFile(content).map(({ key, value }) => [key, value] as const))
  const keys = new Set([...Object.keys(desired), ...actual.keys()])
  return [...keys]
    .filter(key => desired[key] !== actual.get(key))
    .map(key => ({ key, desired: desired[key] ?? null, actual: actual.get(key) ?? null }))
}
