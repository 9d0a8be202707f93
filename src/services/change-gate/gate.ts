// The change gate: the one way the plugin writes or removes a host file. apply, removeFile, revert,
// setTaskTimeout, setHsts, the desired state's re-apply and their REST twins all come here, and the
// same rules decide for every host, whoever asked:
//   - the pool is not being restarted, and changes of one pool run one at a time (./../pool-lock.ts);
//   - every host of the scope is reachable (all or nothing);
//   - the per-host rules of ./host-rules.ts: XAPI reads the file from the plugin's directory, the file
//     is within the size limits, every value it adds is valid for that host's XAPI, XAPI still starts;
//   - the HSTS lockout rule of ./trust-rule.ts: no new positive hsts_max_age where the host's certificate
//     is not trusted, unless the caller passed allowUntrustedCertificate;
//   - the file still holds what the plan read (./write.ts refuses a host changed since).
// Then it journals the change, writes every host all or nothing inside an XO task (journaling each
// host's outcome as it completes), and restarts the toolstack of the hosts that changed when asked.
import { randomUUID } from 'node:crypto'
import { createTask, runStep } from '../../xo/step'
import { forbiddenOperation, incorrectState, invalidParameters, paramError, throwDetailed } from '../../xo/errors'
import type { HostTarget, PoolTarget } from '../../xo/targets'
import type { XoApp, XoTaskHandle, XoUser } from '../../xo/types'
import { userName, userRecord } from '../../xo/users'
import type { HostFiles } from '../dropins/host-files'
import type { ChangeJournal, ChangeKind, ChangeOutcome, HostFileRecord, JournalEntry } from '../dropins/journal'
import type { ChangePlan, Planned } from '../dropins/plan'
import type { HostChangeView, HostPreviewRow, RefusalKind } from '../dropins/preview'
import type { HostRef } from '../fleet'
import type { UntrustedHost } from '../hsts/set'
import type { PoolLocks } from '../pool-lock'
import type { RestartContext, RestartOptions, RestartScope } from '../restart/types'
import { applyLockoutRule, type CertificateTrust } from './trust-rule'
import { wasChanged, writeAllOrNothing, type PlannedWrite, type WriteResult } from './write'

/** The restart service's entry point (src/services/restart/service.ts), as far as changes use it. */
export interface Restarter {
  restart(scope: RestartScope, options: RestartOptions, context: RestartContext): Promise<unknown>
}

export interface ChangeGateDeps {
  xo: XoApp
  /** The only writer of host files in the plugin. */
  files: HostFiles
  journal: ChangeJournal
  locks: PoolLocks
  concurrency: number
  /** Which hosts of a pool have a certificate browsers would not trust (the HSTS service's check). */
  trust?: CertificateTrust
  restarter?: Restarter
}

/** What the caller lets through, the same for every method. */
export interface GateOptions {
  /** Accept a positive hsts_max_age on hosts whose certificate browsers do not trust. */
  allowUntrustedCertificate?: boolean
}

export interface ChangeRequest extends GateOptions {
  kind: ChangeKind
  /** The pool whose lock the change takes. */
  poolId: string
  user?: XoUser
  /** The request as made, kept in the journal. */
  request: Record<string, unknown>
  restart?: boolean
  /** Reads the hosts and says what each file must hold; runs holding the pool's lock. */
  plan(): Promise<Planned & { entry?: JournalEntry }>
}

export interface ChangeResult {
  /** Id of the journal entry; `null` when every host already held the target contents. */
  changeId: string | null
  outcome: ChangeOutcome
  file: string
  pool: { id: string; label: string }
  hosts: HostFileRecord[]
  /** Hosts with a certificate browsers will not trust, accepted through `allowUntrustedCertificate`. */
  untrustedAccepted?: UntrustedHost[]
  /** The restart report (or its error) when `restart: true` and the change was applied. */
  restart?: unknown
}

export interface Reviewed extends Planned {
  untrustedAccepted: UntrustedHost[]
}

type HostView = Extract<HostPreviewRow, { ok: true }>

const NOTHING_TO_RESTART =
  'no file changed, so no host was restarted; if XAPI still runs with older values, restart it with xapiConfig.restartToolstack'

export class ChangeGate {
  readonly #deps: ChangeGateDeps

