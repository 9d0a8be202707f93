// Commits a previewed change: refuses it when a host is unreachable or refuses it, journals it, writes
// every host all or nothing inside an XO task, journals the outcome, and optionally restarts the
// toolstack of the hosts that changed. Shared by apply, removeFile, revert and the desired state.
import { randomUUID } from 'node:crypto'
import { forbiddenOperation, incorrectState, invalidParameters, paramError } from '../../xo/errors'
import type { HostTarget, PoolTarget } from '../../xo/targets'
import type { XoApp, XoTaskHandle, XoUser } from '../../xo/types'
import type { HostRef } from '../fleet'
import type { RestartContext, RestartOptions, RestartScope } from '../restart/types'
import type { HostFiles } from './host-files'
import type { ChangeJournal, ChangeKind, ChangeOutcome, HostFileRecord, JournalEntry } from './journal'
import type { ChangePlan } from './plan'
import type { HostChangeView, HostPreviewRow, RefusalKind } from './preview'
import { wasChanged, writeAllOrNothing, type PlannedWrite, type WriteResult } from './write'

/** The restart service's entry point (src/services/restart/service.ts), as far as drop-ins use it. */
export interface Restarter {
  restart(scope: RestartScope, options: RestartOptions, context: RestartContext): Promise<unknown>
}

export interface CommitDeps {
  xo: XoApp
  files: HostFiles
  journal: ChangeJournal
  concurrency: number
  restarter?: Restarter
}

export interface CommitRequest {
  kind: ChangeKind
  plan: ChangePlan
  pool: PoolTarget
  user?: XoUser
  /** The request as made, kept in the journal. */
  request: Record<string, unknown>
  revertOf?: string
  restart?: boolean
}

export interface ChangeResult {
  /** Id of the journal entry; `null` when every host already held the target contents. */
  changeId: string | null
  outcome: ChangeOutcome
  file: string
  pool: { id: string; label: string }
  hosts: HostFileRecord[]
  /** The restart report (or its error) when `restart: true` and the change was applied. */
  restart?: unknown
}

type HostView = Extract<HostPreviewRow, { ok: true }>

const NOTHING_TO_RESTART =
  'no file changed, so no host was restarted; if XAPI still runs with older values, restart it with xapiConfig.restartToolstack'

export async function commitChange(deps: CommitDeps, request: CommitRequest): Promise<ChangeResult> {
  const { plan } = request
  refuseUnlessApplicable(plan)
  const views = plan.hosts as HostView[]
  if (!plan.changes) {
    const unchanged: ChangeResult = { changeId: null, outcome: 'unchanged', file: plan.file, pool: plan.pool, hosts: views.map(toRecord) }
    return request.restart === true ? { ...unchanged, restart: { skipped: NOTHING_TO_RESTART } } : unchanged
  }
  const entry = newEntry(request, views)
  await deps.journal.begin(entry)
  const result = await writeOrMarkInterrupted(deps, request, views, entry)
  const finished: JournalEntry = { ...entry, outcome: result.outcome, hosts: result.hosts }
  await deps.journal.finish(finished)
  const change: ChangeResult = { changeId: entry.id, outcome: result.outcome, file: plan.file, pool: plan.pool, hosts: result.hosts }
  if (request.restart === true && result.outcome === 'applied') {
    change.restart = await restartChanged(deps, request, result.hosts, entry.id)
  }
  return change
}

/**
 * A write that throws instead of reporting host by host still ends its journal entry, as `interrupted`
 * (what a crash leaves): left `pending`, the change could be neither listed as over nor reverted.
 */
async function writeOrMarkInterrupted(deps: CommitDeps, request: CommitRequest, views: HostView[], entry: JournalEntry): Promise<WriteResult> {
  try {
    const task = deps.xo.tasks.create({ name: taskName(request), objectId: request.plan.pool.id, type: `xo:xapi-config:${request.kind}` })
    return await writeInTask(deps, request, views, task)
  } catch (error) {
    await deps.journal.finish({ ...entry, outcome: 'interrupted' })
    throw error
  }
}

/**
 * Writes inside the XO task, which fails (and shows so in XO's task list) when the change did not apply;
 * the result, rolled back or not, is returned either way.
 */
async function writeInTask(deps: CommitDeps, request: CommitRequest, views: HostView[], task: XoTaskHandle): Promise<WriteResult> {
  let written: WriteResult | undefined
  try {
    await task.run(async () => {
      written = await writeAllOrNothing(deps.files, toWrites(request.pool, views), {
        limit: deps.concurrency,
        onProgress: (done, total) => task.set('progress', Math.round((done / total) * 100)),
      })
      for (const host of written.hosts) {
        task.info(`${host.host.label}: ${host.outcome}`, host.error)
      }
      if (written.outcome !== 'applied') {
        throw new Error(`${request.plan.file} was not changed: ${written.outcome} (see each host)`)
      }
    })
  } catch (error) {
    if (written === undefined) {
      throw error
    }
  }
  return written!
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
      return forbiddenOperation('change drop-in', summary)
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

function newEntry(request: CommitRequest, views: Array<{ host: HostRef } & HostChangeView>): JournalEntry {
  const { plan, user } = request
  return {
    id: randomUUID(),
    kind: request.kind,
    at: new Date().toISOString(),
    user: user === undefined ? null : { id: user.id, name: user.name ?? user.email },
    targets: { poolId: plan.pool.id, poolLabel: plan.pool.label, hostIds: views.map(view => view.host.id) },
    file: plan.file,
    request: request.request,
    revertOf: request.revertOf,
    outcome: 'pending',
    hosts: views.map(({ host, path, before, after }) => ({ host, path, before, after })),
  }
}

function taskName({ kind, plan }: CommitRequest): string {
  return `XAPI configuration: ${kind} ${plan.file} on ${plan.pool.label}`
}

async function restartChanged(deps: CommitDeps, request: CommitRequest, hosts: HostFileRecord[], changeId: string): Promise<unknown> {
  if (deps.restarter === undefined) {
    return { error: 'the restart service is not available: restart the toolstack with xapiConfig.restartToolstack' }
  }
  const changed = hosts.filter(wasChanged).map(host => host.host.id)
  try {
    return await deps.restarter.restart({ hosts: changed }, {}, { user: request.user, reason: `${request.kind} of change ${changeId}` })
  } catch (error) {
    return { error: (error as Error).message, data: (error as { data?: unknown }).data }
  }
}
