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
import { resolveScope, type HostFallback, type ScopeParams } from '../../xo/targets'
import type { XoApp, XoUser } from '../../xo/types'
import { ChangeGate, type ChangeResult, type GateOptions, type Restarter } from '../change-gate/gate'
import type { CertificateTrust } from '../change-gate/trust-rule'
import { PoolLocks } from '../pool-lock'
import { DesiredState, parseDesired } from './desired'
import { readOnly, type HostFileReader, type HostFiles, type ReadTree } from './host-files'
import { ChangeJournal, type ChangeKind, type JournalEntry, type StoredEntry } from './journal'
import { checkChangeParams, planChange, type ChangeParams, type ChangePlan, type Planned } from './plan'
import { checkRemovableName } from './names'
import { planRemoval, type RemoveParams } from './remove'
import { journaledChange, planRevert, type RevertParams } from './revert'
import { checkAuditSchedule, ScheduledAudit, type HstsAuditSection } from './schedule'
import type { FleetAudit } from '../audit/service'

export type { ChangeResult } from '../change-gate/gate'
export type { ChangeParams, ChangePlan } from './plan'
export type { RemoveParams } from './remove'

export interface ApplyParams extends ChangeParams, GateOptions {
  restart?: boolean
}

/** What every change method takes besides its own params. */
export interface ChangeOptions extends GateOptions {
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
  /** The last known hosts: removals and reverts still reach a pool XO does not show now. */
  lastKnown?: HostFallback
  settings: Settings
  dataDir: string
  /** Read by the service, written only through its change gate. */
  files: HostFiles
  /** The per-pool lock shared with the restart service. */
  locks?: PoolLocks
  /** The HSTS service's certificate check, for the change gate's lockout rule. */
  trust?: CertificateTrust
  restarter?: Restarter
  checkHsts?: (readTree: ReadTree) => Promise<HstsAuditSection>
  auditFleet?: (readTree: ReadTree) => Promise<FleetAudit>
  log?: (message: string, error?: unknown) => void
}

/** The keys setTaskTimeout writes. */
export function taskTimeoutSettings({ pendingSeconds, completedSeconds }: Pick<TaskTimeoutParams, 'pendingSeconds' | 'completedSeconds'>): Record<string, number> {
  const settings: Record<string, number> = { pending_task_timeout: pendingSeconds }
  if (completedSeconds !== undefined) {
    settings.completed_task_timeout = completedSeconds
  }
  return settings
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
  readonly #files: HostFileReader
  readonly #gate: ChangeGate

  constructor(deps: DropInServiceDeps) {
    this.#deps = deps
    this.#journal = new ChangeJournal(deps.dataDir)
    this.#files = readOnly(deps.files)
    const { xo, files, settings, locks = new PoolLocks(), trust, restarter } = deps
    this.#gate = new ChangeGate({ xo, files, journal: this.#journal, locks, concurrency: settings.concurrency, trust, restarter })
    this.desired = new DesiredState({
      ...this.#planDeps(),
      gate: this.#gate,
      entries: parseDesired(deps.settings.desired),
    })
    this.audit = new ScheduledAudit({
      xo: deps.xo,
      audit: deps.settings.audit,
      alertTimeoutMs: deps.settings.timeouts.alert * 1000,
      desired: this.desired,
      checkHsts: deps.checkHsts,
      auditFleet: deps.auditFleet,
      files: deps.files,
      log: deps.log,
    })
  }

  /** Starts the scheduled audit; returns its remover. */
  start(): () => void {
    return this.audit.start()
  }

  /** What the change would do on each host, with every refusal of the change gate. Writes nothing. */
  async plan({ allowUntrustedCertificate, ...change }: ChangeParams & GateOptions): Promise<ChangePlan> {
    return (await this.#gate.review(await planChange(this.#planDeps(), change), { allowUntrustedCertificate })).plan
  }

  async apply({ restart, allowUntrustedCertificate, ...change }: ApplyParams, context: CallerContext): Promise<ChangeResult> {
    checkChangeParams(change)
    const poolId = resolveScope(this.#deps.xo, change).id
    const plan = () => planChange(this.#planDeps(), change)
    return this.#change('apply', poolId, plan, { ...change, restart, allowUntrustedCertificate }, context)
  }

  async removeFile({ restart, allowUntrustedCertificate, ...removal }: RemoveParams & ChangeOptions, context: CallerContext): Promise<ChangeResult> {
    checkRemovableName(removal.file)
    const poolId = resolveScope(this.#deps.xo, removal, this.#deps.lastKnown).id
    const plan = () => planRemoval(this.#planDeps(), removal)
    return this.#change('remove', poolId, plan, { ...removal, restart, allowUntrustedCertificate }, context)
  }

  async revert({ restart, allowUntrustedCertificate, ...revert }: RevertParams & ChangeOptions, context: CallerContext): Promise<ChangeResult> {
    const { poolId } = (await journaledChange(this.#journal, revert.changeId)).targets
    const plan = () => planRevert({ ...this.#planDeps(), journal: this.#journal }, revert)
    return this.#change('revert', poolId, plan, { ...revert, restart, allowUntrustedCertificate }, context)
  }

  /** Every change of the journal, oldest first (the audit looks for interrupted ones). */
  journaled(): Promise<StoredEntry[]> {
    return this.#journal.entries()
  }

  history({ limit = DEFAULT_HISTORY_LIMIT }: { limit?: number } = {}): Promise<StoredEntry[]> {
    return this.#journal.history(limit)
  }

  setTaskTimeout(params: TaskTimeoutParams, context: CallerContext): Promise<ChangeResult> {
    const { restart, pool, hosts } = params
    return this.apply({ pool, hosts, settings: taskTimeoutSettings(params), restart }, context)
  }

  /** What removing the file would do on each host, with every refusal of the change gate. Writes nothing. */
  async planRemoval({ allowUntrustedCertificate, ...removal }: RemoveParams & GateOptions): Promise<ChangePlan> {
    checkRemovableName(removal.file)
    return (await this.#gate.review(await planRemoval(this.#planDeps(), removal), { allowUntrustedCertificate })).plan
  }

  /** Every change goes through the change gate, which plans it holding the pool's lock. */
  #change(
    kind: ChangeKind,
    poolId: string,
    plan: () => Promise<Planned & { entry?: JournalEntry }>,
    request: Record<string, unknown> & ChangeOptions,
    { user }: CallerContext
  ): Promise<ChangeResult> {
    const { restart, allowUntrustedCertificate } = request
    return this.#gate.change({ kind, poolId, plan, user, request, restart, allowUntrustedCertificate })
  }

  #planDeps() {
    return { xo: this.#deps.xo, files: this.#files, concurrency: this.#deps.settings.concurrency, lastKnown: this.#deps.lastKnown }
  }
}
