// The drop-in service: plan, apply, removeFile, history, revert, setTaskTimeout, the desired state and
// its scheduled audit. Built once per loaded plugin by src/services/index.ts.
//
// Stable entry point for other services (the HSTS engineer's setHsts calls it):
//
//   services.dropIns.apply(params: ApplyParams, context: { user?: XoUser }): Promise<ChangeResult>
//
//   params:  { pool?: string, hosts?: string[]      exactly one of them: a pool, or hosts of one pool
//              settings: { [key]: string | number | boolean | null }   null removes the key
//              file?: string                        default 'zz-xo-xapi-config.conf'
//              expert?: boolean                     allows the catalog's expert keys
//              restart?: boolean }                  restarts the toolstack of the hosts that changed
//   returns: { changeId: string | null (null: every host already held it), outcome: 'applied' |
//              'unchanged' | 'rolled-back' | 'rollback-incomplete', file, pool: { id, label },
//              hosts: [{ host, path, before, after, outcome, error? }], restart?: RestartReport | { error } }
//   throws (and writes nothing): invalidParameters (bad key, value or file name; a key a host's XAPI
//   does not know), forbiddenOperation (a vendor drop-in, a file the plugin did not write, XAPI would
//   not start), incorrectState (a host is unreachable; its XAPI reads another config-dir; the name is
//   a directory there), noSuchObject (unknown pool or host). A write that failed on one host and was
//   undone everywhere is not thrown: it is the result's outcome `rolled-back`, host by host.
import type { Settings } from '../../settings/settings'
import type { ScopeParams } from '../../xo/targets'
import type { XoApp, XoUser } from '../../xo/types'
import { commitChange, type ChangeResult, type Restarter } from './apply'
import { DesiredState, parseDesired } from './desired'
import type { HostFiles } from './host-files'
import { ChangeJournal, type ChangeKind, type JournalEntry } from './journal'
import { planChange, type ChangeParams, type ChangePlan, type Planned } from './plan'
import { planRemoval, type RemoveParams } from './remove'
import { planRevert, type RevertParams } from './revert'
import { checkAuditSchedule, ScheduledAudit, type HstsAuditSection } from './schedule'

export type { ChangeResult } from './apply'
export type { ChangeParams, ChangePlan } from './plan'

export interface ApplyParams extends ChangeParams {
  restart?: boolean
}

export interface CallerContext {
  user?: XoUser
}

export interface TaskTimeoutParams extends ScopeParams {
  pendingSeconds: number
  completedSeconds?: number
  restart?: boolean
}

export const DEFAULT_HISTORY_LIMIT = 20

export interface DropInServiceDeps {
  xo: XoApp
  settings: Settings
  dataDir: string
  files: HostFiles
  restarter?: Restarter
  checkHsts?: () => Promise<HstsAuditSection>
  log?: (message: string, error?: unknown) => void
}

/** invalidParameters when the settings' desired drop-ins or audit schedule are wrong: configure() calls it. */
export function checkDropInSettings(settings: Settings): void {
  parseDesired(settings.desired)
  checkAuditSchedule(settings.audit)
}

export class DropInService {
  readonly desired: DesiredState
  readonly audit: ScheduledAudit
  readonly #deps: DropInServiceDeps
  readonly #journal: ChangeJournal
  #queue: Promise<unknown> = Promise.resolve()

  constructor(deps: DropInServiceDeps) {
    this.#deps = deps
    this.#journal = new ChangeJournal(deps.dataDir)
    this.desired = new DesiredState({
      ...this.#commitDeps(),
      entries: parseDesired(deps.settings.desired),
      serialize: work => this.#serialize(work),
    })
    this.audit = new ScheduledAudit({
      xo: deps.xo,
      audit: deps.settings.audit,
      desired: this.desired,
      checkHsts: deps.checkHsts,
      log: deps.log,
    })
  }

  /** Starts the scheduled audit; returns its remover. */
  start(): () => void {
    return this.audit.start()
  }

  async plan(params: ChangeParams): Promise<ChangePlan> {
    return (await planChange(this.#planDeps(), params)).plan
  }

  apply({ restart, ...change }: ApplyParams, context: CallerContext): Promise<ChangeResult> {
    return this.#change('apply', () => planChange(this.#planDeps(), change), { ...change, restart }, context)
  }

  removeFile({ restart, ...removal }: RemoveParams & { restart?: boolean }, context: CallerContext): Promise<ChangeResult> {
    return this.#change('remove', () => planRemoval(this.#planDeps(), removal), { ...removal, restart }, context)
  }

  revert({ restart, ...revert }: RevertParams & { restart?: boolean }, context: CallerContext): Promise<ChangeResult> {
    const journaled = () => planRevert({ ...this.#planDeps(), journal: this.#journal }, revert)
    return this.#change('revert', journaled, { ...revert, restart }, context)
  }

  history({ limit = DEFAULT_HISTORY_LIMIT }: { limit?: number } = {}): Promise<JournalEntry[]> {
    return this.#journal.history(limit)
  }

  setTaskTimeout(params: TaskTimeoutParams, context: CallerContext): Promise<ChangeResult> {
    const { pendingSeconds, completedSeconds, restart, pool, hosts } = params
    const settings: Record<string, number> = { pending_task_timeout: pendingSeconds }
    if (completedSeconds !== undefined) {
      settings.completed_task_timeout = completedSeconds
    }
    return this.apply({ pool, hosts, settings, restart }, context)
  }

  /**
   * Plans then commits one change. Changes run one at a time, so that two changes of the same file
   * never interleave their reads and writes.
   */
  #change(
    kind: ChangeKind,
    planned: () => Promise<Planned & { entry?: JournalEntry }>,
    request: Record<string, unknown> & { restart?: boolean },
    { user }: CallerContext
  ): Promise<ChangeResult> {
    return this.#serialize(async () => {
      const { plan, pool, entry } = await planned()
      return commitChange(this.#commitDeps(), { kind, plan, pool, user, request, revertOf: entry?.id, restart: request.restart })
    })
  }

  #serialize<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(work, work)
    this.#queue = result.catch(() => {})
    return result
  }

  #planDeps() {
    return { xo: this.#deps.xo, files: this.#deps.files, concurrency: this.#deps.settings.concurrency }
  }

  #commitDeps() {
    return { ...this.#planDeps(), journal: this.#journal, restarter: this.#deps.restarter }
  }
}
