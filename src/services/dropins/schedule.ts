// The scheduled audit (settings.audit): at each occurrence of its cron pattern it checks the desired
// drop-ins on every host, writes back missing or changed files when `reapply` is on, audits every host's
// configuration (would XAPI start, drift between the hosts of a pool), adds the HSTS check unless
// `skipHsts` is on, and sends the report to the transports chosen in the settings (src/services/alerts/):
// e-mail and chat when something needs attention, monitoring after every run.
import { createSchedule } from '@xen-orchestra/cron'
import type { Settings } from '../../settings/settings'
import { describeError, invalidParameters, paramError, type ParamError } from '../../xo/errors'
import type { XoApp } from '../../xo/types'
import type { FleetAudit } from '../audit/service'
import { inOperation } from '../../ssh/operation'
import { deliver, type Delivery } from '../alerts/deliver'
import { assess, type Assessment, type AuditFacts } from '../alerts/findings'
import { failureText } from '../alerts/messages'
import type { AlertStatus } from '../alerts/status'
import type { TransportName } from '../alerts/transports'
import type { DesiredState, PoolCompliance, ReapplyOutcome } from './desired'
import { sharedTreeReads, type HostFiles, type ReadTree } from './host-files'

/** The HSTS part of the audit, as the HSTS service provides it. */
export type HstsAuditSection = Exclude<AuditFacts['hsts'], undefined | { error: string }>

export interface ScheduledAuditDeps {
  xo: XoApp
  audit: Settings['audit']
  /** How long each transport may take (settings.timeouts.alert), in ms. */
  alertTimeoutMs: number
  desired: DesiredState
  /** The HSTS section, on the trees the audit read (each host is read once per run). */
  checkHsts?: (readTree: ReadTree) => Promise<HstsAuditSection>
  /** The configuration audit of every pool (would XAPI start, drift), on the same trees. */
  auditFleet?: (readTree: ReadTree) => Promise<FleetAudit>
  files: HostFiles
  log?: (message: string, error?: unknown) => void
}

export interface ScheduledAuditReport {
  startedAt: string
  compliance: PoolCompliance[]
  reapplied: ReapplyOutcome[]
  hsts?: HstsAuditSection | { error: string }
  fleet?: FleetAudit | { error: string }
  /** The fleet's status (docs/audit-alerts.md), the pools' rows and every finding. */
  assessment: Assessment
  status: AlertStatus
  needsAttention: boolean
  /** One entry per transport the report was due on. */
  deliveries: Delivery[]
}

export class ScheduledAudit {
  readonly #deps: ScheduledAuditDeps
  readonly #reportedMissing = new Set<TransportName>()

  constructor(deps: ScheduledAuditDeps) {
    this.#deps = deps
  }

  /** Starts the cron job when the audit is enabled; returns the function that stops it. */
  start(): () => void {
    const { audit } = this.#deps
    if (audit.paused) {
      return () => {}
    }
    return createSchedule(audit.schedule, audit.timezone).startJob(() => this.run().catch(error => this.#failed(error)))
  }

  /** One run of the audit: what the cron job does; SSH opened for it (src/ssh/operation.ts) is closed when it ends. */
  run(): Promise<ScheduledAuditReport> {
    return inOperation(() => this.#run(), { by: 'the scheduled audit', why: 'scheduled audit' })
  }

  async #run(): Promise<ScheduledAuditReport> {
    const { audit, desired } = this.#deps
    const startedAt = new Date().toISOString()
    const trees = sharedTreeReads(this.#deps.files)
    const compliance = await desired.check(undefined, trees.readTree)
    const reapplied = audit.reapply ? await desired.reapply(compliance) : []
    reapplied.forEach(outcome => outcome.hosts.forEach(hostId => trees.forget(hostId))) // written since: read again
    const [fleet, hsts] = await Promise.all([
      settle(this.#deps.auditFleet, trees.readTree),
      audit.skipHsts ? undefined : settle(this.#deps.checkHsts, trees.readTree),
    ])
    const assessment = assess({ compliance, reapplied, hsts, fleet })
    const deliveries = await deliver({ kind: 'report', message: { startedAt, assessment } }, this.#deliveryOptions())
    const { status } = assessment
    return { startedAt, compliance, reapplied, hsts, fleet, assessment, status, needsAttention: status !== 'OK', deliveries }
  }

  /** A run that could not finish: logged, and UNKNOWN for the monitoring transports (their check must not go stale). */
  async #failed(error: unknown): Promise<void> {
    this.#deps.log?.('the scheduled XAPI configuration audit failed', error)
    await deliver({ kind: 'failure', text: failureText(describeError(error).message) }, this.#deliveryOptions())
  }

  #deliveryOptions() {
    const { xo, audit, alertTimeoutMs, log } = this.#deps
    return { xo, audit, timeoutMs: alertTimeoutMs, log, reportedMissing: this.#reportedMissing }
  }
}

/** `part(readTree)`, or its error as `{ error }`; undefined when there is no such part. */
async function settle<T>(part: ((readTree: ReadTree) => Promise<T>) | undefined, readTree: ReadTree): Promise<T | { error: string } | undefined> {
  if (part === undefined) {
    return undefined
  }
  try {
    return await part(readTree)
  } catch (error) {
    return { error: describeError(error).message }
  }
}

/** invalidParameters when the audit's cron pattern or time zone is wrong (the cron library would silently use UTC for an unknown zone). */
export function checkAuditSchedule(audit: Settings['audit']): void {
  const problems: ParamError[] = []
  try {
    createSchedule(audit.schedule, audit.timezone)
  } catch (error) {
    problems.push(paramError('audit.schedule', `${JSON.stringify(audit.schedule)}: ${(error as Error).message}`))
  }
  if (!isTimeZone(audit.timezone)) {
    problems.push(paramError('audit.timezone', `${JSON.stringify(audit.timezone)} is not a time zone (e.g. UTC, Europe/Paris)`))
  }
  if (problems.length !== 0) {
    invalidParameters(problems.map(problem => problem.message).join('; '), problems)
  }
}

function isTimeZone(zone: string): boolean {
  if (zone.toLowerCase() === 'utc' || zone === 'local') {
    return true
  }
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return true
  } catch {
    return false
  }
}