  constructor(deps: ChangeGateDeps) {
    this.#deps = deps
  }

  /** The rules that need the network (the HSTS lockout rule), added to a plan's rows; `plan` shows them too. */
  review(planned: Planned, options: GateOptions): Promise<Reviewed> {
    return applyLockoutRule(planned, this.#deps.trust, options.allowUntrustedCertificate === true)
  }

  /** Plans, checks every rule, then writes: the only way a host file changes. */
  async change(request: ChangeRequest): Promise<ChangeResult> {
    const operation = { kind: 'change' as const, by: userName(request.user), startedAt: Date.now(), reason: `${request.kind} of drop-in files` }
    const change = await this.#deps.locks.queue(request.poolId, operation, () => this.#decideAndWrite(request))
    if (request.restart !== true) {
      return change
    }
    if (change.outcome === 'unchanged') {
      return { ...change, restart: { skipped: NOTHING_TO_RESTART } }
    }
    if (change.outcome === 'applied') {
      change.restart = await this.#restartChanged(request, change.hosts, change.changeId!)
    }
    return change
  }

  async #decideAndWrite(request: ChangeRequest): Promise<ChangeResult> {
    const planned = await request.plan()
    const { plan, untrustedAccepted } = await this.review(planned, request)
    refuseUnlessApplicable(plan)
    const views = plan.hosts as HostView[]
    const accepted = untrustedAccepted.length === 0 ? {} : { untrustedAccepted }
    if (!plan.changes) {
      return { changeId: null, outcome: 'unchanged', file: plan.file, pool: plan.pool, hosts: views.map(toRecord), ...accepted }
    }
    const entry = newEntry(request, plan, planned.entry?.id)
    await this.#deps.journal.begin(entry)
    const result = await this.#writeOrMarkInterrupted(request, planned.pool, views, entry)
    await this.#deps.journal.finish({ ...entry, outcome: result.outcome, hosts: result.hosts })
    return { changeId: entry.id, outcome: result.outcome, file: plan.file, pool: plan.pool, hosts: result.hosts, ...accepted }
  }

  /**
   * A write that throws instead of reporting host by host still ends its journal entry, as `interrupted`
   * (what a crash leaves): left `pending`, the change could be neither listed as over nor reverted.
   */
  async #writeOrMarkInterrupted(request: ChangeRequest, pool: PoolTarget, views: HostView[], entry: JournalEntry): Promise<WriteResult> {
    try {
      const task = createTask(this.#deps.xo, { name: taskName(request.kind, entry), objectId: pool.id, type: `xo:xapi-config:${request.kind}` })
      return await this.#writeInTask(pool, views, entry, task)
    } catch (error) {
      await this.#deps.journal.finish({ ...entry, outcome: 'interrupted' })
      throw error
    }
  }

  /**
   * Writes inside the XO task, which fails (and shows so in XO's task list) when the change did not apply;
   * the result, rolled back or not, is returned either way. Each host's outcome is journaled as it
   * completes, so that a crash leaves an entry saying which hosts hold the new file.
   */
  async #writeInTask(pool: PoolTarget, views: HostView[], entry: JournalEntry, task: XoTaskHandle): Promise<WriteResult> {
    const { files, journal, concurrency } = this.#deps
    let written: WriteResult | undefined
    try {
      await task.run(async () => {
        written = await writeAllOrNothing(files, toWrites(pool, views), {
          limit: concurrency,
          onProgress: async (done, total, hosts) => {
            task.set('progress', Math.round((done / total) * 100))
            await journal.progress({ ...entry, hosts: [...hosts] })
          },
          eachHost: (write, fn) => runStep({ name: hostStepName(write, entry.file), objectId: write.host.id }, fn),
        })
        for (const host of written.hosts.filter(row => row.outcome === 'rolled-back' || row.outcome === 'rollback-failed')) {
          task.info(`${host.host.label}: ${host.outcome}`, host.error)
        }
        if (written.outcome !== 'applied') {
          throw new Error(`${entry.file} was not changed: ${written.outcome} (see each host)`)
        }
      })
    } catch (error) {
      if (written === undefined) {
        throw error
      }
    }
    return written!
  }

  async #restartChanged(request: ChangeRequest, hosts: HostFileRecord[], changeId: string): Promise<unknown> {
    const { restarter } = this.#deps
    if (restarter === undefined) {
      return { error: 'the restart service is not available: restart the toolstack with xapiConfig.restartToolstack' }
    }
    const changed = hosts.filter(wasChanged).map(host => host.host.id)
    try {
      return await restarter.restart({ hosts: changed }, {}, { user: request.user, reason: `${request.kind} of change ${changeId}` })
    } catch (error) {
      return { error: (error as Error).message, data: (error as { data?: unknown }).data }
    }
  }
}

