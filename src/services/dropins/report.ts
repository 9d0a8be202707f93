// The scheduled audit's report as Markdown, for the e-mail sent through xo.sendEmail: only what needs
// attention, host by host, with what the admin can do about it.
import { displayValue } from '../../conf/display'
import { poolNeedsAttention, type HostCompliance, type KeyDifference, type PoolCompliance, type ReapplyOutcome } from './desired'
import type { ScheduledAuditReport } from './schedule'

const ADVICE: Readonly<Record<string, string>> = {
  missing: 'the file is gone (an ISO upgrade wipes /etc/xapi.conf.d)',
  changed: 'the file does not hold the desired values',
  overridden: 'another drop-in, read later, sets a different value',
}

export function formatAuditReport(report: ScheduledAuditReport): string {
  const sections = [`# XAPI configuration audit of ${report.startedAt}`]
  const drifted = report.compliance.filter(poolNeedsAttention)
  if (drifted.length !== 0) {
    sections.push('## Desired drop-ins', ...drifted.map(formatPool))
  }
  if (report.reapplied.length !== 0) {
    sections.push('## Written back', ...report.reapplied.map(formatReapply))
  } else if (drifted.length !== 0) {
    sections.push('Automatic re-apply is off: run `xo-cli xapiConfig.apply` or turn on *Re-apply missing or changed drop-ins* in the plugin settings.')
  }
  if (report.hsts !== undefined) {
    // The HSTS service's section brings its own heading.
    sections.push('error' in report.hsts ? `## HSTS\n\nThe HSTS check failed: ${report.hsts.error}` : report.hsts.markdown)
  }
  return sections.join('\n\n') + '\n'
}

function formatPool(item: PoolCompliance): string {
  const title = `### ${item.pool.label}: ${item.file}`
  if (item.error !== undefined) {
    return `${title}\n\nThe pool could not be checked: ${item.error.message}`
  }
  const rows = item.hosts.filter(row => !row.ok || row.status !== 'compliant').map(formatHost)
  return [title, '', ...rows].join('\n')
}

function formatHost(row: HostCompliance): string {
  if (!row.ok) {
    return `- **${row.host.label}**: not checked: ${row.error.message}`
  }
  const details = row.differences.map(formatDifference).join(', ')
  return `- **${row.host.label}**: ${row.status}: ${ADVICE[row.status]}${details === '' ? '' : ` (${details})`}`
}

function formatDifference({ key, desired, actual, from }: KeyDifference): string {
  const source = from === undefined ? '' : ` from ${from ?? "XAPI's default"}`
  const shown = (value: string | null) => (value === null ? 'absent' : displayValue(key, value))
  return `\`${key}\`: ${shown(actual)}${source}, desired ${shown(desired)}`
}

function formatReapply(outcome: ReapplyOutcome): string {
  const head = `- ${outcome.pool.label}, ${outcome.file} on ${outcome.hosts.length} host(s): `
  if (outcome.error !== undefined) {
    return head + `not written: ${outcome.error.message}`
  }
  const result = outcome.result!
  return head + `${result.outcome} (change ${result.changeId}); restart the toolstack for XAPI to use the values`
}
