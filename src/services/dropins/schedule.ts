// The scheduled audit (settings.audit): at each occurrence of its cron pattern it checks the desired
// drop-ins on every host, writes back missing or changed files when `reapply` is on, adds the HSTS
// check unless `skipHsts` is on, and e-mails a report to `notify` (through the transport-email plugin's
// `xo.sendEmail`) only when something needs attention.
import { createSchedule } from '@xen-orchestra/cron'
import type { Settings } from '../../settings/settings'
import { describeError, invalidParameters, paramError, type ParamError } from '../../xo/errors'
import type { XoApp } from '../../xo/types'
import { poolNeedsAttention, type DesiredState, type PoolCompliance, type ReapplyOutcome } from './desired'
import { sharedTreeReads, type HostFiles, type ReadTree } from './host-files'
import { formatAuditReport } from './report'
import { TimeoutError, withTimeout } from '../../util/timeout'

/** The HSTS part of the audit, as the HSTS service provides it. */
export interface HstsAuditSection {
  needsAttention: boolean
  /** Markdown for the e-mail. */
  markdown: string
}

export interface ScheduledAuditDeps {
  xo: XoApp
  audit: Settings['audit']
  desired: DesiredState
  /** The HSTS section, on the trees the audit read (each host is read once per run). */
  checkHsts?: (readTree: ReadTree) => Promise<HstsAuditSection>
  files: HostFiles
  log?: (message: string, error?: unknown) => void
}

export interface ScheduledAuditReport {
  startedAt: string
  compliance: PoolCompliance[]
  reapplied: ReapplyOutcome[]
  hsts?: HstsAuditSection | { error: string }
  needsAttention: boolean
  /** Who the report went to; empty when it was not sent (nothing to say, no recipient, no transport). */
  emailedTo: string[]
  emailError?: string
}

const EMAIL_TIMEOUT_MS = 60_000

export class ScheduledAudit {
  readonly #deps: ScheduledAuditDeps

  constructor(deps: ScheduledAuditDeps) {
    this.#deps = deps
  }

  /** Starts the cron job when the audit is enabled; returns the function that stops it. */
  start(): () => void {
    const { audit, log } = this.#deps
    if (audit.paused) {
      return () => {}
    }
    return createSchedule(audit.schedule, audit.timezone).startJob(() =>
      this.run().catch(error => log?.('the scheduled XAPI configuration audit failed', error))
    )
  }

  /** One run of the audit: what the cron job does. */
  async run(): Promise<ScheduledAuditReport> {
    const { audit, desired } = this.#deps
    const startedAt = new Date().toISOString()
    const trees = sharedTreeReads(this.#deps.files)
    const compliance = await desired.check(undefined, trees.readTree)
    const reapplied = audit.reapply ? await desired.reapply(compliance) : []
    reapplied.forEach(outcome => outcome.hosts.forEach(hostId => trees.forget(hostId))) // written since: read again
    const hsts = audit.skipHsts ? undefined : await this.#hsts(trees.readTree)
    const attention = compliance.some(poolNeedsAttention) || (hsts !== undefined && ('error' in hsts || hsts.needsAttention))
    const report: ScheduledAuditReport = { startedAt, compliance, reapplied, hsts, needsAttention: attention, emailedTo: [] }
    if (attention) {
      await this.#email(report)
    }
    return report
  }

  async #hsts(readTree: ReadTree): Promise<ScheduledAuditReport['hsts']> {
    if (this.#deps.checkHsts === undefined) {
      return undefined
    }
    try {
      return await this.#deps.checkHsts(readTree)
    } catch (error) {
      return { error: describeError(error).message }
    }
  }

  async #email(report: ScheduledAuditReport): Promise<void> {
    const { xo, audit } = this.#deps
    if (audit.notify.length === 0 || xo.sendEmail === undefined) {
      return
    }
    try {
      const message = { to: audit.notify, subject: '[Xen Orchestra] XAPI configuration audit: attention needed', markdown: formatAuditReport(report) }
      // The cron job waits for each run: a mail server that never answers must not stop later audits.
      await withTimeout(xo.sendEmail(message), EMAIL_TIMEOUT_MS, () => new TimeoutError('sending the audit e-mail', EMAIL_TIMEOUT_MS))
      report.emailedTo = [...audit.notify]
    } catch (error) {
      report.emailError = describeError(error).message
    }
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