/** Throws the xo-common error that fits the first kind of problem found, naming every host concerned. */
export function refuseUnlessApplicable(plan: ChangePlan): void {
  const unreachable = plan.hosts.filter(row => !row.ok)
  if (unreachable.length !== 0) {
    incorrectState({
      object: plan.pool.id,
      property: 'hosts',
      expected: 'every host of the scope reachable over SSH (the change is all or nothing)',
      actual: unreachable.map(row => ({ host: row.host, error: row.ok ? undefined : row.error.message })),
    })
  }
  for (const kind of ['invalid', 'forbidden', 'breaks-startup', 'conflict'] as const) {
    const hosts = refusalsOfKind(plan.hosts, kind)
    if (hosts.length !== 0) {
      throwRefusal(kind, hosts)
    }
  }
}

function refusalsOfKind(rows: HostPreviewRow[], kind: RefusalKind): Array<{ host: HostRef; reasons: string[] }> {
  return rows.flatMap(row => {
    const reasons = row.ok ? row.refusals.filter(refusal => refusal.kind === kind).map(refusal => refusal.message) : []
    return reasons.length === 0 ? [] : [{ host: row.host, reasons }]
  })
}

function throwRefusal(kind: RefusalKind, hosts: Array<{ host: HostRef; reasons: string[] }>): never {
  const summary = hosts.map(({ host, reasons }) => `${host.label}: ${reasons.join('; ')}`).join(' | ')
  switch (kind) {
    case 'invalid':
      return invalidParameters(summary, hosts.map(({ host, reasons }) => paramError('settings', reasons.join('; '), { host: host.id, label: host.label })))
    case 'forbidden':
    case 'breaks-startup':
      return throwDetailed(() => forbiddenOperation('change drop-in', summary), summary, {})
    case 'conflict':
      return incorrectState({ expected: 'files as they were when the change was planned', actual: summary, property: 'hosts' })
  }
}

function toWrites(pool: PoolTarget, views: HostView[]): PlannedWrite[] {
  const byId = new Map<string, HostTarget>(pool.hosts.map(host => [host.id, host]))
  return views.map(({ host, path, before, after }) => ({ host: byId.get(host.id)!, path, before, after }))
}

function toRecord({ host, path, before, after }: { host: HostRef } & HostChangeView): HostFileRecord {
  return { host, path, before, after, outcome: 'unchanged' }
}

function newEntry(request: ChangeRequest, plan: ChangePlan, revertOf: string | undefined): JournalEntry {
  const { user } = request
  const views = plan.hosts as HostView[]
  return {
    id: randomUUID(),
    kind: request.kind,
    at: new Date().toISOString(),
    user: userRecord(user),
    targets: { poolId: plan.pool.id, poolLabel: plan.pool.label, hostIds: views.map(view => view.host.id) },
    file: plan.file,
    request: boundedStrings(request.request),
    revertOf,
    outcome: 'pending',
    hosts: views.map(({ host, path, before, after }) => ({ host, path, before, after })),
  }
}

const KEPT_CHARACTERS = 200

/** The request as made, for the journal, with every long string cut to a prefix and its length: a big value does not grow the journal. */
function boundedStrings(request: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify(request, (_key, value: unknown) =>
      typeof value === 'string' && value.length > KEPT_CHARACTERS ? `${value.slice(0, KEPT_CHARACTERS)}… (${value.length} characters)` : value
    )
  )
}

function hostStepName({ host, before, after }: PlannedWrite, file: string): string {
  return after === null && before !== null ? `Remove ${file} from ${host.label}` : `Write ${file} on ${host.label}`
}

function taskName(kind: ChangeKind, entry: JournalEntry): string {
  return `XAPI configuration: ${kind} ${entry.file} on ${entry.targets.poolLabel}`
}
