// XO jobs and the "is a backup running" state, as xo-server's Jobs mixin (xo-mixins/jobs/index.mjs) and
// `backupGuard` (api/_backupGuard.mjs) expose them to plugins: `getAllJobs(type?)` and `getJob(id)` set
// `runId` from `runningJobs` (running ⇔ `runId !== undefined`), and `backupGuard(poolId)` refuses with
// `forbiddenOperation` when a running VM backup job ('backup' only) targets a VM of the pool, or when a
// running smart-mode job may. Tests define jobs and start or finish their runs with the controls below.
import { forbiddenOperation, noSuchObject } from './errors'

/** Object patterns as XO stores them: `{ id: 'x' }`, `{ id: { __or: [...] } }`, `{ $pool: { __not: … } }`… */
export type Pattern = Record<string, unknown>

export interface JobDefinition {
  /** Given by the harness when absent. */
  id?: string
  type: 'backup' | 'metadataBackup' | 'mirrorBackup' | 'call' | (string & {})
  name?: string
  mode?: string
  /** VM backup jobs: which VMs (`{ id }` simple pattern, or smart mode with `$pool`, `tags`…). */
  vms?: Pattern
  /** Metadata backup jobs: which pools. */
  pools?: Pattern
  [field: string]: unknown
}

export interface XoJob extends JobDefinition {
  id: string
  /** The id of the current run; `undefined` when the job is not running. */
  runId?: string
}

type Emit = (event: string, ...args: unknown[]) => void

export class Jobs {
  readonly #jobs = new Map<string, XoJob>()
  readonly #runningJobs: Record<string, string> = Object.create(null)
  readonly #getPoolOf: (objectId: string) => string | undefined
  readonly #emit: Emit
  #nextId = 1

  /** `getPoolOf(id)` gives the pool of an XO object, as `xo.getObject(id).$poolId` does. */
  constructor(getPoolOf: (objectId: string) => string | undefined, emit: Emit) {
    this.#getPoolOf = getPoolOf
    this.#emit = emit
  }

  /** The `xo.runningJobs` getter: job id → id of its current run. */
  get runningJobs(): Record<string, string> {
    return this.#runningJobs
  }

  async getAllJobs(type?: string): Promise<XoJob[]> {
    return [...this.#jobs.values()]
      .filter(job => type === undefined || job.type === type)
      .map(job => ({ ...structuredClone(job), runId: this.#runningJobs[job.id] }))
  }

  async getJob(id: string, type?: string): Promise<XoJob> {
    const job = this.#jobs.get(id)
    if (job === undefined || (type !== undefined && job.type !== type)) noSuchObject(id, 'job')
    return { ...structuredClone(job!), runId: this.#runningJobs[id] }
  }

  async backupGuard(poolId: string): Promise<void> {
    for (const { runId, vms } of await this.getAllJobs('backup')) {
      if (runId === undefined || vms === undefined) continue
      if (vms.id !== undefined) {
        for (const vmId of idsOfSimplePattern(vms)) {
          if (this.#getPoolOf(vmId) === poolId) {
            forbiddenOperation('Backup is running', `A backup is running on the pool: ${poolId}`)
          }
        }
      } else {
        // Smart mode: the pool is safe only when the job's `$pool` pattern excludes it.
        const isPoolSafe = vms.$pool !== undefined && !matchesPattern(vms.$pool, poolId)
        if (!isPoolSafe) forbiddenOperation('May have running backup', `A backup may run on the pool: ${poolId}`)
      }
    }
  }

  // Test controls

  defineJob(definition: JobDefinition): string {
    const id = definition.id ?? `job-${this.#nextId++}`
    this.#jobs.set(id, { ...structuredClone(definition), id })
    return id
  }

  /** Marks a job as running, as `runJob` does before executing it; returns the run id. */
  startJob(id: string): string {
    if (!this.#jobs.has(id)) noSuchObject(id, 'job')
    if (id in this.#runningJobs) throw new Error(`the job (${id}) is already running`)
    const runId = `${Date.now()}-${this.#nextId++}`
    this.#runningJobs[id] = runId
    return runId
  }

  finishJob(id: string): void {
    const runId = this.#runningJobs[id]
    if (runId === undefined) throw new Error(`the job (${id}) is not running`)
    delete this.#runningJobs[id]
    this.#emit('job:terminated', runId, { type: this.#jobs.get(id)!.type })
  }
}

/** The ids of a simple pattern, and only of one: `{ id: 'a' }` or `{ id: { __or: ['a', 'b'] } }`. */
function idsOfSimplePattern(pattern: Pattern): string[] {
  const onlyKey = (value: unknown, key: string) =>
    value !== null && typeof value === 'object' && Object.keys(value).join() === key
  if (onlyKey(pattern, 'id')) {
    const { id } = pattern
    if (typeof id === 'string') return [id]
    const alternatives = onlyKey(id, '__or') ? (id as { __or: unknown }).__or : undefined
    if (Array.isArray(alternatives) && alternatives.every(value => typeof value === 'string')) return alternatives
  }
  throw new Error('invalid pattern')
}

const OPERATORS: Record<string, (operand: any, value: unknown) => boolean> = {
  __and: (patterns: unknown[], value) => patterns.every(pattern => matchesPattern(pattern, value)),
  __or: (patterns: unknown[], value) => patterns.some(pattern => matchesPattern(pattern, value)),
  __not: (pattern: unknown, value) => !matchesPattern(pattern, value),
}

/** value-matcher's `createPredicate(pattern)(value)`, the matcher of XO's smart-mode patterns. */
export function matchesPattern(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) {
    return Array.isArray(value) && pattern.every(item => value.some(candidate => matchesPattern(item, candidate)))
  }
  if (pattern === null || typeof pattern !== 'object') return pattern === value
  const entries = Object.entries(pattern)
  if (entries.length === 1 && entries[0][0] in OPERATORS) return OPERATORS[entries[0][0]](entries[0][1], value)
  if (value === null || typeof value !== 'object') return false
  return entries.every(([key, item]) => {
    const field = (value as Record<string, unknown>)[key]
    return field !== undefined && matchesPattern(item, field)
  })
}
